"""Attachment headers that keep any file name intact (RFC 5987) with a safe ASCII fallback."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from fisoko.web.downloads import ascii_fallback, content_disposition


@pytest.mark.parametrize(
    "name, fallback",
    [
        ("report.pdf", "report.pdf"),
        ("Отчёт.pdf", "file.pdf"),
        ("Отчёт 2027 final.docx", "2027 final.docx"),
        ('a"b\\c;d%e.csv', "abcde.csv"),
        ("café.png", "cafe.png"),
        ("Без расширения", "file"),
    ],
)
def test_ascii_fallback(name, fallback):
    assert ascii_fallback(name) == fallback


@pytest.mark.parametrize(
    "name", ["Отчёт.pdf", 'a"b\\c;d%e f.csv', "日本語.xlsx", "x" * 300 + ".zip", "a'b(c)*.pdf"]
)
def test_content_disposition_round_trips_any_name(name):
    header = content_disposition(name)
    header.encode("latin-1")
    assert header.startswith('attachment; filename="')
    encoded = header.split("; filename*=UTF-8''")[1]
    assert not set(encoded) & set(" \"';\\()*%") - {"%"}
    assert unquote(encoded) == name
