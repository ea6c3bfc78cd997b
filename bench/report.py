"""The targets of issue 7 checked against one run's results, and the printed table."""

from __future__ import annotations


def targets(r: dict) -> dict[str, dict]:
    """Each target: what it asks, the measured value, and whether it is met (None: not measured)."""
    out: dict[str, dict] = {}
    for page in r["pages"]:
        met = page["ratio"] >= 0.5 and page["p99_ms"] < 10 and page["errors"] == 0
        out[page["name"]] = {
            "target": ">= 0.5 of baseline rps, p99 < 10 ms",
            "value": f"{page['ratio']:.2f}x, p99 {page['p99_ms']:.1f} ms",
            "met": met,
        }
    login = r["login"]
    out["login POST"] = {
        "target": ">= 0.9 of raw bcrypt.checkpw rate",
        "value": f"{login['ratio']:.2f}x",
        "met": login["ratio"] >= 0.9 and login["errors"] == 0,
    }
    largest = max(r["accounts_load"], key=lambda row: row["accounts"])
    out[f"load {largest['accounts']} accounts"] = {
        "target": "<= 1.0x bare yaml.load time, peak memory <= bare",
        "value": f"{largest['ratio']:.2f}x time, {largest['memory_ratio']:.2f}x memory",
        "met": largest["ratio"] <= 1.0 and largest["memory_ratio"] <= 1.0,
    }
    fresh = r["freshness"]
    out["freshness check"] = {
        "target": "< 2% of throughput",
        "value": f"{fresh['cost_pct']:.1f}%",
        "met": fresh["cost_pct"] < 2,
    }
    bulk = r["bulk_import"]
    out["bulk import"] = {
        "target": ">= 1.8x single-threaded (2 cores)",
        "value": f"{bulk['speedup']:.2f}x",
        "met": bulk["speedup"] >= 1.8,
    }
    return out


def _grid(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    lines = [line, "  ".join("-" * w for w in widths)]
    for row in rows:
        lines.append("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))
    return lines


def table(r: dict) -> str:
    """The results as plain-text tables."""
    m = r["meta"]
    out = [
        f"Machine: {m['nproc']} cores, {m['cpu']}, Python {m['python']}"
        f"; load: {m['load_generator']}"
        f", {m['connections']} connections, {m['duration_s']} s per run"
        f", best of {m['rounds']} alternating rounds"
        f", server and load {'pinned to separate cores' if m['pinned'] else 'not pinned'}",
        "",
    ]
    base = r["baseline"]
    rows = [[base["name"], f"{base['rps']:.0f}", f"{base['p50_ms']:.2f}", f"{base['p99_ms']:.2f}"]]
    rows[0] += ["1.00", str(base["errors"])]
    for p in r["pages"]:
        rows.append([p["name"], f"{p['rps']:.0f}", f"{p['p50_ms']:.2f}", f"{p['p99_ms']:.2f}"])
        rows[-1] += [f"{p['ratio']:.2f}", str(p["errors"])]
    out += _grid(["request", "req/s", "p50 ms", "p99 ms", "x baseline", "errors"], rows)
    login = r["login"]
    out += [
        "",
        *_grid(
            ["bcrypt cost", "threads", "login POST/s", "raw checkpw/s", "ratio", "errors"],
            [
                [
                    login["cost"],
                    login["threads"],
                    f"{login['posts_per_s']:.2f}",
                    f"{login['raw_checkpw_per_s']:.2f}",
                    f"{login['ratio']:.2f}",
                    login["errors"],
                ]
            ],
        ),
    ]
    rows = [
        [
            a["accounts"],
            f"{a['file_mb']:.2f}",
            f"{a['app_s']:.3f}",
            f"{a['yaml_s']:.3f}",
            f"{a['ratio']:.2f}",
            f"{a['app_peak_mb']:.1f}",
            f"{a['yaml_peak_mb']:.1f}",
            f"{a['memory_ratio']:.2f}",
        ]
        for a in r["accounts_load"]
    ]
    out += [
        "",
        *_grid(
            [
                "accounts",
                "file MB",
                "app s",
                "yaml.load s",
                "ratio",
                "app peak MB",
                "yaml peak MB",
                "mem ratio",
            ],
            rows,
        ),
    ]
    fresh = r["freshness"]
    row = [f"{fresh['rps_with']:.0f}", f"{fresh['rps_without']:.0f}", f"{fresh['cost_pct']:.1f}%"]
    out += ["", *_grid(["GET /cabinet req/s: with check", "without", "cost"], [row])]
    bulk = r["bulk_import"]
    row = [
        bulk["count"],
        bulk["cost"],
        f"{bulk['single_s']:.2f}",
        f"{bulk['parallel_s']:.2f}",
        f"{bulk['speedup']:.2f}",
    ]
    out += [
        "",
        *_grid(["import passwords", "cost", "one thread s", "hash_many s", "speed-up"], [row]),
    ]
    rows = [
        [name, t["target"], t["value"], {True: "yes", False: "NO", None: "-"}[t["met"]]]
        for name, t in r["targets"].items()
    ]
    out += ["", *_grid(["target", "asks", "measured", "met"], rows)]
    return "\n".join(out)


def _ru(value: float, digits: int) -> str:
    """A number the Russian way: a comma before the decimals."""
    return f"{value:.{digits}f}".replace(".", ",")


def markdown(r: dict) -> str:
    """The main figures as Markdown tables, for docs/performance.md."""
    m, base, login = r["meta"], r["baseline"], r["login"]
    out = [
        "| Запрос | Запросов/с | p50, мс | p99, мс | Доля от «hello» |",
        "|---|---:|---:|---:|---:|",
    ]
    for p in [{**base, "ratio": 1.0}, *r["pages"]]:
        out.append(
            f"| {p['name']} | {p['rps']:.0f} | {_ru(p['p50_ms'], 1)} | {_ru(p['p99_ms'], 1)} "
            f"| {_ru(p['ratio'], 2)} |"
        )
    out += [
        "",
        "| bcrypt, стоимость | Потоков | Входов (POST /login) в с | checkpw в с | Отношение |",
        "|---:|---:|---:|---:|---:|",
        f"| {login['cost']} | {login['threads']} | {_ru(login['posts_per_s'], 2)} "
        f"| {_ru(login['raw_checkpw_per_s'], 2)} | {_ru(login['ratio'], 2)} |",
        "",
        "| Учётных записей | Файл, МБ | Приложение, с | yaml.load, с | Отношение "
        "| Пик памяти приложения, МБ | Пик памяти yaml.load, МБ |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for a in r["accounts_load"]:
        out.append(
            f"| {a['accounts']} | {_ru(a['file_mb'], 2)} | {_ru(a['app_s'], 3)} "
            f"| {_ru(a['yaml_s'], 3)} | {_ru(a['ratio'], 2)} | {_ru(a['app_peak_mb'], 1)} "
            f"| {_ru(a['yaml_peak_mb'], 1)} |"
        )
    fresh, bulk = r["freshness"], r["bulk_import"]
    out += ["", "| Замер | Результат |", "|---|---|"]
    what = "GET /cabinet с проверкой accounts.yaml / без неё"
    out.append(
        f"| {what} | {fresh['rps_with']:.0f} / {fresh['rps_without']:.0f} запросов/с "
        f"(разница {_ru(fresh['cost_pct'], 1)} %) |"
    )
    out.append(
        f"| Импорт: {bulk['count']} паролей, стоимость {bulk['cost']} "
        f"| {_ru(bulk['single_s'], 1)} с в один поток, {_ru(bulk['parallel_s'], 1)} с "
        f"в hash_many, ускорение {_ru(bulk['speedup'], 2)} |"
    )
    out += [
        "",
        f"Машина: {m['nproc']} ядра, {m['cpu']}, Python {m['python']}; {m['date']}; "
        f"нагрузка {m['load_generator']}, {m['connections']} соединения, лучший из "
        f"{m['rounds']} чередующихся прогонов по {m['duration_s']:g} с.",
    ]
    return "\n".join(out)
