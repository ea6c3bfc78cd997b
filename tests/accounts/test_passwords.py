"""Bulk hashing on every core, and generated passwords."""

from __future__ import annotations

import threading

import bcrypt
import pytest

from fisoko.accounts import passwords
from fisoko.accounts.passwords import ALPHABET, generate_password, hash_many


def test_hash_many_keeps_the_input_order_and_reports_each_hash():
    secrets_ = [f"Password-{i:03d}" for i in range(24)]
    calls: list[str] = []
    hashes = hash_many(
        secrets_, cost=4, workers=4, on_done=lambda: calls.append(threading.current_thread().name)
    )
    assert len(hashes) == len(secrets_) and len(calls) == len(secrets_)
    assert set(calls) == {threading.current_thread().name}  # the caller's thread only
    for secret, hashed in zip(secrets_, hashes, strict=True):
        assert hashed.startswith("$2b$04$")
        assert bcrypt.checkpw(secret.encode(), hashed.encode())


def test_hash_many_uses_threads(monkeypatch):
    seen: set[int] = set()
    barrier = threading.Barrier(3, timeout=5)

    def hash_in_thread(password: str, cost: int = 12) -> str:
        seen.add(threading.get_ident())
        barrier.wait()  # only passes when three hashes run at the same time
        return password

    monkeypatch.setattr(passwords, "hash_password", hash_in_thread)
    assert hash_many(["a", "b", "c"], cost=4, workers=3) == ["a", "b", "c"]
    assert len(seen) == 3


def test_hash_many_of_nothing():
    assert hash_many([], cost=4) == []


def test_hash_many_passes_errors_on(monkeypatch):
    def broken(password: str, cost: int = 12) -> str:
        raise ValueError("boom")

    monkeypatch.setattr(passwords, "hash_password", broken)
    with pytest.raises(ValueError, match="boom"):
        hash_many(["a", "b"], cost=4, workers=2)


def test_generated_passwords():
    made = [generate_password() for _ in range(200)]
    assert len(set(made)) == 200
    for password in made:
        assert len(password) == 12 and set(password) <= set(ALPHABET)
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password)
        assert passwords.password_problem(password) is None
    assert not set("0O1lI") & set(ALPHABET)
