"""`flask --app app accounts ...` (also `python app.py accounts ...`): work on accounts.yaml."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app

from fisoko.accounts import bulk_import, edit
from fisoko.accounts.edit import Document, EditError, NewAccount
from fisoko.accounts.password_input import Refused as PasswordRefused
from fisoko.accounts.password_input import read_password_line
from fisoko.accounts.passwords import generate_password, hash_many, hash_password, password_problem
from fisoko.accounts.store import (
    EMAIL_RE,
    LOGIN_RULE,
    SCHOOL,
    Account,
    Accounts,
    load_accounts,
    split_login,
)
from fisoko.console import never_fail_to_encode
from fisoko.files.atomic_file import Busy, Changed, locked, replace_if_unchanged, write_new
from fisoko.files.device_names import device_name_problem
from fisoko.files.yaml_source import Invalid
from fisoko.russian_click import Interrupted, RussianAppGroup


class Failure(click.ClickException):
    """A command's refusal, printed as «Ошибка: …» (click's own prefix is English)."""

    def show(self, file=None) -> None:
        click.echo(f"Ошибка: {self.format_message()}", err=True)


RUN_AGAIN = "ничего не записано: выполните команду ещё раз"
PLACEHOLDER = "$2b$04$" + "." * 53
password_stdin_option = click.option(
    "--password-stdin",
    is_flag=True,
    help="прочитать пароль одной строкой UTF-8 со стандартного ввода (без пробелов по краям)",
)
cost_option = click.option(
    "--cost",
    type=click.IntRange(4, 31),
    metavar="N",
    help="сложность bcrypt (по умолчанию BCRYPT_COST, 12)",
)


@click.group("accounts", cls=RussianAppGroup, help="Проверка и правка файла учётных записей.")
@click.option(
    "--accounts",
    "accounts_path",
    metavar="PATH",
    help="файл учётных записей (по умолчанию FISOKO_ACCOUNTS, иначе accounts.yaml из поставки)",
)
@click.pass_context
def group(ctx: click.Context, accounts_path: str | None) -> None:
    """Check and edit the accounts file."""
    never_fail_to_encode()  # `flask --app app accounts list > list.txt` on a Windows code page
    ctx.meta["fisoko.accounts_path"] = accounts_path


def accounts_path() -> str:
    """The file the command works on: --accounts, else the app's ACCOUNTS setting."""
    chosen = click.get_current_context().meta.get("fisoko.accounts_path")
    problem = chosen and device_name_problem(chosen, "файл учётных записей")
    if problem:
        raise Failure(problem)
    return chosen or current_app.config["ACCOUNTS"]


def _typed_twice() -> str:
    """A password typed twice without echo, asked again until both agree (as click would)."""
    try:
        while True:
            password = click.prompt("Пароль", hide_input=True)
            if click.prompt("Повторите пароль", hide_input=True) == password:
                return password
            click.echo("Ошибка: пароли не совпадают, введите ещё раз.", err=True)
    except click.Abort:
        raise Interrupted() from None


def read_password(from_stdin: bool) -> str:
    """A new password: one line of stdin, or typed twice without echo; checked against the rules."""
    if from_stdin:
        try:
            password = read_password_line(sys.stdin)
        except PasswordRefused as exc:
            raise Failure(str(exc)) from None
    else:
        password = _typed_twice()
    problem = password_problem(password)
    if problem:
        raise Failure(problem)
    return password


@group.command(
    "check", help="Проверить файл: «OK: N accounts» или каждая ошибка как ПУТЬ:СТРОКА: сообщение."
)
def check() -> None:
    """Validate the file: 'OK: N accounts', or every problem as PATH:LINE: message."""
    try:
        loaded = load_accounts(accounts_path())
    except Invalid as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        raise SystemExit(1) from None
    click.echo(f"OK: {len(loaded)} accounts")


@group.command(
    "hash", help="Вывести bcrypt-хеш пароля, чтобы вставить его в accounts.yaml вручную."
)
@password_stdin_option
@cost_option
def hash_command(password_stdin: bool, cost: int | None) -> None:
    """Print the bcrypt hash of a password, to paste into accounts.yaml by hand."""
    password = read_password(password_stdin)
    click.echo(hash_password(password, cost or current_app.config["BCRYPT_COST"]))


def _fail_with(problems: list) -> NoReturn:
    for problem in problems:
        click.echo(str(problem))
    raise SystemExit(1)


def _load() -> Accounts:
    """The accounts of the file, validated (no layout check: for reading and early checks)."""
    try:
        return load_accounts(accounts_path())
    except Invalid as exc:
        _fail_with(exc.problems)


def _read_document() -> Document:
    """The accounts file, validated and ready for editing; every problem stops the command."""
    path = accounts_path()
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise Failure(f"не удаётся прочитать {path}: {exc.strerror or exc}") from None
    try:
        return edit.read_document(data, path)
    except Invalid as exc:
        _fail_with(exc.problems)
    except EditError as exc:
        raise Failure(str(exc)) from None


def _write(change: Callable[[Document], bytes | None]) -> tuple[Document, bool]:
    """Read, change and write the file under the writers' lock; whether anything changed."""
    path = accounts_path()
    with _write_errors(path), locked(path):
        doc = _read_document()
        new = change(doc)
        if new is not None:
            replace_if_unchanged(path, new, doc.data)
    return doc, new is not None


@contextmanager
def _write_errors(path: str | Path) -> Iterator[None]:
    """Turn what can go wrong while writing the accounts file into one clear message each."""
    try:
        yield
    except EditError as exc:
        raise Failure(str(exc)) from None
    except (Busy, Changed) as exc:
        raise Failure(f"{exc}; {RUN_AGAIN}") from None
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else f" {path}"
        raise Failure(f"не удаётся записать{where}: {exc.strerror or exc}") from None


def _cost(cost: int | None) -> int:
    return cost or current_app.config["BCRYPT_COST"]


def _who(login: str) -> str:
    role, region, school = split_login(login) or ("", "", None)
    if role == SCHOOL:
        return f"школа {school} региона {region}"
    return f"координатор НИКО региона {region}"


def _known(loaded: Accounts | Document, login: str) -> Account:
    accounts = loaded.accounts if isinstance(loaded, Document) else loaded
    account = accounts.get(login)
    if account is None:
        raise Failure(f"учётной записи {login} нет в {accounts_path()}")
    return account


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Failure("название не может быть пустым")
    if any(ch < " " or ch == "\x7f" for ch in name):
        raise Failure("название должно быть одной строкой текста")
    return name


@group.command(
    "list", help="Вывести по строке на учётную запись: логин, роль, регион, название, состояние."
)
def list_command() -> None:
    """Print one row per account: login, role, region, name, status."""
    loaded = _load()
    width = max((len(a.name) for a in loaded.by_login.values()), default=0)
    for account in loaded.by_login.values():
        role = "координатор" if account.is_coordinator else "школа"
        status = "отключена" if account.disabled else "активна"
        click.echo(
            f"{account.login:<9}  {role:<11}  {account.region}  {account.name:<{width}}  {status}"
        )


@group.command("add", help="Добавить учётную запись; пароль спрашивается дважды.")
@click.argument("login")
@click.option(
    "--name", required=True, metavar="NAME", help="название организации или имя координатора"
)
@click.option("--email", metavar="E", help="адрес для связи (необязательно)")
@password_stdin_option
@cost_option
def add_command(
    login: str, name: str, email: str | None, password_stdin: bool, cost: int | None
) -> None:
    """Add an account; prompts for its password twice."""
    if split_login(login) is None:
        raise Failure(f"неверный логин «{login}»: {LOGIN_RULE}")
    name = _clean_name(name)
    email = (email or "").strip() or None
    if email is not None and EMAIL_RE.fullmatch(email) is None:
        raise Failure(f"«{email}» — не адрес почты")
    if _load().get(login) is not None:
        raise Failure(f"логин {login} уже есть в файле")
    password_hash = hash_password(read_password(password_stdin), _cost(cost))
    new = NewAccount(login, name, password_hash, email)
    doc, _ = _write(lambda doc: edit.add_accounts(doc, [new]))
    click.echo(f"Добавлена запись {login} ({_who(login)}) в {doc.path}")


@group.command("passwd", help="Задать новый пароль; открытые сеансы записи завершатся.")
@click.argument("login")
@password_stdin_option
@cost_option
def passwd_command(login: str, password_stdin: bool, cost: int | None) -> None:
    """Set a new password; the account's open sessions end."""
    _known(_load(), login)
    password_hash = hash_password(read_password(password_stdin), _cost(cost))

    def change(doc: Document) -> bytes:
        _known(doc, login)
        return edit.set_password(doc, login, password_hash)

    doc, _ = _write(change)
    click.echo(f"Пароль {login} в {doc.path} изменён; открытые сеансы этой записи завершатся")


def _set_disabled(login: str, disabled: bool) -> None:
    word = "отключена" if disabled else "включена"

    def change(doc: Document) -> bytes | None:
        if _known(doc, login).disabled == disabled:
            return None
        return edit.set_disabled(doc, login, disabled)

    doc, changed = _write(change)
    if not changed:
        click.echo(f"Запись {login} уже {word}; ничего не изменено")
    else:
        click.echo(f"Запись {login} {word} в {doc.path}")


@group.command("disable", help="Отключить запись: войти нельзя, открытые сеансы завершатся.")
@click.argument("login")
def disable_command(login: str) -> None:
    """Switch an account off: it cannot log in, its open sessions end."""
    _set_disabled(login, True)


@group.command("enable", help="Снова включить отключённую запись.")
@click.argument("login")
def enable_command(login: str) -> None:
    """Switch a disabled account on again."""
    _set_disabled(login, False)


@group.command("remove", help="Удалить запись (её строки; комментарии над ней остаются).")
@click.argument("login")
def remove_command(login: str) -> None:
    """Remove an account (its lines; comments above it stay)."""

    def change(doc: Document) -> bytes:
        _known(doc, login)
        return edit.remove_account(doc, login)

    doc, _ = _write(change)
    click.echo(f"Запись {login} удалена из {doc.path}")


@group.command(
    "import",
    help="Завести записи из CSV (login,name,email) со случайными паролями.",
)
@click.argument("csv_path", metavar="CSV", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="куда записать пароли (по умолчанию <имя CSV>-credentials.csv рядом с CSV)",
)
@click.option("--force", is_flag=True, help="перезаписать существующий файл с паролями")
@cost_option
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    metavar="N",
    help="потоков для хеширования (по умолчанию — число ядер)",
)
def import_command(
    csv_path: str, out: str | None, force: bool, cost: int | None, workers: int | None
) -> None:
    """Create the accounts listed in a CSV (login,name,email) with random passwords."""
    path = accounts_path()
    output = Path(out) if out else bulk_import.default_output(csv_path)
    problem = device_name_problem(output, "файл с паролями")
    if problem:
        raise Failure(problem)
    for other in (csv_path, path):
        if output.exists() and os.path.exists(other) and os.path.samefile(output, other):
            raise Failure(f"файл с паролями {output} затёр бы {other}")
    if output.exists() and not force:
        raise Failure(f"{output} уже существует; чтобы перезаписать его, добавьте --force")
    if not output.absolute().parent.is_dir():
        raise Failure(f"нет папки {output.absolute().parent} для {output}")
    try:
        data = Path(csv_path).read_bytes()
    except OSError as exc:
        raise Failure(f"не удаётся прочитать {csv_path}: {exc.strerror or exc}") from None
    doc = _read_document()
    try:
        rows = bulk_import.read_rows(data, csv_path, doc.accounts)
    except Invalid as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        raise Failure(
            f"ошибок в {csv_path}: {len(exc.problems)}; ничего не импортировано"
        ) from None
    try:  # a dry run with placeholder hashes: fail now, not after minutes of hashing
        edit.add_accounts(doc, [NewAccount(r.login, r.name, PLACEHOLDER, r.email) for r in rows])
    except EditError as exc:
        raise Failure(str(exc)) from None
    plain = [generate_password() for _ in rows]
    started = time.monotonic()
    with click.progressbar(length=len(rows), label="Хеширование паролей", file=sys.stderr) as bar:
        hashes = hash_many(plain, _cost(cost), workers, on_done=lambda: bar.update(1))
    seconds = time.monotonic() - started
    new = [NewAccount(r.login, r.name, h, r.email) for r, h in zip(rows, hashes, strict=True)]
    credentials = bulk_import.credentials_csv(
        [(r.login, p, r.name) for r, p in zip(rows, plain, strict=True)]
    )
    _import_write(doc, new, output, credentials, force)
    click.echo(
        f"Импортировано записей: {len(rows)} в {doc.path} (хеширование заняло {seconds:.1f} с).\n"
        f"Их пароли — в {os.path.abspath(output)}\n"
        "Передайте каждой школе её строку, затем удалите файл."
    )


def _import_write(
    doc: Document, new: list[NewAccount], output: Path, credentials: bytes, force: bool
) -> None:
    """Credentials first, then the accounts; if the accounts cannot be written, no credentials."""
    path = doc.path
    with _write_errors(path), locked(path):
        if Path(path).read_bytes() != doc.data:
            raise Changed(f"{path} изменился на диске, пока создавались пароли")
        updated = edit.add_accounts(doc, new)
        try:
            write_new(output, credentials, overwrite=force)
        except FileExistsError:
            raise Failure(
                f"{output} уже существует; чтобы перезаписать его, добавьте --force"
            ) from None
        try:
            replace_if_unchanged(path, updated, doc.data)
        except BaseException:
            output.unlink(missing_ok=True)
            raise
