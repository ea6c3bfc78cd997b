"""The database schema: created on first start, migrated in place from older versions."""

from __future__ import annotations

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
