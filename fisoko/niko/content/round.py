"""The round's phases and what a step allows at a moment: pure functions of the content and a wall
time of the study's zone (`clock.wall()`).

Before `study.opens` nothing is taken and nothing says a school is in the sample; from
`study.ends` the study is over: nothing is taken and late steps are history. A step takes marks
and files only while the study is open and from its own `opens` day; it takes files up to its
`uploads_until` (or, without one, its deadline), never for ever.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fisoko.niko.content.model import NikoContent, RoleGuide, Step

BEFORE, OPEN, OVER = "before", "open", "over"


def phase(content: NikoContent, wall: dt.datetime) -> str:
    """BEFORE the study's opening day, OVER from its last day on, else OPEN."""
    today = wall.date()
    if content.opens is not None and today < content.opens:
        return BEFORE
    if content.ends is not None and today >= content.ends:
        return OVER
    return OPEN


def takes_marks(content: NikoContent, step: Step, wall: dt.datetime) -> bool:
    """Whether the step can be marked done (or unmarked) now."""
    return phase(content, wall) == OPEN and step.is_open(wall)


def takes_files(content: NikoContent, step: Step, wall: dt.datetime) -> bool:
    """Whether files are taken for the step now."""
    return takes_marks(content, step, wall) and wall <= step.files_close


def overdue(content: NikoContent, step: Step, wall: dt.datetime) -> bool:
    """Whether the step's deadline has passed (after the study it is history, still late)."""
    return phase(content, wall) != BEFORE and wall > step.due


@dataclass(frozen=True)
class Closed:
    """A step of the upload form that takes no files now: not yet open, or closed since when."""

    number: int
    step: Step
    not_yet: bool


def closed_steps(content: NikoContent, guide: RoleGuide, wall: dt.datetime) -> tuple[Closed, ...]:
    """The role's steps that take no files now, while the study is open, each with why."""
    if phase(content, wall) != OPEN:
        return ()
    return tuple(
        Closed(number, step, not step.is_open(wall))
        for number, step in enumerate(guide.steps, start=1)
        if not takes_files(content, step, wall)
    )
