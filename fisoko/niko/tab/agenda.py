"""What an account must do now: the block that leads the НИКО tab and «Главная».

Its next step not done (progress.py: marked, or its work seen) whose deadline has not passed, and
the steps whose deadline passed undone; for a coordinator also how many of the region's active
schools are late with a step (from the region's table). Before the study opens there is no next
step yet; once it is over the late steps are history (round.py). Pure functions of their inputs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fisoko.niko.content import round
from fisoko.niko.content.model import Step
from fisoko.niko.region.overview import Overview
from fisoko.niko.region.progress import StepState


@dataclass(frozen=True)
class Agenda:
    """The next step with the days left to its deadline, and what is late."""

    next_step: Step | None
    days_left: int
    number: int = 0
    late: tuple[Step, ...] = ()
    schools_late: int = 0
    schools: int = 0
    phase: str = round.OPEN


def next_of(steps: Iterable[Step], wall: dt.datetime, done: frozenset[str] = frozenset()) -> Agenda:
    """The first step not in `done` whose deadline has not passed, with its number."""
    for number, step in enumerate(steps, start=1):
        if step.id not in done and step.due >= wall:
            return Agenda(step, (step.deadline - wall.date()).days, number)
    return Agenda(None, 0)


def for_steps(states: Sequence[StepState], wall: dt.datetime, phase: str = round.OPEN) -> Agenda:
    """The account's next step not done and its late ones, from its steps' states."""
    if phase == round.BEFORE:
        return Agenda(None, 0, phase=phase)
    done = frozenset(s.step.id for s in states if s.done)
    found = Agenda(None, 0)
    if phase == round.OPEN:
        found = next_of((s.step for s in states), wall, done)
    late = tuple(s.step for s in states if s.late)
    return Agenda(found.next_step, found.days_left, found.number, late, phase=phase)


def for_coordinator(
    states: Sequence[StepState], region: Overview, wall: dt.datetime, phase: str = round.OPEN
) -> Agenda:
    """The coordinator's next step not done, its late ones, and the region's late schools."""
    own = for_steps(states, wall, phase)
    active = [row for row in region.rows if not row.account.disabled]
    late = sum(1 for row in active if row.overdue)
    return Agenda(
        own.next_step,
        own.days_left,
        own.number,
        own.late,
        schools_late=late,
        schools=len(active),
        phase=phase,
    )
