"""The НИКО content file: the shipped one is valid, and mistakes are reported with lines."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from content import load_content, paragraphs, parse_content
from settings import BASE_DIR
from yaml_source import Invalid

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
        "niko.yaml:5: study: unknown key 'extra' (allowed: title, round, about)",
        "niko.yaml:3: round: expected text, got a number; put it in quotes",
        "niko.yaml:8: date: no such date '2027-02-30'",
        "niko.yaml:12: until: the end date is before the start date",
        "niko.yaml:18: id 'Bad_Id': use a-z, 0-9 and '-', up to 40 characters",
        "niko.yaml:24: deadline: expected a date as YYYY-MM-DD, e.g. 2026-10-15",
        "niko.yaml:29: step: missing 'what'",
    ]


def test_duplicate_step_ids_across_roles_are_refused():
    text = SHIPPED.read_text(encoding="utf-8").replace("id: upload-form", "id: confirm-sample")
    with pytest.raises(Invalid) as caught:
        parse_content(text.encode(), "niko.yaml")
    assert "duplicate step id 'confirm-sample'" in str(caught.value)


def test_missing_sections():
    assert problems_of("study: {}\n") == [
        "niko.yaml:1: content: missing 'schedule'",
        "niko.yaml:1: content: missing 'roles'",
    ]
