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


def storm_targets(s: dict) -> dict[str, dict]:
    """Issue 11's targets for the largest storm of a run."""
    idle = s["idle_cabinet"]["p99_ms"]
    big = max((row for row in s["storms"] if not row.get("spread")), key=lambda row: row["clients"])
    cab = big["cabinet"]["p99_ms"]
    login_p99 = big["login_p99_ms"]
    return {
        "GET /cabinet in the storm": {
            "target": "p99 <= 5x idle p99 and <= 50 ms",
            "value": f"p99 {cab:.1f} ms = {cab / idle:.1f}x idle {idle:.1f} ms",
            "met": cab <= 5 * idle and cab <= 50,
        },
        "served logins": {
            "target": ">= 0.9 of raw checkpw at the same lanes",
            "value": f"{big['ratio_to_raw']:.2f}x",
            "met": big["ratio_to_raw"] >= 0.9,
        },
        "served login p99": {
            "target": "<= 3000 ms",
            "value": f"{login_p99:.0f} ms" if login_p99 is not None else "-",
            "met": login_p99 is not None and login_p99 <= 3000,
        },
        "shed answers": {
            "target": "every one < 100 ms",
            "value": f"max {big['shed_max_ms']:.1f} ms" if big["shed"] else "none shed",
            "met": (big["shed_max_ms"] or 0) < 100,
        },
    }


FLOOD_NAMES = {
    "wrong": "wrong passwords, 20 addresses",
    "own": "own password, 3 addresses",
    "after": "16 schools 2 s after a flood",
}
FLOOD_NAMES_RU = {
    "wrong": "неверные пароли с 20 адресов",
    "own": "школа входит своим паролем снова и снова с 3 адресов",
    "after": "16 школ сразу, через 2 с после потока",
}


def flood_targets(floods: list[dict]) -> dict[str, dict]:
    """Issue 17's targets for each flood: real users in within 20 s, never told more than 30 s."""
    out = {}
    for row in floods:
        users = row["users"]
        took = row["in_s"]
        what = "all in" if row["name"] == "after" else "each in"
        out[FLOOD_NAMES[row["name"]]] = {
            "target": f"{what} <= 20 s, Retry-After <= 30 s",
            "value": (
                f"{users['in']}/{users['people']} in, " if users["in"] < users["people"] else ""
            )
            + (f"{took:.1f} s" if took is not None else "not all in")
            + f", told at most {users['max_told']} s",
            "met": row["met"],
        }
    return out


def _flood_rows(floods: list[dict]) -> list[list[str]]:
    rows = []
    for row in floods:
        flood, users, cab = row["flood"], row["users"], row.get("cabinet")
        rows.append(
            [
                row["name"],
                f"{flood['answers_per_s']:.0f}",
                f"{flood['shed_share']:.2f}" if flood["shed_share"] is not None else "-",
                f"{users['in']}/{users['people']}",
                f"{row['in_s']:.1f}" if row["in_s"] is not None else "-",
                str(users["max_told"]),
                str(users["tries"]),
                f"{cab['p99_ms']:.1f}" if cab else "-",
            ]
        )
    return rows


FLOOD_HEADER = [
    "flood",
    "flood answers/s",
    "share 503",
    "users in",
    "in after s",
    "max Retry-After",
    "user tries",
    "/cabinet p99 ms",
]


def flood_table(floods: list[dict]) -> list[str]:
    if not floods:
        return []
    return ["", *_grid(FLOOD_HEADER, _flood_rows(floods))]


def flood_markdown(floods: list[dict]) -> str:
    out = [
        "| Поток | Ответов потоку в с | Из них 503 | Вошли | Вход через, с | Наибольший "
        "Retry-After, с | Попыток людей | /cabinet p99, мс |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row, cells in zip(floods, _flood_rows(floods), strict=True):
        cells = [FLOOD_NAMES_RU[row["name"]], *(c.replace(".", ",") for c in cells[1:])]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def _half_life(variant: dict) -> str:
    """FIFO does not look at the usage counts, so their halving period means nothing there."""
    return "-" if variant["order"] == "fifo" else f"{variant['half_life']:g}"


def compare_table(c: dict) -> str:
    """The floods against each login queue variant, in the order they ran."""
    rows = []
    for v in c["variants"]:
        load = "/".join(f"{x[0]:.1f}" for x in v["loadavg"] if x)
        for cells in _flood_rows(v["floods"]):
            rows.append([v["order"], _half_life(v), load, *cells[:-1]])
    header = ["queue", "half-life s", "load 1 min", *FLOOD_HEADER[:-1]]
    return "\n".join([f"Login queue variants, bcrypt cost {c['cost']}:", "", *_grid(header, rows)])


def compare_markdown(c: dict) -> str:
    out = [
        "| Очередь | Полураспад, с | Загрузка до / после | Поток | Из ответов потоку 503 | Вошли "
        "| Вход через, с | Наибольший Retry-After, с | Попыток людей |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    names = {"fair": "честная (легчайший первым)", "fifo": "FIFO"}
    for v in c["variants"]:
        load = " / ".join(_ru(x[0], 1) for x in v["loadavg"] if x)
        for row, cells in zip(v["floods"], _flood_rows(v["floods"]), strict=True):
            out.append(
                f"| {names[v['order']]} | {_half_life(v)} | {load} | "
                f"{FLOOD_NAMES_RU[row['name']]} | "
                + " | ".join(x.replace(".", ",") for x in cells[2:7])
                + " |"
            )
    return "\n".join(out)


def _storm_rows(s: dict) -> list[list[str]]:
    idle = s["idle_cabinet"]
    rows = [
        ["idle", "-", "-", "-", "-", "-", "-", f"{idle['p50_ms']:.1f}", f"{idle['p99_ms']:.1f}"]
    ]
    for row in s["storms"]:
        rows.append(
            [
                f"{row['clients']}{' spread' if row.get('spread') else ''}",
                f"{row['served_per_s']:.2f}",
                f"{row['raw_checkpw_per_s']:.2f}",
                f"{row['ratio_to_raw']:.2f}",
                f"{row['login_p50_ms']:.0f}" if row["login_p50_ms"] is not None else "-",
                f"{row['login_p99_ms']:.0f}" if row["login_p99_ms"] is not None else "-",
                f"{row['shed']} (max {row['shed_max_ms']:.0f} ms)" if row["shed"] else "0",
                f"{row['cabinet']['p50_ms']:.1f}",
                f"{row['cabinet']['p99_ms']:.1f}",
            ]
        )
    return rows


def storm_table(s: dict) -> str:
    """The storm as a plain-text table with its targets."""
    out = [
        f"Login storm: bcrypt cost {s['cost']}, {s['lanes']} lanes, {s['threads']} threads; "
        f"raw checkpw/s at {s['lanes']} threads before, between and after the storms: "
        + ", ".join(f"{r:.2f}" for r in s["raw_checkpw_per_s"]),
        "",
        *_grid(
            [
                "clients",
                "logins/s",
                "raw/s",
                "x raw",
                "login p50 ms",
                "login p99 ms",
                "shed",
                "/cabinet p50 ms",
                "/cabinet p99 ms",
            ],
            _storm_rows(s),
        ),
    ]
    out += flood_table(s.get("floods", []))
    goals = storm_targets(s) | flood_targets(s.get("floods", []))
    rows = [
        [name, t["target"], t["value"], "yes" if t["met"] else "NO"] for name, t in goals.items()
    ]
    return "\n".join([*out, "", *_grid(["target", "asks", "measured", "met"], rows)])


def storm_markdown(s: dict) -> str:
    """The storm table in Russian Markdown, for docs/performance.md."""
    out = [
        "| Клиентов входа | Входов в с | checkpw в с | Доля | Вход p50, мс | Вход p99, мс "
        "| Отказов 503 | /cabinet p50, мс | /cabinet p99, мс |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in _storm_rows(s):
        label = {"idle": "без нагрузки"}.get(row[0], row[0].replace(" spread", ", свои адреса"))
        out.append("| " + " | ".join([label, *(x.replace(".", ",") for x in row[1:])]) + " |")
    if s.get("floods"):
        out += ["", flood_markdown(s["floods"])]
    return "\n".join(out)
