"""What to do now: the next step, what is late, the region's late schools; Russian day counts."""

from __future__ import annotations

import datetime as dt

import pytest

from fisoko.accounts.store import Account
from fisoko.niko.content import round
from fisoko.niko.content.model import Step
from fisoko.niko.region.overview import Overview, SchoolRow
from fisoko.niko.region.progress import MARKED, Proof, StepState
from fisoko.niko.tab import agenda

D = dt.date
STEPS = (
    Step("a", "Первый", D(2027, 3, 5), ()),
    Step("b", "Второй", D(2027, 3, 10), (), deadline_time=dt.time(18, 0)),
    Step("c", "Третий", D(2027, 3, 20), ()),
)


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def states(wall: dt.datetime, done: set[str]) -> list[StepState]:
    return [
        StepState(
            number,
            s,
            Proof(MARKED, "t") if s.id in done else None,
            s.id in done,
            s.id not in done and wall > s.due,
            True,
        )
        for number, s in enumerate(STEPS, start=1)
    ]


@pytest.mark.parametrize(
    "wall, done, next_id, number, days, late",
    [
        (at(D(2027, 3, 4)), set(), "a", 1, 1, []),
        (at(D(2027, 3, 5)), set(), "a", 1, 0, []),
        (at(D(2027, 3, 6)), set(), "b", 2, 4, ["a"]),
        (at(D(2027, 3, 6)), {"a"}, "b", 2, 4, []),
        (at(D(2027, 3, 6)), {"a", "b"}, "c", 3, 14, []),
        (at(D(2027, 3, 10), 18, 0), {"a"}, "b", 2, 0, []),  # its deadline's minute
        (at(D(2027, 3, 10), 18, 1), {"a"}, "c", 3, 10, ["b"]),
        (at(D(2027, 3, 21)), {"a"}, None, 0, 0, ["b", "c"]),
    ],
)
def test_the_next_step_and_late_ones(wall, done, next_id, number, days, late):
    found = agenda.for_steps(states(wall, done), wall)
    assert (found.next_step.id if found.next_step else None) == next_id
    assert (found.number, found.days_left) == (number, days)
    assert [s.id for s in found.late] == late


def test_before_the_study_there_is_no_next_step_and_nothing_late():
    wall = at(D(2027, 3, 21))
    found = agenda.for_steps(states(wall, set()), wall, round.BEFORE)
    assert (found.next_step, found.late, found.phase) == (None, (), round.BEFORE)


def test_after_the_study_late_steps_stay_but_nothing_is_next():
    wall = at(D(2027, 3, 6))
    found = agenda.for_steps(states(wall, set()), wall, round.OVER)
    assert found.next_step is None
    assert [s.id for s in found.late] == ["a"] and found.phase == round.OVER


def school(login: str, disabled: bool = False) -> Account:
    return Account(login, login, "x", "school", login[3:5], login[5:], disabled=disabled)


def test_a_coordinators_next_step_and_late_schools():
    rows = (
        SchoolRow(school("edu770001"), frozenset(), frozenset({"a"}), 0, None),
        SchoolRow(school("edu770002"), frozenset({"a"}), frozenset(), 0, None),
        SchoolRow(school("edu770003", disabled=True), frozenset(), frozenset({"a"}), 0, None),
    )
    wall = at(D(2027, 3, 11))
    found = agenda.for_coordinator(states(wall, {"a", "b"}), Overview(STEPS, rows, (1, 0, 0)), wall)
    assert (found.next_step.id, found.number, found.days_left) == ("c", 3, 9)
    assert (found.schools_late, found.schools) == (1, 2)
