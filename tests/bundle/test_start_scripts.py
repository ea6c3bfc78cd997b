"""start.cmd as cmd.exe needs it; start.sh run for real from a folder named like a school's."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest

from fisoko.bundle import build
from tests.helpers import free_port

START_CMD = (build.HERE / "start.cmd").read_bytes()


def test_start_cmd_is_ascii():
    START_CMD.decode("ascii")


def test_start_cmd_gets_crlf_in_the_bundle(bundle_root):
    shipped = (bundle_root / "start.cmd").read_bytes()
    assert shipped.count(b"\r\n") == shipped.count(b"\n") > 10


def test_start_cmd_quotes_every_path():
    text = START_CMD.decode("ascii")
    for path in (".venv", "wheels", "requirements-lock.txt", r".venv\Scripts\python.exe"):
        for line in text.splitlines():
            if line.lstrip().lower().startswith("rem"):
                continue
            bare = re.findall(rf'(?<![-"\\\w]){re.escape(path)}(?![\w"\\])', line)
            assert not bare, f"unquoted {path} in: {line}"
    assert 'cd /d "%~dp0"' in text


def test_start_cmd_stays_open_with_a_message_on_every_error():
    text = START_CMD.decode("ascii")
    labels = re.findall(r"^:(no_\w+|stopped_with_error)$", text, re.M)
    assert len(labels) == 4
    for label in labels:
        block = text.split(f"\n:{label}\n", 1)[1].split("\n:", 1)[0]
        assert "pause" in block and "exit /b 1" in block


@pytest.fixture
def school_folder(bundle_root, tmp_path):
    """The bundle copied to `Школа №1/ФИС ОКО`, spaces and «№» in the path."""
    target = tmp_path / "Школа №1" / "ФИС ОКО"
    shutil.copytree(bundle_root, target, symlinks=True)
    return target


def _start(folder, port, tmp_path) -> subprocess.Popen:
    env = {
        **os.environ,
        "FISOKO_PORT": str(port),
        "FISOKO_NO_BROWSER": "1",
        "FISOKO_INSTANCE": str(tmp_path / "instance"),
        "PYTHONPATH": "",
    }
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if "venv" not in p)
    return subprocess.Popen(
        [str(folder / "start.sh")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _serves(port: int, process: subprocess.Popen, seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                return answer.status == 200
        except OSError:
            time.sleep(0.2)
    return False


def _stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=15)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0]


@pytest.mark.slow
def test_start_sh_installs_offline_and_serves_from_a_cyrillic_folder(school_folder, tmp_path):
    port = free_port()
    process = _start(school_folder, port, tmp_path)
    try:
        assert _serves(port, process)
    finally:
        output = _stop(process)
    assert "Первый запуск" in output
    assert "Сервер остановлен" in output
    assert (school_folder / ".venv" / "fisoko-ready").exists()

    (school_folder / ".venv" / "bin" / "python").unlink()  # a broken venv is rebuilt
    port = free_port()
    process = _start(school_folder, port, tmp_path)
    try:
        assert _serves(port, process)
    finally:
        output = _stop(process)
    assert "Первый запуск" in output


FAKE_PYTHON3 = """#!/bin/sh
# python3 of a Debian without python3-venv: `-m venv` leaves a venv without pip and fails.
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  "{real}" -m venv --without-pip "$3"
  cat >&2 <<'MESSAGE'
The virtual environment was not created successfully because ensurepip is not
available.  On Debian/Ubuntu systems, you need to install the python3-venv
package using the following command.

    apt install python3.11-venv

You may need to use sudo with that command.  After installing the python3-venv
package, recreate your virtual environment.
MESSAGE
  exit 1
fi
exec "{real}" "$@"
"""


def test_start_sh_without_python3_venv_names_the_package(tmp_path):
    """start.sh from `Школа №1/ФИС ОКО` where python3 has no working venv, as on bare Debian."""
    real = shutil.which("python3", path="/usr/bin:/usr/local/bin") or shutil.which("python3")
    if real is None or shutil.which("sh") is None:
        pytest.skip("no system python3 or sh")
    folder = tmp_path / "Школа №1" / "ФИС ОКО"
    folder.mkdir(parents=True)
    shutil.copy(build.HERE / "start.sh", folder / "start.sh")
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    (fake / "python3").write_text(FAKE_PYTHON3.format(real=real), encoding="utf-8")
    (fake / "python3").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    kept = [p for p in env["PATH"].split(os.pathsep) if "venv" not in p]
    env["PATH"] = os.pathsep.join([str(fake), *kept])
    done = subprocess.run(
        ["sh", str(folder / "start.sh")], cwd=tmp_path, env=env, capture_output=True, timeout=60
    )
    stderr = done.stderr.decode("utf-8")
    assert done.returncode == 1
    assert "Первый запуск" in done.stdout.decode("utf-8")
    assert "ОШИБКА: в Python нет модуля venv" in stderr
    assert "sudo apt install python3-venv" in stderr
    assert not (folder / ".venv").exists()  # the half-made venv is gone, the next run starts clean
