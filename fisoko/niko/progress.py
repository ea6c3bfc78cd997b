"""Step progress: schools mark their steps done, coordinators see their region's table and CSV.

A mark is kept as a row per (school, step) with `done` 1 or 0 and when it last changed; the
`activity` table keeps each account's latest exchange action (a mark, an upload or a deletion).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from fisoko.accounts.store import COORDINATOR, SCHOOL, Account, current_store
from fisoko.db import get_db
from fisoko.niko import clock, sample, upload_store
from fisoko.niko import codes as participant_codes
from fisoko.niko.content import Step, current_content
from fisoko.niko.sample import RegionSample
from fisoko.web.access import account_with_role
from fisoko.web.downloads import csv_attachment, no_store
from fisoko.web.errors import render_error

bp = Blueprint("progress", __name__)
bp.after_request(no_store)

CSV_EXTRA = ("steps_done", "uploads", "last_activity", "codes", "sample")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class StepState:
    """One step of a school: done or not, and whether its deadline has passed undone."""

    step: Step
    done_at: str | None
    overdue: bool


@dataclass(frozen=True)
class SchoolRow:
    """One school in its coordinator's table."""

    account: Account
    done: frozenset[str]
    overdue: frozenset[str]
    uploads: int
    last_activity: str | None
    codes: int = 0
    sample: str = "in"


@dataclass(frozen=True)
class Overview:
    """A region's schools against the school steps, with how many schools did each step."""

    steps: tuple[Step, ...]
    rows: tuple[SchoolRow, ...]
    done_counts: tuple[int, ...]
    sample: RegionSample = RegionSample()


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


def overview(region: str) -> Overview:
    """The region's table: every school of the accounts file, with marks, uploads, activity."""
    db = get_db()
    steps = current_content().guide(SCHOOL).steps
    done: dict[str, set[str]] = {}
    for login, step in db.execute(
        "SELECT login, step FROM step_marks WHERE region = ? AND done = 1", (region,)
    ):
        done.setdefault(login, set()).add(step)
    activity = dict(db.execute("SELECT login, at FROM activity WHERE region = ?", (region,)))
    uploads = upload_store.counts_by_owner(db, region)
    codes = participant_codes.counts_by_school(db, region)
    region_sample = sample.of_region(db, region)
    today = clock.today()
    late = {s.id for s in steps if s.deadline < today}
    rows = []
    for school in current_store().schools_of(region):
        marked = frozenset(done.get(school.login, ()))
        rows.append(
            SchoolRow(
                school,
                marked,
                frozenset(late - marked),
                uploads.get(school.login, 0),
                activity.get(school.login),
                codes.get(school.login, 0),
                region_sample.status(school.login),
            )
        )
    counts = tuple(sum(s.id in r.done for r in rows) for s in steps)
    return Overview(tuple(steps), tuple(rows), counts, region_sample)


def _cell(text: str) -> str:
    """Text for a spreadsheet cell; a leading = + - @ would make Excel run it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def overview_csv(table: Overview) -> bytes:
    """The table as CSV for Excel: UTF-8 with BOM, ';' between cells, one row per school."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["login", "name", *(s.id for s in table.steps), *CSV_EXTRA])
    for row in table.rows:
        writer.writerow(
            [
                row.account.login,
                _cell(row.account.name),
                *("1" if s.id in row.done else "0" for s in table.steps),
                len(row.done),
                row.uploads,
                clock.local_text(row.last_activity) if row.last_activity else "",
                row.codes,
                row.sample,
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


@bp.route("/cabinet/niko/steps/<step>", methods=["POST"])
@login_required
def mark(step: str):
    """A school marks its step done (`done=1`) or not (`done=0`)."""
    account = current_user.account
    found = None if account.is_coordinator else current_content().guide(SCHOOL).step(step)
    if found is None:
        abort(404)
    value = request.form.get("done")
    if value not in ("1", "0"):
        return render_error(400, "Не удалось понять отметку. Обновите страницу и повторите.")
    set_mark(account, found.id, value == "1")
    if value == "1":
        flash(f"Шаг «{found.title}» отмечен как выполненный.", "info")
    else:
        flash(f"Отметка о выполнении шага «{found.title}» снята.", "info")
    return redirect(url_for("cabinet.niko"))


@bp.route("/cabinet/niko/progress.csv")
@login_required
def progress_csv():
    """The coordinator's table of the region's schools as a CSV file; 404 for a school."""
    account = account_with_role(COORDINATOR)
    name = f"niko-progress-{account.region}-{clock.today().isoformat()}.csv"
    return csv_attachment(overview_csv(overview(account.region)), name)
