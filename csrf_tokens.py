"""The CSRF token that pages put into their forms, made without the costs Flask-WTF adds.

Flask-WTF's `generate_csrf` makes a session's raw token from `os.urandom` and signs it with a new
serializer on every request that shows a form (every cabinet page has the logout form). Here the
token is the same, in the same format, checked by Flask-WTF as before; what changes:

- A signed token is kept per (key, raw token) and reused: the signature's time only matters with
  a CSRF time limit, and the app has none (`WTF_CSRF_TIME_LIMIT` is None). With a limit set,
  every request signs afresh, as Flask-WTF does.
- The serializer is built once per key, and does not try to zlib-compress the token (which never
  made it shorter); zlib and `os.urandom` release the GIL, and taking it back from the other
  request threads cost a tenth of GET /login's time under load.
- A new raw token is an HMAC-SHA256 of a counter (and the process id) under 32 random bytes read
  once at start: as unpredictable as the key, without a system call per new session. It only
  needs to be unguessable, and the signature over it uses the app's secret key anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os

from flask import Flask, current_app, g, session

from session_cookie import PlainSerializer

SALT = "wtf-csrf-token"  # Flask-WTF's, so that its check accepts these tokens
MAX_KEPT = 10_000
_seed = os.urandom(32)
_counter = itertools.count()
_signed: dict[tuple, str] = {}
_serializers: dict[object, PlainSerializer] = {}


def new_raw_token() -> str:
    """40 hex characters, like the raw tokens Flask-WTF makes."""
    message = f"{os.getpid()}:{next(_counter)}".encode()
    return hmac.new(_seed, message, hashlib.sha256).hexdigest()[:40]


def _sign(secret, raw: str) -> str:
    serializer = _serializers.get(secret)
    if serializer is None:
        serializer = _serializers[secret] = PlainSerializer(secret, salt=SALT)
    return serializer.dumps(raw)


def csrf_token() -> str:
    """This session's signed CSRF token (made and put into the session if it has none yet)."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = g.get(field)
    if token:
        return token
    raw = session.get(field)
    if not isinstance(raw, str):
        raw = session[field] = new_raw_token()
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    if config.get("WTF_CSRF_TIME_LIMIT") is not None:
        token = _sign(secret, raw)
    else:
        token = _signed.get((secret, raw))
        if token is None:
            token = _sign(secret, raw)
            if len(_signed) >= MAX_KEPT:
                _signed.clear()
            _signed[(secret, raw)] = token
    setattr(g, field, token)  # where Flask-WTF's forms look for this request's token
    return token


def init_app(app: Flask) -> None:
    """Templates' `csrf_token()` is this one (after Flask-WTF's own context processor)."""
    app.context_processor(lambda: {"csrf_token": csrf_token})
