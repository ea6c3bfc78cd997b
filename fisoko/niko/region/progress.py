"""Whether each step is done and why: the one truth of the НИКО tab, «Главная» and the region.

A step is done when the app sees its work, or else when its person marked it done:
- a school's step: the school's newest upload for that step, unless it was returned for rework
  (reviews.py: earlier uploads for the step count no more once a newer one is in);
- the coordinator's `sample_step`: the region's sample confirmed;
- a coordinator's step that `collects` a school step: every active school of the region has
  its file for that school step in (as above);
- any step: its mark. Work seen wins over a mark, so the proof shown is the app's own.

A step not done whose deadline has passed is late: an alarm while the study is open, history once
it is over (round.py). The tab's steps, «Что сделать сейчас», the counts of late schools and the
region table's flags all read this module.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from fisoko import clock
from fisoko.accounts.store import COORDINATOR, SCHOOL, Account, current_store
from fisoko.db import get_db
from fisoko.niko.content import round
from fisoko.niko.content.model import NikoContent, Step, current_content
from fisoko.niko.exchange.reviews import NEWEST, RETURNED
from fisoko.niko.region import sample

MARKED, UPLOADED, SAMPLE, COLLECTED = "marked", "uploaded", "sample", "collected"


@dataclass(frozen=True)
class Proof:
    """What shows a step done: how, since when (a UTC stamp), the file's name or the schools."""

    how: str
    at: str | None
    name: str = ""
    schools: int = 0


@dataclass(frozen=True)
class StepState:
    """One step of an account now: its proof of being done, its own mark, lateness, and whether
    the account may mark it (round.takes_marks) — never a step whose work the app already sees."""

    number: int
    step: Step
    proof: Proof | None
    marked: bool
    late: bool
    markable: bool

    @property
    def done(self) -> bool:
        return self.proof is not None

    @property
    def by_work(self) -> bool:
        return self.proof is not None and self.proof.how != MARKED


Found = dict[str, dict[str, str]]  # {login: {step: when marked}}
Files = dict[str, dict[str, Proof]]  # {school: {step: the proof of its file}}


def _read(conn: sqlite3.Connection, by_region: bool, value: str) -> tuple[Found, Files]:
    """The marks that say done and each school's newest upload per step that is not returned
    (reviews.py), of one login or of a whole region, in one query."""
    marks_where = "region = ?" if by_region else "login = ?"
    files_where = "uploads.region = ?" if by_region else "uploads.owner = ?"
    marks: Found = {}
    files: Files = {}
    for kind, login, step, name, at in conn.execute(
        f"SELECT 'm', login, step, '', changed_at FROM step_marks WHERE {marks_where} AND done = 1"
        " UNION ALL SELECT 'f', uploads.owner, uploads.step, uploads.name, uploads.uploaded_at"
        " FROM uploads LEFT JOIN upload_reviews AS r ON r.upload_id = uploads.id"
        f" WHERE {files_where} AND uploads.role = '{SCHOOL}' AND {NEWEST}"
        " AND (r.status IS NULL OR r.status != ?)",
        (value, value, RETURNED),
    ):
        if kind == "m":
            marks.setdefault(login, {})[step] = at
        else:
            files.setdefault(login, {})[step] = Proof(UPLOADED, at, name)
    return marks, files


def _merged(work: dict[str, Proof], marks: dict[str, str]) -> dict[str, Proof]:
    return {**{step: Proof(MARKED, at) for step, at in marks.items()}, **work}


def region_done(conn: sqlite3.Connection, region: str) -> Files:
    """{school login: {step id: proof}} for every school of the region with a done step."""
    marks, files = _read(conn, True, region)
    schools = marks.keys() | files.keys()
    return {login: _merged(files.get(login, {}), marks.get(login, {})) for login in schools}


def _states(
    content: NikoContent, steps: tuple[Step, ...], proofs: dict[str, Proof], marks: dict
) -> list[StepState]:
    wall = clock.wall()
    states = []
    for number, step in enumerate(steps, start=1):
        proof = proofs.get(step.id)
        states.append(
            StepState(
                number,
                step,
                proof,
                step.id in marks,
                proof is None and round.overdue(content, step, wall),
                round.takes_marks(content, step, wall) and (proof is None or proof.how == MARKED),
            )
        )
    return states


def school_states(account: Account) -> list[StepState]:
    """A school's own steps."""
    content = current_content()
    found, files = _read(get_db(), False, account.login)
    marks = found.get(account.login, {})
    proofs = _merged(files.get(account.login, {}), marks)
    return _states(content, content.guide(SCHOOL).steps, proofs, marks)


def collected(step: Step, done: dict[str, dict[str, Proof]], schools: tuple[Account, ...]):
    """The proof that every active school has its file in for the school step `step` collects,
    or None (also for a region without active schools)."""
    if step.collects is None or not schools:
        return None
    proofs = [done.get(s.login, {}).get(step.collects) for s in schools]
    if any(p is None or p.how != UPLOADED for p in proofs):
        return None
    return Proof(COLLECTED, max(p.at for p in proofs), schools=len(schools))  # type: ignore[union-attr]


def coordinator_states(
    account: Account, done: dict[str, dict[str, Proof]] | None = None
) -> list[StepState]:
    """The coordinator's own steps; `done` is region_done() when the caller already has it."""
    content, conn = current_content(), get_db()
    marks = _read(conn, False, account.login)[0].get(account.login, {})
    steps = content.guide(COORDINATOR).steps
    work: dict[str, Proof] = {}
    region_sample = sample.kept_region(account.region)
    if content.sample_step and region_sample.confirmed_at:
        work[content.sample_step] = Proof(SAMPLE, region_sample.confirmed_at)
    if any(s.collects for s in steps):
        if done is None:
            done = region_done(conn, account.region)
        active = tuple(s for s in current_store().schools_of(account.region) if not s.disabled)
        for step in steps:
            proof = collected(step, done, active)
            if proof is not None:
                work[step.id] = proof
    return _states(content, steps, _merged(work, marks), marks)


def states_of(account: Account) -> list[StepState]:
    """The account's own steps, by its role."""
    if account.is_coordinator:
        return coordinator_states(account)
    return school_states(account)


def late_ids(content: NikoContent, steps: tuple[Step, ...], wall: dt.datetime) -> frozenset[str]:
    """The steps whose deadline has passed (late for anyone who has not done them)."""
    return frozenset(s.id for s in steps if round.overdue(content, s, wall))
