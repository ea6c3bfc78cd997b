"""Screenshots of the НИКО tab, school and coordinator, at a desktop and a phone size.

    python bench/screenshots.py                      # the four dates of the round below
    python bench/screenshots.py --today 2027-03-17   # one date (FISOKO_TODAY, a rehearsal)

For each date it starts `python app.py` on a free loopback port with the shipped accounts.yaml,
a fresh instance folder and FISOKO_TODAY, logs in as edu770001 (who marks a step and uploads a
file, so the coordinator's table has something in it) and as niko__77, and saves the first
screen of each tab as docs/screenshots/niko-<role>-<date>-<width>.png, plus the coordinator's
region table (`#region-table`) alone: region-table-<date>-1366.png and, as cards,
region-cards-<date>-360.png. Every file is checked to stay within 200 KB. It also prints
where the school's upload form and the region table begin on the page, in CSS pixels.

The browser is the installed Chromium (FISOKO_CHROMIUM, /usr/bin/chromium, or one on PATH).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
DATES = ("2026-11-25", "2027-03-17", "2027-03-27", "2027-10-01")
SIZES = {"1366": {"width": 1366, "height": 768}, "360": {"width": 360, "height": 740}}
DEMO = {"edu770001": "Shkola1-Msk", "niko__77": "KoordMsk-77"}  # the README's demo passwords
MAX_BYTES = 200 * 1024
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]


def chromium() -> str:
    """The Chromium to drive: FISOKO_CHROMIUM, /usr/bin/chromium, or one on PATH."""
    chosen = os.environ.get("FISOKO_CHROMIUM")
    for candidate in (chosen, "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    raise SystemExit("Chromium не найден: установите его или задайте FISOKO_CHROMIUM")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(today: str, instance: Path) -> Iterator[str]:
    """`python app.py` with FISOKO_TODAY on a free loopback port; yields its base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FISOKO_")}
    env.update(FISOKO_TODAY=today, FISOKO_INSTANCE=str(instance))
    port = free_port()
    log = open(instance.parent / "server.log", "ab")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                    break
            except OSError as error:
                if proc.poll() is not None or time.monotonic() > deadline:
                    where = instance.parent / "server.log"
                    raise SystemExit(f"сервер не запустился, см. {where}") from error
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def log_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#login", login)
    page.fill("#password", DEMO[login])
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/cabinet")


def school_does_something(page, base: str, work: Path) -> None:
    """The school marks its first open step and uploads a small file, when the tab takes them."""
    page.goto(f"{base}/cabinet/niko")
    mark = page.locator("form[action^='/cabinet/niko/steps/'] button").first
    if mark.count():
        mark.click()
    page.goto(f"{base}/cabinet/niko")
    step = page.locator("#upload-step option[value]:not([value=''])")
    if step.count():
        sample = work / "forma.csv"
        sample.write_text("код;балл\n10001;5\n", encoding="utf-8")
        page.select_option("#upload-step", step.first.get_attribute("value"))
        page.set_input_files("#upload-file", str(sample))
        page.click("form.exchange-upload button[type=submit]")


def top_of(page, selector: str) -> float | None:
    """Where an element begins, in CSS pixels from the top of the page, or None without one."""
    return page.evaluate(
        "(s) => { const e = document.querySelector(s);"
        " return e ? e.getBoundingClientRect().top + window.scrollY : null; }",
        selector,
    )


def shoot(page, path: Path, element: str | None = None) -> int:
    """Save the first screen (or one element, cut to 2000 px) and return the file's size."""
    if element is None:
        page.screenshot(path=str(path))
    else:
        box = page.locator(element).bounding_box()
        if box is None:
            return 0
        clip = {**box, "height": min(box["height"], 2000)}
        page.screenshot(path=str(path), clip=clip, full_page=True)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{path.name}: {size} байт — больше {MAX_BYTES}")
    return size


def run_date(browser, today: str, out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="fisoko-shots-") as folder:
        work = Path(folder)
        with serve(today, work / "instance") as base:
            for login, role, element in (
                ("edu770001", "school", "form.exchange-upload"),
                ("niko__77", "coordinator", "#region-table"),
            ):
                context = browser.new_context(viewport=SIZES["1366"], locale="ru-RU")
                page = context.new_page()
                log_in(page, base, login)
                if role == "school":
                    school_does_something(page, base, work)
                for width, size in SIZES.items():
                    page.set_viewport_size(size)
                    page.goto(f"{base}/cabinet/niko")
                    name = f"niko-{role}-{today}-{width}.png"
                    shoot(page, out / name)
                    top = top_of(page, element)
                    where = "нет" if top is None else f"{top:.0f} px"
                    print(f"{today} {role} {width}: {element} начинается на {where}; {name}")
                    if role == "coordinator":
                        kind = "table" if width == "1366" else "cards"
                        shoot(page, out / f"region-{kind}-{today}-{width}.png", element)
                context.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", action="append", help="ГГГГ-ММ-ДД (можно несколько раз)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for today in args.today or DATES:
                run_date(browser, today, args.out)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
