"""The audit log: one line per login attempt or change, to the app's log and FISOKO_AUDIT_LOG.

A login line holds the time, the typed login, the client address and the result, never a
password; an event line (`event`) holds who changed what, from where, and the details.
The login is whatever a visitor typed, so every character that could start a new line, move the
cursor or hide text (control, format and separator characters) is written as an escape.

Every attempt that reaches a password check (`ok`, `wrong`, `unknown`, `disabled`) is its own
line. Attempts refused without a check (`shed`, `throttled`) are what a flood is made of (a 30 s
flood once wrote 6,257 lines), so per source, result and minute only the first is written in full;
the rest are counted and written as one summary line (`login attempts summary ... more=N`) once
the minute is over (within FLUSH_SECONDS), or at a normal exit (Ctrl+C): a process killed
outright loses the counts of its last minute. The file is rotated by size: past
FISOKO_AUDIT_LOG_MAX_MB it becomes `audit.log.1` (the older ones shift up to
FISOKO_AUDIT_LOG_BACKUPS, the oldest goes).
Times come from the project's one clock (fisoko.clock), in the server's local zone.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import re
import threading
import weakref
from pathlib import Path

from flask import Flask, current_app, has_app_context, request

from fisoko import clock
from fisoko.settings import MIB, ConfigError

RESULTS = ("ok", "wrong", "unknown", "disabled", "throttled", "shed")
SUMMARISED = ("throttled", "shed")
SUMMARY_LOGINS = 3  # typed logins named in a summary line
FLUSH_SECONDS = 5  # how often finished minutes are written out
MAX_SHOWN = 200
ACTION_RE = re.compile(r"[a-z_]+(\.[a-z_]+)*")

log = logging.getLogger("fisoko.audit")


def escape(text: str, limit: int = MAX_SHOWN) -> str:
    """Printable characters as they are; quote, backslash and anything else as a \\x/\\u escape."""
    parts = []
    for ch in text[:limit]:
        code = ord(ch)
        if ch in "\\'":
            parts.append("\\" + ch)
        elif ch.isprintable():
            parts.append(ch)
        elif code < 0x100:
            parts.append(f"\\x{code:02x}")
        elif code < 0x10000:
            parts.append(f"\\u{code:04x}")
        else:
            parts.append(f"\\U{code:08x}")
    return "".join(parts) + ("..." if len(text) > limit else "")


def describe(login: str, address: str, result: str) -> str:
    """The words of one audit line, without the time."""
    return f"login attempt login='{escape(login)}' addr={escape(address, 64)} result={result}"


def record(login: str, result: str) -> None:
    """Log one login attempt of the current request."""
    if result not in RESULTS:
        raise ValueError(f"unknown audit result {result!r}")
    address = request.remote_addr or "-"
    if result in SUMMARISED:
        current_log().count(login, address, result)
    else:
        current_log().write(describe(login, address, result))


def describe_event(actor: str, action: str, address: str, details: dict[str, str]) -> str:
    """The words of one audit line about a change an account made, without the time."""
    words = [f"event action={action} by='{escape(actor)}' addr={escape(address, 64)}"]
    words += [f"{key}='{escape(value, 500)}'" for key, value in details.items()]
    return " ".join(words)


def event(actor: str, action: str, **details: str) -> None:
    """Log a change made by an account in the current request: who, what, and its details.

    `action` is a fixed word chosen by the code (e.g. `sample.replace`); the details may hold
    anything a user typed, so they are escaped like a typed login.
    """
    if ACTION_RE.fullmatch(action) is None:
        raise ValueError(f"bad audit action {action!r}")
    current_log().write(describe_event(actor, action, request.remote_addr or "-", details))


def now_local() -> dt.datetime:
    """The project's clock as a moment in the server's local zone (the server's own clock for a
    log used without an app, as in the tests of the file's rotation)."""
    if not has_app_context():
        return dt.datetime.now().astimezone()
    return dt.datetime.fromisoformat(clock.now_utc()).astimezone()


def describe_summary(address: str, result: str, minute: str, more: int, logins: list[str]) -> str:
    """The words of a summary line: `more` attempts after the first one written in full."""
    shown = ",".join(f"'{escape(login)}'" for login in logins)
    return (
        f"login attempts summary addr={escape(address, 64)} result={result} "
        f"minute={minute} more={more} logins={shown}"
    )


class AuditLog:
    """Where audit lines go: the `fisoko.audit` logger and, when set, a size-rotated file."""

    def __init__(
        self, path: Path | None, max_bytes: int, backups: int, app: Flask | None = None
    ) -> None:
        self.path = path
        # the flusher thread and the exit hook run outside any request: they need the app's
        # context for its clock (the study's zone, a rehearsal's date)
        self._app = weakref.ref(app) if app is not None else None
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()
        # (address, result): [minute, further attempts, typed logins named]
        self._pending: dict[tuple[str, str], list] = {}
        self._failing = False
        _LOGS.add(self)

    def write(self, text: str, moment: dt.datetime | None = None) -> None:
        """One audit line to the app's log and, with its time, to the file."""
        log.info("%s", text)
        if self.path is None:
            return
        stamp = (moment or now_local()).isoformat(timespec="seconds")
        try:
            with self._lock:
                self._append(f"{stamp} {text}\n")
            self._failing = False
        except OSError as exc:
            if not self._failing:  # once per outage, not once per attempt
                log.error(
                    "не удаётся записать журнал входов %s: %s", self.path, exc.strerror or exc
                )
            self._failing = True

    def _append(self, line: str) -> None:
        with open(self.path, "a", encoding="utf-8", newline="\n") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell() and handle.tell() + len(line.encode("utf-8")) > self.max_bytes:
                handle.close()
                self._rotate()
                with open(self.path, "a", encoding="utf-8", newline="\n") as fresh:
                    fresh.write(line)
                return
            handle.write(line)

    def _rotate(self) -> None:
        """audit.log becomes audit.log.1, .1 becomes .2 and so on; the oldest is replaced."""
        for number in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{number}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{number + 1}"))
        os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))

    def count(self, login: str, address: str, result: str) -> None:
        """A shed or throttled attempt: in full if it is its source's first this minute."""
        moment = now_local()
        minute = moment.strftime("%Y-%m-%dT%H:%M")
        key = (address, result)
        with self._lock:
            pending = self._pending.get(key)
            if pending is not None and pending[0] == minute:
                pending[1] += 1
                if login not in pending[2] and len(pending[2]) < SUMMARY_LOGINS:
                    pending[2].append(login)
                return
            self._pending[key] = [minute, 0, []]
        if pending is not None:
            self._summarise(key, pending)
        self.write(describe(login, address, result), moment)
        _start_flusher()

    def flush(self, everything: bool = False) -> None:
        """Write the summary of every minute that is over (of every minute, at the end).

        With nothing counted it does nothing, not even read the clock.
        """
        if not self._pending:
            return
        app = self._app() if self._app is not None else None
        if app is not None and not has_app_context():
            with app.app_context():
                self._flush(everything)
        else:
            self._flush(everything)

    def _flush(self, everything: bool) -> None:
        minute = now_local().strftime("%Y-%m-%dT%H:%M")
        with self._lock:
            done = {k: v for k, v in self._pending.items() if everything or v[0] != minute}
            for key in done:
                del self._pending[key]
        for key, pending in done.items():
            self._summarise(key, pending)

    def _summarise(self, key: tuple[str, str], pending: list) -> None:
        minute, more, logins = pending
        if more:
            self.write(describe_summary(key[0], key[1], minute, more, logins))


_LOGS: weakref.WeakSet[AuditLog] = weakref.WeakSet()
_flusher: list[threading.Thread] = []
_flusher_lock = threading.Lock()


def _flush_all(everything: bool = False) -> None:
    """Flush every log; one that fails is reported once and dropped, so the others (and the
    flusher thread, which serves the whole process) keep going."""
    for audit_log in list(_LOGS):
        try:
            audit_log.flush(everything)
        except Exception:
            _LOGS.discard(audit_log)
            log.exception("не удалось записать итоги попыток входа в журнал")


def _flush_forever() -> None:
    stop = threading.Event()
    while not stop.wait(FLUSH_SECONDS):
        _flush_all()


def _start_flusher() -> None:
    """One daemon thread writes finished minutes' summaries, even when no attempt follows."""
    with _flusher_lock:
        if not _flusher:
            thread = threading.Thread(target=_flush_forever, name="audit-summary", daemon=True)
            thread.start()
            _flusher.append(thread)


atexit.register(_flush_all, True)


def current_log() -> AuditLog:
    return current_app.extensions["fisoko.audit"]


def init_app(app: Flask) -> None:
    """Check that FISOKO_AUDIT_LOG, when set, names a file the app can append to."""
    name = app.config["AUDIT_LOG"]
    path = None
    if name:
        path = Path(name).resolve()
        try:
            with open(path, "a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise ConfigError(
                f"FISOKO_AUDIT_LOG: не удаётся записать {path}: {exc.strerror or exc}"
            ) from None
    app.extensions["fisoko.audit"] = AuditLog(
        path, app.config["AUDIT_LOG_MAX_MB"] * MIB, app.config["AUDIT_LOG_BACKUPS"], app
    )
