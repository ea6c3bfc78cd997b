"""`flask --app app accounts ...` (also `python app.py accounts ...`): work on accounts.yaml."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from accounts import load_accounts
from passwords import hash_password, password_problem
from yaml_source import Invalid


@click.group("accounts", cls=AppGroup)
@click.option(
    "--accounts",
    "accounts_path",
    metavar="PATH",
    help="accounts file (default: FISOKO_ACCOUNTS, else the shipped accounts.yaml)",
)
@click.pass_context
def group(ctx: click.Context, accounts_path: str | None) -> None:
    """Check and edit the accounts file."""
    ctx.meta["fisoko.accounts_path"] = accounts_path


def accounts_path() -> str:
    """The file the command works on: --accounts, else the app's ACCOUNTS setting."""
    chosen = click.get_current_context().meta.get("fisoko.accounts_path")
    return chosen or current_app.config["ACCOUNTS"]


def read_password(from_stdin: bool) -> str:
    """A new password: one line of stdin, or typed twice without echo; checked against the rules."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not line:
            raise click.ClickException("no password on standard input")
    else:
        password = click.prompt(
            "Password", hide_input=True, confirmation_prompt="Repeat the password"
        )
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    return password


@group.command("check")
def check() -> None:
    """Validate the file: 'OK: N accounts', or every problem as PATH:LINE: message."""
    try:
        loaded = load_accounts(accounts_path())
    except Invalid as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        raise SystemExit(1) from None
    click.echo(f"OK: {len(loaded)} accounts")


@group.command("hash")
@click.option("--password-stdin", is_flag=True, help="read the password as one line of stdin")
@click.option("--cost", type=click.IntRange(4, 31), help="bcrypt cost (default: BCRYPT_COST, 12)")
def hash_command(password_stdin: bool, cost: int | None) -> None:
    """Print the bcrypt hash of a password, to paste into accounts.yaml by hand."""
    password = read_password(password_stdin)
    click.echo(hash_password(password, cost or current_app.config["BCRYPT_COST"]))
