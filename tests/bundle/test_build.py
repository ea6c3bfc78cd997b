"""The offline bundle: what it holds, wheels for every target, an offline install that serves."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
import venv
import zipfile

import pytest

from fisoko.bundle import build
from tests.helpers import free_port

pytestmark = pytest.mark.slow


def test_the_zip_is_named_by_version_and_small(bundle_zip):
    assert bundle_zip.name == f"fisoko-local-{build.version()}.zip"
    assert bundle_zip.stat().st_size <= 15 * 1024 * 1024


def test_the_zip_holds_the_app_and_scripts_without_tests_caches_or_state(bundle_zip):
    with zipfile.ZipFile(bundle_zip) as archive:
        names = [n.split("/", 1)[1] for n in archive.namelist()]
    for needed in ("app.py", "accounts.yaml", "requirements-lock.txt", "start.cmd", "start.sh"):
        assert needed in names
    assert any(n.startswith("fisoko/bundle/launch.py") for n in names)
    assert any(n.startswith("wheels/") and n.endswith(".whl") for n in names)
    for banned in ("tests/", "bench/", ".git", "instance/", "__pycache__", ".venv/", "dist/"):
        assert not any(banned in n for n in names), banned


@pytest.mark.parametrize("python", build.PYTHONS)
@pytest.mark.parametrize("platform", build.PLATFORMS)
def test_the_wheels_cover_every_python_and_platform(bundle_root, tmp_path, python, platform):
    lock = tmp_path / "lock.txt"
    lock.write_text(build.lock_for(python, platform, bundle_root / build.LOCK), encoding="utf-8")
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"]
    command += ["--no-index", "--find-links", str(bundle_root / "wheels"), "--only-binary=:all:"]
    command += ["--platform", platform, "--python-version", python, "--implementation", "cp"]
    command += ["--require-hashes", "-r", str(lock), "--disable-pip-version-check"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Would install" in done.stdout and "bcrypt-5" in done.stdout


def _offline(command: list[str]) -> list[str]:
    """`command` with no network at all where this machine allows it (root and unshare)."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n", *command]
    return command


def test_an_offline_install_in_a_fresh_venv_serves_healthz(bundle_root, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    install = [python, "-m", "pip", "install", "--no-index", "--find-links", "wheels"]
    install += ["--require-hashes", "-r", build.LOCK, "--disable-pip-version-check", "--quiet"]
    done = subprocess.run(
        _offline(install), cwd=bundle_root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    port = free_port()
    server = subprocess.Popen(
        [python, "app.py", "--port", str(port)],
        cwd=bundle_root,
        env={"FISOKO_INSTANCE": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _healthz(f"http://127.0.0.1:{port}/healthz", server) == b'{"status":"ok"}\n'
    finally:
        server.terminate()
        server.wait(timeout=15)


def _healthz(url: str, process: subprocess.Popen, seconds: float = 30) -> bytes:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                return answer.read()
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"no answer from {url}")


def test_the_target_environment_narrows_a_forked_lock(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text(
        "wtforms==3.2.2 ; python_full_version < '3.11' \\\n    --hash=sha256:aa\n"
        "    # via flask-wtf\n"
        "wtforms==3.3.2 ; python_full_version >= '3.11' \\\n    --hash=sha256:bb\n"
        "colorama==0.4.6 ; sys_platform == 'win32' \\\n    --hash=sha256:cc\n",
        encoding="utf-8",
    )
    assert build.lock_for("3.10", "manylinux_2_28_x86_64", lock) == (
        "wtforms==3.2.2 --hash=sha256:aa\n"
    )
    assert build.lock_for("3.12", "win_amd64", lock) == (
        "wtforms==3.3.2 --hash=sha256:bb\ncolorama==0.4.6 --hash=sha256:cc\n"
    )
