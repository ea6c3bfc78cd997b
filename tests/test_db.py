"""The database schema: created on first start, migrated in place from older versions."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from app import create_app
from fisoko import db


def test_a_version_1_database_is_migrated_and_keeps_its_rows(app_config):
    instance = Path(app_config["INSTANCE"])
    instance.mkdir(parents=True)
    path = instance / db.FILENAME
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(db.MIGRATIONS[0])
    conn.execute("PRAGMA user_version=1")
    conn.execute("INSERT INTO revoked_sessions VALUES ('old-sid', 1e12)")
    conn.close()
    create_app(app_config)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(db.MIGRATIONS)
        assert conn.execute("SELECT sid FROM revoked_sessions").fetchall() == [("old-sid",)]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"uploads", "step_marks", "activity"} <= tables
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_migrating_twice_changes_nothing(app_config):
    first = create_app(app_config)
    conn = db.connect(first.config["DATABASE"])
    try:
        assert db.migrate(conn) == len(db.MIGRATIONS)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(db.MIGRATIONS)
    finally:
        conn.close()


def test_a_local_database_in_wal_mode_gives_no_warning(app_config, caplog):
    with caplog.at_level(logging.WARNING, logger="fisoko"):
        create_app(app_config)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_journal_mode_other_than_wal_is_warned_about(app_config, caplog, monkeypatch):
    # SQLite keeps an in-memory database in "memory" mode whatever is asked: a real refusal.
    real_connect = db.connect
    monkeypatch.setattr(db, "connect", lambda path: real_connect(":memory:"))
    with caplog.at_level(logging.WARNING, logger="fisoko"):
        create_app(app_config)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "режиме журнала «memory», а не «wal»" in warnings[0]
    assert "FISOKO_INSTANCE" in warnings[0]


def test_an_instance_folder_on_a_network_drive_is_warned_about(app_config, caplog, monkeypatch):
    from fisoko.files import local_disk

    monkeypatch.setattr(db.local_disk, "network_location", lambda path: "UNC path")
    with caplog.at_level(logging.WARNING, logger="fisoko"):
        app = create_app(app_config)
    text = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert f"Папка состояния {app.instance_path} находится на сетевом диске (UNC path)" in text
    assert "FISOKO_INSTANCE" in text
    assert local_disk.network_location(app.instance_path) == "UNC path"
