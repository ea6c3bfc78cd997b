"""The results part of the НИКО tab: a big region's schools paged, those without results named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

import pytest

from app import create_app
from tests.helpers import AuthActions, make_hash
from tests.niko.exchange.test_results import CYRILLIC, OPENS, make_folder

HASH = make_hash("Big-Region-77")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_folder(tmp_path)


@pytest.fixture
def app_config(app_config, folder: Path) -> dict:
    return {**app_config, "RESULTS": str(folder), "TODAY": OPENS}


def test_a_big_region_is_paged_and_names_the_schools_without_results(app_config, tmp_path):
    lines = ["accounts:"]
    for login in ("niko__77", *(f"edu77{n:04d}" for n in range(1, 121))):
        lines += [f"  {login}:", f"    name: Школа {login}", f"    password_hash: {HASH}"]
    accounts = tmp_path / "big.yaml"
    accounts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    base = tmp_path / "big-results"
    for n in range(1, 121, 2):  # every other school has results
        (base / f"edu77{n:04d}").mkdir(parents=True)
        (base / f"edu77{n:04d}" / "r.csv").write_bytes(b"x")
    app = create_app({**app_config, "ACCOUNTS": str(accounts), "RESULTS": str(base)})
    client = app.test_client()
    AuthActions(client).login("niko__77", "Big-Region-77")
    first = section(client.get("/cabinet/niko").get_data(as_text=True))
    assert "Результаты есть у 60 из 120 школ региона." in first
    assert "Нет результатов у 60: <code>edu770002</code>" in first
    assert "<code>edu770100</code> Школа edu770100 и ещё 10." in first
    assert first.count("<tr>") == 51  # the header and 50 schools
    assert 'href="/cabinet/niko?results_page=3#results"' in first
    third = section(client.get("/cabinet/niko?results_page=3").get_data(as_text=True))
    assert third.count("<tr>") == 21
    assert 'href="/cabinet/niko/results/edu770101/r.csv"' in third
    assert 'href="/cabinet/niko/results/edu770001/r.csv"' not in third
    assert section(client.get("/cabinet/niko?results_page=99").get_data(as_text=True)) == third


def section(page: str) -> str:
    part = page[page.index('id="results"') :]
    return part[: part.index("</section>")]


def now_block(page: str) -> str:
    part = page[page.index('id="now-title"') :]
    return part[: part.index("</section>")]


def test_what_to_do_now_tells_a_school_of_new_results_until_it_has_them_all(login_as):
    client = login_as("edu770001")
    note = "Федеральный организатор передал результаты вашей школы: {}. "
    block = now_block(client.get("/cabinet/niko").get_data(as_text=True))
    assert note.format("2 новых файла") in block and 'href="#results"' in block
    home = client.get("/cabinet").get_data(as_text=True)
    assert "2 новых файла — " in home and 'href="/cabinet/niko#results"' in home
    client.get("/cabinet/niko/results/a%231%25.csv").close()
    block = now_block(client.get("/cabinet/niko").get_data(as_text=True))
    assert note.format("1 новый файл") in block
    assert "1 новый файл — " in client.get("/cabinet").get_data(as_text=True)
    client.get("/cabinet/niko/results/" + quote(CYRILLIC)).close()
    block = now_block(client.get("/cabinet/niko").get_data(as_text=True))
    assert 'id="results-note"' not in block
    assert "Пришли результаты исследования" not in client.get("/cabinet").get_data(as_text=True)


def test_what_to_do_now_tells_the_coordinator_of_the_region_results(login_as):
    client = login_as("niko__77")
    block = now_block(client.get("/cabinet/niko").get_data(as_text=True))
    assert (
        "Новых файлов региона: <strong>1</strong>. Результаты есть у 2 из 2 школ региона." in block
    )
    client.get("/cabinet/niko/results/region-77.csv").close()
    block = now_block(client.get("/cabinet/niko").get_data(as_text=True))
    assert "Новых файлов региона" not in block  # the schools' results are still worth passing on
    assert "Результаты есть у 2 из 2 школ региона. " in block
    assert "Пришли результаты исследования" not in client.get("/cabinet").get_data(as_text=True)


def test_nothing_is_told_of_results_before_they_open(app_config):
    app = create_app({**app_config, "TODAY": OPENS - dt.timedelta(days=1)})
    for login in ("edu770001", "niko__77"):
        client = app.test_client()
        AuthActions(client).login(login)
        assert 'id="results-note"' not in client.get("/cabinet/niko").get_data(as_text=True)
        assert "Пришли результаты" not in client.get("/cabinet").get_data(as_text=True)


def test_a_coordinator_of_a_region_without_any_results_is_told_nothing(login_as, folder):
    for login in ("niko__78", "edu780001"):
        for path in (folder / login).iterdir():
            path.unlink()
    block = now_block(login_as("niko__78").get("/cabinet/niko").get_data(as_text=True))
    assert 'id="results-note"' not in block
