"""The coordinator's sample actions: mark a school, confirm, take back (blueprint "sample")."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import login_required

from fisoko import clock
from fisoko.accounts.store import COORDINATOR, SCHOOL, current_store
from fisoko.db import get_db
from fisoko.login import audit
from fisoko.niko.region.overview import counted_schools
from fisoko.niko.region.sample import (
    IN,
    REPLACE,
    check_open,
    clean_reason,
    forget,
    of_region,
    set_confirmed,
    set_status,
)
from fisoko.refused import Refused
from fisoko.web.access import account_with_role
from fisoko.web.downloads import no_store
from fisoko.web.errors import render_error

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
            raise Refused(
                400, "Не удалось понять действие с выборкой. Обновите страницу и повторите."
            )
        check_open(clock.today())
        reason = clean_reason(request.form.get("reason")) if status == REPLACE else ""
        changed = set_status(
            get_db(), school, REPLACE if reason else IN, reason, coordinator.login, clock.now_utc()
        )
    except Refused as refused:
        return render_error(refused.status, refused.message)
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
        return render_error(refused.status, refused.message)
    region = coordinator.region
    changed = set_confirmed(get_db(), region, coordinator.login, clock.now_utc(), on)
    forget(region)
    if changed:
        action = "sample.confirm" if on else "sample.unconfirm"
        schools = {s.login for s in counted_schools(region)[0]}
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
