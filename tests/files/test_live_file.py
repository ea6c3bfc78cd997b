"""Following a file's edits: cheap checks, settled reads, last valid value kept, one log line."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest

from app import create_app
from fisoko.accounts.store import AccountStore, parse_accounts
from fisoko.files import live_file
from fisoko.files.live_file import LiveFile, Unsettled, read_settled, signature
from tests.helpers import PASSWORDS, AuthActions, accounts_yaml

LOG = logging.getLogger("test.live")


def age(path: Path, seconds: float = 5) -> None:
    """Make the file look written `seconds` ago, so it counts as settled."""
    past = time.time() - seconds
    os.utime(path, (past, past))


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    age(path)


@pytest.fixture
def store(accounts_file) -> AccountStore:
    age(accounts_file)
    return AccountStore.open(accounts_file, reload_seconds=0.01)


def check(store: AccountStore) -> None:
    time.sleep(0.02)
    store.refresh()


def test_valid_edit_is_swapped_in(store, accounts_file, caplog):
    caplog.set_level("INFO", "fisoko.accounts")
    old = store.accounts
    write(accounts_file, accounts_yaml({"niko__77": "Koord-77-Pass"}))
    check(store)
    assert store.accounts is not old
    assert len(store.accounts) == 1
    assert old.get("edu770001") is not None  # the old snapshot itself never changes
    assert caplog.messages == [
        f"Файл учётных записей перечитан: {accounts_file}: записей: 1 (было: записей: 6)"
    ]


def test_no_check_before_the_interval(accounts_file):
    age(accounts_file)
    store = AccountStore.open(accounts_file, reload_seconds=60)
    write(accounts_file, accounts_yaml({"niko__77": "Koord-77-Pass"}))
    store.refresh()
    assert len(store.accounts) == 6


def test_zero_interval_turns_the_check_off(accounts_file):
    store = AccountStore.open(accounts_file, reload_seconds=0)
    write(accounts_file, accounts_yaml({"niko__77": "Koord-77-Pass"}))
    check(store)
    assert len(store.accounts) == 6


def test_unchanged_file_is_not_read_again(store, monkeypatch):
    monkeypatch.setattr(live_file, "read_settled", pytest.fail)
    check(store)
    check(store)


@pytest.mark.parametrize(
    "text",
    [
        "",  # emptied by an editor that truncates first
        "accounts:\n  edu770001:\n    name: x\n    password_ha",  # cut short
        "accounts:\n  edu1: {}\n",
    ],
)
def test_invalid_edit_keeps_the_last_valid_accounts_and_logs_once(
    store, accounts_file, caplog, text
):
    caplog.set_level("INFO", "fisoko.accounts")
    old = store.accounts
    write(accounts_file, text)
    check(store)
    check(store)
    assert store.accounts is old
    problems = [r for r in caplog.records if r.levelname == "ERROR"]
    assert problems and all(r.getMessage().startswith(f"{accounts_file}:") for r in problems)
    skipped = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(skipped) == 1
    assert (
        "не перечитан" in skipped[0]
        and "работают последние верные данные (записей: 6)" in (skipped[0])
    )
    write(accounts_file, accounts_yaml({"niko__78": "Koord-78-Pass"}))
    check(store)
    assert list(store.accounts.by_login) == ["niko__78"]


def test_rename_save_and_the_missing_moment(store, accounts_file, caplog):
    caplog.set_level("INFO", "fisoko.accounts")
    backup = accounts_file.with_suffix(".bak")
    os.replace(accounts_file, backup)  # vim: the original goes away first
    check(store)
    check(store)
    assert len(store.accounts) == 6
    temp = accounts_file.with_suffix(".new")
    write(temp, accounts_yaml({"edu770002": "Shkola-0002"}))
    os.replace(temp, accounts_file)
    check(store)
    assert list(store.accounts.by_login) == ["edu770002"]
    messages = caplog.messages
    assert len([m for m in messages if "не удаётся прочитать" in m]) == 1
    assert messages[-1].startswith("Файл учётных записей перечитан")


def test_a_file_being_written_is_looked_at_again_shortly(store, accounts_file, caplog):
    caplog.set_level("INFO", "fisoko.accounts")
    accounts_file.write_text(accounts_yaml({"niko__77": "Koord-77-Pass"}), encoding="utf-8")
    check(store)
    assert len(store.accounts) == 6
    assert "перечитаю позже" in caplog.messages[-1]
    time.sleep(live_file.SETTLE)
    check(store)
    assert len(store.accounts) == 1


def test_read_settled_refuses_a_fresh_or_changing_file(tmp_path, monkeypatch):
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    with pytest.raises(Unsettled) as caught:
        read_settled(path)
    assert 0 < caught.value.retry_in <= live_file.SETTLE
    age(path)
    assert read_settled(path) == (b"abc", signature(path))
    real_read = Path.read_bytes

    def read_while_appending(self: Path) -> bytes:
        data = real_read(self)
        with open(self, "ab") as handle:
            handle.write(b"more")
        return data

    monkeypatch.setattr(Path, "read_bytes", read_while_appending)
    with pytest.raises(Unsettled, match="пока его читали"):
        read_settled(path)


def test_a_file_from_the_future_is_not_postponed_forever(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    future = time.time() + 3600  # a network drive whose clock runs ahead
    os.utime(path, (future, future))
    assert read_settled(path)[0] == b"abc"


def test_requests_keep_the_old_map_while_one_thread_reloads(accounts_file):
    """A slow parse (a country-sized file) blocks only the thread doing it."""
    started, release = threading.Event(), threading.Event()

    def slow_parse(data: bytes, path: str):
        started.set()
        release.wait(5)
        return parse_accounts(data, path)

    age(accounts_file)
    old = parse_accounts(accounts_file.read_bytes(), str(accounts_file))
    live = LiveFile(
        accounts_file, slow_parse, old, interval=0.01, known=signature(accounts_file), log=LOG
    )
    write(accounts_file, accounts_yaml({"niko__77": "Koord-77-Pass"}))
    time.sleep(0.02)
    worker = threading.Thread(target=live.refresh)
    worker.start()
    assert started.wait(5)
    live.refresh()  # another request meanwhile: returns at once with the old map
    assert live.value is old
    release.set()
    worker.join(5)
    assert len(live.value) == 1


def test_sessions_follow_the_file(app_config, accounts_file):
    """Removed, disabled or re-passworded accounts lose their sessions at the next request."""
    client = create_app({**app_config, "ACCOUNTS_RELOAD_SECONDS": 0.01}).test_client()
    auth = AuthActions(client)
    cases = [
        ("edu770001", {**PASSWORDS, "edu770001": "Changed-Pass-1"}),
        ("edu770002", {k: v for k, v in PASSWORDS.items() if k != "edu770002"}),
        ("edu780001", None),
    ]
    for login, passwords in cases:
        write(accounts_file, accounts_yaml())
        time.sleep(0.02)
        assert auth.login(login).status_code == 302
        assert client.get("/cabinet").status_code == 200
        text = accounts_yaml(passwords)
        if passwords is None:
            text = text.replace(
                f"  {login}:  # {login}\n", f"  {login}:  # {login}\n    disabled: true\n"
            )
        write(accounts_file, text)
        time.sleep(0.02)
        response = client.get("/cabinet")
        assert response.status_code == 302, login
        assert response.headers["Location"].startswith("/login")


def test_flask_commands_read_the_accounts_only_when_used(app_config, accounts_file, monkeypatch):
    from fisoko.accounts import store as accounts

    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    loads: list[str] = []
    real = accounts.load_accounts
    monkeypatch.setattr(accounts, "load_accounts", lambda path: loads.append(path) or real(path))
    app = create_app({**app_config, "ACCOUNTS_RELOAD_SECONDS": 0})
    assert loads == []
    with app.app_context():
        assert accounts.current_store().get("edu770001") is not None
        assert len(accounts.current_store().accounts) == 6
    assert [str(p) for p in loads] == [str(accounts_file)]


def test_a_deferred_broken_file_is_logged_and_gives_no_accounts(tmp_path, caplog):
    bad = tmp_path / "bad.yaml"
    bad.write_text("accounts:\n  edu1: {}\n", encoding="utf-8")
    store = AccountStore.deferred(bad)
    store.refresh()
    assert len(store.accounts) == 0
    assert caplog.messages[0].startswith(f"{bad}:2: неверный логин «edu1»")


@pytest.mark.parametrize(
    "value, message",
    [
        ("soon", "FISOKO_ACCOUNTS_RELOAD_SECONDS должно быть числом секунд"),
        ("-1", "FISOKO_ACCOUNTS_RELOAD_SECONDS должно быть от 0 до 3600"),
        ("nan", "FISOKO_ACCOUNTS_RELOAD_SECONDS должно быть от 0 до 3600"),
    ],
)
def test_bad_reload_setting_stops_with_a_message(app_config, monkeypatch, capsys, value, message):
    monkeypatch.setenv("FISOKO_ACCOUNTS_RELOAD_SECONDS", value)
    with pytest.raises(SystemExit):
        create_app(app_config)
    assert message in capsys.readouterr().err


def test_reload_setting_from_the_environment(app_config, monkeypatch):
    monkeypatch.setenv("FISOKO_ACCOUNTS_RELOAD_SECONDS", "0.5")
    app = create_app(app_config)
    assert app.config["ACCOUNTS_RELOAD_SECONDS"] == 0.5
    assert app.extensions["fisoko.accounts"]._live.interval == 0.5
    assert (
        create_app({**app_config, "ACCOUNTS_RELOAD_SECONDS": 0}).config["ACCOUNTS_RELOAD_SECONDS"]
        == 0
    )
