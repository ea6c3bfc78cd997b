"""What the results part costs the НИКО tab: the page with results open against the same page
without a `results:` section, in the same run.

    python bench/results_scan.py            # 300 schools in the region, 4000 login folders
    python bench/results_scan.py --quick    # seconds; only shows that everything works

It measures the folder scan where it costs most: a school's tab (its own folder) and the
coordinator's tab (the results folder's listing and each school of the region), with the kept
listings (FISOKO_RESULTS_CACHE) and without. Times are µs per request through Flask's test
client, the median of `--rounds` batches, the apps taking turns in every round; the ratio is to
the tab without a `results:` section. Prints a table and JSON
(bench/results/results_scan.json unless --out).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import bcrypt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inprocess import logged_in_cookie  # noqa: E402

from app import create_app  # noqa: E402

PASSWORD = "Bench-Results-1"
SCHOOL, COORDINATOR = "edu770001", "niko__77"
TODAY = "2027-10-01"
# (name, content with `results:`, FISOKO_RESULTS_CACHE)
SIDES = (("with", True, True), ("with-no-cache", True, False), ("without", False, True))


def prepare(work: Path, schools: int, folders: int) -> tuple[Path, Path, Path]:
    """Accounts (a region of `schools`), two content files, a results folder of `folders`."""
    known = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    fake = "$2b$04$" + "a" * 53
    lines = [
        "accounts:",
        f"  {COORDINATOR}:",
        "    name: Координатор",
        f"    password_hash: {known}",
    ]
    for number in range(1, schools + 1):
        login = f"edu77{number:04d}"
        lines += [f"  {login}:", f"    name: ГБОУ «Школа № {number}»"]
        lines.append(f"    password_hash: {known if login == SCHOOL else fake}")
    accounts = work / "accounts.yaml"
    accounts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = work / "results"
    logins = [COORDINATOR] + [f"edu77{n:04d}" for n in range(1, schools + 1)]
    logins += [f"edu{10 + n % 60:02d}{n:04d}" for n in range(max(0, folders - len(logins)))]
    for login in logins:
        (results / login).mkdir(parents=True)
        for name in ("rezultaty.csv", "analitika.xlsx"):
            (results / login / name).write_bytes(b"x" * 2000)
    shipped = (ROOT / "content" / "niko.yaml").read_text(encoding="utf-8")
    with_results, without = work / "with.yaml", work / "without.yaml"
    with_results.write_text(shipped, encoding="utf-8")
    without.write_text(shipped[: shipped.index("\nresults:")] + "\n", encoding="utf-8")
    return accounts, with_results, without


def interleaved(sides: dict, who: str, count: int, rounds: int) -> dict[str, float]:
    """µs per НИКО tab for each side: the median of `rounds` batches, the sides taking turns in
    every round, so a burst of other work on the machine falls on all of them alike."""
    batch = max(1, count // rounds)
    for client, cookies in sides.values():
        for _ in range(min(50, batch)):
            client.get("/cabinet/niko", headers={"Cookie": cookies[who]})
    times: dict[str, list[float]] = {side: [] for side in sides}
    for _ in range(rounds):
        for side, (client, cookies) in sides.items():
            headers = {"Cookie": cookies[who]}
            start = time.perf_counter()
            for _ in range(batch):
                response = client.get("/cabinet/niko", headers=headers)
            times[side].append((time.perf_counter() - start) / batch * 1e6)
            if response.status_code != 200:
                raise SystemExit(f"/cabinet/niko answered {response.status_code} ({side}, {who})")
    return {side: statistics.median(found) for side, found in times.items()}


def main() -> None:
    p = argparse.ArgumentParser(prog="python bench/results_scan.py", description=__doc__)
    p.add_argument("--schools", type=int, default=300, help="schools in the region (300)")
    p.add_argument("--folders", type=int, default=4000, help="login folders in results/ (4000)")
    p.add_argument("--count", type=int, default=500, help="timed requests per page (500)")
    p.add_argument("--rounds", type=int, default=15, help="batches per side, taking turns (15)")
    p.add_argument("--quick", action="store_true", help="tiny sizes, a few requests")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "results_scan.json")
    args = p.parse_args()
    if args.quick:
        args.schools, args.folders, args.count, args.rounds = 5, 20, 10, 3
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        accounts, with_results, without = prepare(work, args.schools, args.folders)
        sides = {}
        past = time.time() - 60  # settled folders, as a delivery is by the time schools look
        for path in (work / "results", *(work / "results").iterdir()):
            os.utime(path, (past, past))
        for side, content, kept in SIDES:
            app = create_app(
                {
                    "ACCOUNTS": str(accounts),
                    "CONTENT": str(with_results if content else without),
                    "RESULTS": str(work / "results"),
                    "RESULTS_CACHE": kept,
                    "INSTANCE": str(work / f"instance-{side}"),
                    "SECRET_KEY": secrets.token_hex(32),
                    "TODAY": TODAY,
                }
            )
            client = app.test_client(use_cookies=False)
            cookies = {
                who: logged_in_cookie(client, who, PASSWORD) for who in (SCHOOL, COORDINATOR)
            }
            sides[side] = (client, cookies)
        figures: dict[str, dict[str, float]] = {side: {} for side, _, _ in SIDES}
        for who in (SCHOOL, COORDINATOR):
            took = interleaved(sides, who, args.count, args.rounds)
            for side in figures:
                figures[side][who] = took[side]
    base = figures["without"]
    report = {
        "schools": args.schools,
        "folders": args.folders,
        "us_per_page": figures,
        "ratio_to_without": {
            side: {who: figures[side][who] / base[who] for who in base} for side in figures
        },
    }
    print(f"{'µs per НИКО tab':26}" + "".join(f"{side:>16}" for side, _, _ in SIDES))
    for who in (SCHOOL, COORDINATOR):
        cells = "".join(
            f"{figures[side][who]:8.0f} ({figures[side][who] / base[who]:4.2f})"
            for side, _, _ in SIDES
        )
        print(f"{'as ' + who:26}{cells}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"JSON: {args.out}")


if __name__ == "__main__":
    main()
