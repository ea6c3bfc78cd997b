"""Results back from the federal organizer: who gets which file, from which day, odd names."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from app import create_app
from fisoko.accounts.store import load_accounts
from fisoko.files import kept_listing
from fisoko.niko.exchange import results
from fisoko.settings import BASE_DIR
from tests.helpers import AuthActions, audit_events, make_hash

SHIPPED = BASE_DIR / "content" / "niko.yaml"
OPENS, BEFORE = dt.date(2027, 9, 30), dt.date(2027, 9, 29)
CYRILLIC = "Результаты ОО №1 «8 класс».xlsx"
FILES = {
    "edu770001": {CYRILLIC: b"PK\x03\x04 xlsx", "a#1%.csv": "код;балл\r\n".encode()},
    "edu770002": {"b.csv": b"school 2"},
    "edu780001": {"c.csv": b"school 101"},
    "edu770009": {"d.csv": b"disabled school"},
    "niko__77": {"region-77.csv": b"region 77"},
    "niko__78": {"region-78.csv": b"region 78"},
    "edu990001": {"e.csv": b"no such account"},
}
VIEWERS = ("edu770001", "edu770002", "niko__77", "niko__78", "edu780001", None)
HASH = make_hash("Big-Region-77")


def make_folder(tmp_path: Path) -> Path:
    """A results folder with FILES, and a secret file beside it."""
    base = tmp_path / "results"
    for login, files in FILES.items():
        (base / login).mkdir(parents=True)
        for name, data in files.items():
            (base / login / name).write_bytes(data)
    (tmp_path / "secret.txt").write_bytes(b"outside the results folder")
    return base


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_folder(tmp_path)


@pytest.fixture
def app_config(app_config, folder: Path) -> dict:
    return {**app_config, "RESULTS": str(folder), "TODAY": OPENS}


@pytest.mark.parametrize(
    "name, quiet, problem",
    [
        ("Результаты.xlsx", False, None),
        ("a#1%.csv", False, None),
        (".hidden", True, None),
        ("~$Результаты.xlsx", True, None),
        ("Результаты.xlsx.tmp", True, None),
        ("загрузка.crdownload", True, None),
        ("Thumbs.db", True, None),
        ("DESKTOP.INI", True, None),
        ("file~", True, None),
        ("CON.csv", False, "имя устройства Windows"),
        ("lpt1", False, "имя устройства Windows"),
        ("con .xlsx", False, "имя устройства Windows"),
        ("a:b.csv", False, "имя с недопустимыми символами"),
        ("tab\there.csv", False, "имя с недопустимыми символами"),
        ("ends-with-dot.", False, "имя с недопустимыми символами"),
        ("я" * 201, False, "имя с недопустимыми символами"),
    ],
)
def test_which_names_are_skipped_quietly_and_which_are_refused(name, quiet, problem):
    assert results.quiet_skip(name) is quiet
    if not quiet:
        assert results.name_problem(name) == problem


def status_by_viewer(app, login_as, url: str) -> dict[str | None, int]:
    found = {}
    for viewer in VIEWERS:
        client = login_as(viewer) if viewer else app.test_client()
        response = client.get(url)
        found[viewer] = response.status_code
        if viewer is None:
            assert response.headers["Location"].startswith("/login?next=%2Fcabinet%2Fniko%2F")
        response.close()
    return found


def fetch(client, url: str, *, head: bool = False):
    """A request whose file is read and closed (an open one would warn at collection)."""
    response = client.head(url) if head else client.get(url)
    response.get_data()
    response.close()
    return response


def only(*allowed: str) -> dict[str | None, int]:
    return {v: 200 if v in allowed else 302 if v is None else 404 for v in VIEWERS}


@pytest.mark.parametrize(
    "url, allowed",
    [
        (f"/cabinet/niko/results/{quote(CYRILLIC)}", ("edu770001",)),
        ("/cabinet/niko/results/b.csv", ("edu770002",)),
        ("/cabinet/niko/results/region-77.csv", ("niko__77",)),
        ("/cabinet/niko/results/region-78.csv", ("niko__78",)),
        ("/cabinet/niko/results/edu770001/b.csv", ()),
        (f"/cabinet/niko/results/edu770001/{quote(CYRILLIC)}", ("niko__77",)),
        ("/cabinet/niko/results/edu770002/b.csv", ("niko__77",)),
        ("/cabinet/niko/results/edu780001/c.csv", ("niko__78",)),
        ("/cabinet/niko/results/edu770009/d.csv", ("niko__77",)),  # a disabled school's
        ("/cabinet/niko/results/niko__77/region-77.csv", ()),
        ("/cabinet/niko/results/edu990001/e.csv", ()),
        ("/cabinet/niko/results/c.csv", ("edu780001",)),
        ("/cabinet/niko/results/nothing.csv", ()),
    ],
)
def test_each_visitor_gets_only_its_own_or_its_schools_results(app, login_as, url, allowed):
    assert status_by_viewer(app, login_as, url) == only(*allowed)


def test_a_download_is_the_file_under_its_name_not_cached_not_sniffed(login_as, folder):
    response = fetch(login_as("edu770001"), f"/cabinet/niko/results/{quote(CYRILLIC)}")
    assert response.status_code == 200
    assert response.data == FILES["edu770001"][CYRILLIC]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(CYRILLIC)}" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_name_with_url_characters_is_linked_and_served(login_as):
    client = login_as("edu770001")
    page = client.get("/cabinet/niko").get_data(as_text=True)
    assert 'href="/cabinet/niko/results/a%231%25.csv"' in page
    response = fetch(client, "/cabinet/niko/results/a%231%25.csv")
    assert response.status_code == 200 and response.data == FILES["edu770001"]["a#1%.csv"]


def test_nothing_before_results_opens(app_config, folder):
    app = create_app({**app_config, "TODAY": BEFORE})
    for login, url in (
        ("edu770001", "/cabinet/niko/results/b.csv"),
        ("edu770001", f"/cabinet/niko/results/{quote(CYRILLIC)}"),
        ("niko__77", "/cabinet/niko/results/edu770002/b.csv"),
        ("niko__77", "/cabinet/niko/results/region-77.csv"),
        ("niko__77", "/cabinet/niko/results.zip"),
    ):
        client = app.test_client()
        AuthActions(client).login(login)
        assert client.get(url).status_code == 404, url
    client = app.test_client()
    AuthActions(client).login("edu770001")
    page = client.get("/cabinet/niko").get_data(as_text=True)
    assert "Результаты НИКО-2027" in page
    assert "Результаты появятся здесь 30.09.2027." in page
    assert "/cabinet/niko/results/" not in page


@pytest.mark.parametrize(
    "path",
    [
        "/cabinet/niko/results/..%2Fsecret.txt",
        "/cabinet/niko/results/%2E%2E/secret.txt",
        "/cabinet/niko/results/..%5C..%5Csecret.txt",
        "/cabinet/niko/results/edu770001/..%2F..%2Fsecret.txt",
        "/cabinet/niko/results/edu770001//b.csv",
        "/cabinet/niko/results//b.csv",
        "/cabinet/niko/results/.",
        "/cabinet/niko/results/..",
    ],
)
def test_paths_that_try_to_leave_the_folder_are_404(login_as, path):
    for viewer in ("edu770001", "niko__77"):
        assert login_as(viewer).get(path).status_code == 404


def test_odd_files_are_not_listed_nor_served_and_unsafe_names_are_logged_once(
    app, login_as, folder, tmp_path, caplog
):
    own = folder / "edu770001"
    for name in ("CON.csv", "nul", "~$Результаты.xlsx", ".hidden.csv", "x.tmp", "Thumbs.db"):
        (own / name).write_bytes(b"odd")
    (own / "subfolder").mkdir()
    (own / "outside.csv").symlink_to(tmp_path / "secret.txt")
    (own / "other-school.csv").symlink_to(folder / "edu770002" / "b.csv")
    (own / "same-folder.csv").symlink_to(own / "a#1%.csv")
    caplog.set_level(logging.WARNING, logger="fisoko")
    client = login_as("edu770001")
    for _ in range(2):
        page = client.get("/cabinet/niko").get_data(as_text=True)
    listed = re.findall(r'href="/cabinet/niko/results/([^"]+)"', page)
    assert listed == [quote(n) for n in ("a#1%.csv", "same-folder.csv", CYRILLIC)]
    for name in ("CON.csv", "nul", "~$Результаты.xlsx", ".hidden.csv", "x.tmp", "subfolder"):
        assert fetch(client, f"/cabinet/niko/results/{quote(name)}").status_code == 404
    for name in ("outside.csv", "other-school.csv"):
        assert fetch(client, f"/cabinet/niko/results/{name}").status_code == 404
    assert fetch(client, "/cabinet/niko/results/same-folder.csv").status_code == 200
    messages = [r.getMessage() for r in caplog.records if "папка результатов" in r.getMessage()]
    assert len(messages) == 4  # CON.csv, nul, and the two links out, each once
    assert any("CON.csv" in m and "имя устройства Windows" in m for m in messages)
    assert all("secret" not in m for m in messages)


def test_a_login_folder_that_links_elsewhere_is_not_used(login_as, folder, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "f.csv").write_bytes(b"x")
    (folder / "edu770002").rename(tmp_path / "moved")
    (folder / "edu770002").symlink_to(folder / "edu770001")
    (folder / "edu780001").rename(tmp_path / "moved-101")
    (folder / "edu780001").symlink_to(elsewhere)
    assert (
        fetch(login_as("edu770002"), f"/cabinet/niko/results/{quote(CYRILLIC)}").status_code == 404
    )
    assert fetch(login_as("edu780001"), "/cabinet/niko/results/f.csv").status_code == 404
    page = login_as("niko__77").get("/cabinet/niko").get_data(as_text=True)
    assert "/cabinet/niko/results/edu770002/" not in page


def test_a_file_copied_in_while_running_shows_at_once_and_a_removed_one_goes(login_as, folder):
    client = login_as("edu770002")
    assert "late.csv" not in client.get("/cabinet/niko").get_data(as_text=True)
    (folder / "edu770002" / "late.csv").write_bytes(b"late")
    assert "late.csv" in client.get("/cabinet/niko").get_data(as_text=True)
    assert fetch(client, "/cabinet/niko/results/late.csv").data == b"late"
    (folder / "edu770002" / "late.csv").unlink()
    assert "late.csv" not in client.get("/cabinet/niko").get_data(as_text=True)
    assert fetch(client, "/cabinet/niko/results/late.csv").status_code == 404
    (folder / "edu770003").mkdir()  # a folder appearing for an account does not need a restart
    (folder / "edu770002" / "again.csv").write_bytes(b"again")
    assert "again.csv" in client.get("/cabinet/niko").get_data(as_text=True)


def new_marks(page: str) -> list[str]:
    part = page[page.index('id="results"') :]
    part = part[: part.index("</section>")]
    return re.findall(r'<span class="badge-new">новое</span> <a href="([^"]+)"', part)


def test_a_school_without_results_is_told_so(app, login_as, folder):
    for path in (folder / "edu770002").iterdir():
        path.unlink()
    page = login_as("edu770002").get("/cabinet/niko").get_data(as_text=True)
    assert "Результатов вашей школы пока нет." in page


def test_the_coordinator_sees_the_region_own_results_and_each_school(login_as):
    page = login_as("niko__77").get("/cabinet/niko").get_data(as_text=True)
    part = page[page.index('id="results"') :]
    part = part[: part.index("</section>")]
    assert new_marks(page) == ["/cabinet/niko/results/region-77.csv"]
    assert "Результаты есть у 2 из 2 школ региона." in part  # edu770009 is disabled: not counted
    disabled = '<code>edu770009</code><br>ГБОУ «Закрытая школа»<br><span class="hint">'
    assert disabled + "учётная запись отключена" in part
    assert 'href="/cabinet/niko/results/edu770009/d.csv"' in part  # its results are still there
    assert f'href="/cabinet/niko/results/edu770001/{quote(CYRILLIC)}"' in part
    assert 'href="/cabinet/niko/results/edu770002/b.csv"' in part
    assert 'href="/cabinet/niko/results.zip"' in part
    assert "edu780001" not in part and "region-78" not in part and "edu990001" not in part


def test_the_coordinator_sees_which_schools_have_no_results(login_as, folder):
    for path in (folder / "edu770002").iterdir():
        path.unlink()
    part = login_as("niko__77").get("/cabinet/niko").get_data(as_text=True)
    part = part[part.index('id="results"') :]
    assert "Результаты есть у 1 из 2 школ региона." in part
    assert "Нет результатов у 1: <code>edu770002</code> ГБОУ «Школа № 2»." in part
    row = part[part.index('<td data-label="Школа"><span><code>edu770002</code>') :]
    assert row[: row.index("</tr>")].count("нет результатов") == 1


def test_no_results_section_without_results_in_the_content(app_config, tmp_path):
    text = SHIPPED.read_text(encoding="utf-8")
    content = tmp_path / "no-results.yaml"
    content.write_text(text[: text.index("\nresults:")] + "\n", encoding="utf-8")
    app = create_app({**app_config, "CONTENT": str(content)})
    client = app.test_client()
    AuthActions(client).login("edu770001")
    assert 'id="results"' not in client.get("/cabinet/niko").get_data(as_text=True)
    assert fetch(client, "/cabinet/niko/results/b.csv").status_code == 404


def test_an_account_disabled_while_logged_in_gets_nothing_more(app_config, accounts_file):
    app = create_app({**app_config, "ACCOUNTS_RELOAD_SECONDS": 0.01})
    client = app.test_client()
    AuthActions(client).login("edu770002")
    assert fetch(client, "/cabinet/niko/results/b.csv").status_code == 200
    text = accounts_file.read_text(encoding="utf-8")
    start = text.index("  edu770002:")
    end = text.index("    password_hash", start)
    accounts_file.write_text(text[:end] + "    disabled: true\n" + text[end:], encoding="utf-8")
    later = time.time() + 5
    os.utime(accounts_file, (later, later))
    time.sleep(0.05)
    response = fetch(client, "/cabinet/niko/results/b.csv")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    AuthActions(client).login("edu770009")  # the disabled test account cannot log in either
    assert fetch(client, "/cabinet/niko/results/d.csv").status_code == 302


def test_the_demo_results_belong_to_demo_accounts_and_are_tiny():
    shipped = load_accounts(BASE_DIR / "accounts.yaml")
    base = BASE_DIR / "results"
    logins = sorted(p.name for p in base.iterdir())
    assert logins == ["edu770001", "edu770002", "edu780001", "niko__77"]
    assert all(shipped.get(login) is not None for login in logins)
    for login in logins:
        files = results.scan_now(base, login)
        assert len(files) == 1 and files[0].size < 2048
        text = files[0].path.read_bytes().decode("utf-8-sig")
        if login.startswith("edu"):
            assert text.startswith("Код участника;Класс;Первичный балл;Отметка\r\n")
            assert all(re.fullmatch(r"\d{5};(8|10);\d+;[2-5]", r) for r in text.splitlines()[1:])


def test_the_demo_schools_get_their_results_on_the_schedule_day(app_config):
    """The shipped content and results folder: 30.09.2027, as the schedule promises."""
    config = {k: v for k, v in app_config.items() if k != "RESULTS"}
    app = create_app({**config, "TODAY": OPENS})
    client = app.test_client()
    AuthActions(client).login("edu770001")
    assert new_marks(client.get("/cabinet/niko").get_data(as_text=True)) == [
        "/cabinet/niko/results/rezultaty-edu770001.csv"
    ]
    coordinator = app.test_client()
    AuthActions(coordinator).login("niko__77")
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert new_marks(page) == ["/cabinet/niko/results/rezultaty-region-77.csv"]
    assert "Результаты есть у 2 из 2 школ региона." in page  # edu770009 is disabled


def settle(*folders: Path) -> None:
    """Date folders a minute back, as if nothing had changed in them lately."""
    past = time.time() - 60
    for path in folders:
        os.utime(path, (past, past))


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The folders `os.scandir` reads from now on."""
    found: list[str] = []
    real = os.scandir

    def scandir(path="."):
        found.append(os.path.basename(os.fspath(path)))
        return real(path)

    monkeypatch.setattr(results.os, "scandir", scandir)
    return found


def test_a_settled_folder_is_read_once_and_again_after_each_change(app, folder, reads):
    own = folder / "edu770002"
    settle(own, folder)
    with app.test_request_context():
        steps = [
            lambda: None,
            lambda: (own / "new.csv").write_bytes(b"new"),
            lambda: (own / "new.csv").rename(own / "renamed.csv"),
            lambda: (own / "b.csv").unlink(),
            lambda: (own / "renamed.csv").write_bytes(b"overwritten in place, same name"),
        ]
        for change in steps:
            change()
            first = results.scan(folder, "edu770002")
            assert first == results.scan_now(folder, "edu770002")
            settle(own)
            assert results.scan(folder, "edu770002") == results.scan_now(folder, "edu770002")
        reads.clear()
        for _ in range(3):
            results.scan(folder, "edu770002")
        assert reads == []


def test_a_folder_changed_just_now_is_read_on_every_request(app, folder, reads):
    with app.test_request_context():
        for _ in range(3):
            results.scan(folder, "edu770001")
    assert reads.count("edu770001") == 3


def test_the_switch_turns_the_kept_listings_off(app_config, folder, reads):
    app = create_app({**app_config, "RESULTS_CACHE": False})
    settle(folder / "edu770001")
    with app.test_request_context():
        for _ in range(3):
            results.scan(folder, "edu770001")
    assert reads.count("edu770001") == 3
    assert "fisoko.results_kept" not in app.extensions


def test_a_kept_folder_swapped_for_a_link_elsewhere_is_refused_at_once(
    app, login_as, folder, tmp_path
):
    client = login_as("edu770002")
    settle(folder / "edu770002", folder)
    assert fetch(client, "/cabinet/niko/results/b.csv").status_code == 200
    assert fetch(client, "/cabinet/niko/results/b.csv").status_code == 200  # from the kept one
    (folder / "edu770002").rename(tmp_path / "away")
    (folder / "edu770002").symlink_to(tmp_path / "away")
    settle(folder / "edu770002", folder)
    assert fetch(client, "/cabinet/niko/results/b.csv").status_code == 404


def test_a_file_gone_behind_a_kept_listing_is_404(app, login_as, folder, monkeypatch):
    client = login_as("edu770002")
    settle(folder / "edu770002")
    fetch(client, "/cabinet/niko/results/b.csv")
    monkeypatch.setattr(kept_listing, "stamp", lambda path: (1, 1, 1, 1))  # the folder "unchanged"
    fetch(client, "/cabinet/niko/results/b.csv")
    (folder / "edu770002" / "b.csv").unlink()
    assert fetch(client, "/cabinet/niko/results/b.csv").status_code == 404


def test_each_download_is_an_audit_event_a_head_is_not(login_as, caplog):
    caplog.set_level("INFO", logger="fisoko.audit")
    school, coordinator = login_as("edu770002"), login_as("niko__77")
    fetch(school, "/cabinet/niko/results/b.csv", head=True)
    assert audit_events(caplog, "results.download") == []
    fetch(school, "/cabinet/niko/results/b.csv")
    fetch(coordinator, "/cabinet/niko/results/edu770002/b.csv")
    fetch(coordinator, "/cabinet/niko/results/region-77.csv")
    fetch(login_as("niko__78"), "/cabinet/niko/results/edu770002/b.csv")  # 404: not logged
    assert audit_events(caplog, "results.download") == [
        "event action=results.download by='edu770002' owner='edu770002' file='b.csv'",
        "event action=results.download by='niko__77' owner='edu770002' file='b.csv'",
        "event action=results.download by='niko__77' owner='niko__77' file='region-77.csv'",
    ]
