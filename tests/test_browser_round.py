"""In headless Chromium: the НИКО tab of both roles through the round, one rehearsal date each.

Each date gets its own `python app.py` with `FISOKO_TODAY` on a fresh instance folder, so the
tests do not depend on each other. Screenshots of one screen of the tab (1366×768: its top, or
the part a test is about) are saved as artifacts/screenshots/round-<role>-<date>.png.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import test_browser as base
from tests.helpers import accounts_yaml
from tests.test_browser import ROOT, SHOTS, log_in, low_contrast, no_horizontal_scroll

browser = base.browser
pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server in each test
SCREEN = {"width": 1366, "height": 768}
ROLES = {"edu770001": "school", "niko__77": "coordinator"}


@contextlib.contextmanager
def rehearsal(work: Path, today: str) -> Iterator[str]:
    """The base URL of `python app.py` rehearsing `today` on its own instance folder."""
    accounts = work / "accounts.yaml"
    accounts.write_text(accounts_yaml(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FISOKO_")}
    env.update(FISOKO_INSTANCE=str(work / "instance"), FISOKO_BCRYPT_COST="4", FISOKO_TODAY=today)
    port = base._free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "app.py", "--port", str(port), "--accounts", str(accounts)]
    with open(work / "server.log", "ab") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        if not base._wait_healthy(url, proc, time.monotonic() + 20):
            pytest.fail((work / "server.log").read_text("utf-8", "replace"))
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def tab_of(browser, url: str, login: str, today: str, anchor: str = ""):
    """A page logged in as `login` on the НИКО tab; its first screen (or the screen at `anchor`)
    is kept as a screenshot."""
    context = browser.new_context(base_url=url, viewport=SCREEN, locale="ru-RU")
    context.set_default_timeout(5000)
    page = context.new_page()
    page.problems = base.Problems(page)
    try:
        log_in(page, login)
        page.wait_for_url("**/cabinet")
        page.goto("/cabinet/niko")
        yield page
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.goto(f"/cabinet/niko#{anchor}" if anchor else "/cabinet/niko")
        page.screenshot(path=str(SHOTS / f"round-{ROLES[login]}-{today}.png"))
        assert page.problems.seen == []
    finally:
        context.close()


def now_text(page) -> str:
    return page.locator(".now").inner_text()


def test_before_the_study_opens(browser, tmp_path):
    with rehearsal(tmp_path, "2026-11-10") as url:
        with tab_of(browser, url, "edu770001", "2026-11-10") as page:
            now = now_text(page)
            assert "Исследование начнётся 20.11.2026" in now and "Что подготовить заранее" in now
            assert "в выборке" not in page.locator(".tab-panel").inner_text()
            assert page.locator("form[action^='/cabinet/niko/uploads']").count() == 0
            assert page.locator("form[action^='/cabinet/niko/steps/']").count() == 0
            assert low_contrast(page) == []
        with tab_of(browser, url, "niko__77", "2026-11-10") as page:
            assert "Исследование начнётся 20.11.2026" in now_text(page)
            assert page.get_by_role("button", name="Подтвердить выборку региона").count() == 0


def test_the_sample_confirmed_does_the_coordinators_first_step(browser, tmp_path):
    with rehearsal(tmp_path, "2026-11-25") as url:
        with tab_of(browser, url, "niko__77", "2026-11-25", "progress") as page:
            assert "Подтвердите выборку школ региона" in now_text(page)
            page.get_by_role("button", name="Подтвердить выборку региона").click()
            page.wait_for_url("**/cabinet/niko")
            row = page.locator("#progress-confirm-sample").inner_text()
            assert "выборка региона подтверждена 25.11.2026" in row
            assert "Убедитесь, что в каждой школе назначен" in now_text(page)
            page.get_by_role("button", name="Отметить выполненным: Убедитесь, что в каждой").click()
            page.wait_for_url("**/cabinet/niko")
            assert "отмечен 25.11.2026" in page.locator("#progress-appoint-organizers").inner_text()
        with tab_of(browser, url, "edu770001", "2026-11-25") as page:
            assert "выборка региона подтверждена" in page.locator("#sample-status").inner_text()


def test_an_uploaded_form_does_step_5_for_the_school_and_its_coordinator(browser, tmp_path):
    with rehearsal(tmp_path, "2027-03-17") as url:
        with tab_of(browser, url, "edu770001", "2027-03-17", "progress") as page:
            page.select_option("#upload-step", "upload-form")
            page.set_input_files(
                "#upload-file",
                files=[
                    {"name": "форма 8А.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}
                ],
            )
            page.locator("form.exchange-upload button[type=submit]").click()
            page.wait_for_url("**/cabinet/niko#upload-error")  # the form's anchor, kept
            row = page.locator("#progress-upload-form").inner_text()
            assert "загружен файл «форма 8А.pdf» 17.03.2027" in row
            assert "Приём файлов по шагу 3 закончился 15.03.2027" in page.content()
        with tab_of(browser, url, "niko__77", "2027-03-17", "region-progress") as page:
            table = page.locator("#region-progress tbody tr", has_text="edu770001")
            assert table.locator(".exchange-cell--done").count() == 1
            scroll, client = no_horizontal_scroll(page)
            assert scroll <= client


def test_after_the_study_ends(browser, tmp_path):
    with rehearsal(tmp_path, "2027-10-01") as url:
        for login in ROLES:
            with tab_of(browser, url, login, "2027-10-01") as page:
                now = now_text(page)
                assert "Исследование завершено" in now and "Не выполнены в срок" in now
                assert page.locator(".now__late").count() == 0  # history, not an alarm
                assert page.locator("form[action^='/cabinet/niko/uploads']").count() == 0
                assert page.locator("form[action^='/cabinet/niko/steps/']").count() == 0
                assert low_contrast(page) == []
