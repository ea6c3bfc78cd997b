"""The signed session cookie, made cheaper per request without changing what it protects.

Flask's own cookie session builds a new serializer (and test-serializes `{}` to learn its type) on
every open and save, and with a permanent session re-signs and re-sends the cookie on every
request, because the signature's time is what ends a session after `FISOKO_SESSION_MINUTES` idle.
Here:

- the serializer is built once per secret key and reused (it keeps no per-request state), and it
  does not compress the payload (see PlainSerializer);
- an unchanged session is re-signed only when its signature is at least `refresh_after()` old:
  min(60 s, a tenth of the lifetime). So a session ends between `lifetime - refresh_after()` and
  `lifetime` after the last request, e.g. between 29 and 30 minutes with the default 30 minutes;
  never later than the lifetime, because the cookie's time is still checked against the full
  lifetime. A changed session (login, logout, a flash message) is signed at once as before;
- /healthz and static files never open or write the session: they need no account, and a
  monitoring probe or a stylesheet should not pay for (or extend) a session;
- a cookie whose signature was verified is kept with its data and signing time (`VerifiedCookies`),
  so the same cookie sent again, as a browser does on every page until the session changes, is
  not verified and decoded again. The key is the cookie's whole value, under one set of secret
  keys; its age is checked against the lifetime on every request as for a fresh one, and each
  request gets its own copy of the data. `FISOKO_SESSION_CACHE=0` verifies every cookie afresh.
"""

from __future__ import annotations

import copy
import threading
import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin

SESSIONLESS_PATHS = ("/healthz",)
MAX_KEPT = 10_000  # a region's accounts several times over; a cookie is a few hundred bytes


class PlainSerializer(URLSafeTimedSerializer):
    """Writes the payload without zlib (it still reads compressed cookies of older versions).

    zlib releases the GIL even for a few hundred bytes, and getting it back while the other
    request threads compute costs far more than the decompression (docs/performance.md). The
    uncompressed cookie is about 100 bytes longer.
    """

    def dump_payload(self, obj) -> bytes:
        return base64_encode(super(URLSafeSerializerMixin, self).dump_payload(obj))


class Session(SecureCookieSession):
    """A cookie session that remembers when its cookie was signed (None: not from a cookie)."""

    signed_at: float | None = None
    sessionless = False


class VerifiedCookies:
    """Cookie values whose signature was verified, with their data and signing time."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[dict, float]] = {}
        self._lock = threading.Lock()

    def get(self, value: str, max_age: int) -> tuple[dict, float] | None:
        """A copy of the kept data and its signing time; None when not kept or now too old (or
        signed in the future), as the serializer would refuse it."""
        found = self._kept.get(value)
        if found is None:
            return None
        data, signed_at = found
        if not 0 <= time.time() - signed_at <= max_age:
            return None
        return _copied(data), signed_at

    def keep(self, value: str, data: dict, signed_at: float) -> None:
        with self._lock:
            if len(self._kept) >= MAX_KEPT:
                self._kept.clear()
            self._kept[value] = (_copied(data), signed_at)


def _copied(data: dict) -> dict:
    """A copy no request can change the kept one through (flashes are a list kept in place)."""
    if all(isinstance(v, (str, int, float, bool, type(None))) for v in data.values()):
        return dict(data)
    return copy.deepcopy(data)


def refresh_after(app: Flask) -> float:
    """Seconds after which an unchanged session's cookie is signed again."""
    return min(60.0, app.permanent_session_lifetime.total_seconds() / 10)


class CookieSessionInterface(SecureCookieSessionInterface):
    session_class = Session

    def __init__(self) -> None:
        self._serializer: tuple[tuple, URLSafeTimedSerializer] | None = None
        self._verified: tuple[tuple, VerifiedCookies] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)  # current key last
        cached = self._serializer
        if cached is not None and cached[0] == keys:
            return cached[1]
        serializer = PlainSerializer(
            list(keys),
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
        self._serializer = (keys, serializer)
        return serializer

    def _sessionless(self, app: Flask, request: Request) -> bool:
        path = request.path
        static = app.static_url_path
        return path in SESSIONLESS_PATHS or bool(static and path.startswith(static + "/"))

    def open_session(self, app: Flask, request: Request) -> Session | None:
        if self._sessionless(app, request):
            session = self.session_class()
            session.sessionless = True
            return session
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        verified = self._verified_cookies(app)
        found = verified.get(value, max_age) if verified is not None else None
        if found is None:
            try:
                data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            found = data, signed.timestamp()
            if verified is not None and isinstance(data, dict):
                verified.keep(value, *found)
        session = self.session_class(found[0])
        session.signed_at = found[1]
        return session

    def _verified_cookies(self, app: Flask) -> VerifiedCookies | None:
        """The verified cookies kept under the app's current secret keys (None when off)."""
        if not app.config.get("SESSION_CACHE", True):
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        cached = self._verified
        if cached is None or cached[0] != keys:
            cached = self._verified = (keys, VerifiedCookies())
        return cached[1]

    def save_session(self, app: Flask, session: SessionMixin, response) -> None:
        if getattr(session, "sessionless", False):
            return
        super().save_session(app, session, response)

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not session.permanent or not app.config["SESSION_REFRESH_EACH_REQUEST"]:
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or time.time() - signed_at >= refresh_after(app)


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessionInterface()
