"""The region's sample: every school is in it until its coordinator asks to replace it.

The coordinator marks a school «на замену» with a reason (or takes it back) and then confirms the
region's sample; a confirmed sample changes only after the confirmation is taken back, and all of
it only until the deadline of the content's `sample_step`. A school's status is `in`, `replace`
or, once its region is confirmed and the school is not to be replaced, `confirmed`. Every change
is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, field

from flask import current_app

from fisoko.accounts.store import Account
from fisoko.db import get_db
from fisoko.niko.content import round
from fisoko.niko.content.model import current_content
from fisoko.refused import Refused

IN, REPLACE, CONFIRMED = "in", "replace", "confirmed"
MAX_REASON = 500
KEEP_SECONDS = 2.0
LABELS = {IN: "в выборке", REPLACE: "на замену", CONFIRMED: "в выборке, подтверждена"}


@dataclass(frozen=True)
class Mark:
    """A school the coordinator asked to replace, why, by whom and when."""

    reason: str
    changed_by: str
    changed_at: str


@dataclass(frozen=True)
class RegionSample:
    """The sample of one region: the schools marked for replacement and the confirmation."""

    marks: dict[str, Mark] = field(default_factory=dict)
    confirmed_at: str | None = None
    confirmed_by: str | None = None

    def status(self, login: str) -> str:
        if login in self.marks:
            return REPLACE
        return CONFIRMED if self.confirmed_at else IN


def of_region(conn: sqlite3.Connection, region: str) -> RegionSample:
    """The region's marks for replacement and its confirmation, if any."""
    marks = {
        login: Mark(reason, by, at)
        for login, reason, by, at in conn.execute(
            "SELECT login, reason, changed_by, changed_at FROM sample_marks"
            " WHERE region = ? AND status = ?",
            (region, REPLACE),
        )
    }
    row = conn.execute(
        "SELECT confirmed_at, confirmed_by FROM sample_confirmations WHERE region = ?", (region,)
    ).fetchone()
    return RegionSample(marks, *(row or (None, None)))


def deadline() -> dt.date | None:
    return current_content().sample_deadline()


def is_open(today: dt.date) -> bool:
    """Whether the sample may change on this day: the study open, its step's deadline not past."""
    try:
        check_open(today)
    except Refused:
        return False
    return True


def check_open(today: dt.date) -> None:
    """Refuse any change while the study is not open or after the sample step's deadline."""
    round.check_study_open(current_content(), dt.datetime.combine(today, dt.time()))
    last = deadline()
    if last is not None and today > last:
        raise Refused(
            400,
            f"Срок подтверждения выборки истёк {last:%d.%m.%Y}: изменить выборку региона "
            "больше нельзя. Если замена всё же нужна, обратитесь к федеральному организатору.",
        )


def clean_reason(raw: str | None) -> str:
    """The reason for a replacement: required, one paragraph, at most MAX_REASON characters."""
    text = " ".join((raw or "").split())
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    if not text:
        raise Refused(400, "Укажите причину замены школы: без неё отметить школу на замену нельзя.")
    if len(text) > MAX_REASON:
        raise Refused(400, f"Причина замены длиннее {MAX_REASON} символов. Сократите её.")
    return text


def _unconfirmed(conn: sqlite3.Connection, region: str) -> None:
    if conn.execute("SELECT 1 FROM sample_confirmations WHERE region = ?", (region,)).fetchone():
        raise Refused(
            400,
            "Выборка региона уже подтверждена. Чтобы изменить её, сначала снимите подтверждение.",
        )


def set_status(
    conn: sqlite3.Connection, school: Account, status: str, reason: str, by: str, now: str
) -> bool:
    """Mark a school for replacement (with a reason) or back in the sample, while the region is
    not confirmed; False when the school was already in the sample."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        _unconfirmed(conn, school.region)
        if status == REPLACE:
            done = conn.execute(
                "INSERT INTO sample_marks (login, region, status, reason, changed_by, changed_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (login) DO UPDATE SET"
                " status = excluded.status, reason = excluded.reason,"
                " changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                (school.login, school.region, REPLACE, reason, by, now),
            )
        else:
            done = conn.execute("DELETE FROM sample_marks WHERE login = ?", (school.login,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return done.rowcount > 0


def set_confirmed(conn: sqlite3.Connection, region: str, by: str, now: str, on: bool) -> bool:
    """Confirm the region's sample or take the confirmation back; False if nothing changed."""
    if on:
        done = conn.execute(
            "INSERT OR IGNORE INTO sample_confirmations (region, confirmed_by, confirmed_at)"
            " VALUES (?, ?, ?)",
            (region, by, now),
        )
    else:
        done = conn.execute("DELETE FROM sample_confirmations WHERE region = ?", (region,))
    return done.rowcount > 0


def _kept() -> dict[str, tuple[float, RegionSample]]:
    return current_app.extensions.setdefault("fisoko.sample_kept", {})


def kept_region(region: str) -> RegionSample:
    """The region's sample as read at most KEEP_SECONDS ago by this process.

    A school's «Главная» otherwise needs no database at all, and a query there costs more than
    it seems under load (it hands the GIL over). A change made in this process is seen at once
    (`forget`); one made by another process on the same instance folder within KEEP_SECONDS.
    """
    kept, now = _kept(), time.monotonic()
    found = kept.get(region)
    if found is None or now - found[0] >= KEEP_SECONDS:
        found = kept[region] = (now, of_region(get_db(), region))
    return found[1]


def forget(region: str) -> None:
    _kept().pop(region, None)


def school_state(account: Account) -> tuple[str, Mark | None]:
    """A school's own status and, when it is to be replaced, the coordinator's mark."""
    state = kept_region(account.region)
    return state.status(account.login), state.marks.get(account.login)
