"""A read-only instance folder at start: one Russian line naming the folder, exit 1."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from fisoko.files import disk_full
from fisoko.settings import BASE_DIR
from tests.helpers import run_app


def _assert_one_clear_line(result, folder: Path) -> None:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "недоступна для записи" in line]
    assert len(lines) == 1 and str(folder) in lines[0]


@pytest.fixture
def read_only_mount():
    """Mount a tmpfs, let the test fill it, then remount it read-only (root only)."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("mount")):
        pytest.skip("mounting needs root")
    folder = Path(tempfile.mkdtemp(prefix="fisoko-ro-"))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)]).returncode:
        folder.rmdir()
        pytest.skip("tmpfs cannot be mounted here")

    def make_read_only() -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)

    try:
        yield folder, make_read_only
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)
        folder.rmdir()


@pytest.mark.slow
@pytest.mark.parametrize("holding_a_database", [False, True])
def test_a_read_only_instance_folder_stops_the_start(
    read_only_mount, accounts_file, holding_a_database
):
    mount, make_read_only = read_only_mount
    instance = mount / "instance"
    env = {"FISOKO_INSTANCE": str(instance), "FISOKO_PORT": "1"}
    if holding_a_database:
        # Another process makes the database, so nothing of it stays open here at the remount.
        code = f"from app import create_app; create_app({{'INSTANCE': {str(instance)!r}}})"
        made = subprocess.run(
            [sys.executable, "-c", code],
            cwd=BASE_DIR,
            env={**os.environ, "FISOKO_ACCOUNTS": str(accounts_file)},
            timeout=30,
        )
        assert made.returncode == 0
        assert (instance / "fisoko.sqlite3").exists()
    else:
        instance.mkdir()
    make_read_only()
    result = run_app("--accounts", str(accounts_file), env=env)
    _assert_one_clear_line(result, instance)


def test_an_emulated_read_only_folder_stops_the_start(app_config, monkeypatch, capsys):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(disk_full.tempfile, "mkstemp", read_only)
    from app import create_app

    with pytest.raises(SystemExit) as stopped:
        create_app(app_config)
    assert stopped.value.code == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and app_config["INSTANCE"] in lines[0]
    assert "недоступна для записи" in lines[0]


def test_the_probe_leaves_nothing_in_a_writable_folder(tmp_path):
    disk_full.probe(tmp_path)
    assert list(tmp_path.iterdir()) == []
