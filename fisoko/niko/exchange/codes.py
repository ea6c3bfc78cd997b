"""Participant codes: a school issues 5-digit codes for a class and keeps the names on paper.

A code is random (`secrets`), unique within its school and never given twice: codes are only
ever added, and the (school, code) pair is unique in the database. Codes run from 10000 to 99999,
so that a spreadsheet cannot drop a leading zero. The app never asks for a pupil's name: the
`name` column of the CSV is left for the school's own protocol.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import sqlite3
from dataclasses import dataclass

from fisoko.accounts.store import Account
from fisoko.db import get_db
from fisoko.refused import Refused

GRADES = ("8", "10")  # the grades of the study (НИКО-2027: 8 and 10)
MAX_PER_CLASS = 40
LOWEST, SPAN = 10000, 90000
CSV_HEADER = ("class", "code", "name")
LETTERS = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
# Latin letters that look like Cyrillic ones: "8A" typed on the wrong keyboard layout is "8А".
LOOKALIKES = str.maketrans("ABEKMHOPCTXY", "АВЕКМНОРСТХУ")
CLASS_RE = re.compile(rf"([0-9]{{1,2}})\s*-?\s*([{LETTERS}])")


@dataclass(frozen=True)
class Code:
    """One issued participant code."""

    school_class: str
    code: str
    issued_at: str


def parse_class(raw: str | None) -> str:
    """`8а`, `8 А`, `8-A` → `8А`; a grade of the study and one Cyrillic letter, else Refused."""
    text = (raw or "").strip().upper().translate(LOOKALIKES)
    match = CLASS_RE.fullmatch(text)
    if match is None:
        raise Refused(
            400, "Укажите класс как номер и букву, например 8А или 10Б (буква — русская, одна)."
        )
    grade, letter = match.groups()
    if grade.lstrip("0") not in GRADES:
        raise Refused(400, f"В исследовании участвуют только {' и '.join(GRADES)} классы.")
    return grade.lstrip("0") + letter


def parse_count(raw: str | None) -> int:
    """How many codes to issue: a whole number from 1 to MAX_PER_CLASS, else Refused."""
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_PER_CLASS:
        raise Refused(400, f"Число участников — целое число от 1 до {MAX_PER_CLASS}.")
    return int(text)


def class_order(school_class: str) -> tuple[int, str]:
    """8А before 8Б before 10А."""
    return int(school_class[:-1]), school_class[-1]


def issue(
    conn: sqlite3.Connection, school: Account, school_class: str, count: int, now: str
) -> list[str]:
    """Issue `count` new codes for a class of the school; return them in the order issued.

    One write transaction: the check of the class size and the choice of codes cannot race
    with another request of the same school.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        taken = {
            row[0]
            for row in conn.execute(
                "SELECT code FROM participant_codes WHERE login = ?", (school.login,)
            )
        }
        (in_class,) = conn.execute(
            "SELECT COUNT(*) FROM participant_codes WHERE login = ? AND class = ?",
            (school.login, school_class),
        ).fetchone()
        if in_class + count > MAX_PER_CLASS:
            left = MAX_PER_CLASS - in_class
            more = f"можно добавить ещё {left}" if left else "больше добавить нельзя"
            raise Refused(
                400,
                f"В классе может быть не больше {MAX_PER_CLASS} участников: для {school_class} "
                f"уже выдано {in_class}, {more}.",
            )
        if len(taken) + count > SPAN:
            raise Refused(400, "Все возможные коды для школы уже выданы.")
        new: list[str] = []
        while len(new) < count:
            code = str(LOWEST + secrets.randbelow(SPAN))
            if code not in taken:
                taken.add(code)
                new.append(code)
        conn.executemany(
            "INSERT INTO participant_codes (login, region, class, code, issued_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [(school.login, school.region, school_class, code, now) for code in new],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return new


def of_school(conn: sqlite3.Connection, login: str) -> list[Code]:
    """The school's codes, by class (8А, 8Б, 10А) and in the order they were issued."""
    rows = conn.execute(
        "SELECT class, code, issued_at FROM participant_codes WHERE login = ? ORDER BY id",
        (login,),
    )
    codes = [Code(*row) for row in rows]
    return sorted(codes, key=lambda c: class_order(c.school_class))


def by_class(codes: list[Code]) -> list[tuple[str, list[Code]]]:
    """Codes grouped by class, keeping their order."""
    groups: dict[str, list[Code]] = {}
    for code in codes:
        groups.setdefault(code.school_class, []).append(code)
    return list(groups.items())


def counts_by_school(conn: sqlite3.Connection, region: str) -> dict[str, int]:
    """How many codes each school of a region has issued."""
    rows = conn.execute(
        "SELECT login, COUNT(*) FROM participant_codes WHERE region = ? GROUP BY login", (region,)
    )
    return dict(rows.fetchall())


def count_of(login: str) -> int:
    """How many codes a school has issued."""
    row = get_db().execute("SELECT COUNT(*) FROM participant_codes WHERE login = ?", (login,))
    return row.fetchone()[0]


def as_csv(codes: list[Code]) -> bytes:
    """The protocol for Excel: UTF-8 with BOM, ';', one row per code, the name left empty."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows((c.school_class, c.code, "") for c in codes)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
