"""Benchmarks: the app against the limits of its stack (waitress + Flask, bcrypt, libyaml).

    python bench/run.py            # the full run, a few minutes
    python bench/run.py --quick    # seconds; numbers only show that everything works
    python bench/run.py --storm-only   # only the login storm and the floods, about 4 minutes
    python bench/run.py --queue-compare   # the floods against other login queues, 5-10 minutes

Prints a table and writes JSON (bench/results/latest.json unless --out). Only loopback is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import attacks
import bcrypt
import loadgen
import report
import servers
from probes import write_accounts

ROOT = servers.ROOT
sys.path.insert(0, str(ROOT))

from fisoko import settings  # noqa: E402

SCHOOL, SCHOOL_PASSWORD = "edu770001", "Bench-School-0001"
PAGES = [("GET /login", "/login", False), ("GET /cabinet", "/cabinet", True)]
PAGES.append(("GET /cabinet/niko", "/cabinet/niko", True))
# The floods run with the v1 throttle lifted, so that only the login queue stands between a
# flood and the real users (with it, a wrong-password flood is soon answered 429 at no cost).
FLOOD_THROTTLE = {
    "FISOKO_THROTTLE_LOGIN_FAILURES": "10000",
    "FISOKO_THROTTLE_ADDRESS_FAILURES": "1000000",
}
# (order, halving period of the usage counts in seconds); the shipped queue first and last
QUEUE_VARIANTS = [
    ("fair", 120.0),
    ("fifo", 120.0),
    ("fair", 15.0),
    ("fair", 600.0),
    ("fair", 120.0),
]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python bench/run.py", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="short runs and small files (seconds)")
    p.add_argument("--duration", type=float, help="seconds per page load run (3; quick 1)")
    p.add_argument("--connections", type=int, default=4, help="connections for page loads (4)")
    p.add_argument(
        "--page-accounts", type=int, help="accounts in the served file (5000; quick 100)"
    )
    p.add_argument("--sizes", help="accounts files to load, comma-separated (100,5000,40000)")
    p.add_argument("--repeat", type=int, help="timed loads per file and loader, best kept (3)")
    p.add_argument("--cost", type=int, default=12, help="bcrypt cost of the login benchmark (12)")
    p.add_argument("--logins", type=int, help="login POSTs per connection (4; quick 1)")
    p.add_argument("--import-count", type=int, help="passwords hashed in the import test (1000)")
    p.add_argument("--import-cost", type=int, help="bcrypt cost in the import test (8)")
    p.add_argument("--rounds", type=int, help="alternating rounds of each load test (3; quick 1)")
    p.add_argument("--python-load", action="store_true", help="use the Python load generator")
    p.add_argument("--storm-only", action="store_true", help="run only the login storm")
    p.add_argument("--no-storm", action="store_true", help="skip the login storm")
    p.add_argument("--no-floods", action="store_true", help="the storm without the floods")
    p.add_argument(
        "--queue-compare",
        action="store_true",
        help="only the floods, against the shipped login queue and its alternatives",
    )
    p.add_argument("--storm-clients", help="login clients of each storm (8,24,48; quick 4)")
    p.add_argument("--storm-seconds", type=float, help="seconds of each storm (15; quick 1)")
    p.add_argument("--storm-threads", help="FISOKO_THREADS of the storm's server (default)")
    p.add_argument("--storm-lanes", help="FISOKO_LOGIN_LANES of the storm's server (default)")
    p.add_argument(
        "--markdown", action="store_true", help="also print Markdown tables (docs/performance.md)"
    )
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"))
    args = p.parse_args(argv)
    quick = args.quick
    for name, full, short in [
        ("duration", 3.0, 1.0),
        ("page_accounts", 5000, 100),
        ("sizes", "100,5000,40000", "100,5000"),
        ("repeat", 3, 1),
        ("logins", 4, 1),
        ("import_count", 1000, 40),
        ("import_cost", 8, 6),
        ("rounds", 3, 1),
        ("storm_clients", "8,24,48", "4"),
        ("storm_seconds", 15.0, 1.0),
    ]:
        if getattr(args, name) is None:
            setattr(args, name, short if quick else full)
    args.sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]
    args.storm_clients = [int(s) for s in str(args.storm_clients).split(",") if s.strip()]
    args.use_wrk = loadgen.wrk_path() is not None and not args.python_load
    return args


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "nproc": os.cpu_count(), "python": platform.python_version()}


class Bench:
    """One run: owns the temporary folder, the core pinning and the load generator choice."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.server_cpu, self.client_cpu = servers.cpus()

    def load(self, port: int, path: str, cookie: str = "", duration: float | None = None) -> dict:
        """A time-bound GET load on one path, after a short warm-up."""
        headers = {"Cookie": cookie} if cookie else {}
        url = f"http://127.0.0.1:{port}{path}"
        common = {"connections": self.args.connections, "headers": headers}
        common["prefix"] = self.client_cpu
        loadgen.run_python(url, duration=0.2 if self.args.quick else 0.3, **common)
        seconds = duration or self.args.duration
        if self.args.use_wrk:
            return loadgen.run_wrk(url, duration=seconds, workdir=self.workdir, **common)
        return loadgen.run_python(url, duration=seconds, **common)

    def app_env(self, accounts: Path, **extra: str) -> dict[str, str]:
        instance = tempfile.mkdtemp(dir=self.workdir, prefix="instance-")
        return {"FISOKO_ACCOUNTS": str(accounts), "FISOKO_INSTANCE": instance, **extra}

    def probe(self, *argv: str, pinned: bool = False) -> dict:
        prefix = self.server_cpu if pinned else []
        cmd = [*prefix, sys.executable, str(ROOT / "bench" / "probes.py"), *argv]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=3600)
        return json.loads(out.stdout.strip().splitlines()[-1])

    def web(self, results: dict) -> None:
        """Pages against the baseline, login POSTs against raw bcrypt, the freshness check.

        Both servers stay up and the runs alternate round by round; the best run of each row is
        kept, because other work on the machine can only make a run slower.
        """
        args = self.args
        accounts = self.workdir / "served.yaml"
        school_hash = bcrypt.hashpw(SCHOOL_PASSWORD.encode(), bcrypt.gensalt(args.cost)).decode()
        write_accounts(accounts, args.page_accounts, {SCHOOL: school_hash})
        # 8 parallel logins of one account are more than the throttle lets through at once (5
        # reserved checks per login and address), which is right for a server and wrong here.
        # The login benchmark measures throughput, not shedding: a long queue bound keeps its 8
        # parallel logins on one pinned core from being shed when the machine is busy.
        app_env = self.app_env(
            accounts, FISOKO_THROTTLE_LOGIN_FAILURES="1000", FISOKO_LOGIN_QUEUE_SECONDS="60"
        )
        with (
            servers.serve("hello", self.workdir, self.server_cpu, {}) as hello,
            servers.serve("app", self.workdir, self.server_cpu, app_env) as port,
        ):
            cookie = servers.log_in(port, SCHOOL, SCHOOL_PASSWORD)
            targets = [("GET / (Flask hello)", hello, "/", "")]
            for name, path, logged_in in PAGES:
                targets.append((name, port, path, cookie if logged_in else ""))
                status = servers.request(port, "GET", path, cookie=targets[-1][3])[0]
                if status != 200:
                    raise RuntimeError(f"{name} answered {status} before the load")
            runs: dict[str, list[dict]] = {name: [] for name, *_ in targets}
            for _ in range(args.rounds):
                # A browser keeps the cookie the app renews (at most once a minute); the load
                # generator cannot, so each round starts from a fresh login instead.
                fresh = servers.log_in(port, SCHOOL, SCHOOL_PASSWORD)
                for name, where, path, sent in targets:
                    runs[name].append(self.load(where, path, fresh if sent else ""))
            best = {name: _best(found) for name, found in runs.items()}
            results["baseline"] = {"name": targets[0][0], **best[targets[0][0]]}
            base_rps = results["baseline"]["rps"]
            results["pages"] = []
            for name, *_ in targets[1:]:
                row = {"name": name, **best[name]}
                row["ratio"] = round(row["rps"] / base_rps, 3) if base_rps else None
                results["pages"].append(row)
            # Before the login POSTs: 8 parallel logins of one account can reach the throttle
            # (see throttle.py), and the freshness runs log in again.
            results["freshness"] = self.freshness(port, accounts)
            results["login"] = self.logins(port)

    def logins(self, port: int) -> dict:
        """Successful login POSTs (never throttled) against raw checkpw, alternating, best kept.

        Both do a fixed number of checks: with bcrypt's long checks finishing in batches, counting
        completions in a time window would be off by up to a batch.
        """
        args = self.args
        threads = servers.LOGIN_CONNECTIONS
        cookie, token = servers.login_form(port)
        body = servers.login_body(token, SCHOOL, SCHOOL_PASSWORD)
        posts, raws = [], []
        for _ in range(args.rounds):
            posts.append(
                loadgen.run_python(
                    f"http://127.0.0.1:{port}/login",
                    connections=threads,
                    per_connection=args.logins,
                    headers={"Cookie": cookie},
                    method="POST",
                    body=body,
                    expect=302,
                    prefix=self.client_cpu,
                )
            )
            raws.append(
                self.probe(
                    "bcrypt",
                    f"--cost={args.cost}",
                    f"--threads={threads}",
                    f"--per-thread={args.logins}",
                    pinned=True,
                )["rate"]
            )
        post = _best(posts)
        return {
            "cost": args.cost,
            "threads": threads,
            "posts": post["requests"],
            "errors": sum(p["errors"] for p in posts),
            "posts_per_s": round(post["rps"], 3),
            "p50_ms": post["p50_ms"],
            "raw_checkpw_per_s": round(max(raws), 3),
            "ratio": round(post["rps"] / max(raws), 3),
            "runs_posts_per_s": [p["rps"] for p in posts],
            "runs_raw_per_s": [round(r, 3) for r in raws],
            "cores": 1 if self.server_cpu else os.cpu_count(),
        }

    def freshness(self, port: int, accounts: Path) -> dict:
        """GET /cabinet with the per-request check of accounts.yaml (default) and with it off."""
        env = self.app_env(accounts, FISOKO_ACCOUNTS_RELOAD_SECONDS="0")
        with_check, without = [], []
        with servers.serve("app", self.workdir, self.server_cpu, env) as off_port:
            for _ in range(self.args.rounds):
                cookie = servers.log_in(port, SCHOOL, SCHOOL_PASSWORD)
                off_cookie = servers.log_in(off_port, SCHOOL, SCHOOL_PASSWORD)
                with_check.append(self.load(port, "/cabinet", cookie)["rps"])
                without.append(self.load(off_port, "/cabinet", off_cookie)["rps"])
        best_with, best_without = max(with_check), max(without)
        return {
            "rps_with": best_with,
            "rps_without": best_without,
            "runs_with": with_check,
            "runs_without": without,
            "cost_pct": round((best_without - best_with) / best_without * 100, 2),
        }

    def accounts_loads(self) -> list[dict]:
        """Load-and-validate against a bare yaml.load of the same file, each in a fresh process."""
        rows = []
        for size in self.args.sizes:
            path = self.workdir / f"accounts-{size}.yaml"
            write_accounts(path, size, {})
            times: dict[str, list[float]] = {"app": [], "yaml": []}
            for _ in range(self.args.repeat):
                for mode in times:
                    got = self.probe("load", mode, str(path))
                    if got["size"] != (size if mode == "app" else 1):
                        raise RuntimeError(f"{mode} loaded {got['size']} of {size} accounts")
                    times[mode].append(got["seconds"])
            peak = {m: self.probe("load", m, str(path), "--memory")["peak_mb"] for m in times}
            app_s, yaml_s = min(times["app"]), min(times["yaml"])
            rows.append(
                {
                    "accounts": size,
                    "file_mb": round(path.stat().st_size / 2**20, 2),
                    "app_s": app_s,
                    "yaml_s": yaml_s,
                    "ratio": round(app_s / yaml_s, 3),
                    "app_peak_mb": peak["app"],
                    "yaml_peak_mb": peak["yaml"],
                    "memory_ratio": round(peak["app"] / peak["yaml"], 3),
                    "app_runs": times["app"],
                    "yaml_runs": times["yaml"],
                }
            )
        return rows

    def storm(self) -> dict:
        """The login storm of bench/storm.py: idle probe, then each storm with its probe."""
        args = self.args
        most = max(args.storm_clients)
        schools = [(f"edu77{number:04d}", SCHOOL_PASSWORD) for number in range(1, most + 1)]
        accounts = self.storm_accounts([login for login, _ in schools])
        # the storm's schools share 127.0.0.1: the per-address connection cap is not measured here
        extra = {**FLOOD_THROTTLE, "FISOKO_CONNECTIONS_PER_ADDRESS": "200"}
        if args.storm_threads:
            extra["FISOKO_THREADS"] = args.storm_threads
        if args.storm_lanes:
            extra["FISOKO_LOGIN_LANES"] = args.storm_lanes
        lanes = int(args.storm_lanes or 0) or settings.cpu_count()

        def raw() -> float:
            checks = f"--per-thread={1 if args.quick else 3}"
            return self.probe("bcrypt", f"--cost={args.cost}", f"--threads={lanes}", checks)["rate"]

        seconds = args.storm_seconds
        with servers.serve("app", self.workdir, [], self.app_env(accounts, **extra)) as port:
            cookie = servers.log_in(port, "niko__77", SCHOOL_PASSWORD)
            idle = _storm_part("probe", str(port), cookie, str(seconds)).wait_json()
            rows, raws = [], [raw()]
            # the largest storm once more with each school on its own address
            runs = [(clients, False) for clients in args.storm_clients] + [(most, True)]
            for clients, spread in runs:
                prober = _storm_part("probe", str(port), cookie, str(seconds))
                spreading = ["--spread"] if spread else []
                driver = _storm_part(
                    "drive", str(port), json.dumps(schools[:clients]), str(seconds), *spreading
                )
                row = driver.wait_json()
                row["cabinet"] = prober.wait_json()
                # Other work on the machine changes the bcrypt rate: compare each storm with the
                # raw rate measured right before and right after it.
                raws.append(raw())
                row["raw_checkpw_per_s"] = round((raws[-2] + raws[-1]) / 2, 3)
                row["ratio_to_raw"] = round(row["served_per_s"] / row["raw_checkpw_per_s"], 3)
                rows.append(row)
            plan = attacks.QUICK if args.quick else attacks.FULL
            floods = (
                []
                if args.no_floods
                else attacks.all_floods(port, SCHOOL_PASSWORD, cookie, plan=plan)
            )
        return {
            "cost": args.cost,
            "lanes": lanes,
            "threads": int(args.storm_threads or settings.defaults()["THREADS"]),
            "queue_seconds": settings.defaults()["LOGIN_QUEUE_SECONDS"],
            "raw_checkpw_per_s": [round(r, 3) for r in raws],
            "idle_cabinet": idle,
            "storms": rows,
            "floods": floods,
            "loadavg_after": _loadavg(),
        }

    def storm_accounts(self, schools: list[str]) -> Path:
        """The storm's schools, the floods' accounts and a coordinator: one password, cost 12."""
        hashed = bcrypt.hashpw(SCHOOL_PASSWORD.encode(), bcrypt.gensalt(self.args.cost)).decode()
        known = {login: hashed for login in [*schools, *attacks.accounts(), "niko__77"]}
        accounts = self.workdir / "storm.yaml"
        write_accounts(accounts, len(known) + 10, known)
        return accounts

    def queue_compare(self) -> dict:
        """The floods against the shipped queue and its alternatives, one server after another,
        in one run (bench/lane_variant.py); the shipped one first and again last, since other
        work on the machine changes between the rows."""
        accounts = self.storm_accounts([])
        rows = []
        for order, half_life in QUEUE_VARIANTS:
            variant = ("--order", order, "--half-life", str(half_life))
            env = self.app_env(accounts, **FLOOD_THROTTLE)
            with servers.serve("lane", self.workdir, [], env, variant) as port:
                before = _loadavg()
                plan = attacks.QUICK if self.args.quick else attacks.FULL
                floods = attacks.all_floods(port, SCHOOL_PASSWORD, with_after=False, plan=plan)
                rows.append(
                    {
                        "order": order,
                        "half_life": half_life,
                        "floods": floods,
                        "loadavg": [before, _loadavg()],
                    }
                )
        return {"cost": self.args.cost, "variants": rows}

    def run(self) -> dict:
        args = self.args
        results: dict = {
            "meta": {
                **machine(),
                "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "quick": args.quick,
                "load_generator": "wrk" if args.use_wrk else "python",
                "pinned": bool(self.server_cpu),
                "connections": args.connections,
                "duration_s": args.duration,
                "rounds": args.rounds,
                "page_accounts": args.page_accounts,
                "waitress_threads": servers.THREADS,
                "loadavg_before": _loadavg(),
            }
        }
        if args.queue_compare:
            results["queue_compare"] = self.queue_compare()
            results["meta"]["loadavg_after"] = _loadavg()
            return results
        if not args.no_storm:
            results["storm"] = self.storm()
        if args.storm_only:
            results["meta"]["loadavg_after"] = _loadavg()
            return results
        self.web(results)
        results["accounts_load"] = self.accounts_loads()
        results["bulk_import"] = self.probe(
            "hashing", f"--count={args.import_count}", f"--cost={args.import_cost}"
        )
        results["meta"]["loadavg_after"] = _loadavg()
        results["targets"] = report.targets(results)
        return results


def _storm_part(*argv: str) -> attacks.Part:
    """bench/storm.py as a separate process, started at once; `wait_json` gives its result."""
    return attacks.Part("storm.py", *argv)


def _best(runs: list[dict]) -> dict:
    """The run with the highest throughput, with every run's requests/s and p99 and all errors."""
    best = dict(max(runs, key=lambda run: run["rps"]))
    best["runs_rps"] = [run["rps"] for run in runs]
    best["runs_p99_ms"] = [run["p99_ms"] for run in runs]
    best["errors"] = sum(run["errors"] for run in runs)
    return best


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fisoko-bench-") as tmp:
        results = Bench(args, Path(tmp)).run()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.queue_compare:
        print(report.compare_table(results["queue_compare"]))
    elif args.storm_only:
        print(report.storm_table(results["storm"]))
    else:
        print(report.table(results))
    if args.markdown and args.queue_compare:
        print("\n" + report.compare_markdown(results["queue_compare"]))
    elif args.markdown and args.storm_only:
        print("\n" + report.storm_markdown(results["storm"]))
    elif args.markdown:
        print("\n" + report.markdown(results))
    print(f"\nJSON: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
