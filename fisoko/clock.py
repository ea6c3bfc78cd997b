"""The study's clock: one moment for deadlines, phases, stamps, times shown and file names.

Wall times are those of the study's zone (`study.timezone` in the content, Europe/Moscow by
default), not the server's. The clock sits at the bottom of the package, beside the settings, so
the login and web code use it without importing НИКО; НИКО's content names the zone through
`use_zone` when it is loaded. `FISOKO_TODAY` (or `TODAY` in the test mapping) sets the moment for a
rehearsal: a date alone starts at 09:00 of that day, a date with a time at that minute; from there
the rehearsal's clock runs on with the real one, so what is done in a rehearsal is stamped in order
and shown at the rehearsal's date.

Within one request the clock gives one moment, that of its first reading: a page compares every
deadline, phase and stamp against the same instant, and the request pays for the zone and the
rehearsal lookups once. Outside a request (the CLI, threads with only an app context) each reading
is fresh.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
import zoneinfo
from collections.abc import Callable

from flask import Flask, current_app, has_request_context, request

REHEARSAL_START = dt.time(9, 0)
MOSCOW = "Europe/Moscow"
ZONE_SOURCE = "fisoko.clock.zone"
MOMENT_KEY = "fisoko.clock.moment"  # in the WSGI environ: one moment per request


@functools.cache
def zone_of(name: str) -> zoneinfo.ZoneInfo:
    """The zone of an IANA name (from the `tzdata` package where the OS has no zone database)."""
    return zoneinfo.ZoneInfo(name)


def use_zone(app: Flask, source: Callable[[], str]) -> None:
    """Let `source` (called in the app's context) name the study's zone from now on."""
    app.extensions[ZONE_SOURCE] = source


def zone_name() -> str:
    """The IANA name of the study's zone: what the app's content names, else Moscow."""
    source = current_app.extensions.get(ZONE_SOURCE)
    return source() if source is not None else MOSCOW


def rehearsal_start() -> dt.datetime | None:
    """The wall time a rehearsal starts at, or None in real work."""
    fixed = current_app.config.get("TODAY")
    if isinstance(fixed, dt.datetime):
        return fixed.replace(tzinfo=None, second=0, microsecond=0)
    if isinstance(fixed, dt.date):
        return dt.datetime.combine(fixed, REHEARSAL_START)
    return None


def now() -> dt.datetime:
    """The current moment in the study's zone (the rehearsal's moment during a rehearsal); in a
    request, the same moment for every reading (see above)."""
    if not has_request_context():
        return _read()
    environ = request.environ
    moment = environ.get(MOMENT_KEY)
    if moment is None:
        moment = environ[MOMENT_KEY] = _read()
    return moment


def real_now(zone: dt.tzinfo) -> dt.datetime:
    """The real moment in `zone`: the one reading of the system's date, so the test suite can
    pin it and no test's outcome depends on the day it runs."""
    return dt.datetime.now(zone)


def _read() -> dt.datetime:
    zone = zone_of(zone_name())
    start = rehearsal_start()
    if start is None:
        return real_now(zone)
    began = current_app.extensions.setdefault("fisoko.clock", {}).setdefault(
        start, time.monotonic()
    )
    return start.replace(tzinfo=zone) + dt.timedelta(seconds=time.monotonic() - began)


def wall() -> dt.datetime:
    """Now as the study zone's wall time without a zone: what content dates compare against."""
    return now().replace(tzinfo=None)


def today() -> dt.date:
    """The study's date now (the rehearsal's date during a rehearsal)."""
    return now().date()


def now_utc() -> str:
    """Now as UTC ISO text, which sorts in time order: how moments are stored."""
    return now().astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def now_local() -> dt.datetime:
    """The real moment in the server's time zone (audit lines, ZIP entries), never `TODAY`."""
    return dt.datetime.now().astimezone()


def local_text(stamp: str) -> str:
    """A stored UTC moment as ДД.ММ.ГГГГ ЧЧ:ММ in the study's zone."""
    m = dt.datetime.fromisoformat(stamp).astimezone(now().tzinfo)
    return f"{m.day:02d}.{m.month:02d}.{m.year} {m.hour:02d}:{m.minute:02d}"  # strftime is slower


def zone_label(at: dt.datetime | None = None) -> str:
    """«МСК» for Moscow time, else the study zone's UTC offset at that wall time, e.g. «UTC+5»."""
    return _label(now().tzinfo.key, at or wall())  # type: ignore[union-attr]


def _label(name: str, at: dt.datetime) -> str:
    if name == MOSCOW:
        return "МСК"
    moment = at.replace(tzinfo=zone_of(name))
    minutes = int((moment.utcoffset() or dt.timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def deadline_text(day: dt.date, at: dt.time | None) -> str:
    """A deadline as pages show it: «26.03.2027 18:00 (МСК)», or the day alone without a time."""
    if at is None:
        return f"{day.day:02d}.{day.month:02d}.{day.year}"  # not strftime: it is slower
    return _timed_deadline(day, at, now().tzinfo.key)  # type: ignore[union-attr]


@functools.lru_cache(maxsize=1024)
def _timed_deadline(day: dt.date, at: dt.time, zone: str) -> str:
    """A deadline with its time: a page shows a few, the same ones each time."""
    label = _label(zone, dt.datetime.combine(day, at))
    return f"{day.day:02d}.{day.month:02d}.{day.year} {at.hour:02d}:{at.minute:02d} ({label})"
