"""Checking a results form against reading it with the bare library, in the same run.

    python bench/results_form.py            # 2,000 participants, best of 5
    python bench/results_form.py --quick    # 200 participants, one run

For CSV and XLSX: the check (fisoko/niko/exchange/results_form.py) and the bare read (`csv.reader`;
openpyxl read-only, values only) of the same bytes, each timed (best of --repeat) and then its
peak traced allocation measured (tracemalloc) in a separate pass. Targets: XLSX ≤ 2× the bare
library's time and memory, CSV ≤ 5×. Writes JSON (bench/results/results_form.json unless --out).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fisoko.niko.exchange.results_form import FormSpec, check  # noqa: E402

# the columns of the shipped template, as a school fills it in
TEMPLATE = ROOT / "materials" / "forma-sbora-rezultatov.csv"
COLUMNS = tuple(TEMPLATE.read_text(encoding="utf-8-sig").splitlines()[0].split(";"))
SPEC = FormSpec(COLUMNS, "Код участника", {f"Задание {n}": 4 for n in range(1, 6)})
TARGETS = {"csv": 5.0, "xlsx": 2.0}


def form_rows(participants: int) -> list[list[object]]:
    rows: list[list[object]] = [list(COLUMNS)]
    for n in range(participants):
        rows.append([10000 + n, 8, 1 + n % 2, n % 2, n % 3, n % 4, n % 5, 4 - n % 5, "да"])
    return rows


def as_csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bare_csv(data: bytes) -> int:
    return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")) - 1


def bare_xlsx(data: bytes) -> int:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
    finally:
        book.close()


def timed(run, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def peak_mb(run) -> float:
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python bench/results_form.py", description=__doc__.split("\n")[0]
    )
    p.add_argument("--quick", action="store_true", help="200 participants, one run")
    p.add_argument("--participants", type=int, help="rows of the form (2000; quick 200)")
    p.add_argument("--repeat", type=int, help="timed runs of each side, best kept (5; quick 1)")
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "results_form.json"))
    args = p.parse_args(argv)
    participants = args.participants or (200 if args.quick else 2000)
    repeat = args.repeat or (1 if args.quick else 5)
    rows = form_rows(participants)
    issued = {str(row[0]) for row in rows[1:]}
    result = {"participants": participants, "repeat": repeat, "load": os.getloadavg()}
    for kind, pack, bare in (("csv", as_csv, bare_csv), ("xlsx", as_xlsx, bare_xlsx)):
        data = pack(rows)
        name = f"form.{kind}"

        def app(data=data, name=name):
            assert check(data, name, SPEC, issued) == participants

        def plain(data=data, bare=bare):
            assert bare(data) == participants

        app()  # warm: imports and first-use caches on neither side's clock
        plain()
        sides = {
            "app": {"seconds": timed(app, repeat), "peak_mb": peak_mb(app)},
            "bare": {"seconds": timed(plain, repeat), "peak_mb": peak_mb(plain)},
        }
        time_ratio = sides["app"]["seconds"] / sides["bare"]["seconds"]
        memory_ratio = sides["app"]["peak_mb"] / sides["bare"]["peak_mb"]
        result[kind] = {
            **sides,
            "bytes": len(data),
            "time_ratio": time_ratio,
            "memory_ratio": memory_ratio,
            "target": TARGETS[kind],
            "met": time_ratio <= TARGETS[kind] and memory_ratio <= TARGETS[kind],
        }
    print(f"results form, {participants} participants, load {result['load'][0]:.2f}")
    print(f"{'':6}{'app s':>9}{'bare s':>9}{'×':>6}{'app MB':>9}{'bare MB':>9}{'×':>6}  target")
    for kind in ("csv", "xlsx"):
        r = result[kind]
        print(
            f"{kind:6}{r['app']['seconds']:9.4f}{r['bare']['seconds']:9.4f}{r['time_ratio']:6.2f}"
            f"{r['app']['peak_mb']:9.2f}{r['bare']['peak_mb']:9.2f}{r['memory_ratio']:6.2f}"
            f"  ≤{r['target']:.0f}× {'met' if r['met'] else 'MISSED'}"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2), encoding="utf-8")
    tmp.replace(out)


if __name__ == "__main__":
    main()
