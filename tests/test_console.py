"""The console: redirected output that never fails to encode, logging that never waits for it."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import threading
import time

import pytest

from fisoko import console
from fisoko.settings import BASE_DIR
from tests.helpers import make_hash

TATAR = "Казан шәһәре мәктәбе"


def cp1251_stream() -> tuple[io.BytesIO, io.TextIOWrapper]:
    """Redirected stdout as Python opens it on a Russian Windows: cp1251, strict errors."""
    raw = io.BytesIO()
    return raw, io.TextIOWrapper(raw, encoding="cp1251", errors="strict", write_through=True)


def test_a_letter_outside_the_code_page_is_escaped_not_fatal():
    raw, stream = cp1251_stream()
    with pytest.raises(UnicodeEncodeError):
        stream.write(TATAR)
    console.never_fail_to_encode(stream)
    stream.write(TATAR)
    assert raw.getvalue().decode("cp1251") == "Казан ш\\u04d9\\u04bb\\u04d9ре м\\u04d9кт\\u04d9бе"


def test_a_stream_with_chosen_errors_is_left_alone():
    stream = io.TextIOWrapper(io.BytesIO(), encoding="cp1251", errors="replace")
    console.never_fail_to_encode(stream)
    assert stream.errors == "replace"


def _escaped(text: str, encoding: str) -> str:
    return text.encode(encoding, "backslashreplace").decode(encoding)


@pytest.mark.parametrize("encoding", ["cp866", "cp1251", "cp1252"])
@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])
def test_redirected_cyrillic_and_tatar_names_never_crash_under_any_code_page(
    tmp_path, tatar_accounts, encoding, errors
):
    tatar_accounts.write_text(
        tatar_accounts.read_text(encoding="utf-8")
        + f"  edu770009:\n    name: ГБОУ «Школа № 9»\n    password_hash: {make_hash('x' * 8)}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "app.py", "accounts", "--accounts", str(tatar_accounts), "list"],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "PYTHONIOENCODING": f"{encoding}:{errors}",
            "FISOKO_INSTANCE": str(tmp_path / "i"),
        },
        capture_output=True,
        timeout=30,
    )
    out = result.stdout.decode(encoding)
    assert result.returncode == 0, result.stderr.decode(encoding, "replace")
    assert _escaped(TATAR, encoding) in out
    assert _escaped("ГБОУ «Школа № 9»", encoding) in out


@pytest.fixture
def tatar_accounts(tmp_path):
    path = tmp_path / "accounts.yaml"
    path.write_text(
        f"accounts:\n  edu160001:\n    name: {TATAR}\n    password_hash: {make_hash('x' * 8)}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "command, action",
    [
        ([sys.executable, "app.py", "accounts"], "list"),
        ([sys.executable, "-m", "flask", "--app", "app", "accounts"], "list"),
        ([sys.executable, "app.py", "accounts"], "check"),
    ],
)
def test_redirected_output_on_a_cp1251_console_does_not_crash(
    tmp_path, tatar_accounts, command, action
):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"accounts:\n  {TATAR.split()[1]}: {{}}\n", encoding="utf-8")
    target = tatar_accounts if action == "list" else bad
    result = subprocess.run(
        [*command, "--accounts", str(target), action],
        cwd=BASE_DIR,
        env={**os.environ, "PYTHONIOENCODING": "cp1251", "FISOKO_INSTANCE": str(tmp_path / "i")},
        capture_output=True,
        timeout=30,
    )
    out, err = result.stdout.decode("cp1251"), result.stderr.decode("cp1251")
    assert "Traceback" not in err and "UnicodeEncodeError" not in err
    if action == "list":
        assert result.returncode == 0, err
        assert "edu160001" in out and "Казан ш\\u04d9\\u04bb\\u04d9ре" in out
    else:
        assert result.returncode == 1
        assert f"{bad}:2: неверный логин «ш\\u04d9\\u04bb\\u04d9ре»" in out


class PausedConsole(io.StringIO):
    """A console window in QuickEdit mode after a click: every write waits until Esc."""

    def __init__(self) -> None:
        super().__init__()
        self.esc = threading.Event()

    def write(self, text: str) -> int:
        self.esc.wait(10)
        return super().write(text)


def test_logging_from_a_request_thread_never_waits_for_the_console():
    paused = PausedConsole()
    background = console.BackgroundLog(paused)
    took: list[float] = []

    def request() -> None:
        start = time.monotonic()
        for _ in range(20):
            logging.getLogger("fisoko.audit").info("login attempt login='edu770001' result=ok")
        took.append(time.monotonic() - start)

    try:
        thread = threading.Thread(target=request)
        thread.start()
        thread.join(5)
        assert took and took[0] < 0.5  # the console is still paused here
        assert paused.getvalue() == ""
    finally:
        paused.esc.set()
        background.stop()
    lines = paused.getvalue().splitlines()
    assert len(lines) == 20
    assert lines[0].endswith("INFO fisoko.audit: login attempt login='edu770001' result=ok")
    assert background.handler not in logging.getLogger().handlers


def test_lines_beyond_the_queue_are_counted_and_told(monkeypatch):
    monkeypatch.setattr(console, "MAX_WAITING", 3)
    paused = PausedConsole()
    background = console.BackgroundLog(paused)
    log = logging.getLogger("fisoko.test")
    try:
        for number in range(10):
            log.warning("line %d", number)
            time.sleep(0.01)
        assert background.handler.dropped > 0
        paused.esc.set()
        time.sleep(0.2)
        log.warning("after")
    finally:
        paused.esc.set()
        background.stop()
    text = paused.getvalue()
    assert "консоль стояла на паузе, пропущено строк журнала: " in text
    assert text.rstrip().endswith("after")
