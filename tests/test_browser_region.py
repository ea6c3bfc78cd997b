"""In headless Chromium, during rehearsals: the region table at 1366 px and on a phone, how far
down the phone's page the upload form and the region table begin, and axe-core and the Nu HTML
checker on the login page and both roles' НИКО tab.

axe-core and the Nu HTML checker (vnu.jar) come from npm packages: FISOKO_NODE_MODULES names
their node_modules folder (default: node_modules beside app.py); the checker also needs `java`.
Without them those two tests skip, also in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import test_browser as base
from tests.test_browser import PHONE, SHOTS, log_in, no_horizontal_scroll

browser, page = base.browser, base.page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREEN = {"width": 1366, "height": 768}
TWO_SCREENS = 2 * PHONE["height"]  # 1480 px
PAGES = {"login": None, "school": "edu770001", "coordinator": "niko__77"}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def node_modules() -> Path:
    return Path(os.environ.get("FISOKO_NODE_MODULES") or base.ROOT / "node_modules")


# 25.11.2026: the sample can still change (a reason field and a button in every row);
# 17.03.2027: a school deadline has passed, the banner of the rehearsal is shown.
@pytest.fixture(scope="module", params=["2026-11-25", "2027-03-17"])
def server(request, tmp_path_factory):
    work = tmp_path_factory.mktemp(f"region-{request.param}")
    yield from base.serve(work, FISOKO_TODAY=request.param)


def open_tab(page, login: str, size: dict) -> None:
    page.set_viewport_size(size)
    log_in(page, login)
    page.wait_for_url("**/cabinet")
    page.goto("/cabinet/niko")


def top(page, selector: str) -> float:
    found = page.evaluate(
        "(s) => { const e = document.querySelector(s);"
        " return e ? e.getBoundingClientRect().top + window.scrollY : null; }",
        selector,
    )
    assert found is not None, f"no {selector}"
    return found


def upload_as_school(page, tmp_path) -> None:
    """edu770001 uploads a file, so its row has «ждут проверки» under the count of files."""
    open_tab(page, "edu770001", SCREEN)
    sample = tmp_path / "spisok-klassa-shkoly-nomer-odin.pdf"  # a PDF: no step checks its form
    sample.write_bytes(b"%PDF-1.4 x")
    step = page.locator("#upload-step option[value]:not([value=''])").first
    page.select_option("#upload-step", step.get_attribute("value"))
    page.set_input_files("#upload-file", str(sample))
    page.click("form.exchange-upload button[type=submit]")
    # the browser keeps the form's #upload-error across the redirect; no such element on success
    page.wait_for_url("**/cabinet/niko#upload-error")
    assert page.locator("#upload-error").count() == 0
    page.context.clear_cookies()


def test_every_column_of_the_region_table_shows_at_1366(page, tmp_path):
    upload_as_school(page, tmp_path)
    open_tab(page, "niko__77", SCREEN)
    assert "ждут проверки: " in page.locator("#region-table").inner_text()
    wrap = page.evaluate(
        "(() => { const w = document.querySelector('.region-wrap');"
        " const t = document.getElementById('region-table');"
        " return [w.scrollWidth, w.clientWidth, t.getBoundingClientRect().right,"
        " w.getBoundingClientRect().right]; })()"
    )
    assert wrap[0] <= wrap[1], f"the region table scrolls sideways: {wrap}"
    assert wrap[2] <= wrap[3] + 0.5
    scroll, client = no_horizontal_scroll(page)
    assert scroll <= client
    headers = page.locator("#region-table thead th")
    names = [h.inner_text().split("\n")[0] for h in headers.all()]
    assert names[-2:] == ["Последняя активность", "Последний вход"]
    right = page.evaluate("document.querySelector('.region-wrap').getBoundingClientRect().right")
    for header in headers.all():
        box = header.bounding_box()
        assert box["width"] > 20 and box["x"] + box["width"] <= right + 0.5, header.inner_text()


def test_on_a_phone_each_school_is_a_card(page):
    open_tab(page, "niko__77", PHONE)
    scroll, client = no_horizontal_scroll(page)
    assert scroll <= client
    wrap = page.evaluate(
        "(() => { const w = document.querySelector('.region-wrap');"
        " return [w.scrollWidth, w.clientWidth]; })()"
    )
    assert wrap[0] <= wrap[1], f"the cards scroll sideways: {wrap}"
    rows = page.locator("#region-table tbody tr")
    assert rows.count() == 2
    assert rows.first.evaluate("r => getComputedStyle(r).display") == "block"
    cell = "#region-table td[data-label='Последний вход']"
    label = page.evaluate(f'getComputedStyle(document.querySelector("{cell}"), "::before").content')
    assert label == '"Последний вход"'
    first, second = (r.bounding_box() for r in rows.all())
    assert second["y"] >= first["y"] + first["height"]  # stacked, not side by side
    page.locator("#region-table").screenshot(path=str(SHOTS / "region-cards-360.png"))


def cell_names(page) -> list[str]:
    """The names Chromium's accessibility tree gives the page's table cells."""
    session = page.context.new_cdp_session(page)
    nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    session.detach()
    return [
        node.get("name", {}).get("value", "")
        for node in nodes
        if node.get("role", {}).get("value") == "cell"
    ]


@pytest.mark.parametrize("size", [SCREEN, PHONE], ids=["1366", "phone"])
def test_a_step_not_done_shows_a_dash_and_is_named_for_screen_readers(page, size):
    open_tab(page, "niko__77", size)
    cells = page.locator("#region-table tbody td.exchange-cell:not([class*='--'])")
    assert cells.count() > 0
    dash = cells.first.evaluate('c => getComputedStyle(c, "::after").content')
    assert dash == '"—" / "не выполнен"'
    assert cells.first.evaluate("c => c.childNodes.length") == 0  # the dash is the stylesheet's
    # at 1366 the cell is named «не выполнен»; on a phone its «Шаг» label comes first
    assert any(name.split()[-2:] == ["не", "выполнен"] for name in cell_names(page))


def test_the_scroll_region_takes_the_keyboard(page):
    open_tab(page, "niko__77", {"width": 900, "height": 768})
    wrap = page.locator(".region-wrap")
    assert wrap.get_attribute("tabindex") == "0"
    assert wrap.get_attribute("role") == "region"
    assert wrap.get_attribute("aria-label")
    wrap.focus()
    assert page.evaluate("document.activeElement.classList.contains('region-wrap')")


@pytest.mark.parametrize("login, selector", [("edu770001", "form.exchange-upload"),
                                             ("niko__77", "#region-table")])  # fmt: skip
def test_on_a_phone_the_form_and_the_table_begin_within_two_screens(page, request, login, selector):
    if request.node.callspec.params["server"] != "2027-03-17":
        pytest.skip("measured in the rehearsal of 17.03.2027, as the issue asks")
    open_tab(page, login, PHONE)
    banner = page.locator(".rehearsal-banner")
    assert banner.is_visible() and "Репетиция" in banner.inner_text()
    where = top(page, selector)
    assert where <= TWO_SCREENS, f"{selector} begins at {where:.0f} px"


def run_axe(page) -> list[str]:
    page.evaluate((node_modules() / "axe-core" / "axe.min.js").read_text(encoding="utf-8"))
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ' (' + v.impact + '): '"
        " + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')))",
        AXE_TAGS,
    )
    return result


@pytest.mark.parametrize("size", [SCREEN, PHONE], ids=["1366", "360"])
@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_nothing(page, name, size):
    if not (node_modules() / "axe-core" / "axe.min.js").is_file():
        pytest.skip(f"axe-core is not in {node_modules()} (npm install axe-core)")
    login = PAGES[name]
    if login is None:
        page.set_viewport_size(size)
        page.goto("/login")
    else:
        open_tab(page, login, size)
    assert run_axe(page) == []


def test_the_nu_html_checker_finds_no_error(page, tmp_path):
    jar = node_modules() / "vnu-jar" / "build" / "dist" / "vnu.jar"
    java = shutil.which("java")
    if not jar.is_file() or java is None:
        pytest.skip(f"the Nu HTML checker needs java and {jar} (npm install vnu-jar)")
    files = []
    for name, login in PAGES.items():
        if login is None:
            page.goto("/login")
        else:
            page.context.clear_cookies()
            open_tab(page, login, SCREEN)
        source = page.context.request.get(page.url).text()  # as served, not the live DOM
        path = tmp_path / f"{name}.html"
        path.write_text(source, encoding="utf-8")
        files.append(str(path))
    done = subprocess.run(
        [java, "-jar", str(jar), "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(done.stdout or "{}").get("messages", [])
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") == "error"
    ]
    assert errors == []
