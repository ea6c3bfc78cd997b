"""The coordinator's ZIP of the region's results: who gets it, its folders, streaming."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from app import create_app
from fisoko.niko.region import archive
from tests.helpers import AuthActions, assert_refused_unless, audit_events
from tests.niko.exchange.test_results import CYRILLIC, FILES, VIEWERS, make_folder

URL = "/cabinet/niko/results.zip"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_folder(tmp_path)


@pytest.fixture
def app_config(app_config, folder: Path) -> dict:
    return {**app_config, "RESULTS": str(folder), "TODAY": dt.date(2027, 10, 1)}


def read_zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def test_the_coordinator_gets_the_region_own_results_and_a_folder_per_school(login_as, folder):
    (folder / "edu770001" / "CON.csv").write_bytes(b"device name: not listed")
    (folder / "edu770001" / "a#1%.CSV").write_bytes(b"same name in another case")
    response = login_as("niko__77").get(URL)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith(
        "attachment; filename=\"niko-results-77-2027-10-01.zip\"; filename*=UTF-8''"
    )
    with read_zip(response) as zipped:
        assert zipped.testzip() is None
        names = zipped.namelist()
        school_1 = "edu770001 ГБОУ «Школа № 1»"
        assert names == [
            "niko__77/region-77.csv",
            f"{school_1}/a#1%.CSV",
            f"{school_1}/a#1% (2).csv",
            f"{school_1}/{CYRILLIC}",
            "edu770002 ГБОУ «Школа № 2»/b.csv",
            "edu770009 ГБОУ «Закрытая школа»/d.csv",
        ]
        assert zipped.read(f"{school_1}/{CYRILLIC}") == FILES["edu770001"][CYRILLIC]
        assert all(
            info.flag_bits & 0x800 for info in zipped.infolist() if not info.filename.isascii()
        )


def test_another_region_gets_only_its_own(login_as):
    with read_zip(login_as("niko__78").get(URL)) as zipped:
        assert zipped.namelist() == [
            "niko__78/region-78.csv",
            "edu780001 ГБОУ «Школа № 101»/c.csv",
        ]


def test_each_archive_is_an_audit_event(login_as, caplog):
    caplog.set_level("INFO", logger="fisoko.audit")
    login_as("niko__78").get(URL).close()
    login_as("edu780001").get(URL).close()  # 404: not logged
    assert audit_events(caplog, "results.zip") == [
        "event action=results.zip by='niko__78' region='78' files='2'"
    ]


def test_access_for_every_kind_of_visitor(app, login_as):
    for viewer in VIEWERS:
        client = login_as(viewer) if viewer else app.test_client()
        response = client.get(URL)
        assert_refused_unless(response, URL, viewer, allowed=(viewer or "").startswith("niko"))
        response.close()


def test_a_region_without_results_gets_an_empty_archive(login_as, folder):
    for login in ("niko__78", "edu780001"):
        for path in (folder / login).iterdir():
            path.unlink()
    with read_zip(login_as("niko__78").get(URL)) as zipped:
        assert zipped.namelist() == []


def test_404_before_results_opens(app_config):
    app = create_app({**app_config, "TODAY": dt.date(2027, 9, 29)})
    client = app.test_client()
    AuthActions(client).login("niko__77")
    assert client.get(URL).status_code == 404


def test_the_archive_is_streamed_in_bounded_chunks(login_as, folder):
    big = bytes(range(256)) * (3 * archive.CHUNK // 256 + 7)
    (folder / "edu770002" / "big.pdf").write_bytes(big)
    response = login_as("niko__77").get(URL, buffered=False)
    chunks = iter(response.response)
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04")
    sizes = [len(first)] + [len(c) for c in chunks]
    response.close()
    assert max(sizes) <= archive.CHUNK + 1024
    assert sum(sizes) > len(big)
