"""click's own messages in Russian, through `python app.py accounts` and `flask --app app accounts`.

Usage errors keep click's exit code 2; nothing of click's English is left in what is printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from fisoko.russian_click import Command, RussianAppGroup, russian_message
from fisoko.settings import BASE_DIR

ENGLISH = ("Error:", "Usage:", "Try '", "for help", "Missing", "No such", "Show this message")
FLASK = shutil.which("flask", path=str(Path(sys.executable).parent))
ENTRY_POINTS = {
    "python app.py": [sys.executable, str(BASE_DIR / "app.py")],
    "flask": [FLASK or "flask", "--app", str(BASE_DIR / "app.py")],
}


def _run(entry: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    command = [*ENTRY_POINTS[entry], "accounts", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)


def _no_english(text: str) -> None:
    assert [word for word in ENGLISH if word in text] == []


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize(
    "args, where, message",
    [
        (["add"], "accounts add", "Ошибка: не указан аргумент LOGIN."),
        (["list", "--bogus"], "accounts list", "Ошибка: нет такого параметра: --bogus"),
        (["lst"], "accounts", "Ошибка: нет такой команды «lst» (может быть, list?)."),
    ],
)
def test_usage_errors_of_both_entry_points_are_russian(entry, args, where, message):
    if entry == "flask" and FLASK is None:
        pytest.skip("no flask command beside this Python")
    done = _run(entry, *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert f"Подробнее: {entry} {where} --help" in done.stderr
    assert "Использование: " in done.stderr
    assert done.stdout == ""
    _no_english(done.stderr)


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_help_of_both_entry_points_is_russian(entry):
    if entry == "flask" and FLASK is None:
        pytest.skip("no flask command beside this Python")
    done = _run(entry, "add", "--help")
    assert done.returncode == 0
    assert done.stdout.startswith("Использование: ")
    assert "accounts add [ПАРАМЕТРЫ] LOGIN" in done.stdout
    assert "Параметры:" in done.stdout
    assert "Показать эту справку и выйти." in done.stdout
    assert "--name NAME" in done.stdout and "[обязательно]" in done.stdout
    _no_english(done.stdout)


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["add", "edu770010"], 2, "не указан параметр --name."),
        (["add", "edu770010", "--name"], 2, "после --name нужно значение."),
        (["hash", "--cost", "3"], 2, "неверное значение --cost: нужно целое число от 4 до 31."),
        (["hash", "--cost", "x"], 2, "неверное значение --cost: нужно целое число от 4 до 31."),
        (["import"], 2, "не указан аргумент CSV."),
        (["list", "extra"], 2, "лишнее в команде: extra."),
        (["list", "--help=1"], 2, "параметр --help не принимает значения."),
        (["--bogus"], 2, "нет такого параметра: --bogus"),
        (["bogus"], 2, "нет такой команды «bogus»."),
    ],
)
def test_each_kind_of_usage_error_in_russian(runner, args, code, message):
    result = runner.invoke(args=["accounts", *args])
    assert result.exit_code == code
    assert f"Ошибка: {message}" in result.output
    assert "Traceback" not in result.output
    _no_english(result.output)


def test_the_group_without_a_command_shows_its_russian_help(runner):
    result = runner.invoke(args=["accounts"])
    assert result.exit_code == 2
    assert "Команды:" in result.output and "check" in result.output
    _no_english(result.output)


def test_the_group_makes_its_commands_russian_too():
    @click.group(cls=RussianAppGroup)
    def group():
        pass

    @group.command()
    @click.option("--count", type=click.IntRange(min=1), required=True)
    def count(count):
        click.echo(count)

    assert isinstance(group.commands["count"], Command)
    result = CliRunner().invoke(group, ["count", "--count", "0"], prog_name="tool")
    assert result.exit_code == 2
    assert "Ошибка: неверное значение --count: нужно целое число не меньше 1." in result.output
    assert CliRunner().invoke(group, ["count", "--count", "3"]).output == "3\n"


def test_an_unknown_usage_error_keeps_clicks_text_after_a_russian_lead():
    assert russian_message(click.UsageError("Something new.")) == (
        "команда записана неверно (Something new.)."
    )


def test_the_rehearsal_group_speaks_russian_too(runner):
    result = runner.invoke(args=["rehearsal", "clear", "--bogus"])
    assert result.exit_code == 2
    assert "Ошибка: нет такого параметра: --bogus" in result.output
    assert "Подробнее: " in result.output and "rehearsal clear --help" in result.output
    _no_english(result.output)
