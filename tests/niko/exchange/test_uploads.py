"""Uploads in the НИКО tab: who sees what, limits, odd names, concurrency and crash safety."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import sqlite3
import threading
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app import create_app
from fisoko.db import database_path
from fisoko.files import writer_lock
from fisoko.niko.content.model import RoleGuide
from fisoko.niko.exchange import upload_store
from fisoko.niko.exchange.uploads import folder as uploads_folder
from fisoko.web.security import UPLOAD_ENDPOINT, UPLOAD_PATH
from tests.helpers import (
    audit_events,
    csrf_token,
    kill_writer,
    without_results_forms,
    writer_process,
)

UPLOAD_LINK_RE = re.compile(r'href="/cabinet/niko/uploads/([0-9a-f]{32})"')
CYRILLIC = "Форма сбора результатов №1 «8 класс».xlsx"


@pytest.fixture
def app_config(app_config):
    """A 1 MB limit, so that the limit is cheap to cross."""
    return {**app_config, "MAX_UPLOAD_MB": 1}


@pytest.fixture(autouse=True)
def plain_steps(app):
    """No step takes a results form here: these files are not results forms."""
    without_results_forms(app)


def form(token: str, step: str, name: str, data: bytes) -> dict:
    """The upload form's body, encoded in memory (the test client would spill big ones to an
    unclosed temporary file)."""
    fields = {"csrf_token": token, "step": step, "file": FileStorage(io.BytesIO(data), name)}
    boundary, body = encode_multipart(fields)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def send(client, name=CYRILLIC, data=b"PK\x03\x04 demo workbook", step="upload-form"):
    """POST one file as the upload form does."""
    token = csrf_token(client, "/cabinet")
    return client.post("/cabinet/niko/uploads", **form(token, step, name, data))


def ids_on_page(client) -> list[str]:
    page = client.get("/cabinet/niko").get_data(as_text=True)
    return list(dict.fromkeys(UPLOAD_LINK_RE.findall(page)))


def files_in(app) -> list[str]:
    folder = uploads_folder(app)
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(writer_lock.PREFIX))


def records(app) -> list[sqlite3.Row]:
    conn = sqlite3.connect(database_path(app))
    try:
        return conn.execute("SELECT id, owner, name, size FROM uploads ORDER BY name").fetchall()
    finally:
        conn.close()


def upload_id_of(client, **kwargs) -> str:
    before = set(ids_on_page(client))
    response = send(client, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)
    (new,) = set(ids_on_page(client)) - before
    return new


def test_a_school_upload_is_stored_listed_and_downloaded(login_as, app):
    school = login_as("edu770001")
    response = send(school)
    assert (response.status_code, response.headers["Location"]) == (302, "/cabinet/niko")
    page = school.get("/cabinet/niko").get_data(as_text=True)
    assert CYRILLIC in page
    assert "Загрузите заполненную форму сбора результатов" in page
    assert "18 Б" in page
    (upload_id,) = ids_on_page(school)
    assert files_in(app) == [upload_id]
    response = school.get(f"/cabinet/niko/uploads/{upload_id}")
    assert response.status_code == 200
    assert response.data == b"PK\x03\x04 demo workbook"
    assert response.headers["Content-Type"] == upload_store.ALLOWED_TYPES["xlsx"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_cyrillic_names_round_trip_through_content_disposition(login_as):
    school = login_as("edu770001")
    upload_id = upload_id_of(school)
    response = school.get(f"/cabinet/niko/uploads/{upload_id}")
    disposition = response.headers["Content-Disposition"]
    response.close()
    assert disposition.startswith("attachment;")
    encoded = re.search(r"filename\*=UTF-8''([^;\s]+)", disposition).group(1)
    assert unquote(encoded, encoding="utf-8") == CYRILLIC
    assert encoded == quote(CYRILLIC, safe="!#$&+-.^_`|~")
    assert disposition.encode("latin-1")  # a header must stay in ISO-8859-1


def test_ascii_names_get_filename_star_too(login_as):
    school = login_as("edu770001")
    upload_id = upload_id_of(school, name="report.pdf")
    response = school.get(f"/cabinet/niko/uploads/{upload_id}")
    response.close()
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    )


# --- who may list, fetch and delete -------------------------------------------------------------

VIEWERS = ("edu770001", "edu770002", "niko__77", "niko__78", "edu780001", None)


@pytest.fixture
def exchange(login_as):
    """A school upload of edu770001 and a region report of niko__77, and a client per viewer."""
    clients = {login: login_as(login) for login in VIEWERS if login}
    school_upload = upload_id_of(clients["edu770001"], name="анкета ОО.pdf")
    region_upload = upload_id_of(
        clients["niko__77"], name="Отчёт региона.docx", step="region-report"
    )
    return {"school": school_upload, "region": region_upload, "clients": clients}


SEES = {
    "school": {"edu770001", "niko__77"},
    "region": {"niko__77"},
}


def answers(exchange, app, url: str) -> dict[str | None, int]:
    """The status each viewer gets for a GET of `url`."""
    found = {}
    for viewer in VIEWERS:
        client = exchange["clients"][viewer] if viewer else app.test_client()
        response = client.get(url)
        found[viewer] = response.status_code
        if response.status_code == 200:
            assert response.get_data().startswith(b"PK")
        elif response.status_code == 302:
            assert response.headers["Location"] == f"/login?next={quote(url, safe='')}"
        else:
            assert "Страница не найдена" in response.get_data(as_text=True)
        response.close()
    return found


@pytest.mark.parametrize("which", ["school", "region"])
def test_download_access_matrix(exchange, app, which):
    """Owner school, same-region school, both coordinators, another region's school, anonymous."""
    found = answers(exchange, app, f"/cabinet/niko/uploads/{exchange[which]}")
    expected = {v: 200 if v in SEES[which] else 404 for v in VIEWERS if v}
    assert found == {**expected, None: 302}


def test_a_coordinators_download_of_a_school_file_is_an_audit_event(exchange, caplog):
    caplog.set_level("INFO", logger="fisoko.audit")
    school, region = exchange["school"], exchange["region"]
    for viewer, upload in [("edu770001", school), ("niko__77", region), ("niko__77", school)]:
        exchange["clients"][viewer].get(f"/cabinet/niko/uploads/{upload}").close()
    exchange["clients"]["niko__78"].get(f"/cabinet/niko/uploads/{school}").close()  # 404
    assert audit_events(caplog, "uploads.download") == [
        f"event action=uploads.download by='niko__77' upload='{school}' school='edu770001'"
    ]


def test_list_access_matrix(exchange):
    listed = {v: set(ids_on_page(exchange["clients"][v])) for v in VIEWERS if v}
    assert listed == {
        v: {exchange[which] for which, seers in SEES.items() if v in seers} for v in VIEWERS if v
    }


def test_the_coordinator_list_names_the_school(exchange):
    page = exchange["clients"]["niko__77"].get("/cabinet/niko").get_data(as_text=True)
    assert "анкета ОО.pdf" in page and "Отчёт региона.docx" in page
    assert "edu770001" in page and "Региональный координатор (вы)" in page


def test_only_the_uploader_can_delete(exchange, app):
    for viewer in ("edu770001", "edu770002", "niko__77", "niko__78", "edu780001"):
        client = exchange["clients"][viewer]
        for which in ("school", "region"):
            owner = "edu770001" if which == "school" else "niko__77"
            if viewer == owner:
                continue
            response = client.post(
                f"/cabinet/niko/uploads/{exchange[which]}/delete",
                data={"csrf_token": csrf_token(client, "/cabinet")},
            )
            assert response.status_code == 404, (viewer, which)
    assert len(records(app)) == 2
    assert len(files_in(app)) == 2


def test_the_uploader_deletes_its_upload(exchange, app):
    owner = exchange["clients"]["edu770001"]
    url = f"/cabinet/niko/uploads/{exchange['school']}"
    response = owner.post(url + "/delete", data={"csrf_token": csrf_token(owner, "/cabinet")})
    assert (response.status_code, response.headers["Location"]) == (302, "/cabinet/niko")
    assert exchange["school"] not in files_in(app)
    assert [r[0] for r in records(app)] == [exchange["region"]]
    assert owner.get(url).status_code == 404
    assert exchange["clients"]["niko__77"].get(url).status_code == 404


def test_anonymous_and_tokenless_posts_change_nothing(exchange, app):
    anonymous = app.test_client()
    url = f"/cabinet/niko/uploads/{exchange['school']}/delete"
    assert anonymous.post(url).status_code == 400
    owner = exchange["clients"]["edu770001"]
    assert owner.post(url).status_code == 400
    response = owner.post(
        "/cabinet/niko/uploads", data={"step": "upload-form", "file": (io.BytesIO(b"x"), "a.pdf")}
    )
    assert response.status_code == 400
    assert "обновите страницу" in response.get_data(as_text=True)
    assert len(records(app)) == 2


@pytest.mark.parametrize("bad_id", ["0" * 32, "A" * 32, "../secret_key", "1", "x" * 200])
def test_unknown_or_malformed_ids_are_404(login_as, bad_id):
    school = login_as("edu770001")
    response = school.get(f"/cabinet/niko/uploads/{bad_id}")
    assert response.status_code == 404


def test_ids_are_random_and_long(login_as):
    school = login_as("edu770001")
    first, second = upload_id_of(school, name="a.pdf"), upload_id_of(school, name="b.pdf")
    assert len(first) >= 16 and len(second) >= 16
    assert first != second and int(first, 16) + 1 != int(second, 16)


# --- what is refused ----------------------------------------------------------------------------


def test_a_file_at_the_limit_is_accepted(login_as, app):
    assert send(login_as("edu770001"), data=b"x" * (1024 * 1024)).status_code == 302
    assert len(records(app)) == 1


@pytest.mark.parametrize("size", [1024 * 1024 + 1, 1024 * 1024 + 200 * 1024])
def test_a_file_over_the_limit_is_413_and_not_stored(login_as, app, size):
    response = send(login_as("edu770001"), data=b"x" * size)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "не больше 1 МБ" in page and "Файл не сохранён" in page
    assert records(app) == [] and files_in(app) == []


@pytest.mark.parametrize(
    "name", ["script.exe", "page.html", "no-extension", "report.pdf.exe", "..", "archive.rar"]
)
def test_a_forbidden_type_is_400_and_not_stored(login_as, app, name):
    response = send(login_as("edu770001"), name=name)
    assert response.status_code == 400
    assert "Этот тип файла загрузить нельзя" in response.get_data(as_text=True)
    assert records(app) == [] and files_in(app) == []


@pytest.mark.parametrize("name", ["ФОРМА.XLSX", "photo.JpEg", "scan.PNG", "data.Csv"])
def test_allowed_types_in_any_case(login_as, app, name):
    assert send(login_as("edu770001"), name=name).status_code == 302
    assert [r[2] for r in records(app)] == [name]


@pytest.mark.parametrize(
    "login, step", [("edu770001", "nope"), ("edu770001", "region-report"), ("niko__77", "")]
)
def test_an_unknown_step_is_400_and_not_stored(login_as, app, login, step):
    response = send(login_as(login), step=step)
    assert response.status_code == 400
    assert "Выберите шаг" in response.get_data(as_text=True)
    assert records(app) == [] and files_in(app) == []


def test_an_empty_or_missing_file_is_400(login_as, app):
    school = login_as("edu770001")
    assert send(school, data=b"").status_code == 400
    token = csrf_token(school, "/cabinet")
    response = school.post(
        "/cabinet/niko/uploads", data={"csrf_token": token, "step": "upload-form"}
    )
    assert response.status_code == 400
    assert "Выберите файл" in response.get_data(as_text=True)
    assert records(app) == [] and files_in(app) == []


# --- odd names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent, kept",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("/etc/absolute.pdf", "absolute.pdf"),
        ("..\\..\\windows\\win.ini.pdf", "win.ini.pdf"),
        ("C:\\Users\\Школа\\Отчёт.docx", "Отчёт.docx"),
        ("  пробелы .pdf ", "пробелы .pdf"),
    ],
)
def test_the_folder_part_of_a_name_is_dropped(sent, kept):
    assert upload_store.clean_name(sent) == kept


def test_traversal_names_are_stored_inside_the_uploads_folder(login_as, app, tmp_path):
    school = login_as("edu770001")
    upload_id = upload_id_of(school, name="../../../escape.pdf")
    assert files_in(app) == [upload_id]
    assert not list(tmp_path.rglob("escape.pdf"))
    response = school.get(f"/cabinet/niko/uploads/{upload_id}")
    response.close()
    assert "filename*=UTF-8''escape.pdf" in response.headers["Content-Disposition"]


@pytest.mark.parametrize("name", ["a\x00b.pdf", "tab\there.pdf", "bidi\u202egpj.pdf"])
def test_control_characters_are_refused(login_as, app, name):
    response = send(login_as("edu770001"), name=name)
    assert response.status_code == 400
    assert "недопустимые символы" in response.get_data(as_text=True)
    assert records(app) == []


def test_a_300_character_name_round_trips(login_as):
    school = login_as("edu770001")
    name = "Д" * 296 + ".pdf"
    upload_id = upload_id_of(school, name=name)
    response = school.get(f"/cabinet/niko/uploads/{upload_id}")
    response.close()
    encoded = response.headers["Content-Disposition"].split("filename*=UTF-8''")[1]
    assert unquote(encoded) == name


def test_names_that_differ_only_in_case_stay_apart(login_as, app):
    school = login_as("edu770001")
    lower = upload_id_of(school, name="отчёт.pdf", data=b"%PDF lower")
    upper = upload_id_of(school, name="ОТЧЁТ.PDF", data=b"%PDF upper")
    assert lower != upper and len(files_in(app)) == 2
    for upload_id, data in ((lower, b"%PDF lower"), (upper, b"%PDF upper")):
        response = school.get(f"/cabinet/niko/uploads/{upload_id}")
        assert response.data == data
        response.close()


def test_names_are_escaped_in_the_page(login_as):
    school = login_as("edu770001")
    send(school, name="<img src=x onerror=alert(1)>.pdf")
    page = school.get("/cabinet/niko").get_data(as_text=True)
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in page


# --- concurrency and crashes ---------------------------------------------------------------------


def test_two_uploads_at_once_both_arrive(login_as, app):
    clients = {login: login_as(login) for login in ("edu770001", "edu770002")}
    tokens = {login: csrf_token(c, "/cabinet") for login, c in clients.items()}
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def upload(login: str) -> None:
        body = form(tokens[login], "upload-form", f"{login}.csv", login.encode() * 100_000)
        barrier.wait()
        statuses[login] = clients[login].post("/cabinet/niko/uploads", **body).status_code

    threads = [threading.Thread(target=upload, args=(login,)) for login in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == {"edu770001": 302, "edu770002": 302}
    rows = records(app)
    assert [(r[1], r[3]) for r in rows] == [("edu770001", 900_000), ("edu770002", 900_000)]
    assert sorted(r[0] for r in rows) == files_in(app)


class BrokenStream:
    """A request body that breaks after the first chunk, as a dropped connection does."""

    def __init__(self) -> None:
        self.calls = 0

    def read(self, size: int = -1) -> bytes:
        self.calls += 1
        if self.calls > 1:
            raise OSError("connection reset")
        return b"x" * size


def save(conn, folder, stream, name="a.pdf"):
    return upload_store.save(
        conn,
        folder,
        owner="edu770001",
        role="school",
        region="77",
        step="upload-form",
        name=name,
        stream=stream,
        limit=10 * 1024 * 1024,
        now="2027-03-20T10:00:00.000000+00:00",
    )


def test_a_failure_mid_upload_leaves_no_file_and_no_record(app, tmp_path):
    conn = sqlite3.connect(database_path(app))
    folder = tmp_path / "uploads"
    try:
        with pytest.raises(OSError):
            save(conn, folder, BrokenStream())
        assert [p.name for p in folder.iterdir()] == [f".writer-{writer_lock.TOKEN}.lock"]
        assert conn.execute("SELECT COUNT(*) FROM uploads").fetchone()[0] == 0
    finally:
        conn.close()


def test_a_failing_record_removes_the_file(app, tmp_path):
    conn = sqlite3.connect(database_path(app))
    conn.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON uploads BEGIN SELECT RAISE(ABORT, 'x'); END"
    )
    conn.commit()
    folder = tmp_path / "uploads"
    try:
        with pytest.raises(sqlite3.DatabaseError):
            save(conn, folder, io.BytesIO(b"%PDF"))
        assert [p.name for p in folder.iterdir()] == [f".writer-{writer_lock.TOKEN}.lock"]
    finally:
        conn.close()


@pytest.mark.parametrize(
    "error, status, words",
    [
        (28, 507, "На диске сервера закончилось место"),  # ENOSPC: retrying will not help
        (5, 500, "Не удалось сохранить файл"),  # EIO: another failure, worth one more try
    ],
)
def test_a_disk_failure_over_http_is_russian_and_leaves_nothing(
    login_as, app, monkeypatch, error, status, words
):
    school = login_as("edu770001")

    def failing(fd):
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(upload_store.os, "fsync", failing)
    response = send(school)
    assert response.status_code == status
    assert words in response.get_data(as_text=True)
    assert records(app) == [] and files_in(app) == []


def test_start_up_sweeps_what_a_crash_left(app, app_config):
    folder = uploads_folder(app)
    folder.mkdir()
    kept_id = upload_store.new_id()
    conn = sqlite3.connect(database_path(app))
    conn.execute(
        "INSERT INTO uploads VALUES (?, 'edu770001', 'school', '77', 'upload-form', 'a.pdf', 1,"
        " 'application/pdf', '2027-03-20T10:00:00.000000+00:00', NULL)",
        (kept_id,),
    )
    conn.commit()
    conn.close()
    old = time.time() - 3600
    names = {
        "kept": kept_id,
        "orphan": upload_store.new_id(),
        "temp": f"{upload_store.TEMP_PREFIX}{upload_store.new_id()}",
        "fresh": upload_store.new_id(),
        "other": "README.txt",
    }
    for key, name in names.items():
        (folder / name).write_bytes(b"x")
        if key != "fresh":
            os.utime(folder / name, (old, old))
    create_app(app_config)
    left = {p.name for p in folder.iterdir()}
    assert left == {names["kept"], names["fresh"], names["other"]}


def test_start_up_removes_a_killed_writers_fresh_part_and_keeps_a_live_ones(app, app_config):
    """Not by age: a fresh half-written file of a dead process goes, one being written stays."""
    folder = Path(app.instance_path) / "uploads"
    folder.mkdir()
    dead, dead_token = writer_process(folder)
    kill_writer(dead)
    live, live_token = writer_process(folder)
    try:
        dead_part = folder / f"{upload_store.TEMP_PREFIX}{dead_token}-{upload_store.new_id()}"
        live_part = folder / f"{upload_store.TEMP_PREFIX}{live_token}-{upload_store.new_id()}"
        dead_part.write_bytes(b"half")
        live_part.write_bytes(b"half")
        create_app(app_config)
        assert not dead_part.exists() and live_part.exists()
    finally:
        kill_writer(live)


def test_uploads_survive_a_restart(login_as, app, app_config):
    upload_id = upload_id_of(login_as("edu770001"))
    again = create_app(app_config)
    client = again.test_client()
    from tests.helpers import AuthActions

    AuthActions(client).login("niko__77")
    response = client.get(f"/cabinet/niko/uploads/{upload_id}")
    assert response.status_code == 200
    response.close()


def test_an_oversized_form_that_is_no_upload_gets_a_plain_413(client):
    """Only a file upload is told about the file size limit; a huge login form is not a file."""
    token = csrf_token(client)
    response = client.post("/login", data={"csrf_token": token, "login": "x" * 1_000_000})
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Слишком большой запрос" in page
    assert "Файл слишком большой" not in page


def on(app, day: dt.date) -> None:
    app.config["TODAY"] = day


@pytest.mark.parametrize(
    "today, accepted",
    [(dt.date(2027, 3, 25), True), (dt.date(2027, 3, 26), True), (dt.date(2027, 3, 27), False)],
    ids=["day-before", "day-of", "day-after"],
)
def test_uploads_for_a_step_close_after_its_uploads_until_day(login_as, app, today, accepted):
    step = app.extensions["fisoko.content"].guide("school").step("upload-form")
    assert step.uploads_until == dt.date(2027, 3, 26)
    on(app, today)
    school = login_as("edu770001")
    response = send(school)
    page = school.get("/cabinet/niko").get_data(as_text=True)
    offered = '<option value="upload-form"' in page
    if accepted:
        assert response.status_code == 302 and len(records(app)) == 1
        assert offered and "(приём до 26.03.2027 18:00 (МСК))" in page
    else:
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "Приём файлов для шага" in text and "26.03.2027" in text
        assert records(app) == [] and files_in(app) == []
        # Steps without uploads_until close at their deadline: no late form under step 3.
        assert not offered and '<option value="get-materials"' not in page
        assert "Приём файлов по шагу 5 закончился 26.03.2027 18:00 (МСК)" in page
        assert "Приём файлов по шагу 3 закончился 15.03.2027" in page


def test_uploads_made_before_the_closing_stay_downloadable(login_as, app):
    on(app, dt.date(2027, 3, 26))
    school, coordinator = login_as("edu770001"), login_as("niko__77")
    upload_id = upload_id_of(school)
    on(app, dt.date(2027, 4, 10))
    for client in (school, coordinator):
        response = client.get(f"/cabinet/niko/uploads/{upload_id}")
        assert response.status_code == 200
        response.close()
    assert upload_id in ids_on_page(school)


def test_a_coordinators_step_closes_on_its_own_day(login_as, app):
    coordinator = login_as("niko__77")
    on(app, dt.date(2027, 4, 2))
    assert send(coordinator, step="region-report").status_code == 302
    on(app, dt.date(2027, 4, 3))
    response = send(coordinator, step="region-report")
    assert response.status_code == 400 and "02.04.2027" in response.get_data(as_text=True)


def test_no_open_step_means_no_upload_form(login_as, app):
    content = app.extensions["fisoko.content"]
    school = content.guide("school")
    closed = RoleGuide(
        school.summary,
        tuple(replace(s, uploads_until=dt.date(2027, 1, 1)) for s in school.steps),
    )
    app.extensions["fisoko.content"] = replace(content, guides={**content.guides, "school": closed})
    on(app, dt.date(2027, 1, 2))
    page = login_as("edu770001").get("/cabinet/niko").get_data(as_text=True)
    assert "Приём файлов по всем вашим шагам закончился" in page
    assert 'action="/cabinet/niko/uploads' not in page


def test_an_antivirus_holding_the_fresh_file_is_waited_out(login_as, app, monkeypatch):
    from fisoko.files import atomic_file
    from tests.helpers import replace_failing

    replace = replace_failing(3)
    monkeypatch.setattr(atomic_file.os, "replace", replace)
    response = send(login_as("edu770001"))
    assert response.status_code == 302
    assert replace.calls == 4
    assert len(records(app)) == 1 and len(files_in(app)) == 1


def test_a_file_held_for_good_fails_the_upload_and_leaves_nothing(login_as, app, monkeypatch):
    from fisoko.files import atomic_file
    from tests.helpers import replace_failing

    monkeypatch.setattr(atomic_file, "RETRY_SECONDS", 0.2)
    monkeypatch.setattr(atomic_file.os, "replace", replace_failing(10**6))
    response = send(login_as("edu770001"))
    assert response.status_code == 500
    assert "Не удалось сохранить файл" in response.get_data(as_text=True)
    assert records(app) == [] and files_in(app) == []


def test_the_upload_route_is_the_one_the_body_limits_name(app):
    """fisoko.web.security names the upload route once; the view and both body limits use it."""
    (rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == UPLOAD_ENDPOINT]
    assert (rule.rule, "POST" in rule.methods) == (UPLOAD_PATH, True)
    assert upload_store.folder_in(app.instance_path) == Path(app.instance_path) / "uploads"
