"""A full disk while running: writes answer 507 naming the disk; logout still ends the session."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from app import create_app
from fisoko.files import disk_full
from fisoko.niko.exchange import upload_store
from fisoko.sessions import lifecycle
from tests.helpers import AuthActions
from tests.niko.exchange.test_uploads import files_in, records, send

DISK_WORDS = "На диске сервера закончилось место"


@pytest.fixture(autouse=True)
def _fresh_state():
    disk_full.cleared()
    yield
    disk_full.cleared()


@pytest.mark.parametrize(
    "error, full",
    [
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (OSError(errno.EROFS, "Read-only file system"), True),
        (OSError(errno.EACCES, "Permission denied"), False),
        (sqlite3.OperationalError("database or disk is full"), True),
        (sqlite3.OperationalError("attempt to write a readonly database"), True),
        (sqlite3.OperationalError("no such table: x"), False),
        (ValueError("disk is full"), False),
    ],
)
def test_full_disk_errors_are_told_apart(error, full):
    assert disk_full.is_disk_full(error) is full


def test_the_condition_is_logged_once_and_its_end_once(caplog):
    caplog.set_level(logging.WARNING, logger="fisoko")
    for _ in range(5):
        disk_full.noticed(OSError(errno.ENOSPC, "full"))
    disk_full.cleared()
    disk_full.cleared()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "закончилось место" in messages[0] and "снова работает" in messages[1]


def _fill_after_write(monkeypatch):
    """The file is written, then the disk turns out full (fsync or close report ENOSPC)."""
    original = upload_store._write

    def write(stream, temp, limit):
        original(stream, temp, limit)
        raise OSError(errno.ENOSPC, "No space left on device", str(temp))

    monkeypatch.setattr(upload_store, "_write", write)


def test_an_upload_on_a_full_disk_is_507_with_the_disk_message(login_as, app, monkeypatch, caplog):
    client = login_as("edu770001")
    _fill_after_write(monkeypatch)
    caplog.set_level(logging.ERROR, logger="fisoko")
    for _ in range(3):
        response = send(client)
        assert response.status_code == 507
        assert DISK_WORDS in response.get_data(as_text=True)
    assert files_in(app) == [] and records(app) == []
    assert client.get("/cabinet/niko").status_code == 200
    assert len([r for r in caplog.records if "место" in r.getMessage()]) == 1


class FullDatabase:
    """A connection whose writes fail as SQLite's do on a full disk; reads go through."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql, *args):
        if sql.lstrip().upper().startswith(("INSERT", "DELETE", "UPDATE")):
            raise sqlite3.OperationalError("database or disk is full")
        return self.conn.execute(sql, *args)

    def executemany(self, sql, *args):
        raise sqlite3.OperationalError("database or disk is full")


def test_logout_on_a_full_disk_still_ends_the_session(app, monkeypatch):
    client = app.test_client()
    AuthActions(client).login()
    cookie = client.get_cookie("fisoko_session").value
    real_get_db = lifecycle.get_db
    monkeypatch.setattr(lifecycle, "get_db", lambda: FullDatabase(real_get_db()))
    response = AuthActions(client).logout()
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    thief = app.test_client()
    thief.set_cookie("fisoko_session", cookie)
    assert thief.get("/cabinet").status_code == 302
    # Once the disk takes writes again, the next logout writes the kept revocation too.
    monkeypatch.setattr(lifecycle, "get_db", real_get_db)
    other = app.test_client()
    AuthActions(other).login("edu770002")
    AuthActions(other).logout()
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT COUNT(*) FROM revoked_sessions").fetchone()[0] == 2
    assert thief.get("/cabinet").status_code == 302


def _can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.fixture
def small_disk():
    """A 4 MB tmpfs, mounted for the test (root only)."""
    if not _can_mount():
        pytest.skip("mounting a small tmpfs needs root")
    folder = Path(tempfile.mkdtemp(prefix="fisoko-full-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)])
    if done.returncode != 0:
        folder.rmdir()
        pytest.skip("tmpfs cannot be mounted here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)
        folder.rmdir()


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as out:
        try:
            while out.write(bytes(4096)):
                pass
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


def test_a_really_full_disk(small_disk, accounts_file):
    app = create_app(
        {
            "TESTING": True,
            "ACCOUNTS": str(accounts_file),
            "INSTANCE": str(small_disk / "instance"),
            "BCRYPT_COST": 4,
            "MAX_UPLOAD_MB": 1,
        }
    )
    client = app.test_client()
    AuthActions(client).login()
    cookie = client.get_cookie("fisoko_session").value
    filler = _fill(small_disk)
    try:
        response = send(client, data=b"PK\x03\x04" + os.urandom(200 * 1024))
        assert response.status_code == 507
        assert DISK_WORDS in response.get_data(as_text=True)
        assert files_in(app) == []
        assert client.get("/cabinet/niko").status_code == 200
        other = app.test_client()  # a login still succeeds; its last-login record is skipped
        assert AuthActions(other).login("edu770002").status_code == 302
        assert other.get("/cabinet").status_code == 200
        assert AuthActions(client).logout().status_code == 302
        thief = app.test_client()
        thief.set_cookie("fisoko_session", cookie)
        assert thief.get("/cabinet").status_code == 302
        assert client.get("/login").status_code == 200
    finally:
        filler.unlink()
    AuthActions(client).login()
    assert send(client, name="после.pdf", data=b"%PDF-1.4").status_code == 302
