"""Step progress routes (blueprint "progress"): an account marks its step, the region's CSV."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from fisoko import clock
from fisoko.accounts.store import COORDINATOR
from fisoko.niko.content import round
from fisoko.niko.content.model import current_content
from fisoko.niko.exchange import results
from fisoko.niko.exchange.marks import set_mark
from fisoko.niko.region.overview import overview, overview_csv
from fisoko.refused import Refused
from fisoko.web.access import account_with_role
from fisoko.web.downloads import csv_attachment, no_store
from fisoko.web.errors import render_error

bp = Blueprint("progress", __name__)
bp.after_request(no_store)


@bp.route("/cabinet/niko/steps/<step>", methods=["POST"])
@login_required
def mark(step: str):
    """An account marks one of its own role's steps done (`done=1`) or not (`done=0`); another
    role's step is 404. Refused (400) while the study or the step is not open."""
    account = current_user.account
    content = current_content()
    found = content.guide(account.role).step(step)
    if found is None:
        abort(404)
    value = request.form.get("done")
    try:
        if value not in ("1", "0"):
            raise Refused(400, "Не удалось понять отметку. Обновите страницу и повторите.")
        round.check_marks(content, found, clock.wall())
    except Refused as refused:
        return render_error(refused.status, refused.message)
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
