"""The results forms of the content file: what a step's `results_form:` names.

`results_forms:` maps a form's name to its columns in order, the column that holds the
participant code, and the maximum score of each score column (scores run from 0):

    results_forms:
      niko-2027:
        columns: [Код участника, Класс, Вариант, Задание 1, Задание 2]
        code_column: Код участника
        maxima: {Задание 1: 4, Задание 2: 4}

A school step with `results_form: niko-2027` then has a CSV or XLSX uploaded to it checked
against that form (exchange/results_form.py). Every mistake is reported with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from fisoko.files.yaml_source import INT, describe, line_of, mapping_items
from fisoko.niko.content.reader import Reader

FORM_KEYS = ("columns", "code_column")
FORM_OPTIONAL = ("maxima",)
NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
MAX_SCORE = 1000
MAX_COLUMNS = 200


@dataclass(frozen=True)
class FormSpec:
    """A results form as the content describes it: its columns in order, which one holds the
    participant code, and the maximum score of each score column (scores run from 0)."""

    columns: tuple[str, ...]
    code_column: str
    maxima: dict[str, int] = field(default_factory=dict)


def _columns(r: Reader, node: yaml.Node) -> tuple[tuple[str, ...], bool]:
    """The columns' names that could be read, and whether the list is good."""
    if not isinstance(node, yaml.SequenceNode) or not 1 <= len(node.value) <= MAX_COLUMNS:
        r.problem(node, f"columns: нужен список названий столбцов (от 1 до {MAX_COLUMNS})")
        return (), False
    names: list[str] = []
    seen: dict[str, int] = {}
    good = True
    for item in node.value:
        name = r.text(item, "columns")
        if name is None:
            good = False
        elif name in seen:
            first = seen[name]
            r.problem(item, f"columns: столбец «{name}» повторяется (впервые — в строке {first})")
            good = False
        else:
            seen[name] = line_of(item)
            names.append(name)
    return tuple(names), good


def _maxima(r: Reader, node: yaml.Node, columns: tuple[str, ...], code: str) -> dict | None:
    if not isinstance(node, yaml.MappingNode):
        r.problem(
            node, f"maxima: нужен набор «столбец: наибольший балл», а указано: {describe(node)}"
        )
        return None
    found: dict[str, int] = {}
    good = True
    for name, key_node, value in mapping_items(node, r.path, r.problems, "столбец"):
        if name not in columns:
            r.problem(key_node, f"maxima: столбца «{name}» нет в columns")
            good = False
        elif name == code:
            r.problem(key_node, f"maxima: «{name}» — столбец кода участника, а не балла")
            good = False
        elif (
            not isinstance(value, yaml.ScalarNode)
            or value.tag != INT
            or not value.value.isascii()
            or not value.value.isdigit()
            or not 1 <= int(value.value) <= MAX_SCORE
        ):
            r.problem(value, f"maxima: наибольший балл — целое число от 1 до {MAX_SCORE}")
            good = False
        else:
            found[name] = int(value.value)
    return found if good else None


def read_form(r: Reader, node: yaml.Node) -> FormSpec | None:
    """One form of `results_forms:`, or None after reporting its problems."""
    f = r.fields(node, "results_form", FORM_KEYS, FORM_OPTIONAL)
    if f is None or not set(FORM_KEYS) <= f.keys():
        return None
    columns, good = _columns(r, f["columns"])
    code = r.text(f["code_column"], "code_column")
    if code is not None and columns and code not in columns:
        r.problem(f["code_column"], f"code_column: столбца «{code}» нет в columns")
        code = None
    if not good or code is None:
        return None
    maxima = _maxima(r, f["maxima"], columns, code) if "maxima" in f else {}
    return None if maxima is None else FormSpec(columns, code, maxima)


def read_all(r: Reader, node: yaml.Node) -> dict[str, FormSpec]:
    """The `results_forms:` section: each form by its name (bad ones reported and left out)."""
    if not isinstance(node, yaml.MappingNode):
        r.problem(node, f"results_forms: нужен набор форм по именам, а указано: {describe(node)}")
        return {}
    forms: dict[str, FormSpec] = {}
    for name, key_node, value in mapping_items(node, r.path, r.problems, "форма"):
        if NAME_RE.fullmatch(name) is None:
            r.problem(key_node, f"results_forms: имя «{name}»: допустимы a-z, 0-9 и «-»")
            continue
        form = read_form(r, value)
        if form is not None:
            forms[name] = form
    return forms


def step_form(
    r: Reader, node: yaml.Node, forms: dict[str, FormSpec], school: bool
) -> tuple[bool, str | None]:
    """A step's `results_form:` name checked: (good, name)."""
    name = r.text(node, "results_form")
    if name is None:
        return False, None
    if not school:
        r.problem(node, "results_form: форму результатов принимает только шаг школы")
        return False, None
    if name not in forms:
        known = f"есть: {', '.join(forms)}" if forms else "там нет ни одной годной формы"
        r.problem(node, f"results_form «{name}»: такой формы нет в results_forms ({known})")
        return False, None
    return True, name
