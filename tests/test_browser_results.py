"""In headless Chromium: results back on the НИКО tab (a rehearsal of 01.10.2027, the shipped
results folder): a school downloads its file, the coordinator's list reads on a phone."""

from __future__ import annotations

import pytest

from tests import test_browser as base
from tests.helpers import Server, accounts_yaml
from tests.test_browser import DESKTOP, PHONE, log_in, low_contrast, no_horizontal_scroll

browser = base.browser
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("browser-results")
    accounts = work / "accounts.yaml"
    accounts.write_text(accounts_yaml(), encoding="utf-8")
    running = Server(work, accounts, {"FISOKO_TODAY": "2027-10-01", "FISOKO_BCRYPT_COST": "4"})
    yield running.base
    running.stop()


def open_tab(browser, server, login: str, viewport: dict):
    context = browser.new_context(base_url=server, viewport=viewport, locale="ru-RU")
    context.set_default_timeout(5000)
    page = context.new_page()
    log_in(page, login)
    page.wait_for_url("**/cabinet")
    page.goto("/cabinet/niko")
    return context, page


def test_a_school_downloads_its_results_and_the_mark_goes(browser, server):
    context, page = open_tab(browser, server, "edu770001", DESKTOP)
    results = page.locator("#results")
    assert results.locator(".badge-new").count() == 1
    with page.expect_download() as caught:
        results.get_by_role("link", name="rezultaty-edu770001.csv").click()
    assert caught.value.suggested_filename == "rezultaty-edu770001.csv"
    page.goto("/cabinet/niko")
    assert page.locator("#results .badge-new").count() == 0
    assert low_contrast(page) == []
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_coordinator_list_fits_and_each_value_sits_beside_its_label(browser, server, viewport):
    context, page = open_tab(browser, server, "niko__77", viewport)
    assert "Результаты есть у 2 из 2 школ региона." in page.locator("#results").inner_text()
    width, visible = no_horizontal_scroll(page)
    assert width <= visible
    if viewport is PHONE:
        misplaced = page.evaluate(
            """() => [...document.querySelectorAll('#results td[data-label]')]
                .filter((td) => td.children.length !== 1 || td.children[0]
                    .getBoundingClientRect().top - td.getBoundingClientRect().top > 12)
                .map((td) => td.textContent.trim())"""
        )
        assert misplaced == []
    context.close()
