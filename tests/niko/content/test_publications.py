"""Publications in the content file: read with their links, checked with lines, shown by date."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from fisoko.files.yaml_source import Invalid
from fisoko.niko.content.model import load_content, parse_content
from fisoko.niko.content.publications import Segment, segments
from fisoko.settings import BASE_DIR

SHIPPED = BASE_DIR / "content" / "niko.yaml"


def with_publications(section: str) -> str:
    """The shipped content with its publications replaced by `section`."""
    text = SHIPPED.read_text(encoding="utf-8")
    return text[: text.index("\npublications:")] + "\n" + textwrap.dedent(section)


def offset_of(text: str) -> int:
    return text.count("\n", 0, text.index("\npublications:")) + 1


def problems(section: str) -> list[str]:
    """Problems of a publications section, lines counted from its `publications:` line (1)."""
    text = with_publications(section)
    offset = offset_of(text)
    with pytest.raises(Invalid) as caught:
        parse_content(text.encode(), "niko.yaml")
    return [f"{p.line - offset}: {p.message}" for p in caught.value.problems]


def test_shipped_publications_cover_the_round():
    content = load_content(SHIPPED)
    dates = [p.date for p in content.publications]
    assert len(dates) >= 5 and dates == sorted(dates, reverse=True)
    assert {p.date for p in content.publications} & {s.start for s in content.schedule}
    assert any(p.regions for p in content.publications)
    for role in ("school", "coordinator"):
        assert any(p.roles == {role} for p in content.publications)
    files = {m.file for m in content.materials}
    linked = {s.file for p in content.publications for par in p.text for s in par if s.file}
    assert linked and linked <= files


def test_segments_cut_links_out_of_a_paragraph():
    assert segments("Скачайте [форму](f.csv) и [памятку](m.txt).") == (
        Segment("Скачайте "),
        Segment("форму", "f.csv"),
        Segment(" и "),
        Segment("памятку", "m.txt"),
        Segment("."),
    )
    assert segments("без ссылок [не ссылка]") == (Segment("без ссылок [не ссылка]"),)


def test_publications_are_read_newest_first_with_roles_regions_and_links():
    content = parse_content(
        with_publications(
            """\
            publications:
              - date: 2027-03-02
                title: Первая
                text: |
                  Абзац один, [инструкция для
                  ОО](instruktsiya-oo.txt) по ссылке.

                  Абзац два.
              - date: 2027-03-16
                title: Вторая
                roles: [coordinator]
                regions: ['77', 78]
                text: Коротко.
            """
        ).encode(),
        "niko.yaml",
    )
    second, first = content.publications
    assert (first.title, second.title) == ("Первая", "Вторая")
    assert first.roles == {"school", "coordinator"} and first.regions == frozenset()
    assert second.roles == {"coordinator"} and second.regions == {"77", "78"}
    assert first.text == (
        (
            Segment("Абзац один, "),
            Segment("инструкция для ОО", "instruktsiya-oo.txt"),
            Segment(" по ссылке."),
        ),
        (Segment("Абзац два."),),
    )
    assert first.key != second.key and len(first.key) >= 16


def test_the_key_follows_date_and_title_not_text():
    def key(text: str, title: str = "T", date: str = "2027-03-02") -> str:
        section = f"publications:\n  - date: {date}\n    title: {title}\n    text: {text}\n"
        return parse_content(with_publications(section).encode(), "n").publications[0].key

    assert key("один") == key("исправленный текст")
    assert key("один") != key("один", title="T2")
    assert key("один") != key("один", date="2027-03-03")


def test_publication_mistakes_are_reported_with_lines():
    found = problems(
        """\
        publications:
          - date: 02.03.2027
            title: Дата
            text: т
          - date: 2027-03-02
            title: Роль
            roles: [teacher]
            regions: ['7']
            text: т
            color: red
          - date: 2027-03-02
            text: нет заголовка
          - date: 2027-03-02
            title: Ссылка
            text: |
              Первая строка.
              Вторая строка со [ссылкой](no-such-file.pdf).
        """
    )
    assert found == [
        "2: date: нужна дата вида ГГГГ-ММ-ДД, например 2026-10-15",
        "10: publication: неизвестный ключ «color»: допустимы date, title, text, roles, regions",
        "7: roles: неизвестная роль «teacher»: допустимы school и coordinator",
        "8: regions: «7» — не код региона из двух цифр, например '07'",
        "11: publication: нет обязательного ключа «title»",
        "17: text: ссылка ведёт на «no-such-file.pdf», а этого файла нет в materials",
    ]


def test_empty_publications_are_fine():
    assert parse_content(with_publications("publications: []\n").encode(), "n").publications == ()


@pytest.mark.parametrize(
    "today, shown",
    [(dt.date(2027, 3, 1), False), (dt.date(2027, 3, 2), True), (dt.date(2027, 3, 3), True)],
    ids=["day-before", "day-of", "day-after"],
)
def test_a_publication_is_shown_from_its_date(today, shown):
    section = "publications:\n  - date: 2027-03-02\n    title: T\n    regions: ['77']\n"
    section += "    text: x\n"
    (item,) = parse_content(with_publications(section).encode(), "n").publications
    assert item.shown_to("school", "77", today) is shown
    assert item.shown_to("coordinator", "77", today) is shown
    assert not item.shown_to("school", "78", today)
