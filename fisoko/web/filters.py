"""The template filters, registered in one place (`init_app`), for Russian dates, sizes and days."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from fisoko import clock
from fisoko.settings import MIB


def ru_date(value: dt.date) -> str:
    """A date as ДД.ММ.ГГГГ, the way Russian documents write it (not strftime: it is slower)."""
    return f"{value.day:02d}.{value.month:02d}.{value.year}"


def plural(number: int, one: str, few: str, many: str) -> str:
    """The Russian form of a noun after a number: 1 день, 2 дня, 5 дней, 21 день."""
    if number % 10 == 1 and number % 100 != 11:
        return one
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return few
    return many


def counted(number: int, one: str, few: str, many: str) -> str:
    """A number with its noun in the right form: 1 новый файл, 2 новых файла, 5 новых файлов."""
    return f"{number} {plural(number, one, few, many)}"


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


def deadline(step) -> str:
    """A content step's deadline as pages show it: «26.03.2027 18:00 (МСК)», or its day alone."""
    return clock.deadline_text(step.deadline, step.deadline_time)


def files_until(step) -> str:
    """The last moment a content step takes files, shown like a deadline."""
    return clock.deadline_text(*step.files_until)


def local_time(stamp: str) -> str:
    """A stored UTC moment as ДД.ММ.ГГГГ ЧЧ:ММ of the server's clock."""
    return clock.local_text(stamp)


FILTERS = {
    "ru_date": ru_date,
    "days_left": days_left,
    "counted": counted,
    "file_size": file_size,
    "local_time": local_time,
    "deadline": deadline,
    "files_until": files_until,
}


def init_app(app: Flask) -> None:
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
