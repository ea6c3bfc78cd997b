"""A stop by Ctrl+C or by a service manager is logged as «Сервер остановлен», unlike a crash."""

from __future__ import annotations

import signal

import pytest

from tests.helpers import Server

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "service-stop"])
def test_a_stopped_server_says_so_and_exits_cleanly(tmp_path, accounts_file, stop):
    server = Server(tmp_path, accounts_file)
    server.process.send_signal(stop)
    server.process.wait(timeout=15)
    server.stop()
    assert server.process.returncode == 0, server.output
    assert "Сервер остановлен" in server.output
    assert "Traceback" not in server.output
