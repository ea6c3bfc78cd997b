"""Server-side end of sessions: a logged-out session id is refused even if its cookie is replayed.

The session cookie is signed and carries its own idle timeout (Flask checks the signature's age),
so the server keeps only the ids of sessions ended by logout, and only until a copy of their
cookie would have expired anyway. Whether a session is revoked is asked of the database only
after a logout anywhere (see logout_stamp.py).

Logout fails closed: when the revocation cannot be written (a full disk, a read-only folder), the
id is kept in this process's memory (one set shared by the app, so every thread refuses it from
then on) and written as soon as the disk allows: at the next logout, or by the first request at
least `RETRY_SECONDS` after the last try. The cookie is cleared either way. Until it is written
the revocation holds in this process only; `python app.py` (waitress) serves from one process, so
that is the whole server, while other processes sharing the instance folder learn of it only once
it is written (the write then changes the logout stamp they watch).
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import threading
import time

from flask import Flask, current_app, session

from fisoko.db import get_shared_db as get_db
from fisoko.files import disk_full
from fisoko.sessions.logout_stamp import LogoutStamp

log = logging.getLogger("fisoko")
SID_KEY = "sid"
PENDING_KEY = "fisoko.pending_revocations"
RETRY_SECONDS = 5.0  # between tries to write kept revocations while no logout comes


def _lifetime() -> float:
    return current_app.permanent_session_lifetime.total_seconds()


def _stamp() -> LogoutStamp:
    return current_app.extensions["fisoko.logout_stamp"]


def init_app(app: Flask) -> None:
    """Map the logout stamp beside the database (after db.init_app)."""
    app.extensions["fisoko.logout_stamp"] = LogoutStamp(str(app.config["DATABASE"]) + ".logouts")
    app.extensions[PENDING_KEY] = PendingRevocations()
    app.before_request(_retry_pending)


class PendingRevocations:
    """Session ids ended by a logout the disk could not record yet, with their expiry times."""

    def __init__(self, clock=time.monotonic) -> None:
        self._ids: dict[str, float] = {}
        self._lock = threading.Lock()
        self.clock = clock
        self.tried_at = -RETRY_SECONDS

    def __contains__(self, sid: str) -> bool:
        return sid in self._ids

    def __bool__(self) -> bool:
        return bool(self._ids)

    def due(self) -> bool:
        """Whether there is something to write and the last try is long enough ago; if so,
        this thread takes the try (the others keep serving)."""
        if not self._ids:
            return False
        with self._lock:
            now = self.clock()
            if now - self.tried_at < RETRY_SECONDS:
                return False
            self.tried_at = now
            return True

    def add(self, sid: str, expires_at: float) -> None:
        with self._lock:
            self._ids[sid] = expires_at

    def items(self) -> list[tuple[str, float]]:
        with self._lock:
            return list(self._ids.items())

    def written(self, sids: list[str]) -> None:
        with self._lock:
            for sid in sids:
                self._ids.pop(sid, None)


def _pending() -> PendingRevocations:
    return current_app.extensions[PENDING_KEY]


def start() -> None:
    """Begin a fresh session (after a login): drop everything from before, give a new id.

    The session also gets its CSRF token now, under the session key Flask-WTF documents
    (`WTF_CSRF_FIELD_NAME`): the first page after the login would otherwise add it, change the
    session and so make the cookie be signed and sent again. Flask-WTF signs whatever token the
    session holds.
    """
    session.clear()
    session[SID_KEY] = secrets.token_urlsafe(24)
    session[current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")] = secrets.token_hex(20)
    session.permanent = True


def is_active() -> bool:
    """Whether the current session has an id that was not ended by logout."""
    sid = session.get(SID_KEY)
    if not isinstance(sid, str) or sid in _pending():
        return False
    stamp = _stamp()
    known = stamp.known_active(stamp.read())
    if sid in known:
        return True
    row = get_db().execute("SELECT 1 FROM revoked_sessions WHERE sid = ?", (sid,)).fetchone()
    if row is not None:
        return False
    stamp.remember(known, sid)
    return True


def end() -> None:
    """Record the current session as ended, forget expired records, and clear the cookie.

    On a full disk the id stays refused in memory (see the module docstring); the logout itself
    succeeds, since the session has ended for this server either way.
    """
    sid = session.get(SID_KEY)
    session.clear()
    if not isinstance(sid, str):
        return
    _pending().add(sid, time.time() + _lifetime())
    _write_pending()


def _retry_pending() -> None:
    """Before a request: write the revocations a full disk kept in memory, when it is time.

    Any other database error here is logged and left for the next try: the request itself has
    nothing to do with it and is served.
    """
    if not _pending().due():
        return
    try:
        _write_pending()
    except sqlite3.Error:
        log.exception("не удалось записать выходы из кабинета, сохранённые в памяти")


def _write_pending() -> bool:
    """Write every kept revocation (and forget expired ones); False while the disk refuses."""
    now = time.time()
    pending = _pending()
    snapshot = pending.items()
    db = get_db()
    try:
        db.execute("DELETE FROM revoked_sessions WHERE expires_at < ?", (now,))
        db.executemany(
            "INSERT OR REPLACE INTO revoked_sessions (sid, expires_at) VALUES (?, ?)",
            [(s, expires) for s, expires in snapshot if expires > now],
        )
    except sqlite3.Error as error:
        if not disk_full.is_disk_full(error):
            raise
        disk_full.noticed(error)
        return False
    pending.written([s for s, _ in snapshot])
    _stamp().changed()
    return True
