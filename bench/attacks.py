"""The floods of issue 17 against a running server, measured as the real users feel them.

Each scenario runs bench/floods.py's parts as separate processes (and bench/storm.py's `/cabinet`
probe beside them), all on loopback:
- `wrong`: wrong passwords from 20 addresses (2 threads each, never waiting); 3 s in, 4 real users
  on 4 other addresses arrive 3 s apart, each with its own account, and log in waiting as told
  (with --quick: 2 users, 1 s apart, and 4 schools after a 2 s flood).
- `own`: a school that knows its password logs in over and over from 3 addresses (4 threads
  each, keeping its device cookie); the same 4 real users' part.
- `after`: the wrong-password flood for 10 s; 2 s after it has ended, 16 schools on 16 addresses
  press «Войти» at once.
The figures: the slowest real user's seconds from the first POST to being in, the largest
Retry-After any of them was told, when the last of the 16 was in, and what the flood was
answered. Targets: every real user in within 20 s, never told more than 30 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRONG_ADDRESSES = [f"127.0.0.{n}" for n in range(2, 22)]
OWN_ADDRESSES = [f"127.0.0.{n}" for n in range(30, 33)]
OWN_SCHOOL = "edu779001"
USERS = 4
SCHOOLS_AFTER = 16
USER_LIMIT = 30.0  # a real user gives up after this: the target is 20
PAUSE = 2.0  # between the end of a flood and the 16 schools
TARGET_IN, TARGET_TOLD = 20.0, 30


@dataclass(frozen=True)
class Plan:
    """The scenarios' sizes and times; `QUICK` only shows that everything works."""

    users: int = USERS
    schools_after: int = SCHOOLS_AFTER
    lead: float = 3.0  # the flood fills the queue before the first real user comes
    gap: float = 3.0  # between the real users' arrivals
    after_flood: float = 10.0  # the flood before the 16 schools
    settle: float = 4.0  # between scenarios: the queue drains


FULL = Plan()
QUICK = Plan(users=2, schools_after=4, lead=1.0, gap=1.0, after_flood=2.0, settle=1.0)


def accounts() -> list[str]:
    """The logins these scenarios use (none of them is used by the storms)."""
    users = [f"edu771{n:03d}" for n in range(1, 2 * USERS + 1)]
    schools = [f"edu772{n:03d}" for n in range(1, SCHOOLS_AFTER + 1)]
    return [*users, *schools, OWN_SCHOOL]


class Part:
    """A bench script as its own process, started at once.

    A flood stops when its input closes: `stop_json` closes it and waits, `wait_json` waits for
    the process to end by itself (each part prints one line of JSON, so the pipes never fill).
    """

    def __init__(self, script: str, *argv: str) -> None:
        cmd = [sys.executable, str(ROOT / "bench" / script), *argv]
        self.process = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    def wait_json(self) -> dict:
        self.process.wait(timeout=600)
        out, err = self.process.stdout.read(), self.process.stderr.read()
        self.process.stdin.close()
        self.process.stdout.close()
        self.process.stderr.close()
        if self.process.returncode != 0:
            name = self.process.args[1]
            raise RuntimeError(f"{name} failed: {err.decode('utf-8', 'replace')[-2000:]}")
        return json.loads(out.decode().strip().splitlines()[-1])

    def stop_json(self) -> dict:
        self.process.stdin.close()
        return self.wait_json()


def _flood(port: int, mode: str, password: str, max_seconds: float) -> Part:
    if mode == "own":
        addresses, logins, per = OWN_ADDRESSES, [OWN_SCHOOL], 4
    else:
        addresses, logins, per = WRONG_ADDRESSES, accounts()[: 2 * USERS], 2
    return Part(
        "floods.py",
        "flood",
        str(port),
        mode,
        json.dumps(addresses),
        json.dumps(logins),
        f"--password={password}",
        f"--per-address={per}",
        f"--max-seconds={max_seconds}",
    )


def _users(port: int, people: list[list]) -> Part:
    return Part("floods.py", "users", str(port), json.dumps(people), f"--limit={USER_LIMIT}")


def _row(name: str, flood: dict, users: dict, cabinet: dict | None) -> dict:
    row = {"name": name, "flood": flood, "users": users, "cabinet": cabinet}
    users_ok = users["in"] == users["people"] and users["max_seconds"] is not None
    took = users["all_in_after_s"] if name == "after" else users["max_seconds"]
    row["met"] = bool(
        users_ok and took is not None and took <= TARGET_IN and users["max_told"] <= TARGET_TOLD
    )
    row["in_s"] = took
    return row


def _probe(port: int, cookie: str, seconds: float) -> Part | None:
    return Part("storm.py", "probe", str(port), cookie, str(seconds)) if cookie else None


def during(port: int, mode: str, password: str, cookie: str, first: int, plan: Plan) -> dict:
    """A flood (`wrong` or `own`) with the real users arriving while it goes on."""
    logins = accounts()[first : first + plan.users]
    people = [
        [login, password, f"127.0.0.{200 + first + i}", i * plan.gap]
        for i, login in enumerate(logins)
    ]
    span = plan.lead + (plan.users - 1) * plan.gap + USER_LIMIT + 10
    prober = _probe(port, cookie, plan.lead + 15)
    flooder = _flood(port, mode, password, span)
    time.sleep(plan.lead)
    users = _users(port, people).wait_json()
    flood = flooder.stop_json()
    cabinet = prober.wait_json() if prober else None
    time.sleep(plan.settle)
    return _row(mode, flood, users, cabinet)


def after(port: int, password: str, cookie: str, plan: Plan) -> dict:
    """16 schools at once, 2 s after a wrong-password flood from 20 addresses has ended."""
    logins = accounts()[2 * USERS : 2 * USERS + plan.schools_after]
    people = [[login, password, f"127.0.1.{i + 1}", 0] for i, login in enumerate(logins)]
    flood = _flood(port, "wrong", password, plan.after_flood).wait_json()
    time.sleep(PAUSE)
    prober = _probe(port, cookie, 15)
    users = _users(port, people).wait_json()
    cabinet = prober.wait_json() if prober else None
    time.sleep(plan.settle)
    return _row("after", flood, users, cabinet)


def all_floods(
    port: int, password: str, cookie: str = "", with_after: bool = True, plan: Plan = FULL
) -> list[dict]:
    rows = [
        during(port, "wrong", password, cookie, 0, plan),
        during(port, "own", password, cookie, USERS, plan),
    ]
    if with_after:
        rows.append(after(port, password, cookie, plan))
    return rows
