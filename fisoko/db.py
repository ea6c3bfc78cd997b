"""The app's SQLite database in the instance folder: connections and schema migrations.

One connection per thread (waitress serves each request on a worker thread), opened on first use
and kept, because opening a connection costs more than the queries a request makes. The schema
version lives in `PRAGMA user_version`; each entry of MIGRATIONS moves it up by one.

A rehearsal (`FISOKO_TODAY` set) keeps everything the exchange writes apart, in the instance
folder's `rehearsal/` with its own database file and uploads folder: `state_folder()` and
`get_db()` are the one place that choice is made, so every table and file store follows it.
Sessions ended by logout are the only thing kept in the real database whatever the date
(`get_shared_db()`), so that a cookie ended in a rehearsal stays ended.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from flask import Flask, current_app

from fisoko.files import local_disk
from fisoko.files.private import private_file, private_folder

FILENAME = "fisoko.sqlite3"
REHEARSAL = "rehearsal"
WANTED_JOURNAL = "wal"
log = logging.getLogger("fisoko")
MIGRATIONS: list[str] = [
    """
    CREATE TABLE revoked_sessions (
        sid TEXT PRIMARY KEY,
        expires_at REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX revoked_sessions_expiry ON revoked_sessions (expires_at);
    """,
    """
    CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        role TEXT NOT NULL,
        region TEXT NOT NULL,
        step TEXT NOT NULL,
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        content_type TEXT NOT NULL,
        uploaded_at TEXT NOT NULL
    );
    CREATE INDEX uploads_owner ON uploads (owner, uploaded_at);
    CREATE INDEX uploads_region ON uploads (region, uploaded_at);
    """,
    """
    CREATE TABLE step_marks (
        login TEXT NOT NULL,
        region TEXT NOT NULL,
        step TEXT NOT NULL,
        done INTEGER NOT NULL,
        changed_at TEXT NOT NULL,
        PRIMARY KEY (login, step)
    ) WITHOUT ROWID;
    CREATE INDEX step_marks_region ON step_marks (region);
    CREATE TABLE activity (
        login TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        at TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    """
    CREATE TABLE publications_seen (
        login TEXT NOT NULL,
        publication TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (login, publication)
    ) WITHOUT ROWID;
    """,
    """
    CREATE TABLE participant_codes (
        id INTEGER PRIMARY KEY,
        login TEXT NOT NULL,
        region TEXT NOT NULL,
        class TEXT NOT NULL,
        code TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        UNIQUE (login, code)
    );
    CREATE INDEX participant_codes_region ON participant_codes (region, login);
    CREATE TABLE sample_marks (
        login TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT NOT NULL,
        changed_by TEXT NOT NULL,
        changed_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX sample_marks_region ON sample_marks (region);
    CREATE TABLE sample_confirmations (
        region TEXT PRIMARY KEY,
        confirmed_by TEXT NOT NULL,
        confirmed_at TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    """
    CREATE TABLE upload_reviews (
        upload_id TEXT PRIMARY KEY REFERENCES uploads (id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('accepted', 'returned')),
        comment TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        reviewed_at TEXT NOT NULL
    );
    """,
    """
    ALTER TABLE uploads ADD COLUMN participants INTEGER;
    """,
    """
    CREATE TABLE last_logins (
        login TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX last_logins_region ON last_logins (region);
    """,
    """
    CREATE TABLE results_opened (
        login TEXT NOT NULL,
        file TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        PRIMARY KEY (login, file)
    ) WITHOUT ROWID;
    """,
]

_local = threading.local()


def connect(path: str | Path) -> sqlite3.Connection:
    """A new connection in WAL mode that waits for a writer instead of failing at once."""
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA journal_mode={WANTED_JOURNAL}")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date in one transaction per step; return the version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] < number:
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(MIGRATIONS)


def _app(app: Flask | None) -> Flask:
    """The app given, or the current one itself (not its proxy, which every use would resolve)."""
    return current_app._get_current_object() if app is None else app  # type: ignore[attr-defined]


def rehearsing(app: Flask | None = None) -> bool:
    """Whether the app runs a rehearsal: a date is fixed by `FISOKO_TODAY`."""
    return _app(app).config.get("TODAY") is not None


def state_folder(app: Flask | None = None) -> Path:
    """The folder of the exchange's state: the instance folder, or its `rehearsal/`."""
    app = _app(app)
    instance = Path(app.instance_path)
    return instance / REHEARSAL if rehearsing(app) else instance


def database_path(app: Flask | None = None) -> str:
    """The database file of the exchange's state (the rehearsal's during a rehearsal)."""
    app = _app(app)
    if rehearsing(app):
        return str(state_folder(app) / FILENAME)
    return app.config["DATABASE"]


def _connection(path: str) -> sqlite3.Connection:
    cache: dict[str, sqlite3.Connection] = _local.__dict__.setdefault("connections", {})
    conn = cache.get(path)
    if conn is None:
        ready: dict[str, sqlite3.Connection] = current_app.extensions["fisoko.db_ready"]
        if path not in ready:
            ready[path] = prepare(path)
        conn = cache[path] = connect(path)
    return conn


def get_db() -> sqlite3.Connection:
    """This thread's connection to the database of the exchange's state."""
    return _connection(database_path())


def get_shared_db() -> sqlite3.Connection:
    """This thread's connection to the real database, for what a rehearsal must share (logouts)."""
    return _connection(current_app.config["DATABASE"])


def close_thread_connections(path: str) -> None:
    """Close this thread's and the app's held connection to a database file (before the file is
    removed: Windows cannot remove an open file)."""
    held = current_app.extensions.get("fisoko.db_ready", {}).pop(path, None)
    for conn in (_local.__dict__.get("connections", {}).pop(path, None), held):
        if conn is not None:
            conn.close()


def journal_warning(path: str, mode: str) -> str | None:
    """The Russian start-up warning when SQLite did not take the WAL journal asked for."""
    if mode.lower() == WANTED_JOURNAL:
        return None
    return (
        f"База данных {path} работает в режиме журнала «{mode}», а не «{WANTED_JOURNAL}»: "
        "файловая система этой папки его не поддерживает (так бывает на сетевых дисках). "
        "Страницы будут открываться медленнее, а одновременные действия могут получать "
        "ошибку «database is locked». Перенесите папку состояния на локальный диск "
        "(переменная FISOKO_INSTANCE, см. docs/settings.md)."
    )


def prepare(path: str) -> sqlite3.Connection:
    """Create or migrate a database file (and its folder); warn when it is not in WAL mode.

    The connection it returns is to be held open for the app's life: while one connection is
    open, SQLite keeps the -wal and -shm files, so a request thread that connects later needs no
    new file, even on a full disk.
    """
    folder = Path(path).parent
    if not folder.is_dir():
        private_folder(folder)
    conn = connect(path)
    try:
        warning = journal_warning(path, conn.execute("PRAGMA journal_mode").fetchone()[0])
        if warning:
            log.warning("%s", warning)
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    for part in ("", "-wal", "-shm"):  # SQLite gives later -wal/-shm files the database's mode
        if Path(path + part).exists():
            private_file(Path(path + part))
    return conn


def init_app(app: Flask) -> None:
    """Create or migrate the database files before the first request; warn about what makes them
    unreliable (a network drive, a journal mode other than WAL)."""
    where = local_disk.network_location(app.instance_path)
    if where is not None:
        log.warning("%s", local_disk.network_warning(app.instance_path, where))
    real = app.config.setdefault("DATABASE", str(Path(app.instance_path) / FILENAME))
    ready = app.extensions.setdefault("fisoko.db_ready", {})  # path: its connection held open
    for path in dict.fromkeys((real, database_path(app))):
        ready[path] = prepare(path)
