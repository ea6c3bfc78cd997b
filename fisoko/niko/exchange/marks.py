"""A school's step marks and the latest exchange action of each account.

A mark is kept as a row per (school, step) with `done` 1 or 0 and when it last changed; the
`activity` table keeps each account's latest exchange action (a mark, an upload or a deletion).
"""

from __future__ import annotations

from dataclasses import dataclass

from fisoko.accounts.store import SCHOOL, Account
from fisoko.db import get_db
from fisoko.niko.content import clock
from fisoko.niko.content.model import Step, current_content


@dataclass(frozen=True)
class StepState:
    """One step of a school: done or not, and whether its deadline has passed undone."""

    step: Step
    done_at: str | None
    overdue: bool


def touch(account: Account) -> None:
    """Record that the account did something in the exchange just now."""
    get_db().execute(
        "INSERT INTO activity (login, region, at) VALUES (?, ?, ?)"
        " ON CONFLICT (login) DO UPDATE SET at = excluded.at",
        (account.login, account.region, clock.now_utc()),
    )


def set_mark(account: Account, step_id: str, done: bool) -> None:
    """Mark a school's step done or not done."""
    get_db().execute(
        "INSERT INTO step_marks (login, region, step, done, changed_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (login, step) DO UPDATE SET done = excluded.done,"
        " changed_at = excluded.changed_at",
        (account.login, account.region, step_id, int(done), clock.now_utc()),
    )
    touch(account)


def school_steps(account: Account) -> list[StepState]:
    """The school's steps with their marks, for its own НИКО tab."""
    rows = get_db().execute(
        "SELECT step, changed_at FROM step_marks WHERE login = ? AND done = 1", (account.login,)
    )
    done = {step: at for step, at in rows}
    today = clock.today()
    return [
        StepState(s, done.get(s.id), s.id not in done and s.deadline < today)
        for s in current_content().guide(SCHOOL).steps
    ]
