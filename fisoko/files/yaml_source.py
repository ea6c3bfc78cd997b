"""Reading hand-edited YAML files as node trees, so that every problem can name its line.

The composer's node tree keeps the line of every key and value and lets us see duplicate keys,
which `yaml.safe_load` silently merges. libyaml's C composer is used where PyYAML was built with
it; the pure-Python one gives the same nodes otherwise.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import yaml

from fisoko.files import yaml_errors

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as Loader  # type: ignore[assignment]

STR = "tag:yaml.org,2002:str"
BOOL = "tag:yaml.org,2002:bool"
INT = "tag:yaml.org,2002:int"
NULL = "tag:yaml.org,2002:null"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
TAG_NAMES = {
    STR: "текст",
    BOOL: "true/false",
    INT: "число",
    "tag:yaml.org,2002:float": "число",
    NULL: "пустое значение",
    TIMESTAMP: "дата",
    "tag:yaml.org,2002:seq": "список",
    "tag:yaml.org,2002:map": "набор полей",
}
WHAT = {"key": "ключ", "field": "поле", "login": "логин", "accounts": "ключ"}
_TRUE = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"}
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MOMENT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?: ([0-9]{2}):([0-9]{2}))?")


class Problem(NamedTuple):
    """One thing wrong with a file, at a 1-based line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class Invalid(Exception):
    """A file has problems; `problems` lists all of them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def line_of(node: yaml.Node) -> int:
    """The 1-based line where a node starts."""
    return node.start_mark.line + 1


def unreadable(exc: OSError) -> str:
    """Why a file cannot be read, in Russian (the OS's own text is in the OS's language)."""
    if isinstance(exc, FileNotFoundError):
        reason = "такого файла нет, проверьте путь"
    elif isinstance(exc, PermissionError):
        reason = "нет прав на чтение"
    elif isinstance(exc, IsADirectoryError):
        reason = "это папка, а не файл"
    else:
        reason = exc.strerror or str(exc)
    return f"не удаётся прочитать файл: {reason}"


def read_source(path: str | Path) -> bytes:
    """The bytes of a hand-edited file; a missing or unreadable file is a Problem on line 1."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise Invalid([Problem(str(path), 1, unreadable(exc))]) from None


def decode(data: bytes, path: str, advice: str = "сохраните его в кодировке UTF-8") -> str:
    """Decode a file's bytes as UTF-8 (with or without a BOM), or raise Invalid at the bad byte."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        msg = f"файл не в кодировке UTF-8: {advice}"
        raise Invalid([Problem(path, line, msg)]) from None
    return text


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a burst of allocations that form no cycles.

    Composing a large file creates hundreds of thousands of nodes and marks; every few hundred
    of them the collector would walk all the live objects again, which dominated the load time
    of a large file. The tree is freed by reference counting alone.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compose(text: str, path: str) -> yaml.Node | None:
    """Compose one YAML document into nodes, or raise Invalid with the parser's line."""
    try:
        with paused_gc():
            return yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        line, message = yaml_errors.explain(exc, text, _error_line(exc, text))
        raise Invalid([Problem(path, line, message)]) from None
    except yaml.YAMLError as exc:
        raise Invalid([Problem(path, 1, f"ошибка YAML: {exc}")]) from None


def document(data: bytes, path: str, empty: str = "файл пуст") -> yaml.Node:
    """The node tree of a hand-edited file's bytes; an empty file is a Problem on line 1."""
    root = compose(decode(data, path), path)
    if root is None:
        raise Invalid([Problem(path, 1, empty)])
    return root


def _error_line(exc: yaml.MarkedYAMLError, text: str) -> int:
    """The line to blame: where the problem is, or where its construct began when the problem
    is only that the file ended (an unclosed quote or bracket)."""
    last = text.count("\n") + (0 if text.endswith("\n") else 1)
    for mark in (exc.problem_mark, exc.context_mark):
        if mark is not None and mark.line + 1 <= max(last, 1):
            return mark.line + 1
    return max(last, 1)


def describe(node: yaml.Node) -> str:
    """A short human name for what a node holds, for 'expected X, got Y' messages."""
    return TAG_NAMES.get(node.tag, node.tag)


def mapping_items(
    node: yaml.MappingNode, path: str, problems: list[Problem], what: str = "key"
) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """Yield (key, key node, value node) of a mapping; report non-text and duplicate keys."""
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != STR:
            problems.append(
                Problem(
                    path,
                    line_of(key_node),
                    f"{WHAT.get(what, what)}: нужен текст, а указано: {describe(key_node)}",
                )
            )
            continue
        key = key_node.value
        first = seen.get(key)
        if first is not None:
            problems.append(
                Problem(
                    path,
                    line_of(key_node),
                    f"{WHAT.get(what, what)} '{key}' повторяется (впервые — в строке {first}): "
                    "у каждого ключа должно быть одно место",
                )
            )
            continue
        seen[key] = line_of(key_node)
        yield key, key_node, value_node


def as_text(
    node: yaml.Node, path: str, problems: list[Problem], field: str, *, required: bool = True
) -> str | None:
    """The text of a scalar node, or None after reporting what is wrong with it."""
    if not isinstance(node, yaml.ScalarNode) or node.tag != STR:
        if isinstance(node, yaml.ScalarNode) and node.tag == NULL and not required:
            return None
        hint = "; возьмите значение в кавычки" if isinstance(node, yaml.ScalarNode) else ""
        problems.append(
            Problem(path, line_of(node), f"{field}: нужен текст, а указано: {describe(node)}{hint}")
        )
        return None
    value = node.value.strip()
    if required and not value:
        problems.append(Problem(path, line_of(node), f"{field}: не может быть пустым"))
        return None
    return value


def as_bool(node: yaml.Node, path: str, problems: list[Problem], field: str) -> bool | None:
    """The value of a true/false scalar node, or None after reporting what is wrong with it."""
    if not isinstance(node, yaml.ScalarNode) or node.tag != BOOL:
        problems.append(
            Problem(
                path, line_of(node), f"{field}: нужно true или false, а указано: {describe(node)}"
            )
        )
        return None
    return node.value in _TRUE


def as_date(node: yaml.Node, path: str, problems: list[Problem], field: str) -> dt.date | None:
    """A date written as YYYY-MM-DD, or None after reporting what is wrong with it."""
    match = _DATE.fullmatch(node.value) if isinstance(node, yaml.ScalarNode) else None
    if match is None:
        problems.append(
            Problem(
                path, line_of(node), f"{field}: нужна дата вида ГГГГ-ММ-ДД, например 2026-10-15"
            )
        )
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        problems.append(Problem(path, line_of(node), f"{field}: такой даты нет: «{node.value}»"))
        return None


def as_moment(
    node: yaml.Node, path: str, problems: list[Problem], field: str
) -> tuple[dt.date, dt.time | None] | None:
    """A date with an optional time of day, `YYYY-MM-DD` or `YYYY-MM-DD HH:MM`, or None after
    reporting what is wrong with it."""
    match = _MOMENT.fullmatch(node.value) if isinstance(node, yaml.ScalarNode) else None
    if match is None:
        problems.append(
            Problem(
                path,
                line_of(node),
                f"{field}: нужна дата вида ГГГГ-ММ-ДД или дата и время вида "
                "ГГГГ-ММ-ДД ЧЧ:ММ, например 2027-03-26 18:00",
            )
        )
        return None
    year, month, day, hour, minute = match.groups()
    try:
        date = dt.date(int(year), int(month), int(day))
        at = dt.time(int(hour), int(minute)) if hour is not None else None
    except ValueError:
        message = f"{field}: такой даты или времени нет: «{node.value}»"
        problems.append(Problem(path, line_of(node), message))
        return None
    return date, at
