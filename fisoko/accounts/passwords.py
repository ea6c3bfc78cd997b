"""bcrypt checks that cost the same whether or not the login exists, and the password rules."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed

import bcrypt

from fisoko.settings import cpu_count

MAX_BYTES = 72
MIN_CHARS = 8
GENERATED_LENGTH = 12
# Letters and digits only (nothing a spreadsheet or a shell treats specially), without the
# look-alikes 0/O/o, 1/l/I, so a password read off paper is typed right the first time.
UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
LOWER = "abcdefghijkmnpqrstuvwxyz"
DIGITS = "23456789"
ALPHABET = UPPER + LOWER + DIGITS


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
    """Why a new password is refused, in plain Russian, or None when it is acceptable."""
    if len(password) < MIN_CHARS:
        return f"пароль слишком короткий: нужно не меньше {MIN_CHARS} символов"
    if len(password.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return f"пароль слишком длинный: не больше {MAX_BYTES} байт в UTF-8 (предел bcrypt)"
    if "\0" in password:
        return "в пароле не должно быть символа NUL"
    if password != password.strip():
        # Lost without a trace when copied from a letter or typed after `echo`.
        return "пароль не должен начинаться или заканчиваться пробелом"
    return None


def hash_password(password: str, cost: int = 12) -> str:
    """A bcrypt hash ($2b$) of an acceptable password."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(cost)).decode("ascii")


def hash_many(
    passwords: list[str],
    cost: int = 12,
    workers: int | None = None,
    on_done: Callable[[], None] | None = None,
) -> list[str]:
    """The hashes of many passwords, in input order, made on every core.

    bcrypt releases the GIL while it hashes, so threads run in parallel. `on_done` is called
    in the caller's thread once per finished hash (for a progress bar).
    """
    workers = workers or cpu_count()
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(passwords) or 1)))
    try:
        futures = [pool.submit(hash_password, password, cost) for password in passwords]
        for _ in as_completed(futures):
            if on_done is not None:
                on_done()
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def generate_password(length: int = GENERATED_LENGTH) -> str:
    """A random password (about 70 bits at 12 characters) with an upper, a lower and a digit."""
    while True:
        password = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if all(any(ch in group for ch in password) for group in (UPPER, LOWER, DIGITS)):
            return password
