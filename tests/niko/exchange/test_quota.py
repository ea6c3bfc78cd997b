"""Upload quotas per account and the paged upload lists of the НИКО tab."""

from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path

import pytest

from fisoko.db import get_db
from fisoko.files import writer_lock
from fisoko.niko.exchange import upload_store
from fisoko.niko.exchange.quota import MIB, Quota, problem
from fisoko.niko.exchange.uploads import PAGE_SIZE
from fisoko.refused import Refused
from tests.niko.exchange.test_uploads import files_in, ids_on_page, records, send


@pytest.fixture
def app_config(app_config):
    return {**app_config, "MAX_UPLOAD_MB": 1, "UPLOAD_MAX_FILES": 3, "UPLOAD_MAX_TOTAL_MB": 1}


def test_problem_names_the_limit_that_is_reached():
    quota = Quota(files=3, bytes=2 * MIB)
    assert problem(2, MIB, quota, MIB) is None
    assert "предел — 3" in problem(3, 0, quota, 10)
    assert "больше 2 МБ" in problem(1, MIB, quota, MIB + 1)
    assert "сейчас занято 1,0 МБ" in problem(1, MIB, quota, MIB + 1)
    assert problem(0, 2 * MIB, quota) is not None  # full before the file is read


@pytest.mark.parametrize(
    "files, text",
    [(1, "1 файл "), (2, "2 файла"), (5, "5 файлов"), (11, "11 файлов"), (21, "21 файл ")],
)
def test_the_count_is_said_in_russian(files, text):
    assert f"Загружено уже {text}" in problem(files, 0, Quota(files=files, bytes=MIB), 1)


def test_the_file_over_the_count_is_refused_and_nothing_is_stored(login_as, app):
    school = login_as("edu770001")
    for number in range(3):
        assert send(school, name=f"f{number}.pdf", data=b"%PDF x").status_code == 302
    before_files, before_rows = files_in(app), records(app)
    response = send(school, name="fourth.pdf", data=b"%PDF x")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Загружено уже 3 файла" in page and "Файл не сохранён" in page
    assert files_in(app) == before_files and records(app) == before_rows
    other = login_as("edu770002")  # the quota is per account
    assert send(other, name="other.pdf", data=b"%PDF x").status_code == 302


def test_the_bytes_quota_refuses_the_file_that_would_cross_it(login_as, app):
    school = login_as("edu770001")
    assert send(school, name="a.zip", data=b"a" * (600 * 1024)).status_code == 302
    response = send(school, name="b.zip", data=b"b" * (600 * 1024))
    assert response.status_code == 400
    assert "больше 1 МБ" in response.get_data(as_text=True)
    assert len(records(app)) == 1 and len(files_in(app)) == 1
    (first,) = ids_on_page(school)
    token = re.search(r'name="csrf_token" value="([^"]+)"', school.get("/cabinet").text)
    school.post(f"/cabinet/niko/uploads/{first}/delete", data={"csrf_token": token.group(1)})
    assert send(school, name="b.zip", data=b"b" * (600 * 1024)).status_code == 302


class SneakyStream(io.BytesIO):
    """A file whose reading lets another upload of the same account slip in first."""

    def __init__(self, data: bytes, conn: sqlite3.Connection, folder) -> None:
        super().__init__(data)
        self.conn, self.folder, self.done = conn, folder, False

    def read(self, size=-1):
        if not self.done:
            self.done = True
            store(self.conn, self.folder, "edu770001", b"parallel")
        return super().read(size)


def store(conn, folder, owner, data, stream=None, quota=None):
    return upload_store.save(
        conn,
        folder,
        owner=owner,
        role="school",
        region="77",
        step="upload-form",
        name="x.pdf",
        stream=stream or io.BytesIO(data),
        limit=MIB,
        now="2026-01-01T00:00:00.000000Z",
        quota=quota,
    )


def test_parallel_uploads_cannot_both_take_the_last_place(app, tmp_path):
    folder = tmp_path / "uploads"
    with app.app_context():
        conn = get_db()
        store(conn, folder, "edu770001", b"first")
        sneaky = SneakyStream(b"second", conn, folder)
        with pytest.raises(Refused) as refused:
            store(conn, folder, "edu770001", b"", stream=sneaky, quota=Quota(2, MIB))
        assert refused.value.status == 400
        count = conn.execute("SELECT COUNT(*) FROM uploads").fetchone()[0]
    assert count == 2
    stored = [p for p in folder.iterdir() if not p.name.startswith(writer_lock.PREFIX)]
    assert len(stored) == 2  # the refused file is gone from the disk


@pytest.fixture
def many(app):
    """45 uploads of a school and 5 of another school of the region, stored directly."""
    with app.app_context():
        conn, folder = get_db(), upload_store_folder(app)
        for number in range(45):
            store(conn, folder, "edu770001", f"file {number}".encode())
        for number in range(5):
            store(conn, folder, "edu770002", f"file {number}".encode())


def upload_store_folder(app) -> Path:
    return Path(app.instance_path) / "uploads"


def test_the_school_list_is_paged(many, login_as):
    school = login_as("edu770001")
    first = school.get("/cabinet/niko").get_data(as_text=True)
    assert len(ids_on_page(school)) == PAGE_SIZE
    assert "Всего файлов: 45" in first and "Страница 1 из 3" in first
    assert "/cabinet/niko?page=2#uploads" in first
    last = school.get("/cabinet/niko?page=3").get_data(as_text=True)
    assert "Страница 3 из 3" in last and "/cabinet/niko?page=2#uploads" in last
    assert last.count('href="/cabinet/niko/uploads/') // 2 == 5  # name link and «Скачать»
    assert "Страница 3 из 3" in school.get("/cabinet/niko?page=99").get_data(as_text=True)
    assert "Страница 1 из 3" in school.get("/cabinet/niko?page=x").get_data(as_text=True)


def test_the_coordinator_list_is_paged_over_the_region(many, login_as):
    coordinator = login_as("niko__77")
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert "Всего файлов: 50" in page and "Страница 1 из 3" in page
    seen = set()
    for number in (1, 2, 3):
        text = coordinator.get(f"/cabinet/niko?page={number}").get_data(as_text=True)
        seen |= set(re.findall(r'href="/cabinet/niko/uploads/([0-9a-f]{32})"', text))
    assert len(seen) == 50  # every upload on exactly one of the pages


def test_the_tab_stays_small_with_hundreds_of_uploads(app, login_as):
    with app.app_context():
        conn, folder = get_db(), upload_store_folder(app)
        for number in range(300):
            store(conn, folder, "edu770001", f"file {number}".encode())
    coordinator = login_as("niko__77")
    size = len(coordinator.get("/cabinet/niko").data)
    assert size < 100_000, size
