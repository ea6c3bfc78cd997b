"""Each successful login is recorded: «Последний вход» in the table, last_login in the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import sqlite3

import pytest

from app import create_app
from fisoko.db import database_path
from fisoko.files import disk_full
from fisoko.login import last_login
from tests.files.test_disk_full import FullDatabase
from tests.helpers import AuthActions


def csv_rows(client) -> list[list[str]]:
    body = client.get("/cabinet/niko/progress.csv").get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))


def last_logins(client) -> dict[str, str]:
    rows = csv_rows(client)
    assert rows[0][-1] == "last_login"
    return {row[0]: row[-1] for row in rows[1:]}


def table_cell(page: str, login: str) -> str:
    row = re.search(rf"<code>{login}</code>.*?</tr>", page, re.S).group(0)
    return re.search(r'data-label="Последний вход">(.*?)</td>', row).group(1)


@pytest.fixture
def app_config(app_config):
    return {**app_config, "TODAY": dt.datetime(2027, 3, 17, 10, 30)}


def test_a_login_is_recorded_and_shown_in_the_table_and_the_csv(login_as):
    login_as("edu770001")
    coordinator = login_as("niko__77")
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert "Последний вход" in page
    assert table_cell(page, "edu770001").startswith("17.03.2027 10:30")
    assert table_cell(page, "edu770002") == "не входила"
    found = last_logins(coordinator)
    assert found["edu770002"] == ""
    stamp = dt.datetime.fromisoformat(found["edu770001"])
    assert stamp.utcoffset() == dt.timedelta(hours=3)  # the study's zone, Moscow
    assert stamp.replace(tzinfo=None, second=0) == dt.datetime(2027, 3, 17, 10, 30)
    assert found["edu770001"].startswith("2027-03-17T10:30:")


def test_the_latest_login_wins(app, login_as):
    login_as("edu770001")
    with sqlite3.connect(database_path(app)) as conn:
        first = conn.execute("SELECT at FROM last_logins WHERE login = 'edu770001'").fetchone()[0]
    login_as("edu770001")
    with sqlite3.connect(database_path(app)) as conn:
        rows = conn.execute("SELECT at FROM last_logins WHERE login = 'edu770001'").fetchall()
    assert len(rows) == 1 and rows[0][0] > first


def test_a_failed_login_is_not_recorded(app, client):
    AuthActions(client).login("edu770001", "wrong-password")
    with sqlite3.connect(database_path(app)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM last_logins").fetchone()[0] == 0


def test_a_rehearsal_login_stays_in_the_rehearsal(app_config, login_as):
    login_as("edu770001")
    real = {k: v for k, v in app_config.items() if k != "TODAY"}
    coordinator = create_app(real).test_client()
    AuthActions(coordinator).login("niko__77")
    assert last_logins(coordinator)["edu770001"] == ""
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert table_cell(page, "edu770001") == "не входила"


def test_a_full_disk_skips_the_record_logs_once_and_the_login_succeeds(app, monkeypatch, caplog):
    disk_full.cleared()
    real_get_db = last_login.get_db
    monkeypatch.setattr(last_login, "get_db", lambda: FullDatabase(real_get_db()))
    caplog.set_level(logging.WARNING, logger="fisoko")
    try:
        for _ in range(3):
            client = app.test_client()
            response = AuthActions(client).login("edu770001")
            assert (response.status_code, response.headers["Location"]) == (302, "/cabinet")
            assert client.get("/cabinet").status_code == 200
        noticed = [r for r in caplog.records if "закончилось место" in r.getMessage()]
        assert len(noticed) == 1
        assert not [r for r in caplog.records if "снова работает" in r.getMessage()]
    finally:
        disk_full.cleared()
    with sqlite3.connect(database_path(app)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM last_logins").fetchone()[0] == 0
