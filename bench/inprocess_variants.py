"""CPU time per request of several configurations of the app in one process, interleaved.

The in-process twin of bench/variants.py, for a machine too busy for server rates to show a few
per cent: each configuration is its own app built by `create_app` on the same accounts file,
requests go through Flask's test client with a fixed cookie (as the load generator sends one),
and each batch is timed with `time.process_time`, which counts this process's CPU only, so other
work on the machine changes the figures much less than it changes requests/s. For each round and
page every configuration is timed once, in an order that rotates from round to round; a Flask
«hello» is timed the same way in every round, as the floor.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import time
from pathlib import Path

import bcrypt
from flask import Flask
from probes import write_accounts
from servers import CSRF_RE, ROOT, hello_app
from variants import COORDINATOR, PASSWORD, SCHOOL, Options


def _cookies(answer) -> str:
    return "; ".join(v.split(";", 1)[0] for v in answer.headers.getlist("Set-Cookie"))


def _log_in(client, login: str) -> str:
    page = client.get("/login")
    token = CSRF_RE.search(page.get_data(as_text=True))
    form = {"csrf_token": token.group(1) or token.group(2), "login": login, "password": PASSWORD}
    done = client.post("/login", data=form, headers={"Cookie": _cookies(page)})
    if done.status_code != 302:
        raise RuntimeError(f"logging in as {login} gave {done.status_code}")
    return _cookies(done)


def _cpu_us(client, path: str, cookie: str, count: int) -> float:
    """CPU microseconds per request over `count` requests (after a few untimed ones)."""
    headers = {"Cookie": cookie} if cookie else {}
    for _ in range(20):
        client.get(path, headers=headers)
    started = time.process_time()
    for _ in range(count):
        answer = client.get(path, headers=headers)
    spent = time.process_time() - started
    if answer.status_code != 200:
        raise RuntimeError(f"{path} answered {answer.status_code}")
    return spent / count * 1e6


def write_bench_accounts(work: Path, count: int) -> Path:
    """The accounts file every variant serves: the bench's school and coordinator, then others."""
    accounts = work / "accounts.yaml"
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    write_accounts(accounts, count, {SCHOOL: hashed, COORDINATOR: hashed})
    return accounts


def logged_in(client, pages: list[tuple[str, str, str | None]]) -> dict[str, str]:
    """A session cookie for every login the pages need."""
    return {login: _log_in(client, login) for login in {login for *_, login in pages if login}}


def time_pages(client, pages, cookies: dict[str, str], count: int) -> dict[str, float]:
    """CPU µs per request of each page, one timed batch each."""
    return {
        page: round(_cpu_us(client, path, cookies.get(login, "") if login else "", count), 1)
        for page, path, login in pages
    }


def measure(
    configs: dict[str, dict], pages: list[tuple[str, str, str | None]], options: Options, work: Path
) -> dict:
    """Every page of every configuration, `options.rounds` times: µs per request, JSON-ready."""
    sys.path.insert(0, str(ROOT))
    from app import create_app

    accounts = write_bench_accounts(work, options.accounts)
    clients, cookies = {}, {}
    for number, (name, extra) in enumerate(configs.items()):
        app: Flask = create_app(
            {
                "ACCOUNTS": str(accounts),
                "INSTANCE": str(work / f"instance-{number}"),
                "SECRET_KEY": secrets.token_hex(32),
                **extra,
            }
        )
        clients[name] = app.test_client(use_cookies=False)
        for login, cookie in logged_in(clients[name], pages).items():
            cookies[(name, login)] = cookie
    hello = hello_app().test_client()
    count = options.requests
    names = list(configs)
    spent: dict[str, dict[str, list[float]]] = {page: {n: [] for n in names} for page, *_ in pages}
    floor = []
    for turn in range(options.rounds):
        floor.append(_cpu_us(hello, "/", "", count))
        order = names[turn % len(names) :] + names[: turn % len(names)]
        for page, path, login in pages:
            for name in order:
                cookie = cookies[(name, login)] if login else ""
                spent[page][name].append(round(_cpu_us(clients[name], path, cookie, count), 1))
    rows = []
    for page, *_ in pages:
        for name in names:
            found = spent[page][name]
            rows.append(
                {
                    "page": page,
                    "variant": name,
                    "us": round(statistics.median(found), 1),
                    "low": min(found),
                    "high": max(found),
                    "runs_us": found,
                }
            )
    return {"requests": count, "hello_us": [round(x, 1) for x in floor], "rows": rows}
