"""The coordinator's table of the region: every school against the school steps, and its CSV.

It reads what the exchange keeps (activity, upload and code counts), the sample, each school's
last login, and whether each school's step is done from progress.py (a mark or the step's file in).

Which schools count is decided once, by `counted_schools`: a disabled account is shown apart and
left out of every number (the overview's counts, the bars, the late schools, the sample's totals),
so no two numbers on the page disagree about how many schools there are. The CSV still has a row
for every school of the region, as the contract says, the disabled ones after the counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from fisoko import clock
from fisoko.accounts.store import SCHOOL, Account, current_store
from fisoko.db import get_db
from fisoko.login import last_login
from fisoko.niko.content.model import Step, current_content
from fisoko.niko.exchange import codes as participant_codes
from fisoko.niko.exchange import reviews, upload_store
from fisoko.niko.region import progress, sample
from fisoko.niko.region.sample import RegionSample

CSV_EXTRA = ("steps_done", "uploads", "last_activity", "codes", "sample", "returned", "results")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_LAST = ("last_login",)  # always the last column: later columns go before it


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
    last_login: str | None = None


@dataclass(frozen=True)
class Overview:
    """A region's schools against the school steps, with how many schools did each step."""

    steps: tuple[Step, ...]
    rows: tuple[SchoolRow, ...]
    done_counts: tuple[int, ...]
    sample: RegionSample = RegionSample()
    disabled: tuple[SchoolRow, ...] = ()  # shown apart, counted nowhere


def counted_schools(region: str) -> tuple[tuple[Account, ...], tuple[Account, ...]]:
    """The region's schools that count (every enabled account) and, apart, the disabled ones."""
    counted: list[Account] = []
    disabled: list[Account] = []
    for school in current_store().schools_of(region):
        (disabled if school.disabled else counted).append(school)
    return tuple(counted), tuple(disabled)


def overview(region: str, done: dict[str, dict[str, progress.Proof]] | None = None) -> Overview:
    """The region's table: its counted schools with marks, uploads, activity; the disabled apart.
    `done` is progress.region_done() when the caller already has it."""
    db = get_db()
    steps = current_content().guide(SCHOOL).steps
    if done is None:
        done = progress.region_done(db, region)
    activity = dict(db.execute("SELECT login, at FROM activity WHERE region = ?", (region,)))
    uploads = upload_store.counts_by_owner(db, region)
    codes = participant_codes.counts_by_school(db, region)
    logins = last_login.of_region(db, region)
    region_sample = sample.of_region(db, region)
    reviewed = reviews.counts_by_school(db, region)
    late = progress.late_ids(current_content(), steps, clock.wall())
    rows, apart = [], []
    counted = {school.login for school in counted_schools(region)[0]}
    for school in current_store().schools_of(region):
        marked = frozenset(done.get(school.login, ()))
        (rows if school.login in counted else apart).append(
            SchoolRow(
                school,
                marked,
                frozenset(late - marked),
                uploads.get(school.login, 0),
                activity.get(school.login),
                codes.get(school.login, 0),
                region_sample.status(school.login),
                *reviewed.get(school.login, (0, 0)),
                last_login=logins.get(school.login),
            )
        )
    counts = tuple(sum(s.id in r.done for r in rows) for s in steps)
    return Overview(tuple(steps), tuple(rows), counts, region_sample, tuple(apart))


def _cell(text: str) -> str:
    """Text for a spreadsheet cell; a leading = + - @ would make Excel run it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def iso_local(stamp: str | None) -> str:
    """A stored UTC moment as ISO date-time in the study's zone (seconds, with the offset)."""
    if not stamp:
        return ""
    moment = dt.datetime.fromisoformat(stamp).astimezone(current_content().zone)
    return moment.isoformat(timespec="seconds")


def overview_csv(table: Overview, with_results: frozenset[str] = frozenset()) -> bytes:
    """The table as CSV for Excel: UTF-8 with BOM, ';' between cells, one row per school.

    The contract promises a row per school of the region, so disabled schools are listed too,
    after the counted ones; they are left out of the page's numbers, not out of the export.
    `with_results`: the schools with open results (results.logins_with_results), looked up for
    the CSV only, not for every view of the tab.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["login", "name", *(s.id for s in table.steps), *CSV_EXTRA, *CSV_LAST])
    for row in (*table.rows, *table.disabled):
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
                iso_local(row.last_login),
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
