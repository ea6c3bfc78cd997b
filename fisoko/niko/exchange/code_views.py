"""A school's participant codes: the page, issuing, the CSV and the slips (blueprint "codes")."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import login_required

from fisoko import clock
from fisoko.accounts.store import SCHOOL, Account
from fisoko.db import get_db
from fisoko.login import audit
from fisoko.niko.content import round
from fisoko.niko.content.model import current_content
from fisoko.niko.exchange.codes import (
    GRADES,
    MAX_PER_CLASS,
    as_csv,
    by_class,
    issue,
    of_school,
    parse_class,
    parse_count,
)
from fisoko.refused import Refused
from fisoko.web.access import account_with_role
from fisoko.web.downloads import csv_attachment, no_store

bp = Blueprint("codes", __name__)
bp.after_request(no_store)


def _page(account: Account, status: int = 200, error: str | None = None, typed=None):
    codes = of_school(get_db(), account.login)
    try:
        round.check_study_open(current_content(), clock.wall())
        closed = None
    except Refused as refused:
        closed = refused.message
    page = render_template(
        "cabinet/codes.html",
        account=account,
        tab="niko",
        groups=by_class(codes),
        total=len(codes),
        max_per_class=MAX_PER_CLASS,
        grades=GRADES,
        error=error,
        closed=closed,
        typed=typed or {},
    )
    return make_response(page, status)


@bp.route("/cabinet/niko/codes")
@login_required
def page():
    """A school's participant codes by class, and the form to issue more; 404 for a coordinator."""
    return _page(account_with_role(SCHOOL))


@bp.route("/cabinet/niko/codes", methods=["POST"])
@login_required
def issue_codes():
    """Issue codes for a class; 400 with the reason, on the same page, for a bad class or count."""
    account = account_with_role(SCHOOL)
    typed = {
        "class": request.form.get("class", "")[:20],
        "count": request.form.get("count", "")[:6],
    }
    try:
        round.check_study_open(current_content(), clock.wall())
        school_class = parse_class(request.form.get("class"))
        count = parse_count(request.form.get("count"))
        new = issue(get_db(), account, school_class, count, clock.now_utc())
    except Refused as refused:
        return _page(account, refused.status, refused.message, typed)
    audit.event(account.login, "codes.issue", school_class=school_class, count=str(len(new)))
    flash(f"Для {school_class} выдано кодов: {len(new)}.", "info")
    return redirect(url_for("codes.page"))


@bp.route("/cabinet/niko/codes.csv")
@login_required
def codes_csv():
    """The codes as a protocol for Excel, with an empty column for names; 404 for a coordinator."""
    account = account_with_role(SCHOOL)
    name = f"niko-codes-{account.login}-{clock.today().isoformat()}.csv"
    return csv_attachment(as_csv(of_school(get_db(), account.login)), name)


@bp.route("/cabinet/niko/codes/print")
@login_required
def print_slips():
    """Slips to print and cut, one per code, with the class and the study; 404 for a coordinator."""
    account = account_with_role(SCHOOL)
    return render_template(
        "cabinet/codes_print.html",
        account=account,
        groups=by_class(of_school(get_db(), account.login)),
        study=current_content().round,
    )
