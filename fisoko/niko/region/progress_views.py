"""Step progress routes (blueprint "progress"): a school marks a step, the region's CSV."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from fisoko.accounts.store import COORDINATOR, SCHOOL
from fisoko.niko.content import clock
from fisoko.niko.content.model import current_content
from fisoko.niko.exchange import results
from fisoko.niko.exchange.marks import set_mark
from fisoko.niko.region.overview import overview, overview_csv
from fisoko.web.access import account_with_role
from fisoko.web.downloads import csv_attachment, no_store
from fisoko.web.errors import render_error

bp = Blueprint("progress", __name__)
bp.after_request(no_store)


@bp.route("/cabinet/niko/steps/<step>", methods=["POST"])
@login_required
def mark(step: str):
    """A school marks its step done (`done=1`) or not (`done=0`)."""
    account = current_user.account
    found = None if account.is_coordinator else current_content().guide(SCHOOL).step(step)
    if found is None:
        abort(404)
    value = request.form.get("done")
    if value not in ("1", "0"):
        return render_error(400, "Не удалось понять отметку. Обновите страницу и повторите.")
    set_mark(account, found.id, value == "1")
    if value == "1":
        flash(f"Шаг «{found.title}» отмечен как выполненный.", "info")
    else:
        flash(f"Отметка о выполнении шага «{found.title}» снята.", "info")
    return redirect(url_for("cabinet.niko"))


@bp.route("/cabinet/niko/progress.csv")
@login_required
def progress_csv():
    """The coordinator's table of the region's schools as a CSV file; 404 for a school."""
    account = account_with_role(COORDINATOR)
    name = f"niko-progress-{account.region}-{clock.today().isoformat()}.csv"
    table = overview_csv(overview(account.region), results.logins_with_results(account.region))
    return csv_attachment(table, name)
