"""What an account must do now: the block that leads the НИКО tab and «Главная».

For a school: its next step not yet marked done whose deadline has not passed, and the steps whose
deadline passed without a mark. For a coordinator: its next step by deadline, and how many schools
of the region are late with a step (from the region's table). Pure functions of their inputs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fisoko.niko.content.model import Step
from fisoko.niko.exchange.marks import StepState
from fisoko.niko.region.overview import Overview


@dataclass(frozen=True)
class Agenda:
    """The next step with the days left to its deadline, and what is late."""

    next_step: Step | None
    days_left: int
    number: int = 0
    late: tuple[Step, ...] = ()
    schools_late: int = 0
    schools: int = 0


def next_of(steps: Iterable[Step], today: dt.date, done: frozenset[str] = frozenset()) -> Agenda:
    """The first step not in `done` whose deadline has not passed, with its number."""
    for number, step in enumerate(steps, start=1):
        if step.id not in done and step.deadline >= today:
            return Agenda(step, (step.deadline - today).days, number)
    return Agenda(None, 0)


def for_school(states: Sequence[StepState], today: dt.date) -> Agenda:
    """The school's next undone step and its late ones, from its marks."""
    done = frozenset(s.step.id for s in states if s.done_at)
    found = next_of((s.step for s in states), today, done)
    late = tuple(s.step for s in states if s.overdue)
    return Agenda(found.next_step, found.days_left, found.number, late)


def for_coordinator(steps: Sequence[Step], region: Overview, today: dt.date) -> Agenda:
    """The coordinator's next step by deadline and how many of the region's schools are late."""
    found = next_of(steps, today, frozenset())
    late = sum(1 for row in region.rows if row.overdue and not row.account.disabled)
    active = sum(1 for row in region.rows if not row.account.disabled)
    return Agenda(found.next_step, found.days_left, found.number, schools_late=late, schools=active)
