"""`results_forms:` and a step's `results_form:`: the shipped form, and mistakes with lines."""

from __future__ import annotations

import textwrap

import pytest

from fisoko.files.yaml_source import Invalid
from fisoko.niko.content.forms import FormSpec
from fisoko.niko.content.model import load_content, parse_content
from fisoko.settings import BASE_DIR

SHIPPED = BASE_DIR / "content" / "niko.yaml"
TEMPLATE = BASE_DIR / "materials" / "forma-sbora-rezultatov.csv"

HEAD = """\
study:
  title: НИКО
  round: НИКО-2027
  about: текст
schedule:
  - event: Событие
    date: 2027-03-01
    responsible: ФИОКО
roles:
  coordinator:
    summary: s
    steps:
      - id: report
        title: t
        deadline: 2027-04-01
        what: w
{coordinator_extra}
  school:
    summary: s
    steps:
      - id: upload-form
        title: t
        deadline: 2027-03-26
        what: w
        results_form: {named}
"""


def content_text(forms: str, named: str = "f", coordinator_extra: str = "") -> str:
    head = HEAD.format(named=named, coordinator_extra=coordinator_extra)
    return head + "results_forms:\n" + textwrap.indent(textwrap.dedent(forms), "  ")


def problems_of(text: str) -> list[str]:
    with pytest.raises(Invalid) as caught:
        parse_content(text.encode(), "niko.yaml")
    return [str(p) for p in caught.value.problems]


def test_the_demo_results_step_takes_the_shipped_templates_form():
    content = load_content(SHIPPED)
    step = content.guide("school").step("upload-form")
    form = content.form_of(step)
    header = TEMPLATE.read_text(encoding="utf-8-sig").splitlines()[0].split(";")
    assert form is not None and form.columns == tuple(header)
    assert form.code_column == "Код участника"
    assert form.maxima == {f"Задание {n}": 4 for n in range(1, 6)}
    others = [s for g in content.guides.values() for s in g.steps if s is not step]
    assert all(content.form_of(s) is None for s in others)


def test_a_good_form_is_read():
    text = content_text(
        """\
        f:
          columns: [Код, Балл 1, Балл 2, Примечание]
          code_column: Код
          maxima: {Балл 1: 3, Балл 2: 10}
        """
    )
    content = parse_content(text.encode(), "niko.yaml")
    assert content.results_forms == {
        "f": FormSpec(("Код", "Балл 1", "Балл 2", "Примечание"), "Код", {"Балл 1": 3, "Балл 2": 10})
    }
    assert content.guide("school").step("upload-form").results_form == "f"


def test_form_mistakes_are_all_reported_with_lines():
    text = content_text(
        """\
        f:
          columns:
            - Код
            - Балл
            - Балл
          code_column: Номер
        g:
          columns: [Код, Балл]
          code_column: Код
          maxima:
            Код: 3
            Нет такого: 2
            Балл: 0
        h:
          columns: [Код, Балл]
          code_column: Код
          maxima: {Балл: 0x10}
        Bad_Name:
          columns: [Код]
          code_column: Код
        k:
          columns: []
          code_column: Код
          extra: 1
        """,
        named="f",
    )
    assert problems_of(text) == [  # `results_forms:` is on line 26
        "niko.yaml:31: columns: столбец «Балл» повторяется (впервые — в строке 30)",
        "niko.yaml:32: code_column: столбца «Номер» нет в columns",
        "niko.yaml:37: maxima: «Код» — столбец кода участника, а не балла",
        "niko.yaml:38: maxima: столбца «Нет такого» нет в columns",
        "niko.yaml:39: maxima: наибольший балл — целое число от 1 до 1000",
        "niko.yaml:43: maxima: наибольший балл — целое число от 1 до 1000",
        "niko.yaml:44: results_forms: имя «Bad_Name»: допустимы a-z, 0-9 и «-»",
        "niko.yaml:50: results_form: неизвестный ключ «extra»: допустимы columns, code_column,"
        " maxima",
        "niko.yaml:48: columns: нужен список названий столбцов (от 1 до 200)",
        "niko.yaml:25: results_form «f»: такой формы нет в results_forms"
        " (там нет ни одной годной формы)",
    ]


def test_a_step_must_name_a_known_form_of_a_school():
    forms = """\
    f:
      columns: [Код]
      code_column: Код
    """
    assert problems_of(content_text(forms, named="g")) == [
        "niko.yaml:25: results_form «g»: такой формы нет в results_forms (есть: f)"
    ]
    coordinator = "        results_form: f"
    assert problems_of(content_text(forms, coordinator_extra=coordinator)) == [
        "niko.yaml:17: results_form: форму результатов принимает только шаг школы"
    ]


def test_results_forms_must_be_a_mapping():
    text = HEAD.format(named="f", coordinator_extra="") + "results_forms: [f]\n"
    found = problems_of(text)
    assert found[0] == (
        "niko.yaml:26: results_forms: нужен набор форм по именам, а указано: список"
    )
