"""click's own words in Russian: usage errors, the usage line, help headings, --help's own text.

The commands' messages are ours; what click writes itself («Error: Missing argument 'LOGIN'.»,
«Usage: …», «Try … for help.», «Show this message and exit.») would be the only English a school
IT person reads. Only click's public customisation points are used: command classes whose
`parse_args` and `invoke` turn a usage error into one told in Russian (click's `main()` still
shows it and exits with 2, as for any usage error), and the help formatting methods. A usage
error of a kind not known here keeps click's text after a Russian lead, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup

HELP_TEXT = "Показать эту справку и выйти."
USAGE = "Использование: "
_NO_SUCH_COMMAND = getattr(click.exceptions, "NoSuchCommand", ())


class RussianUsageError(click.UsageError):
    """A usage error shown as click shows one, in Russian; exit code 2 as for any usage error."""

    def show(self, file=None) -> None:
        ctx = self.ctx
        lines = []
        if ctx is not None:
            lines.append(ctx.get_usage())
            if ctx.command.get_help_option(ctx) is not None:
                lines.append(f"Подробнее: {ctx.command_path} {ctx.help_option_names[0]}")
            lines.append("")
        lines.append(f"Ошибка: {self.format_message()}")
        click.echo("\n".join(lines), file=file, err=file is None, color=ctx and ctx.color)


class Interrupted(click.ClickException):
    """Ctrl+C or the end of input at a prompt: click would print «Aborted!»."""

    exit_code = 1

    def __init__(self) -> None:
        super().__init__("ничего не изменено")

    def show(self, file=None) -> None:
        click.echo(f"Прервано: {self.message}.", file=file, err=file is None)


def _hint(param: click.Parameter | None, given: object = None) -> str:
    if given:
        return " / ".join(given) if isinstance(given, (list, tuple)) else str(given).strip("'")
    if param is None:
        return ""
    if isinstance(param, click.Argument):
        return param.human_readable_name
    return " / ".join(param.opts)


def _rule(kind: click.ParamType) -> str:
    """What a parameter's type accepts, in Russian."""
    if isinstance(kind, click.IntRange):
        if kind.min is not None and kind.max is not None:
            return f"нужно целое число от {kind.min} до {kind.max}"
        if kind.min is not None:
            return f"нужно целое число не меньше {kind.min}"
        return f"нужно целое число не больше {kind.max}"
    if isinstance(kind, click.Choice):
        return "нужно одно из: " + ", ".join(map(str, kind.choices))
    if isinstance(kind, click.Path):
        return "нужен путь к файлу"
    if kind is click.INT:
        return "нужно целое число"
    return "значение не подходит"


def russian_message(exc: click.UsageError) -> str:
    """A usage error's message in Russian, from the error's public attributes."""
    if isinstance(exc, click.MissingParameter):
        hint = _hint(exc.param, exc.param_hint)
        kind = exc.param_type or (exc.param.param_type_name if exc.param else "parameter")
        what = {"argument": "аргумент", "option": "параметр"}.get(kind, "параметр")
        return f"не указан {what} {hint}."
    if isinstance(exc, click.BadParameter):
        hint = _hint(exc.param, exc.param_hint)
        rule = _rule(exc.param.type) if exc.param is not None else "значение не подходит"
        return f"неверное значение {hint}: {rule}." if hint else f"неверное значение: {rule}."
    if isinstance(exc, click.NoSuchOption):
        text = f"нет такого параметра: {exc.option_name}"
        if exc.possibilities:
            text += " (может быть, " + ", ".join(sorted(exc.possibilities)) + "?)"
        return text
    if _NO_SUCH_COMMAND and isinstance(exc, _NO_SUCH_COMMAND):
        text = f"нет такой команды «{exc.command_name}»"
        if exc.possibilities:
            text += " (может быть, " + ", ".join(sorted(exc.possibilities)) + "?)"
        return text + "."
    if isinstance(exc, click.BadOptionUsage):
        if "does not take a value" in exc.message:
            return f"параметр {exc.option_name} не принимает значения."
        if "requires" in exc.message:
            return f"после {exc.option_name} нужно значение."
    if exc.message.startswith("Got unexpected extra argument"):
        extra = exc.message.partition("(")[2].rstrip(")")
        return f"лишнее в команде: {extra}."
    if exc.message == "Missing command.":
        return "не указана команда."
    return f"команда записана неверно ({exc.format_message()})."


# Already Russian, or (a group called without a command) the help itself, which click shows.
_AS_THEY_ARE = tuple(
    k for k in (RussianUsageError, getattr(click.exceptions, "NoArgsIsHelpError", None)) if k
)


@contextmanager
def _in_russian(ctx: click.Context) -> Iterator[None]:
    try:
        yield
    except _AS_THEY_ARE:
        raise
    except click.UsageError as exc:
        raise RussianUsageError(russian_message(exc), exc.ctx or ctx) from None


class RussianHelp:
    """The parts of click's help and parsing that speak; mixed into a click command class."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", "[ПАРАМЕТРЫ]")
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with _in_russian(ctx):
            return super().parse_args(ctx, args)

    def get_help_option(self, ctx: click.Context):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=USAGE)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for param in self.get_params(ctx):
            record = None if isinstance(param, click.Argument) else param.get_help_record(ctx)
            if record is not None:
                rows.append((record[0], record[1].replace("[required]", "[обязательно]")))
        if rows:
            with formatter.section("Параметры"):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        arguments = [p for p in self.get_params(ctx) if isinstance(p, click.Argument)]
        if any(getattr(a, "help", None) is not None for a in arguments):
            with formatter.section("Аргументы"):
                formatter.write_dl([a.get_help_record(ctx) for a in arguments])


class Command(RussianHelp, click.Command):
    """A click command whose own messages are Russian."""


class RussianGroups(RussianHelp):
    """A command group whose own messages are Russian, and so are its commands'."""

    command_class = Command
    group_class = type

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("subcommand_metavar", "КОМАНДА [АРГУМЕНТЫ]...")
        super().__init__(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        with _in_russian(ctx):
            try:
                return super().invoke(ctx)
            except (click.Abort, KeyboardInterrupt, EOFError):
                raise Interrupted() from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        found = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        shown = [(name, command) for name, command in found if command and not command.hidden]
        if not shown:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in shown)
        with formatter.section("Команды"):
            formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in shown])


class RussianGroup(RussianGroups, click.Group):
    """click's Group, in Russian."""


class RussianAppGroup(RussianGroups, AppGroup):
    """Flask's AppGroup (commands run in the app's context), in Russian."""
