"""The region archive (GET /cabinet/niko/uploads.zip) against a plain `zipfile` of the same files.

    python bench/archive.py            # 200 schools x 3 files of 5 MB (3 GB through the writer)
    python bench/archive.py --quick    # seconds; only shows that everything works

Both sides read the same files and throw the archive away (`zipfile` gets a seekable file that
discards what it is given; the app's chunks are just counted), so the figures compare the
writers, not a disk. Every file is a hard link to one random file (incompressible, like xlsx or
pdf): the bytes come from the page cache on both sides and the set-up needs no 3 GB of disk.
Each time is the best of `--repeat` runs in a fresh process, the two sides alternating; peak
memory comes from separate runs under tracemalloc (which slows allocation), as in
bench/probes.py. Prints a table and JSON (bench/results/archive.json unless --out).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COORDINATOR, PASSWORD = "niko__77", "Bench-Koord-77"


def prepare(work: Path, schools: int, files: int, size_mb: float) -> None:
    """An accounts file, an instance folder with the uploads' records, and the linked files."""
    sys.path.insert(0, str(ROOT))
    import bcrypt

    from fisoko import db
    from fisoko.niko.exchange import upload_store

    fake = "$2b$04$" + "a" * 53
    lines = ["accounts:", f"  {COORDINATOR}:", "    name: Координатор"]
    lines.append(
        f"    password_hash: {bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()}"
    )
    for number in range(1, schools + 1):
        lines += [f"  edu77{number:04d}:", f"    name: ГБОУ «Школа № {number}»"]
        lines.append(f"    password_hash: {fake}")
    (work / "accounts.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    folder = work / "instance" / "uploads"
    folder.mkdir(parents=True)
    source = work / "source.bin"
    source.write_bytes(os.urandom(int(size_mb * 2**20)))
    conn = db.connect(work / "instance" / db.FILENAME)
    db.migrate(conn)
    rows = []
    for number in range(1, schools + 1):
        for index in range(files):
            upload_id = upload_store.new_id()
            try:
                os.link(source, folder / upload_id)
            except OSError:  # a file system without hard links: a real copy, same bytes
                shutil.copyfile(source, folder / upload_id)
            name = f"Форма сбора результатов {index + 1}.xlsx"
            size = source.stat().st_size
            owner = f"edu77{number:04d}"
            rows.append((upload_id, owner, "school", "77", "upload-form", name, size, "x", "t"))
    with conn:
        conn.executemany(
            f"INSERT INTO uploads ({upload_store.COLUMNS})"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            rows,
        )
    conn.close()


class Discard:
    """A seekable file that throws its bytes away and remembers how long it would be."""

    def __init__(self) -> None:
        self.position = self.size = 0

    def write(self, data) -> int:
        self.position += len(data)
        self.size = max(self.size, self.position)
        return len(data)

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.position, 2: self.size}[whence]
        self.position = base + offset
        return self.position

    def flush(self) -> None:
        pass


def app_download(work: Path):
    """A function that downloads the archive through the real view (Flask's test client)."""
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from tests.helpers import AuthActions

    app = create_app({"ACCOUNTS": str(work / "accounts.yaml"), "INSTANCE": str(work / "instance")})
    client = app.test_client()
    if AuthActions(client).login(COORDINATOR, PASSWORD).status_code != 302:
        raise SystemExit("the coordinator could not log in")

    def run() -> dict:
        began = time.perf_counter()
        response = client.get("/cabinet/niko/uploads.zip", buffered=False)
        first, total, largest = None, 0, 0
        for chunk in response.response:
            if first is None:
                first = time.perf_counter() - began
            total += len(chunk)
            largest = max(largest, len(chunk))
        response.close()
        seconds = time.perf_counter() - began
        return {"seconds": seconds, "first_s": first, "bytes": total, "largest_chunk": largest}

    return run


def plain_download(work: Path):
    """A function that writes `zipfile.ZipFile(...).write(path, name)` of the same files."""
    conn = sqlite3.connect(work / "instance" / "fisoko.sqlite3")
    rows = conn.execute("SELECT id, owner, name FROM uploads ORDER BY owner, rowid").fetchall()
    conn.close()
    folder = work / "instance" / "uploads"

    def run() -> dict:
        began = time.perf_counter()
        sink = Discard()
        with zipfile.ZipFile(sink, "w") as archive:  # type: ignore[arg-type]
            for number, (upload_id, owner, name) in enumerate(rows):
                archive.write(folder / upload_id, f"{owner}/{number} {name}")
        return {"seconds": time.perf_counter() - began, "bytes": sink.size}

    return run


def probe(mode: str, work: Path, memory: bool) -> dict:
    """One timed download in this process; with `memory`, its peak traced allocation instead."""
    run = app_download(work) if mode == "app" else plain_download(work)
    if not memory:
        return run()
    tracemalloc.start()
    result = run()
    result["peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result


def measure(work: Path, mode: str, memory: bool) -> dict:
    command = [sys.executable, __file__, "--probe", mode, "--work", str(work)]
    command += ["--memory"] if memory else []
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=7200)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python bench/archive.py", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="10 schools x 3 files of 1 MB, one run")
    p.add_argument("--schools", type=int, help="schools of the region (200; quick 10)")
    p.add_argument("--files", type=int, default=3, help="uploads per school (3)")
    p.add_argument("--size-mb", type=float, help="size of each upload in MB (5; quick 1)")
    p.add_argument("--repeat", type=int, help="timed runs of each side, best kept (3; quick 1)")
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "archive.json"))
    p.add_argument("--probe", choices=["app", "plain"], help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    p.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.probe:
        print(json.dumps(probe(args.probe, Path(args.work), args.memory)))
        return
    schools = args.schools or (10 if args.quick else 200)
    size_mb = args.size_mb or (1.0 if args.quick else 5.0)
    repeat = args.repeat or (1 if args.quick else 3)
    with tempfile.TemporaryDirectory(prefix="fisoko-archive-") as tmp:
        work = Path(tmp)
        prepare(work, schools, args.files, size_mb)
        data_mb = schools * args.files * size_mb
        result: dict = {
            "schools": schools,
            "files": args.files,
            "size_mb": size_mb,
            "data_mb": data_mb,
            "repeat": repeat,
        }
        for mode in ("app", "plain"):
            result[mode] = {"runs": []}
        for _ in range(repeat):  # the two sides alternate, so background work hits both
            for mode in ("app", "plain"):
                result[mode]["runs"].append(measure(work, mode, memory=False))
        for mode in ("app", "plain"):
            best = min(result[mode]["runs"], key=lambda r: r["seconds"])
            result[mode].update(best)
            result[mode]["mb_per_s"] = data_mb / best["seconds"]
            result[mode]["peak_mb"] = measure(work, mode, memory=True)["peak_mb"]
    result["speed_ratio"] = result["app"]["mb_per_s"] / result["plain"]["mb_per_s"]
    app, plain = result["app"], result["plain"]
    print(f"{schools} schools x {args.files} files of {size_mb:g} MB = {data_mb:g} MB")
    print(f"{'':24}{'MB/s':>10}{'peak MB':>10}{'first byte, s':>15}{'archive MB':>12}")
    print(
        f"{'app (uploads.zip)':24}{app['mb_per_s']:10.0f}{app['peak_mb']:10.2f}"
        f"{app['first_s']:15.4f}{app['bytes'] / 2**20:12.1f}"
    )
    print(
        f"{'plain zipfile':24}{plain['mb_per_s']:10.0f}{plain['peak_mb']:10.2f}{'':>15}"
        f"{plain['bytes'] / 2**20:12.1f}"
    )
    print(f"speed ratio app / plain: {result['speed_ratio']:.2f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"JSON: {out}")


if __name__ == "__main__":
    main()
