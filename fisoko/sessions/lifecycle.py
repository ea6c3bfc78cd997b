"""Server-side end of sessions: a logged-out session id is refused even if its cookie is replayed.

The session cookie is signed and carries its own idle timeout (Flask checks the signature's age),
so the server keeps only the ids of sessions ended by logout, and only until a copy of their
cookie would have expired anyway. Whether a session is revoked is asked of the database only
after a logout anywhere (see logout_stamp.py).
"""

from __future__ import annotations

import secrets
import time

from flask import Flask, current_app, session

from fisoko.db import get_shared_db as get_db
from fisoko.sessions.logout_stamp import LogoutStamp

SID_KEY = "sid"


def _lifetime() -> float:
    return current_app.permanent_session_lifetime.total_seconds()


def _stamp() -> LogoutStamp:
    return current_app.extensions["fisoko.logout_stamp"]


def init_app(app: Flask) -> None:
    """Map the logout stamp beside the database (after db.init_app)."""
    app.extensions["fisoko.logout_stamp"] = LogoutStamp(str(app.config["DATABASE"]) + ".logouts")


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
    if not isinstance(sid, str):
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
    """Record the current session as ended, forget expired records, and clear the cookie."""
    sid = session.get(SID_KEY)
    if isinstance(sid, str):
        now = time.time()
        db = get_db()
        db.execute("DELETE FROM revoked_sessions WHERE expires_at < ?", (now,))
        db.execute(
            "INSERT OR REPLACE INTO revoked_sessions (sid, expires_at) VALUES (?, ?)",
            (sid, now + _lifetime()),
        )
        _stamp().changed()
    session.clear()
