"""The study's results form checked on upload: a CSV or XLSX of participants' scores.

The real ЛК takes any file; here a form that is the empty template, has other columns, names a
participant code the school did not issue or holds a score outside its range is refused, with every
problem listed by row and column in Russian. Reading is bounded: at most `MAX_ROWS` data rows, and
an XLSX whose unpacked parts exceed `MAX_UNPACKED` is refused before openpyxl parses it.
openpyxl is used read-only and a CSV is read as a stream, so memory does not grow with the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from fisoko.niko.content.forms import FormSpec

MAX_ROWS = 10_000
MAX_UNPACKED = 64 * 1024 * 1024
CHECKED_SUFFIXES = (".csv", ".xlsx")
CHUNK = 256 * 1024


@dataclass(frozen=True)
class Problem:
    row: int | None  # 1 is the header row, as a spreadsheet counts
    column: str | None  # the column's letter, as a spreadsheet shows it
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"строка {self.row}")
        if self.column is not None:
            where.append(f"столбец {self.column}")
        place = ", ".join(where)
        if not place:  # a sentence on its own, as a list item shows it
            return f"{self.message[:1].upper()}{self.message[1:]}"
        return f"{place[:1].upper()}{place[1:]}: {self.message}"


class FormRefused(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def is_checked(filename: str) -> bool:
    return filename.lower().endswith(CHECKED_SUFFIXES)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _encoding(stream: BinaryIO) -> str:
    """UTF-8 (a BOM is dropped) when every byte decodes so, else Windows-1251 (Excel in Russian
    saves CSV in it); read in chunks, so a big file is never held whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1251"
    finally:
        stream.seek(0)


def _csv_rows(stream: BinaryIO) -> Iterator[list[str]]:
    # A byte cp1251 leaves undefined becomes U+FFFD: the check then names the cell, no 500.
    text = io.TextIOWrapper(stream, encoding=_encoding(stream), errors="replace", newline="")
    first = text.readline()
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is not None:
            yield [cell.strip() for cell in header]
        yield from reader  # data cells are stripped where they are read: most need no copy
    except csv.Error as exc:  # a NUL byte, a cell over csv's field limit
        raise FormRefused([Problem(reader.line_num, None, "файл не читается как CSV")]) from exc
    finally:
        text.detach()  # the caller's stream stays open


def _unreadable_xlsx() -> FormRefused:
    return FormRefused([Problem(None, None, "файл не открывается как таблица XLSX")])


def _xlsx_rows(stream: BinaryIO) -> Iterator[list[str]]:
    import openpyxl  # imported here: only a results form needs it

    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise _unreadable_xlsx() from exc
    if unpacked > MAX_UNPACKED:
        raise FormRefused([Problem(None, None, "таблица XLSX слишком велика в распакованном виде")])
    stream.seek(0)
    try:
        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken file; all mean the same
        raise _unreadable_xlsx() from exc
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in row]
    except Exception as exc:
        raise _unreadable_xlsx() from exc
    finally:
        book.close()


def _trimmed(row: list[str]) -> list[str]:
    end = len(row)
    while end and not row[end - 1]:
        end -= 1
    return row[:end]


def _header_problems(header: list[str], spec: FormSpec) -> list[Problem]:
    problems = []
    for index, name in enumerate(header):
        if index >= len(spec.columns):
            problems.append(Problem(1, column_letter(index), f"лишний столбец «{name}»"))
        elif name != spec.columns[index]:
            problems.append(
                Problem(
                    1,
                    column_letter(index),
                    f"столбец «{name}» вместо «{spec.columns[index]}» из формы",
                )
            )
    for index in range(len(header), len(spec.columns)):
        problems.append(Problem(1, column_letter(index), f"нет столбца «{spec.columns[index]}»"))
    return problems


def _score_problem(text: str, maximum: int) -> str | None:
    if not text:
        return None
    try:
        score = int(text)
    except ValueError:
        return f"балл «{text}» не целое число"
    if not 0 <= score <= maximum:
        return f"балл {score} вне диапазона от 0 до {maximum}"
    return None


def check_rows(rows: Iterable[list[str]], spec: FormSpec, issued: set[str]) -> int:
    """The number of participants in a good form; else FormRefused with every problem."""
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None or not _trimmed(header):
        raise FormRefused([Problem(None, None, "файл пустой: в нём нет даже заголовка формы")])
    header = _trimmed(header)
    problems = _header_problems(header, spec)
    if problems:
        raise FormRefused(problems)
    code_at = spec.columns.index(spec.code_column)
    scores = [(i, spec.maxima[name]) for i, name in enumerate(spec.columns) if name in spec.maxima]
    width = len(spec.columns)
    code_letter = column_letter(code_at)
    # The scores a cell may hold as written: a cell found here needs no int(); others take the
    # full parse, so both paths give the same answer.
    plain = {index: {str(n) for n in range(maximum + 1)} for index, maximum in scores}
    seen: dict[str, int] = {}
    participants = 0
    any_score = False
    for number, row in enumerate(iterator, start=2):
        if len(row) > width:
            for index in range(width, len(row)):
                if row[index].strip():
                    problems.append(
                        Problem(number, column_letter(index), "значение вне столбцов формы")
                    )
            row = row[:width]
        elif len(row) < width:
            row = row + [""] * (width - len(row))
        if not any(cell.strip() for cell in row):
            continue
        participants += 1
        if participants > MAX_ROWS:
            limit = f"{MAX_ROWS:,}".replace(",", " ")
            raise FormRefused([Problem(None, None, f"в форме больше {limit} строк участников")])
        code = row[code_at].strip()
        if not code:
            problems.append(Problem(number, code_letter, "нет кода участника"))
        elif code not in issued:
            problems.append(Problem(number, code_letter, f"код участника {code} школа не выдавала"))
        elif code in seen:
            problems.append(
                Problem(number, code_letter, f"код участника {code} уже был в строке {seen[code]}")
            )
        else:
            seen[code] = number
        for index, maximum in scores:
            text = row[index]
            if text in plain[index]:
                any_score = True
                continue
            text = text.strip()
            any_score = any_score or bool(text)
            message = _score_problem(text, maximum)
            if message:
                problems.append(Problem(number, column_letter(index), message))
    if not any_score:
        problems.insert(
            0,
            Problem(None, None, "это пустой шаблон формы: ни у одного участника нет баллов"),
        )
    if problems:
        raise FormRefused(problems)
    return participants


def check_stream(stream: BinaryIO, filename: str, spec: FormSpec, issued: set[str]) -> int:
    """Check a results form (CSV or XLSX, by its name) read from a seekable binary file; the
    participant count if good, else FormRefused. The file is read in a stream, never whole."""
    is_xlsx = filename.lower().endswith(".xlsx")
    rows = _xlsx_rows(stream) if is_xlsx else _csv_rows(stream)
    try:
        return check_rows(rows, spec, issued)
    finally:
        rows.close()  # while the stream is still open: the reader lets go of it first


def check_file(path: Path, filename: str, spec: FormSpec, issued: set[str]) -> int:
    """`check_stream` on a file on disk (an upload's temporary file)."""
    with open(path, "rb") as stream:
        return check_stream(stream, filename, spec, issued)


def check(data: bytes, filename: str, spec: FormSpec, issued: set[str]) -> int:
    """`check_stream` on bytes in memory."""
    return check_stream(io.BytesIO(data), filename, spec, issued)
