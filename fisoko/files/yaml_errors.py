"""A YAML syntax error told in plain Russian, on the line where the person made the mistake.

The parser reports where it noticed the trouble, which for a missing colon is the next key's
line: `name Школа` followed by `password_hash: …` reads as one long key until the second colon.
"""

from __future__ import annotations

import yaml

TAB = "в строке символ табуляции: отступы в YAML делаются только пробелами, замените его пробелами"
COLON = "не хватает двоеточия: после ключа пишется «:» и пробел, например «name: Школа № 1»"
INDENT = (
    "неверный отступ: ключи одного уровня начинаются с одинакового числа пробелов, "
    "вложенные — с большего"
)
QUOTE = "не закрыта кавычка: у значения в кавычках должна быть и закрывающая кавычка"
ONE_DOCUMENT = "в файле должен быть один документ YAML: уберите строку «---» и всё, что ниже"
BRACKET = "не закрыта скобка [ или {"
_INDENT_PROBLEMS = ("did not find expected key", "expected <block end>", "mapping values")


def _content_lines(text: str) -> list[str]:
    return text.split("\n")


def _previous_content(lines: list[str], index: int) -> int | None:
    """The index of the nearest line above `index` that is neither blank nor a comment."""
    for above in range(index - 1, -1, -1):
        stripped = lines[above].strip()
        if stripped and not stripped.startswith("#"):
            return above
    return None


def _has_key(line: str) -> bool:
    body = line.split(" #", 1)[0].rstrip()
    return ": " in body or body.endswith(":") or body.lstrip().startswith("- ")


def explain(exc: yaml.MarkedYAMLError, text: str, line: int) -> tuple[int, str]:
    """(line, Russian message) for a parser error the parser placed at `line`."""
    lines = _content_lines(text)
    problem = exc.problem or ""
    context = exc.context or ""
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in here or "'\\t'" in problem:
        return line, TAB
    if "quoted scalar" in context:
        return line, QUOTE
    if "single document" in context + problem:
        return line, ONE_DOCUMENT
    if "flow" in context:
        return line, BRACKET
    if "mapping values" in problem:
        above = _previous_content(lines, line - 1)
        if above is not None and not _has_key(lines[above]):
            return above + 1, COLON
    if problem.startswith(_INDENT_PROBLEMS):
        return line, INDENT
    if "could not find expected ':'" in problem:
        mark = exc.context_mark
        return (mark.line + 1 if mark else line), COLON
    parts = ", ".join(p for p in (exc.context, exc.problem) if p)
    return line, f"ошибка синтаксиса YAML ({parts})"
