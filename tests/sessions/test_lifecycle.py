"""Logouts a full disk kept in memory: refused by every thread, written once the disk allows."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from fisoko.files import disk_full
from fisoko.sessions import lifecycle
from tests.files.test_disk_full import FullDatabase
from tests.helpers import AuthActions


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingFullDatabase(FullDatabase):
    """A full disk that counts the tries to write revocations."""

    tries = 0

    def execute(self, sql, *args):
        if "revoked_sessions" in sql and sql.lstrip().upper().startswith("DELETE"):
            CountingFullDatabase.tries += 1
        return super().execute(sql, *args)


@pytest.fixture(autouse=True)
def _fresh_state():
    disk_full.cleared()
    CountingFullDatabase.tries = 0
    yield
    disk_full.cleared()


@pytest.fixture
def clock(app) -> Clock:
    clock = Clock()
    app.extensions[lifecycle.PENDING_KEY].clock = clock
    app.extensions[lifecycle.PENDING_KEY].tried_at = clock.now
    return clock


def _revoked_rows(app) -> int:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT COUNT(*) FROM revoked_sessions").fetchone()[0]


def _log_out_on_a_full_disk(app, monkeypatch) -> str:
    """Log in, fill the disk, log out: the old session cookie, which must open nothing now."""
    client = app.test_client()
    AuthActions(client).login()
    cookie = client.get_cookie("fisoko_session").value
    real_get_db = lifecycle.get_db
    monkeypatch.setattr(lifecycle, "get_db", lambda: CountingFullDatabase(real_get_db()))
    assert AuthActions(client).logout().status_code == 302
    return cookie


def test_a_kept_revocation_holds_in_every_thread(app, clock, monkeypatch):
    cookie = _log_out_on_a_full_disk(app, monkeypatch)
    statuses: list[int] = []
    start = threading.Barrier(8)

    def replay() -> None:
        thief = app.test_client()
        thief.set_cookie("fisoko_session", cookie)
        start.wait()
        for _ in range(5):
            statuses.append(thief.get("/cabinet").status_code)

    threads = [threading.Thread(target=replay) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [302] * 40
    assert _revoked_rows(app) == 0


def test_a_kept_revocation_is_written_once_the_disk_allows_without_another_logout(
    app, clock, monkeypatch
):
    cookie = _log_out_on_a_full_disk(app, monkeypatch)
    visitor = app.test_client()
    tries = CountingFullDatabase.tries
    for _ in range(5):  # the disk is still full: no request tries before RETRY_SECONDS
        assert visitor.get("/login").status_code == 200
    assert CountingFullDatabase.tries == tries
    clock.now += lifecycle.RETRY_SECONDS
    assert visitor.get("/login").status_code == 200
    assert CountingFullDatabase.tries == tries + 1  # one request tried, and was served
    assert app.extensions[lifecycle.PENDING_KEY]
    monkeypatch.undo()  # space is freed
    clock.now += lifecycle.RETRY_SECONDS
    assert visitor.get("/login").status_code == 200
    assert _revoked_rows(app) == 1
    assert not app.extensions[lifecycle.PENDING_KEY]
    thief = app.test_client()
    thief.set_cookie("fisoko_session", cookie)
    assert thief.get("/cabinet").status_code == 302


def test_a_written_revocation_is_seen_by_another_process_sharing_the_folder(
    app, app_config, clock, monkeypatch
):
    """Another app on the same instance folder stands for another process: it learns of the
    logout once it is written, not before."""
    from app import create_app

    other = create_app(app_config)
    cookie = _log_out_on_a_full_disk(app, monkeypatch)
    elsewhere = other.test_client()
    elsewhere.set_cookie("fisoko_session", cookie)
    assert elsewhere.get("/cabinet").status_code == 200  # per process until written
    monkeypatch.undo()
    clock.now += lifecycle.RETRY_SECONDS
    app.test_client().get("/login")
    assert elsewhere.get("/cabinet").status_code == 302
