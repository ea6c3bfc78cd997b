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
from fisoko.refused import Refused

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


def _day(day: dt.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def check_study_open(content: NikoContent, wall: dt.datetime) -> None:
    """Refuse (400, in Russian) anything taken while the study is not open: before or after."""
    now = phase(content, wall)
    if now == BEFORE:
        raise Refused(
            400,
            f"Исследование ещё не началось: оно откроется {_day(content.opens)}. "
            "До этого ничего не принимается: ни файлы, ни отметки, ни коды, ни выборка.",
        )
    if now == OVER:
        raise Refused(
            400,
            f"Исследование завершено {_day(content.ends)}: файлы, отметки и изменения больше "
            "не принимаются. Загруженные файлы можно скачать.",
        )


def check_marks(content: NikoContent, step: Step, wall: dt.datetime) -> None:
    """Refuse (400, in Russian) a mark of a step that takes no marks now."""
    check_study_open(content, wall)
    if not step.is_open(wall):
        raise Refused(
            400,
            f"Шаг «{step.title}» откроется {_day(step.opens)}: до этого его нельзя отметить "
            "и файлы по нему не принимаются.",
        )
