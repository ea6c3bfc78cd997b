"""The personal cabinet (blueprint "cabinet"): the start page, and the «НИКО» tab's URL.

«Главная» leads with what the account must do now (agenda.py) and the publications for it
(news.py); the НИКО tab's view lives in fisoko/niko/tab/views.py and is mapped here to keep its
endpoint "cabinet.niko".
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from fisoko.accounts.store import Account
from fisoko.niko.content import clock
from fisoko.niko.content.model import current_content
from fisoko.niko.exchange import marks
from fisoko.niko.region import sample
from fisoko.niko.tab import agenda, news
from fisoko.niko.tab import views as tab_views
from fisoko.web.downloads import no_store

bp = Blueprint("cabinet", __name__)
bp.after_request(no_store)


@bp.route("/")
def index():
    """Send a visitor to the cabinet or to the login form."""
    if current_user.is_authenticated:
        return redirect(url_for("cabinet.home"))
    return redirect(url_for("auth.login"))


@bp.route("/cabinet")
@login_required
def home():
    """«Главная»: who the account is and where to go next."""
    account = current_user.account
    guide = current_content().guide(account.role)
    today = clock.today()
    return render_template(
        "cabinet/home.html",
        account=account,
        guide=guide,
        today=today,
        tab="home",
        feed=news.feed(account),
        agenda=_home_agenda(account, today),
        sample_state=None if account.is_coordinator else sample.school_state(account),
        region_sample=sample.kept_region(account.region) if account.is_coordinator else None,
        sample_deadline=sample.deadline(),
    )


def _home_agenda(account: Account, today: dt.date) -> agenda.Agenda:
    """The next step (and a school's late ones) without building the region's table."""
    if account.is_coordinator:
        return agenda.next_of(current_content().guide(account.role).steps, today)
    return agenda.for_school(marks.school_steps(account), today)


bp.add_url_rule("/cabinet/niko", view_func=tab_views.niko)
