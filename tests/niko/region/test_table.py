"""The region at a glance: bars per step, and the schools table sorted, filtered and paged."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import pytest

from fisoko.db import database_path, get_db
from fisoko.niko.exchange.uploads import folder as uploads_folder
from fisoko.niko.region import table as region
from tests.helpers import PASSWORDS, csrf_token, make_hash
from tests.niko.exchange.test_quota import store

SCHOOLS = 120
FAKE_HASH = "$2b$04$" + "a" * 53


@pytest.fixture(scope="module")
def accounts_text() -> str:
    """Region 77 with 120 schools (edu770001…edu770120) and its coordinator; region 78 with one."""
    lines = ["accounts:"]
    for login in ("niko__77", "niko__78"):
        lines += [f"  {login}:", f"    name: Координатор {login}"]
        lines.append(f"    password_hash: {make_hash(PASSWORDS[login])}")
    for number in range(1, SCHOOLS + 1):
        lines += [f"  edu77{number:04d}:", f"    name: Школа № {number}"]
        lines.append(f"    password_hash: {FAKE_HASH}")
    lines += ["  edu780001:", "    name: Школа региона 78", f"    password_hash: {FAKE_HASH}"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def app_config(app_config):
    """After the first two school deadlines (12.02 and 05.03.2027), before the others."""
    return {**app_config, "TODAY": dt.date(2027, 3, 10)}


def mark_done(app, login: str, *steps: str) -> None:
    conn = sqlite3.connect(database_path(app))
    with conn:
        conn.executemany(
            "INSERT INTO step_marks VALUES (?, ?, ?, 1, '2027-03-01T10:00:00+00:00')",
            [(login, login[3:5], step) for step in steps],
        )
    conn.close()


def logins(page: str) -> list[str]:
    table = page[page.index('id="region-progress"') :]
    return re.findall(r"<td><code>(edu\d+)</code>", table)


@pytest.fixture
def coordinator(app, login_as):
    mark_done(app, "edu770007", "school-questionnaire", "class-lists", "get-materials")
    mark_done(app, "edu770003", "school-questionnaire")
    return login_as("niko__77")


def test_bars_count_done_late_and_not_started(coordinator):
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    texts = re.findall(r'<p class="glance__text">(.*?)\n', page)
    assert texts == [
        "Выполнили: 2, просрочили: 118, не начали: 0 — из 120.",
        "Выполнили: 1, просрочили: 119, не начали: 0 — из 120.",
        "Выполнили: 1, просрочили: 0, не начали: 119 — из 120.",
        "Выполнили: 0, просрочили: 0, не начали: 120 — из 120.",
        "Выполнили: 0, просрочили: 0, не начали: 120 — из 120.",
        "Выполнили: 0, просрочили: 0, не начали: 120 — из 120.",  # step 6, open to 30.09
    ]
    first = re.search(r'<svg class="glance__bar".*?</svg>', page).group(0)
    assert 'aria-hidden="true"' in first
    widths = re.findall(r'<rect class="glance__(\w+)" x="([\d.]+)" y="0" width="([\d.]+)"', first)
    assert widths == [("done", "0", "1.67"), ("late", "1.67", "98.33"), ("rest", "100.0", "0.0")]


def test_bar_widths_add_up():
    step = object()
    for done, late, rest in [(0, 0, 0), (1, 1, 1), (799, 0, 1), (3, 5, 792)]:
        bar = region.StepBar(1, step, done, late, rest)  # type: ignore[arg-type]
        assert sum(bar.widths()) == pytest.approx(100)


def test_the_table_is_paged(coordinator):
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert logins(page) == [f"edu77{n:04d}" for n in range(1, 51)]
    assert "Показано 1–50 из 120." in page
    assert 'href="/cabinet/niko?region_page=3#region-progress"' in page
    page = coordinator.get("/cabinet/niko?region_page=3").get_data(as_text=True)
    assert logins(page) == [f"edu77{n:04d}" for n in range(101, 121)]
    assert '<td class="table__num">101</td>' in page
    assert "1 из 120" in page  # the footer still counts every school


@pytest.mark.parametrize(
    "query",
    ["region_page=99", "region_page=0", "region_page=abc", "region_page=-1", "sort=x&show=y"],
)
def test_odd_parameters_fall_back_instead_of_failing(coordinator, query):
    response = coordinator.get(f"/cabinet/niko?{query}")
    assert response.status_code == 200
    shown = logins(response.get_data(as_text=True))
    assert shown[0] == ("edu770101" if query == "region_page=99" else "edu770001")


def test_sorted_by_progress_the_laggards_come_first(coordinator):
    page = coordinator.get("/cabinet/niko?sort=progress&region_page=3").get_data(as_text=True)
    assert logins(page)[-2:] == ["edu770003", "edu770007"]
    assert 'aria-current="true">по ходу работы' in page
    assert 'href="/cabinet/niko?sort=progress&amp;region_page=2#region-progress"' in page


def test_only_late_schools(coordinator):
    page = coordinator.get("/cabinet/niko?show=late&region_page=3").get_data(as_text=True)
    assert "Показано 101–119 из 119 (всего школ: 120)." in page
    assert "edu770007" not in logins(page)
    assert "edu770007" not in logins(
        coordinator.get("/cabinet/niko?show=late").get_data(as_text=True)
    )


def test_only_schools_to_replace(app, coordinator):
    app.config["TODAY"] = dt.date(2026, 12, 1)  # while the sample may still change
    token = csrf_token(coordinator, "/cabinet")
    response = coordinator.post(
        "/cabinet/niko/sample/edu770090",
        data={"csrf_token": token, "status": "replace", "reason": "r"},
    )
    assert response.status_code == 302
    page = coordinator.get("/cabinet/niko?show=replace").get_data(as_text=True)
    assert logins(page) == ["edu770090"]
    assert "Показано 1–1 из 1" in page


def test_the_coordinator_page_stays_small(coordinator):
    page = coordinator.get("/cabinet/niko").get_data()
    table = page[page.index(b'id="region-progress"') : page.index(b'id="materials"')]
    assert len(table) < 100_000  # 50 rows of 120; before paging the table grew with every school


def test_another_region_sees_none_of_it(app, login_as):
    page = login_as("niko__78").get("/cabinet/niko?show=late").get_data(as_text=True)
    assert logins(page) == ["edu780001"]
    assert "из 1." in page and "edu7700" not in page


def test_the_table_and_the_upload_list_page_apart(app, coordinator):
    """Page 3 of the table leaves the uploads on page 2; each pager keeps the other choices."""
    with app.app_context():
        conn, folder = get_db(), uploads_folder(app)
        for number in range(45):
            store(conn, folder, "edu770001", f"file {number}".encode())
    page = coordinator.get("/cabinet/niko?page=2&sort=progress&region_page=3").get_data(
        as_text=True
    )
    assert "Страница 2 из 3" in page  # the upload list
    assert '<td class="table__num">101</td>' in page  # the table's third page
    assert 'href="/cabinet/niko?page=3&amp;sort=progress&amp;region_page=3#uploads"' in page
    assert 'href="/cabinet/niko?sort=progress&amp;region_page=3#uploads"' in page  # page 1
    assert 'href="/cabinet/niko?page=2&amp;sort=progress&amp;region_page=2#region-progress"' in page
    assert 'href="/cabinet/niko?page=2&amp;sort=progress&amp;show=late#region-progress"' in page


def test_each_cell_is_done_late_or_still_to_do(coordinator):
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    row = page[page.index("<code>edu770007</code>") :].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="exchange-cell( exchange-cell--(?:done|overdue))?">', row)
    assert cells == [" exchange-cell--done"] * 3 + [""] * 3
    other = page[page.index("<code>edu770003</code>") :].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="exchange-cell( exchange-cell--(?:done|overdue))?">', other)
    assert cells == [" exchange-cell--done", " exchange-cell--overdue", "", "", "", ""]


def test_cells_follow_the_steps_order():
    steps = tuple(type("Step", (), {"id": name})() for name in ("a", "b", "c"))
    row = region.SchoolRow(None, frozenset({"c"}), frozenset({"a"}), 0, None)  # type: ignore[arg-type]
    assert region.cells(row, steps) == (region.OVERDUE, region.TODO, region.DONE)  # type: ignore[arg-type]


def test_every_row_posts_its_own_school_under_the_script_root(app, login_as):
    client = login_as("niko__77")
    assert 'class="sample-reason"' not in client.get("/cabinet/niko").get_data(as_text=True)
    app.config["TODAY"] = dt.date(2026, 12, 3)  # the sample can still change
    for root in ("", "/lk"):
        page = client.get("/cabinet/niko", environ_overrides={"SCRIPT_NAME": root})
        actions = re.findall(
            r'<form method="post" action="([^"]+)" class="sample-reason">',
            page.get_data(as_text=True),
        )
        assert actions == [f"{root}/cabinet/niko/sample/edu77{n:04d}" for n in range(1, 51)]
