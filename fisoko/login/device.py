"""Device cookies (OWASP): a browser that logged in before keeps its way in during an attack.

After a successful login the browser gets `fisoko_device`: the login, a random device id and a
keyed digest of the account's password hash, signed with the app's secret key (itsdangerous, its
own salt) and dated, HttpOnly, SameSite=Lax, Secure like the session cookie, sent only to /login.
A later login attempt for the same login with a valid, unexpired cookie whose digest matches the
account's hash now is a trusted one: its failures are counted against the device (a
device that reaches the pair limit is locked out and treated like any other client until its block
ends), not against the address, so failures and floods from the browser's address do not block
it, and the login queue charges its attempts to the device, not to the address. A cookie for
another login, a forged, tampered or expired one, or one given before the account's password was
changed in accounts.yaml (a new hash: whoever learnt the old password loses the trust the old
login earned), is simply ignored: the v1 throttle applies.

The digest is an HMAC with the secret key, not a plain hash, because the signed value is readable
by its holder: it shows nothing that would help to test guesses of the hash offline.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from fisoko.accounts.store import Account, current_store

COOKIE = "fisoko_device"
SALT = "fisoko.device-cookie"
PATH = "/login"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _max_age() -> int:
    return current_app.config["DEVICE_COOKIE_DAYS"] * 24 * 3600


def _hash_key(account: Account) -> str:
    """A keyed digest of the account's password hash: it changes with the password."""
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else bytes(key)
    mac = hmac.new(key, SALT.encode() + b"\0" + account.password_hash.encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def device_for(login: str) -> str | None:
    """The request's device id when its device cookie is valid for `login` and its password."""
    raw = request.cookies.get(COOKIE)
    if not raw or not login or len(raw) > 1000:
        return None
    try:
        data = _serializer().loads(raw, max_age=_max_age())
    except BadSignature:  # also a SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("login") != login:
        return None
    account = current_store().get(login)
    if account is None or account.disabled:
        return None
    given = data.get("key")
    if not isinstance(given, str) or not hmac.compare_digest(given, _hash_key(account)):
        return None
    device = data.get("id")
    return device if isinstance(device, str) and device else None


def remember(response: Response, account: Account, device: str | None) -> None:
    """Give the browser (again) its device cookie for the account; the id stays while it is
    valid."""
    value = _serializer().dumps(
        {
            "login": account.login,
            "id": device or secrets.token_urlsafe(16),
            "key": _hash_key(account),
        }
    )
    response.set_cookie(
        COOKIE,
        value,
        max_age=_max_age(),
        path=PATH,
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
    )
