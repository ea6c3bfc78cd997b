"""Device cookies (OWASP): a browser that logged in before keeps its way in during an attack.

After a successful login the browser gets `fisoko_device`: the login and a random device id,
signed with the app's secret key (itsdangerous, its own salt) and dated, HttpOnly, SameSite=Lax,
Secure like the session cookie, sent only to /login. A later login attempt for the same login
with a valid, unexpired cookie is a trusted one: its failures are counted against the device (a
device that reaches the pair limit is locked out and treated like any other client until its block
ends), not against the address, so failures and floods from the browser's address do not block
it, and the login queue charges its attempts to the device, not to the address. A cookie for
another login, a forged, tampered or expired one is simply ignored: the v1 throttle applies.
"""

from __future__ import annotations

import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "fisoko_device"
SALT = "fisoko.device-cookie"
PATH = "/login"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _max_age() -> int:
    return current_app.config["DEVICE_COOKIE_DAYS"] * 24 * 3600


def device_for(login: str) -> str | None:
    """The request's device id when its device cookie is valid for `login`, else None."""
    raw = request.cookies.get(COOKIE)
    if not raw or not login or len(raw) > 1000:
        return None
    try:
        data = _serializer().loads(raw, max_age=_max_age())
    except BadSignature:  # also a SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("login") != login:
        return None
    device = data.get("id")
    return device if isinstance(device, str) and device else None


def remember(response: Response, login: str, device: str | None) -> None:
    """Give the browser (again) its device cookie for `login`; the id stays while it is valid."""
    value = _serializer().dumps({"login": login, "id": device or secrets.token_urlsafe(16)})
    response.set_cookie(
        COOKIE,
        value,
        max_age=_max_age(),
        path=PATH,
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
    )
