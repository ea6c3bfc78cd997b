"""The background check of the accounts file: edits applied or reported with no request at all."""

from __future__ import annotations

import logging
import re
import threading
import time

import pytest

from fisoko.accounts.store import AccountStore
from fisoko.files.watcher import Watcher, start_watching
from tests.helpers import PASSWORDS, Server, accounts_yaml

pytestmark = pytest.mark.slow


def watcher_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "fisoko-watcher"]


def test_the_watcher_calls_refresh_until_stopped():
    calls: list[float] = []
    watcher = Watcher(lambda: calls.append(time.monotonic()), period=0.02).start()
    time.sleep(0.3)
    watcher.stop()
    count = len(calls)
    assert count >= 5 and not watcher.running
    time.sleep(0.1)
    assert len(calls) == count


def test_a_failing_refresh_is_logged_and_watching_goes_on(caplog):
    calls: list[int] = []

    def refresh() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="fisoko"):
        watcher = Watcher(refresh, period=0.02).start()
        time.sleep(0.2)
        watcher.stop()
    assert len(calls) > 2
    assert "фоновая проверка отслеживаемого файла завершилась ошибкой" in caplog.text


def test_no_watcher_when_checks_are_off():
    watcher = start_watching(lambda: None, 0)
    assert not watcher.running
    watcher.stop()


def test_apps_commands_and_tests_start_no_watcher(app, runner, client):
    client.get("/login")
    assert runner.invoke(args=["accounts", "list"]).exit_code == 0
    assert watcher_threads() == []


def test_an_edit_is_taken_and_a_bad_one_reported_without_requests(tmp_path, caplog):
    path = tmp_path / "accounts.yaml"
    path.write_text(accounts_yaml(), encoding="utf-8")
    store = AccountStore.open(path, reload_seconds=1)
    watcher = start_watching(store.refresh, 1)
    try:
        with caplog.at_level(logging.INFO, logger="fisoko.accounts"):
            good = path.read_text(encoding="utf-8")
            path.write_text(good.replace("ГБОУ «Школа № 2»", "Новое название"), "utf-8")
            start = time.monotonic()
            while store.get("edu770002").name != "Новое название":
                assert time.monotonic() - start < 2, "the edit was not taken within 2 s"
                time.sleep(0.02)
            path.write_text(good.replace("  edu770002:", "  edu77002:"), "utf-8")
            start = time.monotonic()
            while "неверный логин" not in caplog.text:
                assert time.monotonic() - start < 2, "the problem was not logged within 2 s"
                time.sleep(0.02)
    finally:
        watcher.stop()
    assert re.search(rf"{re.escape(str(path))}:\d+: неверный логин «edu77002»", caplog.text)
    assert store.get("edu770002").name == "Новое название"  # the last valid file still serves


def test_the_server_window_shows_a_bad_edit_within_2_s_with_no_traffic(tmp_path, accounts_file):
    server = Server(tmp_path, accounts_file, follow=True)
    try:
        good = accounts_file.read_text(encoding="utf-8")
        time.sleep(0.5)
        saved = time.monotonic()
        accounts_file.write_text(
            good.replace("    name: ГБОУ «Школа № 2»", "    name: [x"), "utf-8"
        )
        took = server.wait_for(f"{accounts_file}:", saved, 2.0)
        assert any("не закрыта скобка" in line for _, line in server.lines)
        saved = time.monotonic()
        accounts_file.write_text(good, encoding="utf-8")
        took_again = server.wait_for("Файл учётных записей перечитан", saved, 2.0)
    finally:
        server.stop()
    assert took < 2.0 and took_again < 2.0
    assert "login attempt" not in server.output  # no request was needed
    assert PASSWORDS["edu770001"] not in server.output
