"""A second server on a busy port stops with «Порт … уже занят» on every OS."""

from __future__ import annotations

import errno
import socket
import sys
import threading
import time

import pytest

import app as app_module
from fisoko.web import port
from tests.helpers import Server, free_port, run_app


@pytest.mark.slow
def test_a_second_python_app_py_on_the_same_port_stops(tmp_path, accounts_file):
    first = Server(tmp_path, accounts_file)
    try:
        started = time.monotonic()
        second = run_app(
            "--port", str(first.port), "--accounts", str(accounts_file),
            env={"FISOKO_INSTANCE": str(tmp_path / "second")}, timeout=30,
        )  # fmt: skip
        took = time.monotonic() - started
    finally:
        first.stop()
    assert second.returncode == 1
    assert f"Порт {first.port} уже занят" in second.stderr
    assert "Traceback" not in second.stderr
    assert took < 15


@pytest.fixture
def windows_like_listener():
    """A listener that, like waitress on Windows with SO_REUSEADDR, lets another socket bind
    its port: on Linux that sharing is SO_REUSEPORT."""
    if not hasattr(socket, "SO_REUSEPORT"):
        pytest.skip("no SO_REUSEPORT here")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock
    sock.close()


def test_the_check_finds_a_listener_that_would_let_a_second_server_bind(windows_like_listener):
    number = windows_like_listener.getsockname()[1]
    with socket.socket() as intruder:  # what waitress does on Windows: binds without a word
        intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        intruder.bind(("127.0.0.1", number))
    assert port.busy("127.0.0.1", number) == port.busy_message(number)
    assert port.busy("0.0.0.0", number) == port.busy_message(number)


def test_main_stops_before_serving_when_the_port_is_taken(
    windows_like_listener, accounts_file, tmp_path, monkeypatch, capsys
):
    number = windows_like_listener.getsockname()[1]
    served: list[dict] = []
    monkeypatch.setattr("fisoko.web.server.serve", lambda app: served.append(app))
    monkeypatch.setenv("FISOKO_INSTANCE", str(tmp_path / "instance"))
    with pytest.raises(SystemExit) as caught:
        app_module.main(["--port", str(number), "--accounts", str(accounts_file)])
    assert caught.value.code == 1
    assert served == []
    assert f"Порт {number} уже занят" in capsys.readouterr().err


def watchers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "fisoko-watcher"]


def test_main_serves_on_a_free_port_with_a_watcher_it_stops(accounts_file, tmp_path, monkeypatch):
    number = free_port()
    served: list[tuple[int, int]] = []
    monkeypatch.setattr(
        "fisoko.web.server.serve",
        lambda app: served.append((app.config["PORT"], len(watchers()))),
    )
    monkeypatch.setenv("FISOKO_INSTANCE", str(tmp_path / "instance"))
    app_module.main(["--port", str(number), "--accounts", str(accounts_file)])
    assert served == [(number, 1)]  # the accounts were watched while serving
    assert watchers() == []


def test_time_wait_leftovers_of_the_last_run_do_not_count_as_busy():
    """A server that closed its connections first leaves them in TIME_WAIT on its port, which
    blocks a plain bind; nothing listens, so the port is free to serve again."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    number = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", number))
    accepted, _ = listener.accept()
    accepted.close()  # the server side closes first: its end goes to TIME_WAIT
    client.recv(1)
    client.close()
    listener.close()
    with socket.socket() as plain, pytest.raises(OSError) as refused:
        plain.bind(("127.0.0.1", number))
    assert refused.value.errno == errno.EADDRINUSE  # the situation is real
    assert port.busy("127.0.0.1", number) is None


def _windows_error(winerror: int) -> OSError:
    exc = OSError(winerror, "Windows socket error")
    exc.winerror = winerror
    return exc


@pytest.mark.parametrize(
    "exc, expected",
    [
        (OSError(errno.EADDRINUSE, "Address already in use"), "Порт 8080 уже занят"),
        (_windows_error(10048), "Порт 8080 уже занят"),
        (_windows_error(10013), "Порт 8080 недоступен"),
        (OSError(errno.EACCES, "Permission denied"), "Порт 8080 недоступен"),
        (OSError(errno.EADDRNOTAVAIL, "Cannot assign"), "Адрес 10.9.9.9 не принадлежит"),
        (OSError(errno.ENOBUFS, "No buffer space"), "Не удаётся открыть 10.9.9.9:8080"),
    ],
)
def test_every_bind_failure_has_a_russian_message(exc, expected):
    message = port.listen_error("10.9.9.9", 8080, exc)
    assert message.startswith(expected)
    if "8080 уже" in expected or "недоступен" in expected:
        assert "python app.py --port 8081" in message


def test_an_unknown_host_is_left_to_waitress():
    assert port.busy("no-such-host.invalid", 8080) is None


@pytest.mark.skipif(sys.platform == "win32", reason="the plain case of POSIX")
def test_a_free_port_is_free():
    assert port.busy("127.0.0.1", free_port()) is None
