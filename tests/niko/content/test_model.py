"""The НИКО content file: the shipped one is valid, and mistakes are reported with lines."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from fisoko.files.yaml_source import Invalid
from fisoko.niko.content.model import load_content, parse_content
from fisoko.niko.content.text import paragraphs
from fisoko.settings import BASE_DIR

SHIPPED = BASE_DIR / "content" / "niko.yaml"


def test_shipped_content_is_valid_and_complete():
    content = load_content(SHIPPED)
    assert "НИКО" in content.title
    assert len(content.schedule) >= 5
    for role in ("coordinator", "school"):
        guide = content.guide(role)
        assert guide.summary and len(guide.steps) >= 3
        deadlines = [s.deadline for s in guide.steps]
        assert deadlines == sorted(deadlines)
    ids = [s.id for g in content.guides.values() for s in g.steps]
    assert len(ids) == len(set(ids))


def test_paragraphs_join_lines_and_split_at_blank_lines():
    assert paragraphs("a\nb\n\n  c\n") == ("a b", "c")


def test_step_lookup(tmp_path: Path):
    guide = load_content(SHIPPED).guide("school")
    assert guide.step("upload-form").title
    assert guide.step("nope") is None


def problems_of(text: str) -> list[str]:
    with pytest.raises(Invalid) as caught:
        parse_content(textwrap.dedent(text).encode(), "niko.yaml")
    return [str(p) for p in caught.value.problems]


def test_content_mistakes_are_all_reported():
    found = problems_of(
        """\
        study:
          title: НИКО
          round: 2027
          about: текст
          extra: x
        schedule:
          - event: Событие
            date: 2027-02-30
            responsible: ФИОКО
          - event: Событие 2
            date: 2027-03-01
            until: 2027-02-01
            responsible: ФИОКО
        roles:
          school:
            summary: s
            steps:
              - id: Bad_Id
                title: t
                deadline: 2027-01-01
                what: w
              - id: one
                title: t
                deadline: tomorrow
                what: w
          coordinator:
            summary: s
            steps:
              - id: one
                title: t
                deadline: 2027-01-01
        """
    )
    assert found == [
        "niko.yaml:5: study: неизвестный ключ «extra»"
        ": допустимы title, round, about, timezone, opens, ends",
        "niko.yaml:3: round: нужен текст, а указано: число; возьмите значение в кавычки",
        "niko.yaml:8: date: такой даты нет: «2027-02-30»",
        "niko.yaml:12: until: дата окончания раньше даты начала",
        "niko.yaml:18: id «Bad_Id»: допустимы a-z, 0-9 и «-», не больше 40 символов",
        "niko.yaml:24: deadline: нужна дата вида ГГГГ-ММ-ДД или дата и время вида "
        "ГГГГ-ММ-ДД ЧЧ:ММ, например 2027-03-26 18:00",
        "niko.yaml:29: step: нет обязательного ключа «what»",
    ]


def test_duplicate_step_ids_across_roles_are_refused():
    text = SHIPPED.read_text(encoding="utf-8").replace("id: upload-form", "id: confirm-sample")
    with pytest.raises(Invalid) as caught:
        parse_content(text.encode(), "niko.yaml")
    assert "id шага «confirm-sample» повторяется" in str(caught.value)


def test_missing_sections():
    assert problems_of("study: {}\n") == [
        "niko.yaml:1: content: нет обязательного ключа «schedule»",
        "niko.yaml:1: content: нет обязательного ключа «roles»",
    ]


def with_materials(section: str) -> str:
    text = SHIPPED.read_text(encoding="utf-8")
    return text[: text.index("\nmaterials:")] + "\n" + textwrap.dedent(section)


NOT_A_NAME = "укажите только имя файла из папки материалов, без папок"


def material_problems(section: str) -> list[str]:
    """Problems of a materials section, with lines counted from its `materials:` line (1)."""
    text = with_materials(section)
    offset = text.count("\n", 0, text.index("\nmaterials:")) + 1
    with pytest.raises(Invalid) as caught:
        parse_content(text.encode(), "niko.yaml")
    return [
        f"{p.line - offset}: {p.message.replace(f'строке {offset + 6}', 'строке 6')}"
        for p in caught.value.problems
    ]


def test_materials_are_read_with_roles_regions_and_dates():
    content = parse_content(
        with_materials(
            """\
            materials:
              - title: Коды
                file: Коды участников.xlsx
                roles: [school, coordinator]
                regions: ['77', 78]
                opens: 2027-03-16
              - title: Памятка
                file: memo.txt
                roles: [coordinator]
            """
        ).encode(),
        "niko.yaml",
    )
    codes, memo = content.materials
    assert codes.file == "Коды участников.xlsx"
    assert codes.roles == {"school", "coordinator"} and codes.regions == {"77", "78"}
    assert codes.opens == dt.date(2027, 3, 16)
    assert memo.regions == frozenset() and memo.opens is None
    assert content.material("memo.txt") is memo and content.material("MEMO.TXT") is None
    assert not codes.open_to("school", "77", dt.date(2027, 3, 15))
    assert codes.open_to("school", "77", dt.date(2027, 3, 16))
    assert not codes.open_to("school", "50", dt.date(2027, 3, 16))
    assert not memo.open_to("school", "77", dt.date(2027, 3, 16))


def test_no_or_empty_materials_are_fine():
    assert parse_content(with_materials("materials: []\n").encode(), "n.yaml").materials == ()
    assert parse_content(with_materials("").encode(), "n.yaml").materials == ()


def test_material_mistakes_are_all_reported_with_lines():
    found = material_problems(
        """\
        materials:
          - title: Папка
            file: ../secret.txt
            roles: [school]
          - title: Роль
            file: a.pdf
            roles: [teacher]
            regions: ['7']
            opens: 16.03.2027
          - file: a.pdf
            roles: school
            color: red
          - title: Скрытый
            file: .hidden
            roles: [coordinator]
          - title: Windows
            file: "C:\\\\x.pdf"
            roles: [school]
        """
    )
    assert found == [
        f"3: file «../secret.txt»: {NOT_A_NAME}",
        "7: roles: неизвестная роль «teacher»: допустимы school и coordinator",
        "8: regions: «7» — не код региона из двух цифр, например '07'",
        "9: opens: нужна дата вида ГГГГ-ММ-ДД, например 2026-10-15",
        "12: material: неизвестный ключ «color»: "
        "допустимы title, file, roles, regions, opens, closes",
        "10: material: нет обязательного ключа «title»",
        "10: файл «a.pdf» повторяется (впервые — в строке 6)",
        "11: roles: нужен список, например [school, coordinator]",
        f"14: file «.hidden»: {NOT_A_NAME}",
        f"17: file «C:\\x.pdf»: {NOT_A_NAME}",
    ]


def test_closing_days_are_read():
    content = parse_content(
        with_materials(
            """\
            materials:
              - title: Инструкция
                file: a.pdf
                roles: [school]
                opens: 2027-03-02
                closes: 2027-03-19
            """
        ).encode(),
        "niko.yaml",
    )
    (material,) = content.materials
    assert material.closes == dt.date(2027, 3, 19)
    assert material.open_to("school", "77", dt.date(2027, 3, 18))
    assert not material.open_to("school", "77", dt.date(2027, 3, 19))
    shipped = load_content(SHIPPED).guide("school").step("upload-form")
    assert shipped.uploads_until == dt.date(2027, 3, 26)
    assert shipped.uploads_until_time == dt.time(18, 0)  # the shipped form closes at 18:00
    assert shipped.accepts_uploads(dt.datetime(2027, 3, 26, 18, 0, 30))
    assert not shipped.accepts_uploads(dt.datetime(2027, 3, 26, 18, 1))
    assert load_content(SHIPPED).guide("school").step("get-materials").uploads_until is None


def test_closing_day_mistakes_are_reported_with_lines():
    assert material_problems(
        """\
        materials:
          - title: Наоборот
            file: a.pdf
            roles: [school]
            opens: 2027-03-02
            closes: 2027-03-02
          - title: Дата
            file: b.pdf
            roles: [school]
            closes: 19.03.2027
        """
    ) == [
        "6: closes: день закрытия должен быть позже дня открытия",
        "10: closes: нужна дата вида ГГГГ-ММ-ДД, например 2026-10-15",
    ]
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "uploads_until: 2027-03-26", "uploads_until: 26.03.2027"
    )
    line = text[: text.index("uploads_until: 26.03.2027")].count("\n") + 1
    with pytest.raises(Invalid) as caught:
        parse_content(text.encode(), "niko.yaml")
    assert [str(p) for p in caught.value.problems] == [
        f"niko.yaml:{line}: uploads_until: нужна дата вида ГГГГ-ММ-ДД или дата и время вида "
        "ГГГГ-ММ-ДД ЧЧ:ММ, например 2027-03-26 18:00"
    ]


def test_collects_names_a_school_step_from_a_coordinators_step():
    shipped = load_content(SHIPPED)
    assert shipped.guide("coordinator").step("region-report").collects == "upload-form"
    text = SHIPPED.read_text(encoding="utf-8")
    wrong = text.replace("collects: upload-form", "collects: prepare-study")
    with pytest.raises(Invalid) as caught:
        parse_content(wrong.encode(), "niko.yaml")
    line = text[: text.index("collects: upload-form")].count("\n") + 1
    assert str(caught.value.problems[0]).startswith(
        f"niko.yaml:{line}: collects «prepare-study»: это не id шага школы (допустимы: school-"
    )
    on_school = text.replace(
        "      - id: send-remarks\n", "      - id: send-remarks\n        collects: upload-form\n"
    )
    with pytest.raises(Invalid) as caught:
        parse_content(on_school.encode(), "niko.yaml")
    assert "collects: ключ только для шагов координатора (шаг «send-remarks»)" in str(caught.value)


def with_results(section: str, study_opens: str | None = None) -> str:
    """The shipped content with another `results:` section (and a study start, if given)."""
    text = SHIPPED.read_text(encoding="utf-8")
    text = text[: text.index("\nresults:")] + "\n" + textwrap.dedent(section)
    if study_opens:  # the shipped study's own opens, the first in the file, moved
        text = text.replace("  opens: 2026-11-20\n", f"  opens: {study_opens}\n", 1)
    return text


def results_problems(section: str, study_opens: str | None = None) -> list[str]:
    """Problems of a results section, with lines counted from its `results:` line (1)."""
    text = with_results(section, study_opens)
    offset = text.count("\n", 0, text.index("\nresults:")) + 1
    with pytest.raises(Invalid) as caught:
        parse_content(text.encode(), "niko.yaml")
    return [f"{p.line - offset}: {p.message}" for p in caught.value.problems]


def test_the_shipped_results_open_on_the_schedule_day_of_the_analytics():
    content = load_content(SHIPPED)
    analytics = [i for i in content.schedule if i.event.startswith("Публикация аналитических")]
    assert content.results.opens == analytics[0].start == dt.date(2027, 9, 30)
    assert content.results.title == "Результаты НИКО-2027"
    assert not content.results.open_on(dt.date(2027, 9, 29))
    assert content.results.open_on(dt.date(2027, 9, 30))


def test_no_results_section_is_fine():
    text = SHIPPED.read_text(encoding="utf-8")
    assert parse_content(text[: text.index("\nresults:")].encode(), "n.yaml").results is None


@pytest.mark.parametrize(
    "section, problems",
    [
        (
            "results:\n  opens: 2027-09-31\n  title: Итоги\n",
            ["2: opens: такой даты нет: «2027-09-31»"],
        ),
        (
            "results:\n  title: Итоги\n",
            ["2: results: нет обязательного ключа «opens»"],
        ),
        (
            "results:\n  opens: 2027-09-30\n  title: Итоги\n  file: a.csv\n",
            ["4: results: неизвестный ключ «file»: допустимы opens, title"],
        ),
        (
            "results:\n  opens: 2027-09-30\n  title: 2027\n",
            ["3: title: нужен текст, а указано: число; возьмите значение в кавычки"],
        ),
        ("results: 2027-09-30\n", ["1: results: нужен набор полей, а указано: дата"]),
    ],
)
def test_results_mistakes_are_reported_with_lines(section, problems):
    found = results_problems(section)
    assert found == problems


def test_results_cannot_open_before_the_study():
    found = results_problems("results:\n  opens: 2026-01-01\n  title: Итоги\n", "2026-09-01")
    assert found == ["2: opens: результаты не могут открыться раньше начала исследования"]
