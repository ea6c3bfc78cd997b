"""Password checks run in worker threads of a lower OS priority (Linux and Windows)."""

from __future__ import annotations

import os
import sys
import threading
import types

import pytest

from app import create_app
from fisoko.login import low_priority


def _where() -> tuple[int, int | None]:
    """The thread running the check, and its nice value where the OS keeps one per thread."""
    nice = None
    if sys.platform.startswith("linux"):
        nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    return threading.get_ident(), nice


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_a_check_runs_in_a_thread_niced_below_the_request_thread(app):
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    with app.test_request_context("/login"):
        ident, nice = low_priority.run(_where)
    assert ident != threading.get_ident()
    assert nice == min(19, own + low_priority.NICE)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own, "caller unchanged"


def test_switched_off_a_check_runs_in_the_request_thread(app_config):
    app = create_app({**app_config, "LOGIN_LOW_PRIORITY": False})
    with app.test_request_context("/login"):
        ident, _ = low_priority.run(_where)
    assert ident == threading.get_ident()


def test_the_switch_is_read_from_the_environment(app_config, monkeypatch):
    monkeypatch.setenv("FISOKO_LOGIN_LOW_PRIORITY", "0")
    assert create_app(app_config).config["LOGIN_LOW_PRIORITY"] is False


def test_an_exception_of_the_check_reaches_the_caller(app):
    def broken():
        raise ValueError("bad hash")

    with app.test_request_context("/login"), pytest.raises(ValueError, match="bad hash"):
        low_priority.run(broken)


def test_on_windows_the_thread_asks_for_below_normal_priority(monkeypatch):
    import ctypes

    calls = []
    kernel32 = types.SimpleNamespace(
        GetCurrentThread=lambda: "this thread",
        SetThreadPriority=lambda handle, priority: calls.append((handle, priority)) or 1,
    )
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(ctypes, "windll", types.SimpleNamespace(kernel32=kernel32), raising=False)
    assert low_priority.lower_this_thread() is True
    assert calls == [("this thread", low_priority.THREAD_PRIORITY_BELOW_NORMAL)]


def test_where_the_os_refuses_the_checks_keep_their_priority_and_say_so(monkeypatch, caplog):
    def refused(*args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(os, "setpriority", refused)
    assert low_priority.lower_this_thread() is False
    assert "не удалось понизить приоритет проверок паролей" in caplog.text


def test_other_systems_keep_the_priority(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(os, "setpriority", lambda *a: pytest.fail("would nice the whole process"))
    assert low_priority.lower_this_thread() is False
