"""One bundle built per test session, from the local wheel cache first."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from fisoko.bundle import build

CACHE = Path(os.environ.get("FISOKO_WHEEL_CACHE") or Path.home() / ".cache" / "fisoko-wheels")


@pytest.fixture(scope="session")
def bundle_zip(tmp_path_factory) -> Path:
    """dist/fisoko-local-<version>.zip, built into a temporary folder."""
    out = tmp_path_factory.mktemp("dist")
    try:
        return build.build(out, CACHE)
    except build.BuildError as exc:
        if not any(CACHE.glob("*.whl")):
            pytest.skip(f"no package index and no wheel cache in {CACHE}: {exc}")
    with pytest.MonkeyPatch.context() as patch:  # the index is out of reach: the cache alone
        patch.setenv("FISOKO_OFFLINE", "1")
        return build.build(out, CACHE)


@pytest.fixture(scope="session")
def bundle_root(bundle_zip, tmp_path_factory) -> Path:
    """The bundle unpacked as a school would, with the modes the zip records."""
    target = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(bundle_zip) as archive:
        for info in archive.infolist():
            archive.extract(info, target)
            mode = info.external_attr >> 16
            if mode:
                os.chmod(target / info.filename, mode & 0o777)
    (top,) = target.iterdir()
    return top
