"""Page ratios of two git revisions in one run: how much faster or slower B is than A.

    python bench/compare.py 600b3df~1 HEAD
    python bench/compare.py main issue-18b --rounds 5 --duration 3

Each revision is exported with `git archive` into a temporary folder (the repository and its work
tree are left alone) and served by `python app.py` from there with this venv's Python, beside a
Flask «hello» baseline; see bench/variants.py for how the runs alternate. Printed per page: each
revision's median ratio to «hello» with the lowest and highest round, B's change against A in
per cent, and «paired»: the median of each round's own change (B against the A of the same
round), which one outlying round cannot swing. Only loopback is used. JSON goes to
bench/results/compare.json unless --out.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import inprocess_variants
import servers
import variants

ROOT = servers.ROOT


def resolve(rev: str) -> str:
    """The full commit hash of `rev`, or SystemExit with git's message."""
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"compare.py: unknown revision {rev!r}")
    return done.stdout.strip()


def export(commit: str, into: Path) -> Path:
    """The tree of `commit` unpacked into `into` (made), through `git archive`."""
    into.mkdir(parents=True)
    tar = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        if hasattr(tarfile, "data_filter"):  # Python 3.12, and 3.10.12 / 3.11.4 on
            archive.extractall(into, filter="data")
        else:
            archive.extractall(into)
    if not (into / "app.py").is_file():
        raise SystemExit(f"compare.py: {commit[:10]} has no app.py")
    return into


def measure_inprocess(
    roots: dict[str, Path], pages: list, options: variants.Options, work: Path
) -> dict:
    """In-process CPU time of each revision, a fresh process per revision and round.

    A round's ratio is «hello»'s µs over the page's µs in the same process, the in-process
    counterpart of the servers' rate ratio.
    """
    accounts = inprocess_variants.write_bench_accounts(work, options.accounts)
    names = list(roots)
    found: dict[str, dict[str, list[dict]]] = {page: {n: [] for n in names} for page, *_ in pages}
    before = variants.loadavg()
    for turn in range(options.rounds):
        for name in names[turn % len(names) :] + names[: turn % len(names)]:
            command = [sys.executable, str(ROOT / "bench" / "inprocess_probe.py")]
            command += [str(roots[name]), str(accounts), f"--requests={options.requests}"]
            if len(pages) > len(variants.SCHOOL_PAGES):
                command.append("--coordinator")
            done = subprocess.run(
                command, cwd=roots[name], capture_output=True, text=True, timeout=900
            )
            if done.returncode != 0:
                raise SystemExit(f"compare.py: the probe of {name} failed:\n{done.stderr[-3000:]}")
            probe = json.loads(done.stdout.strip().splitlines()[-1])
            for page, us in probe["pages"].items():
                found[page][name].append({"us": us, "ratio": probe["hello_us"] / us})
    rows = []
    for page, *_ in pages:
        for name in names:
            ratios = [round(run["ratio"], 4) for run in found[page][name]]
            rows.append(
                {
                    "page": page,
                    "variant": name,
                    "ratio": round(statistics.median(ratios), 4),
                    "low": min(ratios),
                    "high": max(ratios),
                    "ratios": ratios,
                    "runs_us": [run["us"] for run in found[page][name]],
                }
            )
    return {
        "mode": "in process",
        "rounds": options.rounds,
        "requests": options.requests,
        "accounts": options.accounts,
        "errors": 0,
        "loadavg_before": before,
        "loadavg_after": variants.loadavg(),
        "rows": rows,
    }


def table(result: dict) -> str:
    a, b = result["a"], result["b"]
    lines = [
        f"A = {a['rev']} ({a['commit'][:10]}), B = {b['rev']} ({b['commit'][:10]})",
        f"ratio to «hello» ({result.get('mode', 'servers')}): median of {result['rounds']} rounds"
        " [lowest-highest]",
        f"{'page':34} {'A':>20} {'B':>20} {'B vs A':>8} {'paired':>8}",
    ]
    if result.get("mode") == "in process":
        lines[-1] += "   CPU per request: A, B, B faster by"
    for page in result["pages"]:
        ra = variants.ratio_of(result, page, "A")
        rb = variants.ratio_of(result, page, "B")
        cells = [variants.cell(ra), variants.cell(rb)]
        change = variants.change_pct(rb["ratio"], ra["ratio"])
        paired = variants.paired_change_pct(rb, ra)
        line = f"{page:34} {cells[0]:>20} {cells[1]:>20} {change:>+7.1f}% {paired:>+7.1f}%"
        if "runs_us" in ra:  # in process: also the CPU time itself, without «hello»'s own noise
            us_a, us_b = statistics.median(ra["runs_us"]), statistics.median(rb["runs_us"])
            line += f"   {us_a:6.0f} µs {us_b:6.0f} µs {variants.change_pct(us_a, us_b):>+6.1f}%"
        lines.append(line)
    lines.append(variants.loadavg_text(result))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python bench/compare.py", description=__doc__.splitlines()[0])
    p.add_argument("rev_a", help="the revision compared against, e.g. main or 600b3df~1")
    p.add_argument("rev_b", help="the revision measured, e.g. HEAD")
    p.add_argument("--coordinator", action="store_true", help="also the coordinator's pages")
    p.add_argument("--inprocess", action="store_true", help="CPU time in one process per run")
    p.add_argument("--requests", type=int, default=400, help="requests per timed batch (400)")
    variants.add_arguments(p, "compare.json")
    args = p.parse_args(argv)
    options = variants.options_of(p, args)
    options.requests = max(1, args.requests)
    pages = variants.SCHOOL_PAGES + (variants.COORDINATOR_PAGES if args.coordinator else [])
    commits = {"A": resolve(args.rev_a), "B": resolve(args.rev_b)}
    with tempfile.TemporaryDirectory(prefix="fisoko-compare-") as tmp:
        work = Path(tmp)
        roots = {name: export(commit, work / f"rev-{name}") for name, commit in commits.items()}
        if args.inprocess:
            result = measure_inprocess(roots, pages, options, work)
        else:
            chosen = [variants.Variant(name, root) for name, root in roots.items()]
            result = variants.measure(chosen, pages, options, work)
            result["mode"] = "servers"
    result["a"] = {"rev": args.rev_a, "commit": commits["A"]}
    result["b"] = {"rev": args.rev_b, "commit": commits["B"]}
    result["pages"] = [page for page, *_ in pages]
    return variants.finish(result, args.out, table(result))


if __name__ == "__main__":
    sys.exit(main())
