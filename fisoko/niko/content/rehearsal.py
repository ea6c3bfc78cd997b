"""A rehearsal of the study's days: its banner on every page, and wiping its state.

While `FISOKO_TODAY` is set, what the exchange writes lives in the instance folder's `rehearsal/`
(see fisoko/db.py); `flask --app app rehearsal clear` (`python app.py rehearsal clear`) removes
that folder, so the next class starts from nothing. The real data are never touched.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from fisoko import clock, db
from fisoko.russian_click import RussianGroup


def banner() -> dict[str, object]:
    """The template variables of the banner: the rehearsal's moment, or None in real work."""
    if not db.rehearsing():
        return {"rehearsal": None}
    moment = clock.wall()
    return {"rehearsal": moment, "rehearsal_zone": clock.zone_label(moment)}


def folder(instance: Path) -> Path:
    """Where a rehearsal keeps its state, whether or not one runs now."""
    return instance / db.REHEARSAL


def clear(instance: Path) -> bool:
    """Remove the rehearsal's state; False when there was none."""
    where = folder(instance)
    if not where.exists():
        return False
    db.close_thread_connections(str(where / db.FILENAME))
    shutil.rmtree(where)
    return True


group = RussianGroup("rehearsal", help="Данные репетиции (FISOKO_TODAY).")


@group.command("clear")
@with_appcontext
def clear_command() -> None:
    """Удалить всё, что сделано во время репетиций; настоящие данные не затрагиваются."""
    instance = Path(current_app.instance_path)
    where = folder(instance)
    try:
        removed = clear(instance)
    except OSError as exc:
        click.echo(
            f"Не удалось удалить данные репетиции в {where}: {exc.strerror or exc}. "
            "Остановите сервер репетиции и повторите.",
            err=True,
        )
        sys.exit(1)
    if removed:
        click.echo(f"Данные репетиции удалены: {where}")
    else:
        click.echo(f"Данных репетиции нет: {where}")


def init_app(app: Flask) -> None:
    """The banner's variables on every page, and the `rehearsal` command."""
    app.context_processor(banner)
    app.cli.add_command(group)
