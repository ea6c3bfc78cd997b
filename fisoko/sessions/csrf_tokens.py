"""The CSRF token that pages put into their forms, signed once per session instead of per page.

Flask-WTF signs the session's token afresh on every request that shows a form (every cabinet page
has the logout form). The signature's time only matters with a CSRF time limit, and the app sets
none (`WTF_CSRF_TIME_LIMIT` is None), so the signed form of a session's token is kept per app and
reused; it is checked exactly as a fresh one. With a time limit configured, or with
`FISOKO_CSRF_TOKEN_CACHE=0`, every call signs afresh through Flask-WTF.
"""

from __future__ import annotations

from flask import Flask, current_app, session
from flask_wtf.csrf import generate_csrf

MAX_KEPT = 10_000


def csrf_token() -> str:
    """The signed CSRF token of this session, as Flask-WTF's `csrf_token()` gives it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    config = app.config
    raw = session.get(config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if config.get("WTF_CSRF_TIME_LIMIT") is not None or not isinstance(raw, str):
        return generate_csrf()
    kept: dict[str, str] = app.extensions["fisoko.csrf_tokens"]
    token = kept.get(raw)
    if token is None:
        token = generate_csrf()
        if len(kept) >= MAX_KEPT:
            kept.clear()
        kept[raw] = token
    return token


def init_app(app: Flask) -> None:
    """Templates' `csrf_token()` uses the kept tokens (after Flask-WTF's own processor)."""
    if not app.config["CSRF_TOKEN_CACHE"]:
        return
    app.extensions["fisoko.csrf_tokens"] = {}
    app.context_processor(lambda: {"csrf_token": csrf_token})
