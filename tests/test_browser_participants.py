"""In headless Chromium: participant codes and their slips, the coordinator's sample and region.

Uses the real server and browser of tests/test_browser.py (its fixtures, imported below).
"""

from __future__ import annotations

import re

import pytest

from tests import test_browser as base
from tests.test_browser import PHONE, SHOTS, log_in, low_contrast, no_horizontal_scroll

# The real server, the browser and a fresh page, as tests/test_browser.py makes them.
browser, server, page = base.browser, base.server, base.page

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server in each module


def test_a_school_issues_codes_and_prints_only_the_slips(page):
    log_in(page, "edu770002")
    page.wait_for_url("**/cabinet")
    page.goto("/cabinet/niko")
    page.get_by_role("link", name="Выдать коды, распечатать листки, скачать протокол").click()
    page.wait_for_url("**/cabinet/niko/codes")
    page.fill("#codes-class", "9А")
    page.fill("#codes-count", "3")
    page.get_by_role("button", name="Выдать коды").click()
    assert "только 8 и 10 классы" in page.locator(".alert[role=alert]").inner_text()
    assert [p for p in page.problems.seen if "/cabinet/niko/codes" in p]  # the expected 400
    page.problems.seen.clear()
    page.fill("#codes-class", "8а")
    page.get_by_role("button", name="Выдать коды").click()
    page.wait_for_url("**/cabinet/niko/codes")
    assert "Для 8А выдано кодов: 3." in page.locator(".flash").inner_text()
    codes = page.locator(".codes-list code").all_inner_texts()
    assert len(codes) == 3 and all(re.fullmatch(r"\d{5}", c) for c in codes)
    assert low_contrast(page) == []
    page.get_by_role("link", name="Листки для печати").click()
    page.wait_for_url("**/cabinet/niko/codes/print")
    assert page.locator(".slip").count() == 3
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".slips-intro", ".flash"):
        assert all(el.is_hidden() for el in page.locator(hidden).all()), hidden
    visible = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter((e) => e.getClientRects().length && !e.closest('.slips'))
            .filter((e) => [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
            .map((e) => e.textContent.trim())"""
    )
    # on paper: the slips and, as this server rehearses (tests/test_browser.py), the rehearsal's
    # banner, so that slips of rehearsal codes cannot pass for real ones
    assert visible[:1] and all(text.startswith("Репетиция:") for text in visible), visible
    slip = page.locator(".slip").first.inner_text()
    assert "НИКО-2027" in slip and "8А" in slip and codes[0] in slip
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(SHOTS / "codes-print.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1  # three slips fit on one sheet
    page.emulate_media(media="screen")
    page.goto("/cabinet/niko/codes")
    page.fill("#codes-class", "10Б")
    page.fill("#codes-count", "1")
    page.get_by_role("button", name="Выдать коды").click()
    page.wait_for_url("**/cabinet/niko/codes")
    page.goto("/cabinet/niko/codes/print")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 2  # each class starts a new sheet
    assert page.problems.seen == []


def test_the_coordinator_replaces_a_school_and_confirms(page):
    log_in(page, "niko__78")
    page.wait_for_url("**/cabinet")
    page.goto("/cabinet/niko")
    bars = page.locator(".glance__text").all_inner_texts()
    assert len(bars) == 6 and all(re.search(r"из 1\.", b) for b in bars)  # the six school steps
    page.get_by_label("Причина замены: edu780001").fill("В школе нет 10 классов")
    page.get_by_role("button", name="На замену: edu780001").click()
    page.wait_for_url("**/cabinet/niko")
    assert "В школе нет 10 классов" in page.locator("#region-progress").inner_text()
    page.get_by_role("button", name="Подтвердить выборку региона").click()
    page.wait_for_url("**/cabinet/niko")
    assert "Выборка подтверждена" in page.locator("#sample").inner_text()
    assert page.get_by_role("button", name="На замену: edu780001").count() == 0
    page.set_viewport_size(PHONE)
    scroll, client = no_horizontal_scroll(page)
    assert scroll <= client
    assert low_contrast(page) == []
    page.get_by_role("button", name="Снять подтверждение").click()
    page.wait_for_url("**/cabinet/niko")
    page.get_by_role("button", name="Вернуть в выборку: edu780001").click()
    page.wait_for_url("**/cabinet/niko")
    assert "на замену: 0" in page.locator("#sample").inner_text()
    page.set_viewport_size({"width": 718, "height": 1000})  # A4 minus the page margins, in px
    page.emulate_media(media="print")
    scroll, client = no_horizontal_scroll(page)
    assert scroll <= client
    assert page.locator(".sample-reason").first.is_hidden()
    assert page.locator(".region-tools").is_hidden()
    assert "Выполнили: 0" in page.locator(".glance__text").first.inner_text()
    assert page.problems.seen == []
