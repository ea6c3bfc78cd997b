"""ФИС ОКО, a local copy of the personal cabinet: the app factory and the entry point."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sqlite3
import sys
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

import auth
import cabinet
from fisoko import console, db, niko, settings
from fisoko.accounts import cli as accounts_cli
from fisoko.accounts import store as accounts
from fisoko.files import disk_full, watcher
from fisoko.files.private import private_folder
from fisoko.files.yaml_source import Invalid
from fisoko.login import audit, lanes, throttle
from fisoko.niko.content import rehearsal
from fisoko.russian_argparse import RussianArgumentParser
from fisoko.sessions import cookie as session_cookie
from fisoko.sessions import csrf_tokens, lifecycle
from fisoko.web import errors, filters, health, security, server, stopping, url_cache
from fisoko.web import port as listen_port

csrf = CSRFProtect()
log = logging.getLogger("fisoko")


def _in_flask_cli() -> bool:
    """Whether a `flask ...` command is loading the app (it sets this variable before loading)."""
    return os.environ.get("FLASK_RUN_FROM_CLI") == "true"


def _fail(lines: list[str]) -> None:
    for line in lines:
        print(line, file=sys.stderr)
    raise SystemExit(1)


def _load_data(app: Flask) -> None:
    """Load the accounts and the НИКО content; an invalid file stops the start with its problems.

    Under the `flask` command (`python app.py accounts` too) the accounts file is read on first
    use instead: the accounts commands read it themselves, and it may be broken (`accounts check`
    must still run); its problems then are logged and the app has no accounts.
    """
    path, reload_seconds = app.config["ACCOUNTS"], app.config["ACCOUNTS_RELOAD_SECONDS"]
    try:
        niko.load_data(app)
        if _in_flask_cli():
            store = accounts.AccountStore.deferred(path, reload_seconds=reload_seconds)
        else:
            store = accounts.AccountStore.open(path, reload_seconds=reload_seconds)
    except Invalid as exc:
        if not _in_flask_cli():
            _fail([str(p) for p in exc.problems])
        for problem in exc.problems:
            log.error("%s", problem)
        store = accounts.AccountStore(path, accounts.NO_ACCOUNTS, reload_seconds=reload_seconds)
    app.extensions["fisoko.accounts"] = store


BLUEPRINTS = (
    auth.bp,
    cabinet.bp,
    health.bp,
)


def _configure(app: Flask, config: dict | None) -> None:
    """Defaults, then FISOKO_* variables, then `config`; checked, with a secret key and folders."""
    app.config.from_mapping(settings.defaults())
    app.config.from_prefixed_env("FISOKO")
    app.config.from_mapping(config or {})
    try:
        settings.normalize(app.config)
        private_folder(Path(app.instance_path))
        disk_full.probe(Path(app.instance_path))
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = settings.load_or_create_secret(Path(app.instance_path))
        audit.init_app(app)
        throttle.init_app(app)
        lanes.init_app(app)
    except settings.ConfigError as exc:
        _fail([f"Ошибка настройки: {exc}"])
    except OSError as exc:
        _fail([disk_full.read_only_line(app.instance_path, exc)])
    app.permanent_session_lifetime = dt.timedelta(minutes=app.config["SESSION_MINUTES"])


def _init_sessions(app: Flask) -> None:
    """The signed cookie, server-side logout, CSRF protection and Flask-Login."""
    lifecycle.init_app(app)
    session_cookie.init_app(app)
    csrf.init_app(app)
    csrf_tokens.init_app(app)
    auth.login_manager.init_app(app)


def _init_web(app: Flask) -> None:
    """Error pages, security headers and body limits, then every blueprint in one place."""
    errors.init_app(app)
    security.init_app(app)
    filters.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    niko.init_app(app)
    url_cache.init_app(app)


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then FISOKO_* variables, then `config` (for flags and tests)."""
    if log.level == logging.NOTSET:
        # Audit lines and reload notices are INFO: keep them under a server (waitress-serve) that
        # configures only the root logger, whose default level would drop them.
        log.setLevel(logging.INFO)
    app = Flask(__name__, instance_path=str(settings.instance_dir(config)))
    _configure(app, config)
    _load_data(app)
    try:
        db.init_app(app)
    except (OSError, sqlite3.Error) as exc:
        _fail([disk_full.read_only_line(app.instance_path, exc)])
    _init_sessions(app)
    _init_web(app)
    app.cli.add_command(accounts_cli.group)
    rehearsal.init_app(app)
    return app


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = RussianArgumentParser(
        prog="python app.py",
        usage_line="python app.py [--host H] [--port P] [--accounts PATH]",
        description="ФИС ОКО (локальная копия): запустить сервер личного кабинета (waitress).",
        epilog="Команды учётных записей: python app.py accounts --help",
    )
    options = parser.options
    options.add_argument(
        "--host", metavar="H", help="адрес сервера (по умолчанию 127.0.0.1, FISOKO_HOST)"
    )
    options.add_argument("--port", metavar="P", help="порт (по умолчанию 8080, FISOKO_PORT)")
    options.add_argument(
        "--accounts",
        metavar="PATH",
        help="файл учётных записей (по умолчанию accounts.yaml, FISOKO_ACCOUNTS)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """`python app.py [--host H] [--port P] [--accounts PATH]`, or `python app.py accounts ...`."""
    argv = sys.argv[1:] if argv is None else argv
    console.never_fail_to_encode()
    if argv[:1] in (["accounts"], ["rehearsal"]):
        from flask.cli import FlaskGroup

        logging.basicConfig(level=logging.INFO, format=console.FORMAT)
        cli = FlaskGroup(create_app=create_app, add_default_commands=False, load_dotenv=False)
        cli.main(args=argv, prog_name="python app.py")
        return
    args = _parse_args(argv)
    console_log = console.BackgroundLog()  # a paused console window never holds up a request
    try:
        _serve(args)
    finally:
        console_log.stop()


def _serve(args: argparse.Namespace) -> None:
    """Build the app, make sure the port is ours, and serve until Ctrl+C."""
    overrides = {k.upper(): v for k, v in vars(args).items() if v is not None}
    app = create_app(overrides)

    host, port = app.config["HOST"], app.config["PORT"]
    taken = listen_port.busy(host, port)
    if taken:
        _fail([taken])
    shown = f"[{host}]" if ":" in host else host
    log.info("ФИС ОКО (локальная копия) работает: http://%s:%s/ (остановка: Ctrl+C)", shown, port)
    store = app.extensions["fisoko.accounts"]
    accounts_watcher = watcher.start_watching(store.refresh, app.config["ACCOUNTS_RELOAD_SECONDS"])
    try:
        with stopping.stop_signals_interrupt():
            server.serve(app)
        log.info("Сервер остановлен")
    except OSError as exc:
        _fail([listen_port.listen_error(host, port, exc)])
    finally:
        accounts_watcher.stop()


if __name__ == "__main__":
    main()
