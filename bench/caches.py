"""What each page cache earns: the app with all of them on against the app with one switched off.

    python bench/caches.py                 # servers: requests/s as a ratio to Flask «hello»
    python bench/caches.py --inprocess     # one process: CPU µs per request (busy machines)

Measured in one run: the app with every cache on, twice («on» and «on again»: their difference
is the noise of this run), and the app with one cache off for each switch in CACHES. With
servers (bench/variants.py) each is its own `python app.py` beside a «hello» baseline; in process
(bench/inprocess_variants.py) each is its own app under Flask's test client, timed by the
process's CPU time. Printed per page: each one's median of the rounds with the lowest and highest
round, the on-vs-on difference, and each cache's gain: how much faster the page is with the cache
(the pooled «on» rounds against the cache off), in per cent. A gain no bigger than the on-vs-on
difference is within noise. JSON goes to bench/results/caches.json unless --out.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import variants

CACHES = {
    "fragments off": {"FISOKO_FRAGMENT_CACHE": "0"},
    "urls off": {"FISOKO_URL_CACHE": "0"},
    "csrf off": {"FISOKO_CSRF_TOKEN_CACHE": "0"},
    "sessions off": {"FISOKO_SESSION_CACHE": "0"},
}
ON = ("on", "on again")


def _speed(result: dict, row: dict) -> float:
    """Higher is faster: the ratio to «hello», or requests per CPU second."""
    return row["ratio"] if result["mode"] == "servers" else 1e6 / row["us"]


def summarise(result: dict) -> list[dict]:
    """Per page: the pooled «on» figure, the on-vs-on difference and each cache's gain in %."""
    key = "ratios" if result["mode"] == "servers" else "runs_us"
    rows = []
    for page in result["pages"]:
        ons = [variants.ratio_of(result, page, name) for name in ON]
        pooled = {**ons[0], "ratio": statistics.median(ons[0][key] + ons[1][key])}
        pooled["us"] = pooled["ratio"]
        speed = _speed(result, pooled)
        noise = variants.change_pct(_speed(result, ons[1]), _speed(result, ons[0]))
        row = {"page": page, "on": round(pooled["ratio"], 4), "on_vs_on_pct": noise}
        row["gains_pct"] = {
            name: variants.change_pct(speed, _speed(result, variants.ratio_of(result, page, name)))
            for name in result["caches"]
        }
        # Round by round against «on» of the same round, which cancels the machine's slow drift.
        row["paired_pct"] = {
            name: _paired(result, ons[0][key], variants.ratio_of(result, page, name)[key])
            for name in ("on again", *result["caches"])
        }
        rows.append(row)
    return rows


def _paired(result: dict, on: list[float], other: list[float]) -> dict:
    """The median and range over rounds of how much faster «on» was than `other` in each."""
    if result["mode"] == "servers":
        gains = [variants.change_pct(a, b) for a, b in zip(on, other, strict=True)]
    else:  # µs: fewer is faster
        gains = [variants.change_pct(b, a) for a, b in zip(on, other, strict=True)]
    return {"median": round(statistics.median(gains), 1), "low": min(gains), "high": max(gains)}


def _cell(result: dict, row: dict) -> str:
    if result["mode"] == "servers":
        return variants.cell(row)
    return f"{row['us']:.0f} [{row['low']:.0f}-{row['high']:.0f}]"


def table(result: dict) -> str:
    names = [*ON, *result["caches"]]
    if result["mode"] == "servers":
        what = "ratio to «hello»"
    else:
        hello = statistics.median(result["hello_us"])
        what = f"CPU µs per request («hello»: {hello:.0f} µs)"
    lines = [
        f"{what}: median of {result['rounds']} rounds [lowest-highest]",
        f"{'page':32} " + " ".join(f"{name:>19}" for name in names),
    ]
    for page in result["pages"]:
        cells = [_cell(result, variants.ratio_of(result, page, name)) for name in names]
        lines.append(f"{page:32} " + " ".join(f"{cell:>19}" for cell in cells))
    lines += ["", "how much faster with each cache (pooled «on» against it off), and the noise:"]
    lines.append(f"{'page':32} {'on vs on':>9} " + " ".join(f"{n:>14}" for n in result["caches"]))
    for row in result["summary"]:
        gains = " ".join(f"{row['gains_pct'][n]:>+13.1f}%" for n in result["caches"])
        lines.append(f"{row['page']:32} {row['on_vs_on_pct']:>+8.1f}% {gains}")
    lines += ["", "round by round, how much faster «on» was than each in the same round:"]
    paired = ("on again", *result["caches"])
    lines.append(f"{'page':32} " + " ".join(f"{n:>19}" for n in paired))
    for row in result["summary"]:
        cells = [row["paired_pct"][n] for n in paired]
        text = [f"{c['median']:+.1f}% [{c['low']:+.0f}..{c['high']:+.0f}]" for c in cells]
        lines.append(f"{row['page']:32} " + " ".join(f"{t:>19}" for t in text))
    lines.append(variants.loadavg_text(result))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python bench/caches.py", description=__doc__.splitlines()[0])
    p.add_argument("--inprocess", action="store_true", help="CPU time in one process")
    p.add_argument("--requests", type=int, default=400, help="requests per timed batch (400)")
    variants.add_arguments(p, "caches.json")
    args = p.parse_args(argv)
    options = variants.options_of(p, args)
    options.requests = max(1, args.requests)
    pages = variants.SCHOOL_PAGES + variants.COORDINATOR_PAGES
    with tempfile.TemporaryDirectory(prefix="fisoko-caches-") as tmp:
        if args.inprocess:
            import inprocess_variants

            configs = {name: {} for name in ON}
            for name, env in CACHES.items():
                configs[name] = {key.removeprefix("FISOKO_"): False for key in env}
            before = variants.loadavg()
            result = inprocess_variants.measure(configs, pages, options, Path(tmp))
            result |= {"mode": "in process", "errors": 0, "rounds": options.rounds}
            result |= {"loadavg_before": before, "loadavg_after": variants.loadavg()}
        else:
            chosen = [variants.Variant(name) for name in ON]
            chosen += [variants.Variant(name, env=env) for name, env in CACHES.items()]
            result = variants.measure(chosen, pages, options, Path(tmp))
            result["mode"] = "servers"
    result["pages"] = [page for page, *_ in pages]
    result["caches"] = list(CACHES)
    result["summary"] = summarise(result)
    return variants.finish(result, args.out, table(result))


if __name__ == "__main__":
    sys.exit(main())
