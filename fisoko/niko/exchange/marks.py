"""Step marks and the latest exchange action of each account.

A mark is kept as a row per (account, step) with `done` 1 or 0 and when it last changed; the
`activity` table keeps each account's latest exchange action (a mark, an upload or a deletion).
"""

from __future__ import annotations

from fisoko import clock
from fisoko.accounts.store import Account
from fisoko.db import get_db


def touch(account: Account) -> None:
    """Record that the account did something in the exchange just now."""
    get_db().execute(
        "INSERT INTO activity (login, region, at) VALUES (?, ?, ?)"
        " ON CONFLICT (login) DO UPDATE SET at = excluded.at",
        (account.login, account.region, clock.now_utc()),
    )


def set_mark(account: Account, step_id: str, done: bool) -> None:
    """Mark an account's step done or not done (whether it is done is progress.py's answer)."""
    get_db().execute(
        "INSERT INTO step_marks (login, region, step, done, changed_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (login, step) DO UPDATE SET done = excluded.done,"
        " changed_at = excluded.changed_at",
        (account.login, account.region, step_id, int(done), clock.now_utc()),
    )
    touch(account)
