"""The region at a glance: a bar per school step, and the table of schools sorted, filtered, paged.

Everything is chosen by query parameters (`sort`, `show`, `page`), so the page works without a
script and a coordinator can bookmark or share a view. Values outside the known ones fall back to
the defaults instead of failing: they only ever come from the page's own links.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from fisoko.niko.content.model import Step
from fisoko.niko.region import sample
from fisoko.niko.region.overview import Overview, SchoolRow
from fisoko.web.query import page_number

PAGE_SIZE = 50
SORTS = ("school", "progress")
SHOWS = ("all", "late", "replace")
PAGE_PARAMETER = "region_page"  # the uploads list above the table pages with `page`
DEFAULTS = {"sort": SORTS[0], "show": SHOWS[0], PAGE_PARAMETER: 1}
DONE, OVERDUE, TODO = "done", "overdue", "todo"  # a school's cell under a step


class Line(NamedTuple):
    """A row of the shown table as the template writes it: its number on the page, the school,
    and a state per school step (DONE, OVERDUE or TODO), worked out here once instead of by two
    set lookups per cell in the template. A tuple, so the template's loop unpacks it."""

    number: int
    row: SchoolRow
    cells: tuple[str, ...]


@dataclass(frozen=True)
class StepBar:
    """How many schools did a step, are late with it, or have time left; and the bar's geometry."""

    number: int
    step: Step
    done: int
    late: int
    rest: int

    @property
    def total(self) -> int:
        return self.done + self.late + self.rest

    def widths(self) -> tuple[float, float, float]:
        """The three parts as percentages of the bar (SVG user units out of 100)."""
        if not self.total:
            return 0.0, 0.0, 100.0
        done = round(100 * self.done / self.total, 2)
        late = round(100 * self.late / self.total, 2)
        return done, late, round(100 - done - late, 2)


@dataclass(frozen=True)
class RegionPage:
    """What the coordinator's region section shows for one choice of sort, filter and page."""

    overview: Overview
    bars: tuple[StepBar, ...]
    rows: tuple[SchoolRow, ...]
    sort: str
    show: str
    page: int
    pages: int
    matched: int
    first: int
    sample_open: bool
    sample_deadline: dt.date | None

    @cached_property
    def lines(self) -> tuple[Line, ...]:
        """The shown rows as the template writes them, worked out once per page."""
        steps = self.overview.steps
        return tuple(
            Line(number, row, cells(row, steps))
            for number, row in enumerate(self.rows, start=self.first)
        )

    @property
    def sample_editable(self) -> bool:
        """Whether schools can still be marked for replacement (open and not confirmed)."""
        return self.sample_open and not self.overview.sample.confirmed_at

    @property
    def to_replace(self) -> int:
        """Schools of the accounts file marked for replacement (a removed school is not counted)."""
        return sum(row.sample == sample.REPLACE for row in self.overview.rows)

    def choices(self) -> dict[str, object]:
        """The sort, filter and page as query parameters."""
        return {"sort": self.sort, "show": self.show, PAGE_PARAMETER: self.page}


def bars(table: Overview) -> tuple[StepBar, ...]:
    """One bar per school step over every school of the region."""
    done: Counter[str] = Counter()
    late: Counter[str] = Counter()
    for row in table.rows:
        done.update(row.done)
        late.update(row.overdue)
    return tuple(
        StepBar(
            number,
            step,
            done[step.id],
            late[step.id],
            len(table.rows) - done[step.id] - late[step.id],
        )
        for number, step in enumerate(table.steps, start=1)
    )


def cells(row: SchoolRow, steps: tuple[Step, ...]) -> tuple[str, ...]:
    """The row's state under each step, in the steps' order."""
    done, overdue = row.done, row.overdue
    return tuple(
        DONE if step.id in done else OVERDUE if step.id in overdue else TODO for step in steps
    )


def choose(args: Mapping[str, str]) -> tuple[str, str, int]:
    """The sort, the filter and the table's page asked for, with defaults for anything unknown."""
    sort = args.get("sort", "")
    show = args.get("show", "")
    return (
        sort if sort in SORTS else SORTS[0],
        show if show in SHOWS else SHOWS[0],
        page_number(args.get(PAGE_PARAMETER)),
    )


def select(rows: tuple[SchoolRow, ...], sort: str, show: str) -> list[SchoolRow]:
    """The rows the filter keeps, in the chosen order (progress: fewest steps done first)."""
    if show == "late":
        rows = tuple(r for r in rows if r.overdue)
    elif show == "replace":
        rows = tuple(r for r in rows if r.sample == sample.REPLACE)
    if sort == "progress":
        return sorted(rows, key=lambda r: (len(r.done), -len(r.overdue), r.account.login))
    return sorted(rows, key=lambda r: r.account.login)


def build(table: Overview, args: Mapping[str, str], today: dt.date) -> RegionPage:
    """The region section for these query parameters."""
    sort, show, page = choose(args)
    chosen = select(table.rows, sort, show)
    pages = max(1, -(-len(chosen) // PAGE_SIZE))
    page = max(1, min(page, pages))
    start = (page - 1) * PAGE_SIZE
    deadline = sample.deadline()
    return RegionPage(
        overview=table,
        bars=bars(table),
        rows=tuple(chosen[start : start + PAGE_SIZE]),
        sort=sort,
        show=show,
        page=page,
        pages=pages,
        matched=len(chosen),
        first=start + 1,
        sample_open=sample.is_open(today),
        sample_deadline=deadline,
    )
