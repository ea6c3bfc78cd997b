"""The one clock: the study's date for deadlines and materials, and the real moment for records.

The date is the same for every account. `FISOKO_TODAY` (or `TODAY` in the test mapping) fixes it, so
tests and rehearsals of the study's days can run on any real date.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app


def today() -> dt.date:
    """The configured date if one is set, else the server's local date."""
    fixed = current_app.config.get("TODAY")
    return fixed if isinstance(fixed, dt.date) else dt.date.today()


def now_utc() -> str:
    """The current moment as UTC ISO text, which sorts in time order."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def now_local() -> dt.datetime:
    """The real moment in the server's time zone (audit lines, ZIP entries), never `TODAY`."""
    return dt.datetime.now().astimezone()


def local_text(stamp: str) -> str:
    """A stored UTC moment as ДД.ММ.ГГГГ ЧЧ:ММ in the server's local time."""
    moment = dt.datetime.fromisoformat(stamp).astimezone()
    return moment.strftime("%d.%m.%Y %H:%M")
