"""The coordinator's ZIP of the region's school uploads: who gets it, names, streaming, ZIP64."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from fisoko.niko.region import archive
from tests.helpers import assert_refused_unless, audit_events, without_results_forms
from tests.niko.exchange.test_uploads import send

VIEWERS = ("edu770001", "edu770002", "niko__77", "niko__78", "edu780001", None)
URL = "/cabinet/niko/uploads.zip"
FOLDER_1 = "edu770001 ГБОУ «Школа № 1»"


@pytest.mark.parametrize(
    "raw, safe",
    [
        ("Форма №1.xlsx", "Форма №1.xlsx"),
        ('a:b*c?"d"<e>|f.pdf', "a_b_c__d__e__f.pdf"),
        ("trailing. . ", "trailing"),
        ("CON.pdf", "_CON.pdf"),
        ("lpt1", "_lpt1"),
        ("COM¹.pdf", "_COM¹.pdf"),
        ("LPT².txt", "_LPT².txt"),
        ("CONIN$", "_CONIN$"),
        ("conout$.csv", "_conout$.csv"),
        ("con .pdf", "_con .pdf"),
        ("Nul..docx", "_Nul..docx"),
        ("COM10.pdf", "COM10.pdf"),
        ("CONTENT.pdf", "CONTENT.pdf"),
        ("...", "_"),
        ("tab\there", "tab_here"),
        ("я" * 200 + ".docx", "я" * 115 + ".docx"),
    ],
)
def test_names_are_made_safe_for_windows(raw, safe):
    assert archive.safe_part(raw) == safe


def test_repeated_names_get_numbers_before_the_extension():
    taken: set[str] = set()
    names = [archive.unique(n, taken) for n in ("a.pdf", "A.PDF", "a.pdf", "a (2).pdf", "b")]
    assert names == ["a.pdf", "A (2).PDF", "a (3).pdf", "a (2) (2).pdf", "b"]


@pytest.fixture
def region(login_as, app) -> dict:
    """Uploads of two schools of region 77, one of region 78, and the coordinator's own report."""
    without_results_forms(app)  # the XLSX and CSV here are not results forms
    clients = {login: login_as(login) for login in VIEWERS if login}
    for name in ("Форма №1.xlsx", "форма №1.XLSX", "Анкета ОО.pdf"):
        step = "school-questionnaire" if name.startswith("Анкета") else "upload-form"
        assert send(clients["edu770001"], name=name, step=step).status_code == 302
    send(clients["edu770002"], name="CON.csv", data=b"a;b\r\n" * 1000)
    send(clients["edu780001"], name="Питер.pdf")
    send(clients["niko__77"], name="Отчёт региона.docx", step="region-report")
    return clients


def read_zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def test_the_coordinator_gets_every_school_upload_of_the_region(region):
    response = region["niko__77"].get(URL)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="niko-uploads-77-'
    )
    with read_zip(response) as zipped:
        assert zipped.testzip() is None
        names = zipped.namelist()
        assert names == [
            f"{FOLDER_1}/Форма №1.xlsx",
            f"{FOLDER_1}/форма №1 (2).XLSX",
            f"{FOLDER_1}/Анкета ОО.pdf",
            "edu770002 ГБОУ «Школа № 2»/_CON.csv",
        ]
        assert zipped.read(names[0]) == b"PK\x03\x04 demo workbook"
        assert zipped.read(names[3]) == b"a;b\r\n" * 1000
        infos = zipped.infolist()
        assert all(info.flag_bits & 0x800 for info in infos)  # the UTF-8 flag
        assert infos[3].compress_type == zipfile.ZIP_DEFLATED
        assert infos[0].compress_type == zipfile.ZIP_STORED


def test_one_step_only(region):
    with read_zip(region["niko__77"].get(URL + "?step=school-questionnaire")) as zipped:
        assert zipped.namelist() == [f"{FOLDER_1}/Анкета ОО.pdf"]


@pytest.mark.parametrize("step", ["region-report", "nope", "UPLOAD-FORM"])
def test_an_unknown_or_coordinator_step_is_404(region, step):
    assert region["niko__77"].get(f"{URL}?step={step}").status_code == 404


def test_another_region_gets_only_its_own(region):
    with read_zip(region["niko__78"].get(URL)) as zipped:
        assert zipped.namelist() == ["edu780001 ГБОУ «Школа № 101»/Питер.pdf"]


def test_each_archive_is_an_audit_event(region, caplog):
    caplog.set_level("INFO", logger="fisoko.audit")
    region["niko__77"].get(URL).close()
    region["niko__77"].get(URL + "?step=school-questionnaire").close()
    region["edu770001"].get(URL).close()  # 404: not logged
    assert audit_events(caplog, "uploads.zip") == [
        "event action=uploads.zip by='niko__77' region='77' step='' files='4'",
        "event action=uploads.zip by='niko__77' region='77' step='school-questionnaire' files='1'",
    ]


def test_access_matrix(region, app):
    for viewer in VIEWERS:
        client = region[viewer] if viewer else app.test_client()
        response = client.get(URL)
        assert_refused_unless(response, URL, viewer, allowed=(viewer or "").startswith("niko"))
        response.close()


def test_an_empty_region_gets_an_empty_archive(login_as):
    with read_zip(login_as("niko__78").get(URL)) as zipped:
        assert zipped.namelist() == []


def test_the_archive_is_streamed_in_bounded_chunks(login_as):
    school = login_as("edu770001")
    big = bytes(range(256)) * (3 * archive.CHUNK // 256 + 7)
    send(school, name="big.pdf", data=big)
    send(school, name="second.pdf", data=b"%PDF small")
    response = login_as("niko__77").get(URL, buffered=False)
    chunks = iter(response.response)
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04")  # a local header leaves before the files are read
    assert b"second.pdf" not in first
    sizes = [len(first)] + [len(c) for c in chunks]
    response.close()
    assert max(sizes) <= archive.CHUNK + 1024
    assert sum(sizes) > len(big)


@pytest.mark.parametrize("limit", ["ZIP64_LIMIT", "ZIP_FILECOUNT_LIMIT"])
def test_zip64_records_where_the_classic_limits_are_passed(region, monkeypatch, limit):
    """Pretend the 4 GiB (or 65 535 entries) limit were 100 bytes (2 entries): the archive must
    switch to ZIP64 records and stay valid."""
    monkeypatch.setattr(zipfile, limit, 100 if limit == "ZIP64_LIMIT" else 2)
    data = region["niko__77"].get(URL).get_data()
    monkeypatch.undo()
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data  # ZIP64 end record and locator
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        assert zipped.testzip() is None
        assert len(zipped.namelist()) == 4


def test_a_file_gone_meanwhile_is_left_out_and_the_archive_stays_whole(tmp_path):
    present, gone = tmp_path / "a", tmp_path / "b"
    present.write_bytes(b"%PDF kept")
    files = [("s/gone.pdf", gone, 5, "pdf"), ("s/kept.pdf", present, 9, "pdf")]
    data = b"".join(archive.stream(files, (2026, 12, 1, 10, 0, 0)))
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        assert zipped.namelist() == ["s/kept.pdf"]
        assert zipped.read("s/kept.pdf") == b"%PDF kept"


def test_the_archive_is_named_by_the_study_clock_like_the_csvs(app, login_as):
    app.config["TODAY"] = dt.date(2027, 4, 20)
    response = login_as("niko__77").get(URL)
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="niko-uploads-77-2027-04-20.zip"'
    )
