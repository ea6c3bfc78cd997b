"""Page rates of several variants of the app, measured in one run, as ratios to Flask «hello».

A variant is the app from some folder with some environment: another git revision
(bench/compare.py) or a fast path switched off (bench/caches.py). Every variant and the baseline
run as their own server at the same time, pinned to the same core; for each page and round the
baseline is loaded first and then every variant, in an order that rotates from round to round, so
that slow drift of the machine's other work touches them all alike. A round's ratio is a page's
requests/s over the baseline's just before it; the median of the rounds is reported with its
spread (lowest and highest round).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import bcrypt
import loadgen
import servers
from probes import write_accounts

PASSWORD = "Bench-Variant-0001"
SCHOOL, COORDINATOR = "edu770001", "niko__77"
SCHOOL_PAGES = [("GET /login", "/login", None), ("GET /cabinet", "/cabinet", SCHOOL)]
SCHOOL_PAGES.append(("GET /cabinet/niko", "/cabinet/niko", SCHOOL))
COORDINATOR_PAGES = [
    ("GET /cabinet (coordinator)", "/cabinet", COORDINATOR),
    ("GET /cabinet/niko (coordinator)", "/cabinet/niko", COORDINATOR),
]


@dataclass
class Variant:
    name: str
    root: Path = servers.ROOT
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Options:
    rounds: int = 3
    duration: float = 3.0
    connections: int = 4
    accounts: int = 5000
    requests: int = 400  # per timed batch of the in-process measurement


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def measure(
    variants: list[Variant], pages: list[tuple[str, str, str | None]], options: Options, work: Path
) -> dict:
    """Every page of every variant, `options.rounds` times; the JSON-ready result."""
    accounts = work / "served.yaml"
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    write_accounts(accounts, options.accounts, {SCHOOL: hashed, COORDINATOR: hashed})
    server_cpu, client_cpu = servers.cpus()
    logins = sorted({login for *_, login in pages if login})
    ratios: dict[str, dict[str, list[float]]] = {page: {} for page, *_ in pages}
    rates: dict[str, dict[str, list[float]]] = {page: {} for page, *_ in pages}
    errors = 0

    def load(port: int, path: str, cookie: str) -> dict:
        common = {"connections": options.connections, "prefix": client_cpu}
        common["headers"] = {"Cookie": cookie} if cookie else {}
        url = f"http://127.0.0.1:{port}{path}"
        loadgen.run_python(url, duration=min(0.3, options.duration / 4), **common)
        return loadgen.run_python(url, duration=options.duration, **common)

    before = loadavg()
    with contextlib.ExitStack() as stack:
        hello = stack.enter_context(servers.serve("hello", work, server_cpu, {}))
        ports = {}
        for number, variant in enumerate(variants):
            instance = work / f"instance-{number}"
            env = {"FISOKO_ACCOUNTS": str(accounts), "FISOKO_INSTANCE": str(instance)}
            env |= variant.env
            ports[variant.name] = stack.enter_context(
                servers.serve("app", work, server_cpu, env, root=variant.root)
            )
        for turn in range(options.rounds):
            # A fresh login per round: the load generator cannot keep a renewed session cookie.
            cookies = {
                (variant.name, login): servers.log_in(ports[variant.name], login, PASSWORD)
                for variant in variants
                for login in logins
            }
            order = variants[turn % len(variants) :] + variants[: turn % len(variants)]
            for page, path, login in pages:
                base = load(hello, "/", "")
                errors += base["errors"]
                for variant in order:
                    cookie = cookies[(variant.name, login)] if login else ""
                    got = load(ports[variant.name], path, cookie)
                    errors += got["errors"]
                    rates[page].setdefault(variant.name, []).append(got["rps"])
                    ratio = got["rps"] / base["rps"] if base["rps"] else 0.0
                    ratios[page].setdefault(variant.name, []).append(round(ratio, 4))
    rows = []
    for page, *_ in pages:
        for variant in variants:
            found = ratios[page][variant.name]
            rows.append(
                {
                    "page": page,
                    "variant": variant.name,
                    "ratio": round(statistics.median(found), 4),
                    "low": min(found),
                    "high": max(found),
                    "ratios": found,
                    "rps": rates[page][variant.name],
                }
            )
    return {
        "rounds": options.rounds,
        "duration_s": options.duration,
        "connections": options.connections,
        "accounts": options.accounts,
        "pinned": bool(server_cpu),
        "errors": errors,
        "loadavg_before": before,
        "loadavg_after": loadavg(),
        "rows": rows,
    }


def ratio_of(result: dict, page: str, variant: str) -> dict:
    return next(r for r in result["rows"] if r["page"] == page and r["variant"] == variant)


def change_pct(new: float, old: float) -> float:
    return round((new - old) / old * 100, 1) if old else 0.0


def paired_change_pct(new: dict, old: dict) -> float:
    """The median over rounds of each round's change: `new` against `old` measured in the same
    round, minutes apart at most, so a machine that is slower for a while slows both alike.
    The medians of each variant's rounds can disagree with it when one round is an outlier."""
    changes = [change_pct(b, a) for a, b in zip(old["ratios"], new["ratios"], strict=True)]
    return round(statistics.median(changes), 1) if changes else 0.0


def cell(row: dict) -> str:
    """A row's median ratio with its lowest and highest round: «0.215 [0.209-0.220]»."""
    return f"{row['ratio']:.3f} [{row['low']:.3f}-{row['high']:.3f}]"


def loadavg_text(result: dict) -> str:
    def show(values: list[float] | None) -> str:
        return " ".join(f"{v:.2f}" for v in values) if values else "n/a"

    before, after = show(result["loadavg_before"]), show(result["loadavg_after"])
    return f"load average before {before}, after {after}"


def add_arguments(parser: argparse.ArgumentParser, out: str) -> None:
    """The options every variants script takes."""
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (3)")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per load run (3)")
    parser.add_argument("--connections", type=int, default=4, help="connections per run (4)")
    parser.add_argument("--accounts", type=int, default=5000, help="accounts served (5000)")
    parser.add_argument("--out", default=str(servers.ROOT / "bench" / "results" / out))


def options_of(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Options:
    if args.rounds < 1 or args.duration <= 0 or args.connections < 1 or args.accounts < 10:
        parser.error("--rounds and --connections at least 1, --duration above 0, --accounts 10+")
    return Options(args.rounds, args.duration, args.connections, args.accounts)


def finish(result: dict, out: str, text: str) -> int:
    """Write the JSON, print the table and where the JSON is."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(text)
    if result["errors"]:
        print(f"WARNING: {result['errors']} requests failed (see the JSON)")
    print(f"\nJSON: {path}")
    return 1 if result["errors"] else 0
