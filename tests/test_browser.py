"""End to end in headless Chromium: the real app (`python app.py`) served by waitress on loopback.

The server runs as a subprocess started exactly as a user starts it, so these tests also cover the
entry point, the flags and the static files. The browser is Debian's (or any) Chromium driven by
Playwright through `executable_path`; nothing here downloads a browser. Without one the tests skip
with a hint, except in CI (`CI=true`), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import NAMES, PASSWORDS, PINNED_MOMENT, accounts_yaml

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOW_TO_INSTALL = (
    "no Chromium found for the browser tests: install one (Debian/Ubuntu: "
    "`apt-get install chromium`) or set FISOKO_CHROMIUM=/path/to/chromium-or-chrome"
)
WRONG = "Неверный логин или пароль"
DESKTOP = {"width": 1024, "height": 768}
PHONE = {"width": 360, "height": 740}

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server in each module


def find_chromium() -> str | None:
    """FISOKO_CHROMIUM, else /usr/bin/chromium, else the usual names on PATH."""
    chosen = os.environ.get("FISOKO_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).is_file() else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, where the browser tests must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(base: str, proc: subprocess.Popen, deadline: float) -> bool:
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.05)
    return False


def serve(work: Path, **extra: str):
    """Start `python app.py` on a free loopback port with cost-4 test accounts; yield its URL.

    `extra` adds FISOKO_* variables (FISOKO_TODAY for a rehearsal). A port picked this way may be
    taken before the server binds it; then the start is retried.
    """
    accounts = work / "accounts.yaml"
    accounts.write_text(accounts_yaml(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FISOKO_")}
    env.update(FISOKO_INSTANCE=str(work / "instance"), FISOKO_BCRYPT_COST="4", **extra)
    for _attempt in range(3):
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "app.py", "--port", str(port), "--accounts", str(accounts)]
        with open(work / "server.log", "ab") as log:
            proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        if _wait_healthy(base, proc, time.monotonic() + 20):
            break
        proc.kill()
        proc.wait()
    else:
        pytest.fail(
            "the app did not start:\n" + (work / "server.log").read_text("utf-8", "replace")
        )
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# The day the in-process suite is pinned to (tests/conftest.py): the round is open, uploads are
# taken. The real server reads no pinned clock, so it runs as a rehearsal of that moment and its
# tests pass on any real date, also after the example round's windows have closed.
STUDY_MOMENT = PINNED_MOMENT.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The base URL of `python app.py` on a free loopback port, with cost-4 test accounts,
    rehearsing the suite's pinned moment."""
    yield from serve(tmp_path_factory.mktemp("browser-server"), FISOKO_TODAY=STUDY_MOMENT)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (Playwright gives it a fresh temporary profile)."""
    executable = find_chromium()
    if executable is None:
        _unavailable(HOW_TO_INSTALL)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is missing: python -m pip install -r requirements-dev.txt")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Problems:
    """Console errors, page errors and failed requests seen while a test ran."""

    def __init__(self, page) -> None:
        self.seen: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.seen.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.seen.append(f"page error: {e}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.seen.append(f"{r.status} {r.url}"),
        )


@pytest.fixture
def page(browser, server, request):
    """A fresh context (no cookies) at the desktop size; a screenshot is saved after the test."""
    context = browser.new_context(base_url=server, viewport=DESKTOP, locale="ru-RU")
    context.set_default_timeout(5000)
    page = context.new_page()
    page.problems = Problems(page)
    yield page
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")
    try:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    finally:
        context.close()


def log_in(page, login: str, password: str | None = None) -> None:
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORDS[login] if password is None else password)
    page.click("button[type=submit], input[type=submit]")


def no_horizontal_scroll(page) -> tuple[int, int]:
    return page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


# For each element with its own text: the colour of the text and of the first opaque background
# behind it (semi-transparent layers blended on the way), and their contrast ratio (WCAG 2).
CONTRAST_JS = """
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat([1]);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] === 1) break;
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const lum = (c) => {
    const ch = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || style.visibility === "hidden" || !el.getClientRects().length) continue;
    if (el.closest(".skip-link")) continue;
    const bg = background(el);
    const fg = over(parse(style.color), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    out.push({text: el.textContent.trim().slice(0, 40), ratio: (a + 0.05) / (b + 0.05)});
  }
  return out;
}
"""


def low_contrast(page, minimum: float = 4.5) -> list[str]:
    return [
        f"{r['ratio']:.2f} {r['text']!r}"
        for r in page.evaluate(CONTRAST_JS)
        if r["ratio"] < minimum
    ]


def test_wrong_password_shows_the_error_and_keeps_the_login(page):
    log_in(page, "edu770001", "not-the-password")
    alert = page.locator(".alert[role=alert]")
    assert WRONG in alert.inner_text()
    assert page.input_value("#login") == "edu770001"
    assert page.input_value("#password") == ""
    assert page.url.endswith("/login")
    assert page.title() == "Вход — ФИС ОКО"
    assert low_contrast(page) == []
    assert page.problems.seen == []


def test_right_password_opens_the_cabinet(page):
    log_in(page, "edu770001")
    page.wait_for_url("**/cabinet")
    assert page.title() == "Главная — ФИС ОКО"
    head = page.locator(".cabinet-head").inner_text()
    assert NAMES["edu770001"] in head and "Регион: 77" in head
    assert "Ответственный организатор ОО" in head and "edu770001" in head
    assert page.locator(".account-box").get_by_role("button", name="Выйти").is_visible()
    active = page.locator(".tabs [aria-current=page]")
    assert active.inner_text() == "Главная"
    assert low_contrast(page) == []
    assert page.problems.seen == []


@pytest.mark.parametrize(
    "login, role, own_text, other_text",
    [
        ("edu770001", "Ответственный организатор ОО", "Заполните анкету", "Школы региона"),
        ("niko__77", "Региональный координатор НИКО", "Ход работы школ региона 77", "Вы — ответ"),
    ],
    ids=["school", "coord"],
)
def test_niko_tab_for_each_role(page, login, role, own_text, other_text):
    log_in(page, login)
    page.wait_for_url("**/cabinet")
    page.get_by_role("link", name="НИКО", exact=True).click()
    page.wait_for_url("**/cabinet/niko")
    assert page.title() == "НИКО — ФИС ОКО"
    assert page.locator(".tabs [aria-current=page]").inner_text() == "НИКО"
    assert "Ваши шаги" not in page.locator(".tab-panel").inner_text()  # folded at first
    assert page.locator(".now").first.is_visible()
    for summary in page.locator("details.fold > summary").all():
        summary.click()
    panel = page.locator(".tab-panel").inner_text()
    assert f"Ваши шаги: {role}" in panel
    assert own_text in panel and other_text not in panel
    schedule = page.locator("#schedule + .table-wrap table")
    assert schedule.locator("th").all_inner_texts()[:3] == ["№", "Мероприятие", "Срок"]
    numbers = schedule.locator("tbody .table__num").all_inner_texts()
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)] and len(numbers) > 3
    dates = schedule.locator("tbody .table__date").all_inner_texts()
    assert all(d[2] == "." and d[5] == "." and d[6:10].isdigit() for d in dates)
    if login.startswith("niko"):
        schools = page.locator("#region-progress tbody").inner_text()
        assert "edu770001" in schools and "edu780001" not in schools
    assert low_contrast(page) == []
    assert page.problems.seen == []


def test_keyboard_only_login_and_logout(page):
    page.goto("/login")
    assert page.evaluate("document.activeElement.id") == "login"
    page.keyboard.type("edu770002")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORDS["edu770002"])
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.type, document.activeElement.value]")
    assert focused == ["submit", "Войти"]
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring == "solid"
    page.keyboard.press("Enter")
    page.wait_for_url("**/cabinet")
    assert NAMES["edu770002"] in page.locator("h1").inner_text()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Выйти":
            break
    else:
        pytest.fail("the «Выйти» button was not reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login")
    assert "Вы вышли" in page.locator(".flash").inner_text()


def test_back_after_logout_shows_no_cabinet(page):
    log_in(page, "niko__77")
    page.wait_for_url("**/cabinet")
    page.get_by_role("link", name="НИКО", exact=True).click()
    page.wait_for_url("**/cabinet/niko")
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login")
    page.go_back()
    page.wait_for_load_state()
    assert "/login" in page.url
    assert page.locator("#password").is_visible()
    body = page.locator("body").inner_text()
    assert NAMES["niko__77"] not in body and "Школы региона" not in body
    assert page.context.request.get("/cabinet/niko", max_redirects=0).status == 302


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1024"])
@pytest.mark.parametrize("login", [None, "edu770001", "niko__77"], ids=["login", "school", "coord"])
def test_pages_fit_the_width(page, viewport, login):
    page.set_viewport_size(viewport)
    if login is None:
        log_in(page, "edu770001", "wrong-password")
        urls = ["/login"]
    else:
        log_in(page, login)
        page.wait_for_url("**/cabinet")
        urls = ["/cabinet", "/nope", "/cabinet/niko"]
    for url in urls:
        if url != "/login":
            page.goto(url)
        scroll, client = no_horizontal_scroll(page)
        assert scroll <= client, f"{url} scrolls sideways at {viewport['width']}px"
        assert low_contrast(page) == [], url
    if viewport is PHONE and login is not None:
        # Stacked table rows keep their column names as labels.
        label = page.evaluate(
            "getComputedStyle(document.querySelector('.table--stack td.table__date'),"
            " '::before').content"
        )
        assert label == '"Срок"'


def test_niko_tab_prints_schedule_and_steps_without_navigation(page):
    log_in(page, "edu770001")
    page.wait_for_url("**/cabinet")
    page.goto("/cabinet/niko")
    page.emulate_media(media="print")
    for hidden in (".site-header", ".tabs", ".site-footer", ".account-box", "form"):
        assert page.locator(hidden).first.is_hidden(), hidden
    for shown in ("#schedule", "table.table", "ol.steps", ".cabinet-head"):
        assert page.locator(shown).first.is_visible(), shown
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(SHOTS / "niko-print.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-")
    page.set_viewport_size({"width": 718, "height": 1000})  # A4 minus the page margins, in px
    scroll, client = no_horizontal_scroll(page)
    assert scroll <= client


def test_folds_open_for_printing_and_close_after(page):
    """Browsers before ::details-content (Yandex.Browser 21) need the script to print folds."""
    log_in(page, "edu770001")
    page.wait_for_url("**/cabinet")
    page.goto("/cabinet/niko")
    closed = "document.querySelectorAll('details.fold:not([open])').length"
    before = page.evaluate(closed)
    assert before >= 2
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate(closed) == 0
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.evaluate(closed) == before


def test_a_refused_upload_shows_its_message_in_view_with_the_step_kept(page):
    """The form posts to …/uploads#upload-error: the answer opens scrolled to the message."""
    page.set_viewport_size(PHONE)
    log_in(page, "edu770001")
    page.goto("/cabinet/niko")
    offered = page.eval_on_selector_all(
        "#upload-step option", "options => options.map(o => o.value).filter(Boolean)"
    )
    chosen = offered[-1]  # not the step selected first when more than one is offered
    page.select_option("#upload-step", chosen)
    page.set_input_files(
        "#upload-file",
        files=[{"name": "program.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"}],
    )
    page.click(".exchange-upload button[type=submit]")
    alert = page.locator("#upload-error")
    assert "Этот тип файла загрузить нельзя" in alert.inner_text()
    assert alert.get_attribute("role") == "alert"
    box = alert.bounding_box()
    assert 0 <= box["y"] < PHONE["height"] / 2, box
    assert page.input_value("#upload-step") == chosen
    assert page.locator("#upload-file").get_attribute("aria-invalid") == "true"
