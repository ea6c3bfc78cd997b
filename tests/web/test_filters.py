"""The template filters: Russian dates, days left, sizes and local times, registered once."""

from __future__ import annotations

import datetime as dt

import pytest

from fisoko.web import filters


@pytest.mark.parametrize(
    "days, text",
    [
        (0, "сегодня последний день"),
        (1, "остался 1 день: срок завтра"),
        (2, "осталось 2 дня"),
        (5, "осталось 5 дней"),
        (11, "осталось 11 дней"),
        (21, "остался 21 день"),
        (22, "осталось 22 дня"),
        (112, "осталось 112 дней"),
    ],
)
def test_days_left_in_russian(days, text):
    assert filters.days_left(days) == text


@pytest.mark.parametrize(
    ("size", "text"), [(0, "0 Б"), (1023, "1023 Б"), (1024, "1 КБ"), (15 * 1024, "15 КБ"),
                       (1258291, "1,2 МБ")],
)  # fmt: skip
def test_file_size(size, text):
    assert filters.file_size(size) == text


@pytest.mark.parametrize(
    "number, word",
    [(1, "файл"), (2, "файла"), (4, "файла"), (5, "файлов"), (11, "файлов"), (12, "файлов"),
     (14, "файлов"), (21, "файл"), (22, "файла"), (25, "файлов"), (101, "файл"), (111, "файлов")],
)  # fmt: skip
def test_plural(number, word):
    assert filters.plural(number, "файл", "файла", "файлов") == word


def test_ru_date():
    assert filters.ru_date(dt.date(2027, 3, 5)) == "05.03.2027"


def test_every_filter_is_registered_by_the_app(app):
    assert {name: app.jinja_env.filters[name] for name in filters.FILTERS} == filters.FILTERS
