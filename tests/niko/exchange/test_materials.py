"""Materials to download: who sees which, from which date, and nothing outside the folder."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest

from app import create_app
from fisoko.niko.content.model import load_content
from fisoko.niko.exchange import materials
from fisoko.settings import BASE_DIR

SHIPPED = BASE_DIR / "content" / "niko.yaml"
CYRILLIC = "Инструкция для ОО.pdf"
MATERIALS = f"""
materials:
  - title: Инструкция школам
    file: {CYRILLIC}
    roles: [school]
  - title: Памятка координатору
    file: memo.txt
    roles: [coordinator]
  - title: Коды участников региона 77
    file: codes-77.csv
    roles: [school, coordinator]
    regions: ['77']
  - title: Материалы дня проведения
    file: day.zip
    roles: [school, coordinator]
    opens: 2027-03-16
  - title: Пропавший файл
    file: missing.docx
    roles: [school]
"""
FILES = {CYRILLIC: b"%PDF-1.4 demo", "memo.txt": "памятка".encode(), "codes-77.csv": b"a;b\r\n"}
FILES["day.zip"] = b"PK\x05\x06" + bytes(18)
VIEWERS = ("edu770001", "edu770002", "niko__77", "niko__78", "edu780001", None)
BEFORE, DAY = dt.date(2027, 3, 15), dt.date(2027, 3, 16)


@pytest.fixture
def app_config(app_config, tmp_path: Path):
    """A content file with the test materials and a materials folder with all but one file."""
    text = SHIPPED.read_text(encoding="utf-8")
    content = tmp_path / "niko.yaml"
    content.write_text(text[: text.index("\nmaterials:")] + MATERIALS, encoding="utf-8")
    folder = tmp_path / "materials"
    folder.mkdir()
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
    (folder / "unlisted.pdf").write_bytes(b"%PDF not listed")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    return {**app_config, "CONTENT": str(content), "MATERIALS": str(folder), "TODAY": BEFORE}


def statuses(app, login_as, url: str) -> dict[str | None, int]:
    found = {}
    for viewer in VIEWERS:
        client = login_as(viewer) if viewer else app.test_client()
        response = client.get(url)
        found[viewer] = response.status_code
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login?next=%2Fcabinet%2Fniko%2F")
        response.close()
    return found


def url_of(name: str) -> str:
    return f"/cabinet/niko/materials/{quote(name)}"


@pytest.mark.parametrize(
    "name, seers",
    [
        (CYRILLIC, {"edu770001", "edu770002", "edu780001"}),
        ("memo.txt", {"niko__77", "niko__78"}),
        ("codes-77.csv", {"edu770001", "edu770002", "niko__77"}),
        ("day.zip", set()),
        ("missing.docx", set()),
        ("unlisted.pdf", set()),
    ],
)
def test_download_access_before_the_study_day(app, login_as, name, seers):
    expected = {v: 200 if v in seers else 404 for v in VIEWERS if v}
    assert statuses(app, login_as, url_of(name)) == {**expected, None: 302}


def test_materials_of_the_day_open_on_that_day(app, login_as):
    client = login_as("edu780001")
    assert "Материалы дня проведения" not in client.get("/cabinet/niko").get_data(as_text=True)
    app.config["TODAY"] = DAY
    assert "Материалы дня проведения" in client.get("/cabinet/niko").get_data(as_text=True)
    expected = {v: 200 for v in VIEWERS if v}
    assert statuses(app, login_as, url_of("day.zip")) == {**expected, None: 302}


@pytest.mark.parametrize(
    "login, shown, hidden",
    [
        ("edu770001", ["Инструкция школам", "Коды участников региона 77"], ["Памятка"]),
        ("edu780001", ["Инструкция школам"], ["Коды участников", "Памятка"]),
        ("niko__77", ["Памятка координатору", "Коды участников"], ["Инструкция школам"]),
        ("niko__78", ["Памятка координатору"], ["Коды участников", "Инструкция школам"]),
    ],
)
def test_the_tab_lists_only_what_the_account_may_open(login_as, login, shown, hidden):
    page = login_as(login).get("/cabinet/niko").get_data(as_text=True)
    for title in shown:
        assert title in page
    for title in hidden + ["Материалы дня проведения"]:
        assert title not in page


def test_a_missing_file_is_shown_unavailable_and_logged_at_start(app_config, login_as, caplog):
    with caplog.at_level(logging.WARNING, logger="fisoko"):
        create_app(app_config)
    line = next(r.getMessage() for r in caplog.records if "missing.docx" in r.getMessage())
    assert line.startswith(f"{app_config['CONTENT']}:")
    assert "показан как недоступный" in line
    page = login_as("edu770001").get("/cabinet/niko").get_data(as_text=True)
    assert "missing.docx — файл пока недоступен" in page
    assert 'href="/cabinet/niko/materials/missing.docx"' not in page


def test_a_cyrillic_material_keeps_its_name_and_type(login_as):
    client = login_as("edu770001")
    page = client.get("/cabinet/niko").get_data(as_text=True)
    assert f'href="{url_of(CYRILLIC)}"' in page
    response = client.get(url_of(CYRILLIC))
    assert response.data == FILES[CYRILLIC]
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"file.pdf\"; filename*=UTF-8''{quote(CYRILLIC)}"
    )
    assert response.headers["Cache-Control"] == "no-store"
    response.close()


def test_text_materials_are_sent_as_utf8_text(login_as):
    response = login_as("niko__77").get(url_of("memo.txt"))
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.get_data(as_text=True) == "памятка"
    response.close()


@pytest.mark.parametrize(
    "path",
    [
        "../secret.txt",
        "..%2Fsecret.txt",
        "%2e%2e%2fsecret.txt",
        "..%5Csecret.txt",
        "..\\secret.txt",
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
        "C:%5CWindows%5Cwin.ini",
        "memo.txt%00.pdf",
        "MEMO.TXT",
        "memo.txt/",
        "./memo.txt",
        "",
    ],
)
def test_paths_that_leave_or_miss_the_folder_are_404(login_as, path):
    response = login_as("niko__77").get(f"/cabinet/niko/materials/{path}")
    assert response.status_code == 404
    assert b"secret" not in response.get_data()


def test_content_type_by_extension():
    assert materials.content_type("a.XLSX").endswith("spreadsheetml.sheet")
    assert materials.content_type("a.csv") == "text/csv; charset=utf-8"
    assert materials.content_type("a.unknownext") == "application/octet-stream"


def test_shipped_materials_are_all_present():
    content = load_content(SHIPPED)
    assert len(content.materials) >= 2
    for material in content.materials:
        assert (BASE_DIR / "materials" / material.file).is_file(), material.file
        assert material.title and material.roles


def test_shipped_demo_opens_the_day_materials_on_the_study_day(app_config, login_as):
    shipped = {**app_config, "CONTENT": str(SHIPPED), "MATERIALS": str(BASE_DIR / "materials")}
    app = create_app({**shipped, "TODAY": DAY})
    client = app.test_client()
    from tests.helpers import AuthActions

    AuthActions(client).login("edu770001")
    response = client.get("/cabinet/niko/materials/forma-sbora-rezultatov.csv")
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode())
    response.close()


def test_the_tab_sees_files_added_or_removed_within_a_second(
    app, app_config, login_as, monkeypatch
):
    import time

    client = login_as("edu770001")
    page = client.get("/cabinet/niko").get_data(as_text=True)
    assert "missing.docx — файл пока недоступен" in page
    folder = Path(app_config["MATERIALS"])
    (folder / "missing.docx").write_bytes(b"x" * 2048)
    (folder / CYRILLIC).unlink()
    later = time.monotonic() + materials.SIZES_SECONDS
    monkeypatch.setattr(time, "monotonic", lambda: later)
    page = client.get("/cabinet/niko").get_data(as_text=True)
    assert 'href="/cabinet/niko/materials/missing.docx"' in page and "(2 КБ)" in page
    assert f"{CYRILLIC} — файл пока недоступен" in page
    assert client.get(url_of(CYRILLIC)).status_code == 404


def closing(app, file: str, closes: dt.date) -> None:
    """Give one material of the running app a closing day."""
    content = app.extensions["fisoko.content"]
    found = tuple(replace(m, closes=closes) if m.file == file else m for m in content.materials)
    app.extensions["fisoko.content"] = replace(content, materials=found)


@pytest.mark.parametrize(
    "today, open_",
    [(dt.date(2027, 3, 19), True), (dt.date(2027, 3, 20), False), (dt.date(2027, 3, 21), False)],
    ids=["day-before", "day-of", "day-after"],
)
def test_a_material_closes_on_its_closing_day(app, login_as, today, open_):
    closing(app, "memo.txt", dt.date(2027, 3, 20))
    app.config["TODAY"] = today
    coordinator = login_as("niko__77")
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert ('href="/cabinet/niko/materials/memo.txt"' in page) is open_
    assert ("доступно до 20.03.2027" in page) is open_
    response = coordinator.get(url_of("memo.txt"))
    assert response.status_code == (200 if open_ else 404)
    response.close()
    assert login_as("edu770001").get(url_of("memo.txt")).status_code == 404


def test_a_material_without_a_closing_day_says_no_closing_date(login_as):
    page = login_as("niko__77").get("/cabinet/niko").get_data(as_text=True)
    assert "доступно до" not in page


def test_the_shipped_demo_closes_a_material(app_config):
    shipped = {**app_config, "CONTENT": str(SHIPPED), "MATERIALS": str(BASE_DIR / "materials")}
    app = create_app(shipped)
    from tests.helpers import AuthActions

    (closes,) = [m for m in app.extensions["fisoko.content"].materials if m.closes]
    client = app.test_client()
    AuthActions(client).login("edu770001")
    for day, status in ((closes.closes - dt.timedelta(days=1), 200), (closes.closes, 404)):
        app.config["TODAY"] = day
        response = client.get(url_of(closes.file))
        assert response.status_code == status
        response.close()
