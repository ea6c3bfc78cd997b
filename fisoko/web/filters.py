"""The template filters, registered in one place (`init_app`), for Russian dates, sizes and days."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from fisoko import clock
from fisoko.settings import MIB


def ru_date(value: dt.date) -> str:
    """A date as ДД.ММ.ГГГГ, the way Russian documents write it."""
    return value.strftime("%d.%m.%Y")


def plural(number: int, one: str, few: str, many: str) -> str:
    """The Russian form of a noun after a number: 1 день, 2 дня, 5 дней, 21 день."""
    if number % 10 == 1 and number % 100 != 11:
        return one
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return few
    return many


def days_left(days: int) -> str:
    """How long is left until a deadline, said the way a person would say it."""
    if days <= 0:
        return "сегодня последний день"
    if days == 1:
        return "остался 1 день: срок завтра"
    word = plural(days, "день", "дня", "дней")
    return f"{'остался' if word == 'день' else 'осталось'} {days} {word}"


def file_size(size: int) -> str:
    """A size the Russian way: 512 Б, 15 КБ, 1,2 МБ."""
    if size < 1024:
        return f"{size} Б"
    if size < MIB:
        return f"{round(size / 1024)} КБ"
    return f"{size / MIB:.1f} МБ".replace(".", ",")


def local_time(stamp: str) -> str:
    """A stored UTC moment as ДД.ММ.ГГГГ ЧЧ:ММ of the server's clock."""
    return clock.local_text(stamp)


FILTERS = {
    "ru_date": ru_date,
    "days_left": days_left,
    "file_size": file_size,
    "local_time": local_time,
}


def init_app(app: Flask) -> None:
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
