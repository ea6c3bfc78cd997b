"""bcrypt checks that cost the same whether or not the login exists, and the password rules."""

from __future__ import annotations

import functools

import bcrypt

MAX_BYTES = 72
MIN_CHARS = 8


@functools.lru_cache(maxsize=8)
def _dummy_hash(cost: int) -> bytes:
    """A hash of a random secret at the given cost, to spend one check on an unknown login."""
    return bcrypt.hashpw(bcrypt.gensalt(4).hex().encode(), bcrypt.gensalt(cost))


def check_password(password: str, password_hash: str | None, cost: int) -> bool:
    """One bcrypt check: against the hash, or against a dummy hash of `cost` when there is none.

    A password over bcrypt's 72-byte limit or with a NUL byte can never match (no hash is made
    of one here), but it still costs one check, so failures all take the same time.
    """
    secret = password.encode("utf-8", "surrogatepass")
    usable = len(secret) <= MAX_BYTES and b"\0" not in secret
    target = password_hash.encode("ascii") if password_hash else _dummy_hash(cost)
    try:
        matched = bcrypt.checkpw(secret[:MAX_BYTES].replace(b"\0", b"?"), target)
    except ValueError:
        return False
    return matched and usable and password_hash is not None


def password_problem(password: str) -> str | None:
    """Why a new password is refused, in plain English, or None when it is acceptable."""
    if len(password) < MIN_CHARS:
        return f"the password is too short: at least {MIN_CHARS} characters are needed"
    if len(password.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return f"the password is too long: at most {MAX_BYTES} bytes in UTF-8 (bcrypt's limit)"
    if "\0" in password:
        return "the password must not contain a NUL character"
    return None


def hash_password(password: str, cost: int = 12) -> str:
    """A bcrypt hash ($2b$) of an acceptable password."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(cost)).decode("ascii")
