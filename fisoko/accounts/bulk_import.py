"""Reading a CSV of schools to import and writing the credentials CSV handed out to them.

Excel in a Russian locale saves CSV with `;` (the comma is the decimal separator there) and,
as "CSV UTF-8", with a BOM; other tools write `,` and no BOM. Both are read. The credentials file
is written the way that Russian Excel opens with a double click: UTF-8 with a BOM (without it
Excel assumes the ANSI code page and garbles Cyrillic), `;` between columns, CRLF line ends.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import NamedTuple

from fisoko.accounts.store import EMAIL_RE, LOGIN_RULE, Accounts, split_login
from fisoko.files.yaml_source import Invalid, Problem, decode

COLUMNS = ("login", "name", "email")
REQUIRED = ("login", "name")
MAX_NAME = 500


class Row(NamedTuple):
    line: int
    login: str
    name: str
    email: str | None


def default_output(csv_path: str | Path) -> Path:
    """`<CSV name>-credentials.csv` beside the input."""
    path = Path(csv_path)
    return path.with_name(f"{path.stem}-credentials.csv")


def read_rows(data: bytes, path: str, existing: Accounts) -> list[Row]:
    """Every row of the CSV, validated; raise Invalid listing every bad row with its line."""
    text = decode(data, path, "в Excel сохраните его как «CSV UTF-8 (разделитель — запятая)»")
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    problems: list[Problem] = []
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        columns = _columns(header, path, problems)
        rows = [] if columns is None else _rows(reader, columns, path, existing, problems)
    except csv.Error as exc:
        problems.append(Problem(path, reader.line_num, f"файл не читается как CSV: {exc}"))
        rows = []
    if not problems and not rows:
        problems.append(Problem(path, 2, "под строкой заголовка нет ни одной учётной записи"))
    if problems:
        raise Invalid(problems)
    return rows


def _columns(header: list[str], path: str, problems: list[Problem]) -> dict[str, int] | None:
    while header and not header[-1]:
        header.pop()  # Excel writes empty cells after the last filled column
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in header]
    if unknown or missing or len(set(header)) != len(header):
        problems.append(
            Problem(
                path,
                1,
                "в первой строке должны быть названия столбцов login, name, email "
                f"(email можно не указывать), а в ней: {', '.join(header) or 'пусто'}",
            )
        )
        return None
    return {name: header.index(name) for name in header}


def _rows(
    reader, columns: dict[str, int], path: str, existing: Accounts, problems: list[Problem]
) -> list[Row]:
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if any(cell.strip() for cell in cells[len(columns) :]):
            problems.append(
                Problem(path, line, f"ячеек больше, чем столбцов ({len(columns)}): лишнее уберите")
            )
            continue
        login, name, email = (
            cells[i].strip() if i is not None and i < len(cells) else ""
            for i in (columns.get(c) for c in COLUMNS)
        )
        before = len(problems)
        if split_login(login) is None:
            problems.append(Problem(path, line, f"неверный логин «{login}»: {LOGIN_RULE}"))
        elif login in seen:
            problems.append(Problem(path, line, f"логин {login} уже был в строке {seen[login]}"))
        elif existing.get(login) is not None:
            problems.append(Problem(path, line, f"логин {login} уже есть в файле учётных записей"))
        if not name:
            problems.append(Problem(path, line, "пустое название (столбец name)"))
        elif len(name) > MAX_NAME or any(ch < " " or ch == "\x7f" for ch in name):
            problems.append(
                Problem(path, line, f"{login}: название должно быть одной строкой текста")
            )
        if email and EMAIL_RE.fullmatch(email) is None:
            problems.append(Problem(path, line, f"{login}: «{email}» — не адрес почты"))
        seen.setdefault(login, line)
        if len(problems) == before:
            rows.append(Row(line, login, name, email or None))
    return rows


def credentials_csv(rows: list[tuple[str, str, str]]) -> bytes:
    """(login, password, name) rows as a CSV for Excel: UTF-8 with BOM, `;`, CRLF."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["login", "password", "name"])
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
