"""«новое» on results files until the account's first download: kept apart in a rehearsal, and a
full disk does not stop the download."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest

from app import create_app
from fisoko.db import database_path
from fisoko.niko.exchange import result_marks
from tests.files.test_disk_full import FullDatabase
from tests.helpers import AuthActions
from tests.niko.exchange.test_results import (
    CYRILLIC,
    FILES,
    OPENS,
    SHIPPED,
    fetch,
    make_folder,
    new_marks,
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_folder(tmp_path)


@pytest.fixture
def app_config(app_config, folder: Path) -> dict:
    return {**app_config, "RESULTS": str(folder), "TODAY": OPENS}


def test_a_school_sees_its_files_new_until_it_downloads_each(app, login_as):
    client = login_as("edu770001")
    page = client.get("/cabinet/niko").get_data(as_text=True)
    assert "Результаты НИКО-2027" in page
    assert len(new_marks(page)) == 2
    assert "b.csv" not in page and "region-77" not in page
    fetch(client, f"/cabinet/niko/results/{quote(CYRILLIC)}")
    fetch(client, f"/cabinet/niko/results/{quote(CYRILLIC)}")
    page = client.get("/cabinet/niko").get_data(as_text=True)
    assert new_marks(page) == ["/cabinet/niko/results/a%231%25.csv"]
    # another school's and the coordinator's marks are their own
    assert len(new_marks(login_as("edu770002").get("/cabinet/niko").get_data(as_text=True))) == 1
    with sqlite3.connect(database_path(app)) as conn:
        rows = conn.execute("SELECT login, file FROM results_opened").fetchall()
    assert rows == [("edu770001", f"edu770001/{CYRILLIC}")]


def test_a_head_request_does_not_count_as_opened(app, login_as):
    client = login_as("edu770002")
    assert fetch(client, "/cabinet/niko/results/b.csv", head=True).status_code == 200
    assert len(new_marks(client.get("/cabinet/niko").get_data(as_text=True))) == 1


def test_a_full_disk_does_not_stop_the_download_and_is_logged_once(
    app, login_as, monkeypatch, caplog
):
    real = result_marks.get_db
    monkeypatch.setattr(result_marks, "get_db", lambda: FullDatabase(real()))
    caplog.set_level(logging.ERROR, logger="fisoko")
    client = login_as("edu770001")
    for _ in range(3):
        response = fetch(client, f"/cabinet/niko/results/{quote(CYRILLIC)}")
        assert response.status_code == 200 and response.data == FILES["edu770001"][CYRILLIC]
    assert len([r for r in caplog.records if "место" in r.getMessage()]) == 1
    monkeypatch.setattr(result_marks, "get_db", real)
    assert len(new_marks(client.get("/cabinet/niko").get_data(as_text=True))) == 2


def test_a_rehearsal_keeps_its_opened_marks_apart(app_config, tmp_path):
    """Opened in a rehearsal, a file is still «новое» in real work on the same instance."""
    # Results open on the study's first day, which the real clock has passed too.
    text = SHIPPED.read_text(encoding="utf-8").replace("opens: 2027-09-30", "opens: 2026-11-20")
    content = tmp_path / "past.yaml"
    content.write_text(text, encoding="utf-8")
    config = {**app_config, "CONTENT": str(content)}
    rehearsal = create_app({**config, "TODAY": dt.date(2026, 11, 20)})
    client = rehearsal.test_client()
    AuthActions(client).login("edu770002")
    assert fetch(client, "/cabinet/niko/results/b.csv").status_code == 200
    assert new_marks(client.get("/cabinet/niko").get_data(as_text=True)) == []
    real = create_app({**config, "TODAY": None})
    client = real.test_client()
    AuthActions(client).login("edu770002")
    assert new_marks(client.get("/cabinet/niko").get_data(as_text=True)) == [
        "/cabinet/niko/results/b.csv"
    ]
