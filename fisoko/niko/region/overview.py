"""The coordinator's table of the region: every school against the school steps, and its CSV.

It reads what the exchange keeps (step marks and activity, upload and code counts) and the sample.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from fisoko.accounts.store import SCHOOL, Account, current_store
from fisoko.db import get_db
from fisoko.niko.content import clock
from fisoko.niko.content.model import Step, current_content
from fisoko.niko.exchange import codes as participant_codes
from fisoko.niko.exchange import reviews, upload_store
from fisoko.niko.region import sample
from fisoko.niko.region.sample import RegionSample

CSV_EXTRA = ("steps_done", "uploads", "last_activity", "codes", "sample", "returned", "results")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
    waiting: int = 0  # uploads waiting for the coordinator's review (reviews.py)
    returned: int = 0  # uploads returned for rework


@dataclass(frozen=True)
class Overview:
    """A region's schools against the school steps, with how many schools did each step."""

    steps: tuple[Step, ...]
    rows: tuple[SchoolRow, ...]
    done_counts: tuple[int, ...]
    sample: RegionSample = RegionSample()


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
    reviewed = reviews.counts_by_school(db, region)
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
                *reviewed.get(school.login, (0, 0)),
            )
        )
    counts = tuple(sum(s.id in r.done for r in rows) for s in steps)
    return Overview(tuple(steps), tuple(rows), counts, region_sample)


def _cell(text: str) -> str:
    """Text for a spreadsheet cell; a leading = + - @ would make Excel run it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def overview_csv(table: Overview, with_results: frozenset[str] = frozenset()) -> bytes:
    """The table as CSV for Excel: UTF-8 with BOM, ';' between cells, one row per school.

    `with_results`: the schools with open results (results.logins_with_results), looked up for
    the CSV only, not for every view of the tab.
    """
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
                row.returned,
                int(row.account.login in with_results),
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
