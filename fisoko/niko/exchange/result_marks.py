"""Which results files an account has downloaded: a file is «новое» until its first download.

Rows of `results_opened` in the exchange's database (a rehearsal's own during a rehearsal), keyed
by the account and `owner/name`, so the mark survives logging out and a restart.
"""

from __future__ import annotations

import sqlite3

from fisoko import clock
from fisoko.db import get_db
from fisoko.files import disk_full
from fisoko.niko.exchange.results import ResultFile


def key_of(file: ResultFile) -> str:
    return f"{file.owner}/{file.name}"


def opened_by(login: str) -> frozenset[str]:
    """The results files (`owner/name`) this account has downloaded at least once."""
    rows = get_db().execute("SELECT file FROM results_opened WHERE login = ?", (login,))
    return frozenset(key for (key,) in rows)


def record_opened(login: str, file: ResultFile) -> None:
    """Remember the account's first download of a file, which clears its «новое» mark.

    Best effort: on a full disk the download goes on and the file stays «новое» (logged once).
    """
    try:
        get_db().execute(
            "INSERT OR IGNORE INTO results_opened (login, file, opened_at) VALUES (?, ?, ?)",
            (login, key_of(file), clock.now_utc()),
        )
    except sqlite3.Error as error:
        if not disk_full.is_disk_full(error):
            raise
        disk_full.noticed(error)
