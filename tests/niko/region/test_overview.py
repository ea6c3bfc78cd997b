"""Step marks of schools, the coordinator's table of the region and its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sqlite3

import pytest

from app import create_app
from fisoko.db import database_path
from fisoko.niko.region import overview as progress
from tests.helpers import AuthActions, csrf_token

SCHOOL_STEPS = [
    "school-questionnaire",
    "class-lists",
    "get-materials",
    "run-study",
    "upload-form",
    "send-remarks",
]
HEADER = [
    "login",
    "name",
    *SCHOOL_STEPS,
    "steps_done",
    "uploads",
    "last_activity",
    "codes",
    "sample",
    "returned",
    "results",
    "last_login",  # always last
]


@pytest.fixture
def app_config(app_config):
    """A day after the first two school deadlines (12.02 and 05.03.2027)."""
    return {**app_config, "TODAY": dt.date(2027, 3, 10)}


def mark(client, step: str, done: str = "1", token: str | None = None):
    token = csrf_token(client, "/cabinet") if token is None else token
    return client.post(f"/cabinet/niko/steps/{step}", data={"csrf_token": token, "done": done})


def row_of(page: str, step: str) -> str:
    return re.search(rf'<tr class="([^"]*)" id="progress-{step}">(.*?)</tr>', page, re.S).group(0)


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_a_school_marks_a_step_and_undoes_it(login_as):
    school = login_as("edu770001")
    response = mark(school, "class-lists")
    assert (response.status_code, response.headers["Location"]) == (302, "/cabinet/niko")
    page = school.get("/cabinet/niko").get_data(as_text=True)
    assert "Выполнен</span>" in row_of(page, "class-lists")
    assert 'name="done" value="0"' in row_of(page, "class-lists")
    assert "отмечен как выполненный" in page
    assert mark(school, "class-lists", "0").status_code == 302
    page = school.get("/cabinet/niko").get_data(as_text=True)
    assert "Срок прошёл" in row_of(page, "class-lists")
    assert 'name="done" value="1"' in row_of(page, "class-lists")


def test_overdue_steps_are_highlighted(login_as):
    school = login_as("edu770001")
    mark(school, "school-questionnaire")
    page = school.get("/cabinet/niko").get_data(as_text=True)
    assert 'class="exchange-row--overdue"' in row_of(page, "class-lists")
    assert "Срок прошёл" in row_of(page, "class-lists")
    assert 'class="exchange-row--done"' in row_of(page, "school-questionnaire")
    assert 'class=""' in row_of(page, "run-study")


@pytest.mark.parametrize(
    "login, step",
    [
        ("niko__77", "class-lists"),
        ("edu770001", "region-report"),
        ("edu770001", "nope"),
        ("edu770001", "CLASS-LISTS"),
    ],
)
def test_unknown_steps_and_another_roles_steps_get_404(login_as, login, step):
    assert mark(login_as(login), step).status_code == 404


@pytest.mark.parametrize("done", ["", "2", "yes", "true"])
def test_a_bad_done_value_is_400(login_as, done):
    response = mark(login_as("edu770001"), "class-lists", done)
    assert response.status_code == 400
    assert "отметку" in response.get_data(as_text=True)


def test_a_mark_without_the_token_changes_nothing(login_as):
    school = login_as("edu770001")
    response = school.post("/cabinet/niko/steps/class-lists", data={"done": "1"})
    assert response.status_code == 400
    assert "Выполнен</span>" not in row_of(
        school.get("/cabinet/niko").get_data(as_text=True), "class-lists"
    )


def test_the_coordinator_sees_the_region_table(login_as):
    mark(login_as("edu770001"), "class-lists")
    page = login_as("niko__77").get("/cabinet/niko").get_data(as_text=True)
    table = page[page.index('id="region-progress"') :]
    assert "Ход работы школ региона 77" in table
    assert "edu770001" in table and "edu770002" in table
    assert "edu780001" not in table
    assert table.count("exchange-cell--done") == 1
    assert "1 из 2" in table  # edu770009 is disabled: shown apart, counted nowhere
    assert "просрочен" in table
    assert 'href="/cabinet/niko/progress.csv"' in table


def test_another_region_sees_none_of_it(login_as):
    mark(login_as("edu770001"), "class-lists")
    page = login_as("niko__78").get("/cabinet/niko").get_data(as_text=True)
    assert "edu770001" not in page
    assert "exchange-cell--done" not in page
    rows = read_csv(login_as("niko__78").get("/cabinet/niko/progress.csv"))
    assert [r[0] for r in rows] == ["login", "edu780001"]
    assert rows[1][2:8] == ["0"] * 6


def test_the_csv_for_excel(login_as):
    school = login_as("edu770001")
    mark(school, "class-lists")
    mark(school, "get-materials")
    response = login_as("niko__77").get("/cabinet/niko/progress.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="niko-progress-77-2027-03-10.csv"'
    )
    assert b"\r\n" in response.get_data()
    rows = read_csv(response)
    assert rows[0] == HEADER
    assert [r[:2] for r in rows[1:]] == [
        ["edu770001", "ГБОУ «Школа № 1»"],
        ["edu770002", "ГБОУ «Школа № 2»"],
        ["edu770009", "ГБОУ «Закрытая школа»"],
    ]  # the contract's row per school: the disabled one too, after the counted
    steps_done = HEADER.index("steps_done")
    assert rows[1][2:steps_done] == ["0", "1", "1", "0", "0", "0"]
    assert rows[1][steps_done : steps_done + 2] == ["2", "0"]
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", rows[1][steps_done + 2])
    assert rows[2][2:] == ["0"] * len(SCHOOL_STEPS) + ["0", "0", "", "0", "in", "0", "0", ""]


def test_the_csv_says_which_schools_have_results_once_they_are_open(app_config, tmp_path):
    folder = tmp_path / "results"
    for login in ("edu770001", "edu770002", "niko__77"):
        (folder / login).mkdir(parents=True)
    (folder / "edu770001" / "r.csv").write_bytes(b"x")
    (folder / "edu770002" / "~$r.xlsx").write_bytes(b"a temporary file does not count")
    (folder / "niko__77" / "region.csv").write_bytes(b"x")
    columns = {}
    for today in (dt.date(2027, 9, 29), dt.date(2027, 9, 30)):
        app = create_app({**app_config, "RESULTS": str(folder), "TODAY": today})
        client = app.test_client()
        AuthActions(client).login("niko__77")
        rows = read_csv(client.get("/cabinet/niko/progress.csv"))
        assert rows[0][-3:] == ["returned", "results", "last_login"]
        columns[today.day] = {row[0]: row[-2] for row in rows[1:]}
    assert columns[29] == {"edu770001": "0", "edu770002": "0", "edu770009": "0"}
    assert columns[30] == {"edu770001": "1", "edu770002": "0", "edu770009": "0"}


@pytest.mark.parametrize("login", ["edu770001", "edu780001"])
def test_the_csv_is_404_for_a_school(login_as, login):
    assert login_as(login).get("/cabinet/niko/progress.csv").status_code == 404


def test_the_csv_needs_a_login(client):
    response = client.get("/cabinet/niko/progress.csv")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fcabinet%2Fniko%2Fprogress.csv"


def test_uploads_count_as_activity(login_as):
    school = login_as("edu770001")
    token = csrf_token(school, "/cabinet")
    school.post(
        "/cabinet/niko/uploads",
        data={
            "csrf_token": token,
            "step": "upload-form",
            "file": (io.BytesIO(b"%PDF"), "a.pdf"),
        },
    )
    rows = read_csv(login_as("niko__77").get("/cabinet/niko/progress.csv"))
    steps_done = HEADER.index("steps_done")
    # The form uploaded is step 5 done (progress.py), without a mark.
    assert rows[1][HEADER.index("upload-form")] == "1"
    assert rows[1][steps_done : steps_done + 2] == ["1", "1"]
    assert rows[1][steps_done + 2]


def test_progress_survives_a_restart(login_as, app_config):
    mark(login_as("edu770001"), "run-study")
    again = create_app(app_config).test_client()
    AuthActions(again).login("niko__77")
    rows = read_csv(again.get("/cabinet/niko/progress.csv"))
    assert rows[1][5] == "1"
    school = create_app(app_config).test_client()
    AuthActions(school).login("edu770001")
    assert "Выполнен</span>" in row_of(
        school.get("/cabinet/niko").get_data(as_text=True), "run-study"
    )


@pytest.mark.parametrize(
    "text, cell",
    [("=1+1", "'=1+1"), ("+7", "'+7"), ("-x", "'-x"), ("@SUM", "'@SUM"), ("Школа", "Школа")],
)
def test_names_cannot_become_excel_formulas(text, cell):
    assert progress._cell(text) == cell


def test_a_disabled_school_is_shown_apart_and_counted_nowhere(app, login_as):
    """The issue's example: «Действующих: 2; с просроченными: 2» above bars that said «3 из 3»."""
    with sqlite3.connect(database_path(app)) as conn:  # marked before it was disabled
        conn.execute(
            "INSERT INTO step_marks VALUES ('edu770009', '77', 'class-lists', 1, "
            "'2027-03-01T10:00:00+00:00')"
        )
    coordinator = login_as("niko__77")
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert "Действующих учётных записей школ региона 77: 2; с просроченными шагами: " in page
    assert "<strong>2</strong>" in page.split("с просроченными шагами: ")[1][:20]
    bars = re.findall(r'<p class="glance__text">(.*?)\n', page)
    assert bars[:2] == [
        "Выполнили: 0, просрочили: 2, не начали: 0 — из 2.",
        "Выполнили: 0, просрочили: 2, не начали: 0 — из 2.",
    ]
    assert "Школ в выборке: <strong>2</strong> из 2" in page
    table = page[page.index('id="region-table"') : page.index("</table>")]
    assert "edu770009" not in table and table.count("из 2</td>") == len(SCHOOL_STEPS)
    assert "exchange-cell--done" not in table
    apart = page[page.index("Отключённые учётные записи: 1") :]
    assert "<code>edu770009</code> — ГБОУ «Закрытая школа»" in apart[: apart.index("</ul>")]
    rows = read_csv(coordinator.get("/cabinet/niko/progress.csv"))
    assert [r[0] for r in rows[1:]] == ["edu770001", "edu770002", "edu770009"]
    late = coordinator.get("/cabinet/niko?show=late").get_data(as_text=True)
    assert "Показано 1–2 из 2 (всего школ: 2)." in late


def test_counted_schools_splits_the_disabled_off(app):
    with app.test_request_context():
        counted, disabled = progress.counted_schools("77")
    assert [s.login for s in counted] == ["edu770001", "edu770002"]
    assert [s.login for s in disabled] == ["edu770009"]


def test_no_disabled_accounts_no_such_list(login_as):
    page = login_as("niko__78").get("/cabinet/niko").get_data(as_text=True)
    assert "Отключённые учётные записи" not in page


def test_the_region_shows_each_steps_deadline_with_its_time(login_as):
    """Step 5 closes at 18:00: the bars, the list of steps and the column's title say so."""
    page = login_as("niko__77").get("/cabinet/niko").get_data(as_text=True)
    region = page[page.index('id="region-table"') :]
    assert region.count("до 26.03.2027 18:00 (МСК)") >= 3
    title = re.search(r'<abbr title="(Шаг 5\.[^"]*)">', region).group(1)
    assert title.endswith("до 26.03.2027 18:00 (МСК)")
