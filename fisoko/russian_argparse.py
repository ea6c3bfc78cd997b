"""`python app.py --help` and its usage errors in Russian, through argparse's public points.

argparse writes «usage:», «options:», «show this help message and exit» and «error: …» in
English. Here the parser gets its own --help (documented `add_help=False` and `action="help"`),
its options in a group with a Russian title, a usage line of its own in place of argparse's
first block, and an `error()` override (the documented way to change how errors are reported)
that keeps exit code 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

HELP_TEXT = "Показать эту справку и выйти."
_FORMS = [
    (re.compile(r"unrecognized arguments: (.*)"), "неизвестные параметры: {0}"),
    (re.compile(r"argument (?:\S+/)?(\S+): expected one argument"), "после {0} нужно значение"),
    (
        re.compile(r"argument (?:\S+/)?(\S+): ignored explicit argument .*"),
        "параметр {0} не принимает значения",
    ),
]


def russian_error(message: str) -> str:
    for form, text in _FORMS:
        found = form.fullmatch(message)
        if found:
            return text.format(*found.groups())
    return f"команда записана неверно ({message})"


class RussianArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose own words are Russian; options go through `options`."""

    def __init__(self, *, usage_line: str, **kwargs) -> None:
        super().__init__(add_help=False, allow_abbrev=False, **kwargs)
        self.usage_line = usage_line
        self.options = self.add_argument_group("Параметры")
        self.options.add_argument("-h", "--help", action="help", help=HELP_TEXT)

    def format_usage(self) -> str:
        return f"Использование: {self.usage_line}\n"

    def format_help(self) -> str:
        # argparse's first block is its usage (never with a blank line inside): ours replaces it.
        rest = super().format_help().split("\n\n", 1)[1]
        return f"{self.format_usage()}\n{rest}"

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"Ошибка: {russian_error(message)}.\nПодробнее: {self.prog} --help\n")
