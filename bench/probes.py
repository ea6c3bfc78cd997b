"""Measurements that run in a fresh process each: loading accounts files, bcrypt rates, hashing.

A fresh process per measurement keeps one run's garbage, caches and memory high-water mark out of
the next. Peak memory is measured with tracemalloc: it counts exactly the Python allocations made
by the load (the node tree, the objects built from it), the same way on Linux and Windows, while
the process's maximum RSS also holds the interpreter and imported modules, depends on the
allocator returning memory, and needs the POSIX-only `resource` module. Tracing slows allocation
down, so time and memory come from separate runs.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HASH_ALPHABET = "./" + string.ascii_letters + string.digits


def fake_hash(rng: random.Random, cost: int) -> str:
    """A random string shaped like a bcrypt hash: valid for the parser, matches no password."""
    return f"$2b${cost:02d}$" + "".join(rng.choices(HASH_ALPHABET, k=53))


def write_accounts(path: Path, count: int, known: dict[str, str], cost: int = 12) -> None:
    """An accounts file of `count` accounts: `known` (login: real hash) first, then made-up ones.

    Made-up accounts spread over up to 89 regions, one coordinator each and schools round-robin,
    with the optional fields and comments a real file has.
    """
    rng = random.Random(count)
    lines = [f"# {count} generated accounts for bench/run.py", "accounts:"]
    for login, password_hash in known.items():
        lines += [f"  {login}:", "    name: Учётная запись для замеров"]
        lines.append(f"    password_hash: {password_hash}")
    regions = max(1, min(89, count // 50))
    made = len(known)
    for region in range(1, regions + 1):
        if made >= count:
            break
        login = f"niko__{region:02d}"
        if login not in known:
            lines += [f"  {login}:  # region {region:02d}", f"    name: Координатор НИКО {region}"]
            lines.append(f"    password_hash: {fake_hash(rng, cost)}")
            made += 1
    number = 0
    while made < count:
        region, school = number % regions + 1, 1000 + number // regions
        number += 1
        login = f"edu{region:02d}{school:04d}"
        if login in known:
            continue
        lines += [f"  {login}:", f"    name: ГБОУ «Средняя школа № {school}», регион {region:02d}"]
        if number % 2:
            lines.append(f"    email: school{school}.r{region:02d}@example.org")
        if number % 50 == 0:
            lines.append("    disabled: true  # closed")
        lines.append(f"    password_hash: {fake_hash(rng, cost)}")
        made += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _load(mode: str, path: str):
    if mode == "app":
        from fisoko.accounts import store as accounts

        return accounts.load_accounts(path)
    import yaml

    return yaml.load(Path(path).read_text("utf-8"), Loader=yaml.CSafeLoader)


def probe_load(mode: str, path: str, memory: bool) -> dict:
    """Seconds to load the file, or its peak traced memory in MB."""
    if mode == "app":
        from fisoko.accounts import store as accounts  # noqa: F401 - imported before measuring, like yaml below
    import yaml  # noqa: F401

    if memory:
        tracemalloc.start()
        loaded = _load(mode, path)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {"peak_mb": round(peak / 2**20, 2), "size": len(loaded)}
    began = time.perf_counter()
    loaded = _load(mode, path)
    return {"seconds": round(time.perf_counter() - began, 4), "size": len(loaded)}


def probe_bcrypt(cost: int, threads: int, per_thread: int) -> dict:
    """Raw `bcrypt.checkpw` rate with `threads` threads doing `per_thread` checks each."""
    import bcrypt

    password = b"Bench-Password-1"
    hashed = bcrypt.hashpw(password, bcrypt.gensalt(cost))
    barrier = threading.Barrier(threads + 1)

    def work() -> None:
        barrier.wait()
        for _ in range(per_thread):
            if not bcrypt.checkpw(password, hashed):
                raise AssertionError("checkpw failed")

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in pool:
        thread.join()
    seconds = time.perf_counter() - began
    return {
        "checks": threads * per_thread,
        "seconds": round(seconds, 3),
        "rate": threads * per_thread / seconds,
    }


def probe_hashing(count: int, cost: int) -> dict:
    """passwords.hash_many (the bulk import's hashing) against hashing one by one."""
    from fisoko.accounts import passwords

    secrets = [f"Bench-{n:06d}" for n in range(count)]
    began = time.perf_counter()
    single = [passwords.hash_password(p, cost) for p in secrets]
    single_s = time.perf_counter() - began
    began = time.perf_counter()
    many = passwords.hash_many(secrets, cost=cost)
    parallel_s = time.perf_counter() - began
    if len(many) != count or len(single) != count:
        raise AssertionError("hashing returned the wrong number of hashes")
    return {
        "count": count,
        "cost": cost,
        "single_s": round(single_s, 3),
        "parallel_s": round(parallel_s, 3),
        "speedup": round(single_s / parallel_s, 3),
    }


def main() -> None:
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description="one measurement for bench/run.py")
    sub = parser.add_subparsers(dest="what", required=True)
    load = sub.add_parser("load")
    load.add_argument("mode", choices=["app", "yaml"])
    load.add_argument("path")
    load.add_argument("--memory", action="store_true")
    rate = sub.add_parser("bcrypt")
    rate.add_argument("--cost", type=int, required=True)
    rate.add_argument("--threads", type=int, required=True)
    rate.add_argument("--per-thread", type=int, required=True)
    hashing = sub.add_parser("hashing")
    hashing.add_argument("--count", type=int, required=True)
    hashing.add_argument("--cost", type=int, required=True)
    args = parser.parse_args()
    if args.what == "load":
        result = probe_load(args.mode, args.path, args.memory)
    elif args.what == "bcrypt":
        result = probe_bcrypt(args.cost, args.threads, args.per_thread)
    else:
        result = probe_hashing(args.count, args.cost)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
