"""When each account last logged in, for its coordinator's table («Последний вход»).

Kept in the exchange's database (`get_db()`), so a rehearsal's logins stay in the rehearsal's
database and carry its clock. The record never stands in the way of a login: on a full or
read-only disk it is skipped and the condition logged once (`disk_full`).
"""

from __future__ import annotations

import sqlite3

from flask import g

from fisoko import clock
from fisoko.accounts.store import Account
from fisoko.db import get_db
from fisoko.files import disk_full
from fisoko.web import errors


def record(account: Account) -> None:
    """Note that the account logged in just now; a disk that cannot take it skips the note."""
    try:
        get_db().execute(
            "INSERT INTO last_logins (login, region, at) VALUES (?, ?, ?)"
            " ON CONFLICT (login) DO UPDATE SET at = excluded.at",
            (account.login, account.region, clock.now_utc()),
        )
    except (OSError, sqlite3.Error) as error:
        if not disk_full.is_disk_full(error):
            raise
        disk_full.noticed(error)
        setattr(g, errors.WRITE_SKIPPED, True)


def of_region(conn: sqlite3.Connection, region: str) -> dict[str, str]:
    """The last login (UTC ISO text) of every account of the region that ever logged in."""
    return dict(conn.execute("SELECT login, at FROM last_logins WHERE region = ?", (region,)))
