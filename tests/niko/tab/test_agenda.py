"""What to do now: the next step, what is late, the region's late schools; Russian day counts."""

from __future__ import annotations

import datetime as dt

import pytest

from fisoko.accounts.store import Account
from fisoko.niko.content.model import Step
from fisoko.niko.exchange.marks import StepState
from fisoko.niko.region.overview import Overview, SchoolRow
from fisoko.niko.tab import agenda

D = dt.date
STEPS = (
    Step("a", "Первый", D(2027, 3, 5), ()),
    Step("b", "Второй", D(2027, 3, 10), ()),
    Step("c", "Третий", D(2027, 3, 20), ()),
)


def states(today: dt.date, done: set[str]) -> list[StepState]:
    return [
        StepState(s, "t" if s.id in done else None, s.id not in done and s.deadline < today)
        for s in STEPS
    ]


@pytest.mark.parametrize(
    "today, done, next_id, number, days, late",
    [
        (D(2027, 3, 4), set(), "a", 1, 1, []),
        (D(2027, 3, 5), set(), "a", 1, 0, []),
        (D(2027, 3, 6), set(), "b", 2, 4, ["a"]),
        (D(2027, 3, 6), {"a"}, "b", 2, 4, []),
        (D(2027, 3, 6), {"a", "b"}, "c", 3, 14, []),
        (D(2027, 3, 21), {"a"}, None, 0, 0, ["b", "c"]),
    ],
)
def test_a_schools_next_step_and_late_ones(today, done, next_id, number, days, late):
    found = agenda.for_school(states(today, done), today)
    assert (found.next_step.id if found.next_step else None) == next_id
    assert (found.number, found.days_left) == (number, days)
    assert [s.id for s in found.late] == late


def school(login: str, disabled: bool = False) -> Account:
    return Account(login, login, "x", "school", login[3:5], login[5:], disabled=disabled)


def test_a_coordinators_next_step_and_late_schools():
    rows = (
        SchoolRow(school("edu770001"), frozenset(), frozenset({"a"}), 0, None),
        SchoolRow(school("edu770002"), frozenset({"a"}), frozenset(), 0, None),
        SchoolRow(school("edu770003", disabled=True), frozenset(), frozenset({"a"}), 0, None),
    )
    found = agenda.for_coordinator(STEPS, Overview(STEPS, rows, (1, 0, 0)), D(2027, 3, 11))
    assert (found.next_step.id, found.number, found.days_left) == ("c", 3, 9)
    assert (found.schools_late, found.schools) == (1, 2)
