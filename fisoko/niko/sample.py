"""The region's sample: every school is in it until its coordinator asks to replace it.

The coordinator marks a school «на замену» with a reason (or takes it back) and then confirms the
region's sample; a confirmed sample changes only after the confirmation is taken back, and all of
it only until the deadline of the content's `sample_step`. A school's status is `in`, `replace`
or, once its region is confirmed and the school is not to be replaced, `confirmed`. Every change
is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, field

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import login_required

from fisoko.accounts.store import COORDINATOR, SCHOOL, Account, current_store
from fisoko.db import get_db
from fisoko.login import audit
from fisoko.niko import clock
from fisoko.niko.content import current_content
from fisoko.web.access import account_with_role
from fisoko.web.downloads import no_store
from fisoko.web.errors import render_error

IN, REPLACE, CONFIRMED = "in", "replace", "confirmed"
MAX_REASON = 500
KEEP_SECONDS = 2.0
LABELS = {IN: "в выборке", REPLACE: "на замену", CONFIRMED: "в выборке, подтверждена"}


class Refused(ValueError):
    """The change is not allowed now; the message says why, in Russian."""


@dataclass(frozen=True)
class Mark:
    """A school the coordinator asked to replace, why, by whom and when."""

    reason: str
    changed_by: str
    changed_at: str


@dataclass(frozen=True)
class RegionSample:
    """The sample of one region: the schools marked for replacement and the confirmation."""

    marks: dict[str, Mark] = field(default_factory=dict)
    confirmed_at: str | None = None
    confirmed_by: str | None = None

    def status(self, login: str) -> str:
        if login in self.marks:
            return REPLACE
        return CONFIRMED if self.confirmed_at else IN


def of_region(conn: sqlite3.Connection, region: str) -> RegionSample:
    """The region's marks for replacement and its confirmation, if any."""
    marks = {
        login: Mark(reason, by, at)
        for login, reason, by, at in conn.execute(
            "SELECT login, reason, changed_by, changed_at FROM sample_marks"
            " WHERE region = ? AND status = ?",
            (region, REPLACE),
        )
    }
    row = conn.execute(
        "SELECT confirmed_at, confirmed_by FROM sample_confirmations WHERE region = ?", (region,)
    ).fetchone()
    return RegionSample(marks, *(row or (None, None)))


def deadline() -> dt.date | None:
    return current_content().sample_deadline()


def check_open(today: dt.date) -> None:
    """Refuse any change after the deadline of the content's sample step."""
    last = deadline()
    if last is not None and today > last:
        raise Refused(
            f"Срок подтверждения выборки истёк {last:%d.%m.%Y}: изменить выборку региона "
            "больше нельзя. Если замена всё же нужна, обратитесь к федеральному организатору."
        )


def clean_reason(raw: str | None) -> str:
    """The reason for a replacement: required, one paragraph, at most MAX_REASON characters."""
    text = " ".join((raw or "").split())
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    if not text:
        raise Refused("Укажите причину замены школы: без неё отметить школу на замену нельзя.")
    if len(text) > MAX_REASON:
        raise Refused(f"Причина замены длиннее {MAX_REASON} символов. Сократите её.")
    return text


def _unconfirmed(conn: sqlite3.Connection, region: str) -> None:
    if conn.execute("SELECT 1 FROM sample_confirmations WHERE region = ?", (region,)).fetchone():
        raise Refused(
            "Выборка региона уже подтверждена. Чтобы изменить её, сначала снимите подтверждение."
        )


def set_status(
    conn: sqlite3.Connection, school: Account, status: str, reason: str, by: str, now: str
) -> bool:
    """Mark a school for replacement (with a reason) or back in the sample, while the region is
    not confirmed; False when the school was already in the sample."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        _unconfirmed(conn, school.region)
        if status == REPLACE:
            done = conn.execute(
                "INSERT INTO sample_marks (login, region, status, reason, changed_by, changed_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (login) DO UPDATE SET"
                " status = excluded.status, reason = excluded.reason,"
                " changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                (school.login, school.region, REPLACE, reason, by, now),
            )
        else:
            done = conn.execute("DELETE FROM sample_marks WHERE login = ?", (school.login,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return done.rowcount > 0


def set_confirmed(conn: sqlite3.Connection, region: str, by: str, now: str, on: bool) -> bool:
    """Confirm the region's sample or take the confirmation back; False if nothing changed."""
    if on:
        done = conn.execute(
            "INSERT OR IGNORE INTO sample_confirmations (region, confirmed_by, confirmed_at)"
            " VALUES (?, ?, ?)",
            (region, by, now),
        )
    else:
        done = conn.execute("DELETE FROM sample_confirmations WHERE region = ?", (region,))
    return done.rowcount > 0


def _kept() -> dict[str, tuple[float, RegionSample]]:
    return current_app.extensions.setdefault("fisoko.sample_kept", {})


def kept_region(region: str) -> RegionSample:
    """The region's sample as read at most KEEP_SECONDS ago by this process.

    A school's «Главная» otherwise needs no database at all, and a query there costs more than
    it seems under load (it hands the GIL over). A change made in this process is seen at once
    (`forget`); one made by another process on the same instance folder within KEEP_SECONDS.
    """
    kept, now = _kept(), time.monotonic()
    found = kept.get(region)
    if found is None or now - found[0] >= KEEP_SECONDS:
        found = kept[region] = (now, of_region(get_db(), region))
    return found[1]


def forget(region: str) -> None:
    _kept().pop(region, None)


def school_state(account: Account) -> tuple[str, Mark | None]:
    """A school's own status and, when it is to be replaced, the coordinator's mark."""
    state = kept_region(account.region)
    return state.status(account.login), state.marks.get(account.login)


bp = Blueprint("sample", __name__)
bp.after_request(no_store)


@bp.route("/cabinet/niko/sample/<login>", methods=["POST"])
@login_required
def mark(login: str):
    """The region's coordinator marks a school `replace` (with a reason) or `keep`."""
    coordinator = account_with_role(COORDINATOR)
    school = current_store().get(login)
    if school is None or school.role != SCHOOL or school.region != coordinator.region:
        abort(404)
    status = request.form.get("status")
    try:
        if status not in ("replace", "keep"):
            raise Refused("Не удалось понять действие с выборкой. Обновите страницу и повторите.")
        check_open(clock.today())
        reason = clean_reason(request.form.get("reason")) if status == REPLACE else ""
        changed = set_status(
            get_db(), school, REPLACE if reason else IN, reason, coordinator.login, clock.now_utc()
        )
    except Refused as refused:
        return render_error(400, str(refused))
    forget(school.region)
    if reason:
        audit.event(coordinator.login, "sample.replace", school=school.login, reason=reason)
        flash(f"Школа {school.login} отмечена на замену.", "info")
    elif changed:
        audit.event(coordinator.login, "sample.keep", school=school.login)
        flash(f"Школа {school.login} снова в выборке.", "info")
    else:
        flash(f"Школа {school.login} и так в выборке.", "info")
    return redirect(url_for("cabinet.niko"))


def _confirmation(on: bool):
    coordinator = account_with_role(COORDINATOR)
    try:
        check_open(clock.today())
    except Refused as refused:
        return render_error(400, str(refused))
    region = coordinator.region
    changed = set_confirmed(get_db(), region, coordinator.login, clock.now_utc(), on)
    forget(region)
    if changed:
        action = "sample.confirm" if on else "sample.unconfirm"
        schools = {s.login for s in current_store().schools_of(region)}
        replaced = len(schools & of_region(get_db(), region).marks.keys())
        audit.event(coordinator.login, action, region=region, to_replace=str(replaced))
    if on:
        flash("Выборка региона подтверждена." if changed else "Выборка уже подтверждена.", "info")
    else:
        flash(
            "Подтверждение выборки снято." if changed else "Выборка не была подтверждена.", "info"
        )
    return redirect(url_for("cabinet.niko"))


@bp.route("/cabinet/niko/sample/confirm", methods=["POST"])
@login_required
def confirm():
    """The coordinator confirms the region's sample (before the deadline)."""
    return _confirmation(True)


@bp.route("/cabinet/niko/sample/unconfirm", methods=["POST"])
@login_required
def unconfirm():
    """The coordinator takes the confirmation back (before the deadline)."""
    return _confirmation(False)
