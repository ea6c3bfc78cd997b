"""The instance folder and what the app writes there are owner-only where the OS has modes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from app import create_app
from tests.niko.exchange.test_uploads import send

pytestmark = pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX only")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_instance_folder_and_its_files_are_owner_only(app, login_as):
    assert send(login_as("edu770001"), name="a.pdf", data=b"%PDF x").status_code == 302
    instance = Path(app.instance_path)
    assert mode(instance) == 0o700
    assert mode(instance / "uploads") == 0o700
    (upload,) = (instance / "uploads").iterdir()
    assert mode(upload) == 0o600
    database = Path(app.config["DATABASE"])
    assert mode(database) == 0o600
    for extra in (Path(f"{database}-wal"), Path(f"{database}-shm")):
        if extra.exists():
            assert mode(extra) & 0o077 == 0
    assert mode(instance / "secret_key") == 0o600


def test_an_existing_open_instance_folder_is_tightened(app_config, tmp_path):
    instance = Path(app_config["INSTANCE"])
    instance.mkdir(mode=0o755)
    os.chmod(instance, 0o755)
    app = create_app(app_config)
    assert mode(Path(app.instance_path)) == 0o700
    assert mode(Path(app.config["DATABASE"])) == 0o600
