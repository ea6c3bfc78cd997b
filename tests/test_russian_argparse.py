"""argparse's error messages told in Russian; an unknown one keeps its text after a Russian lead."""

from __future__ import annotations

import pytest

from fisoko.russian_argparse import RussianArgumentParser, russian_error


def test_an_unknown_argparse_message_keeps_its_text():
    assert russian_error("something new") == "команда записана неверно (something new)"


def test_the_parser_exits_2_with_its_usage_line(capsys):
    parser = RussianArgumentParser(prog="tool", usage_line="tool [--n N]")
    parser.options.add_argument("--n")
    assert parser.parse_args(["--n", "3"]).n == "3"
    with pytest.raises(SystemExit) as stopped:
        parser.parse_args(["--n"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "Использование: tool [--n N]",
        "Ошибка: после --n нужно значение.",
        "Подробнее: tool --help",
    ]
