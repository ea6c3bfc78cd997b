"""The CSRF token that pages put into their forms, signed once per session instead of per page.

Flask-WTF signs the session's token afresh on every request that shows a form (every cabinet page
has the logout form): a new serializer, JSON and an HMAC each time. The signature's time only
matters with a CSRF time limit, and the app has none (`WTF_CSRF_TIME_LIMIT` is None), so the
signed token of a session's token is kept and reused; it is checked exactly as a fresh one.
With a time limit configured, every call signs afresh as before.
"""

from __future__ import annotations

from flask import Flask, current_app, session
from flask_wtf.csrf import generate_csrf

MAX_KEPT = 10_000
_signed: dict[tuple, str] = {}


def csrf_token() -> str:
    """The signed CSRF token of this session, as Flask-WTF's `csrf_token()` gives it."""
    config = current_app.config
    raw = session.get(config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if config.get("WTF_CSRF_TIME_LIMIT") is not None or not isinstance(raw, str):
        return generate_csrf()
    key = (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, raw)
    token = _signed.get(key)
    if token is None:
        token = generate_csrf()
        if len(_signed) >= MAX_KEPT:
            _signed.clear()
        _signed[key] = token
    return token


def init_app(app: Flask) -> None:
    """Templates' `csrf_token()` uses the kept tokens (after Flask-WTF's own processor)."""
    app.context_processor(lambda: {"csrf_token": csrf_token})
