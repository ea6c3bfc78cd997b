"""The audit log: one line per login attempt or change, to the app's log and FISOKO_AUDIT_LOG.

A login line holds the time, the typed login, the client address and the result, never a
password; an event line (`event`) holds who changed what, from where, and the details.
The login is whatever a visitor typed, so every character that could start a new line, move the
cursor or hide text (control, format and separator characters) is written as an escape.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from flask import Flask, current_app, request

from fisoko.niko.content import clock
from fisoko.settings import ConfigError

RESULTS = ("ok", "wrong", "unknown", "disabled", "throttled", "shed")
MAX_SHOWN = 200
ACTION_RE = re.compile(r"[a-z_]+(\.[a-z_]+)*")

log = logging.getLogger("fisoko.audit")
_write_lock = threading.Lock()


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


def _append(path: Path, line: str) -> None:
    with _write_lock, open(path, "a", encoding="utf-8", newline="\n") as handle:
        handle.write(line + "\n")


def record(login: str, result: str) -> None:
    """Log one login attempt of the current request."""
    if result not in RESULTS:
        raise ValueError(f"unknown audit result {result!r}")
    _write(describe(login, request.remote_addr or "-", result))


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
    _write(describe_event(actor, action, request.remote_addr or "-", details))


def _write(text: str) -> None:
    """One audit line to the app's log and, with its time, to FISOKO_AUDIT_LOG."""
    log.info("%s", text)
    path = current_app.extensions.get("fisoko.audit_log")
    if path is not None:
        stamp = clock.now_local().isoformat(timespec="seconds")
        try:
            _append(path, f"{stamp} {text}")
        except OSError as exc:
            log.error("cannot write the audit log %s: %s", path, exc.strerror or exc)


def init_app(app: Flask) -> None:
    """Check that FISOKO_AUDIT_LOG, when set, names a file the app can append to."""
    name = app.config["AUDIT_LOG"]
    if not name:
        app.extensions["fisoko.audit_log"] = None
        return
    path = Path(name).resolve()
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise ConfigError(f"FISOKO_AUDIT_LOG: cannot write {path}: {exc.strerror or exc}") from None
    app.extensions["fisoko.audit_log"] = path
