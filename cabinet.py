"""The personal cabinet (blueprint "cabinet"): the start page, and the «НИКО» tab's URL.

«Главная» leads with what the account must do now (agenda.py) and the publications for it
(news.py); the НИКО tab's view lives in fisoko/niko/tab/views.py and is mapped here to keep its
endpoint "cabinet.niko".
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from fisoko import clock
from fisoko.accounts.store import Account
from fisoko.niko.content import round
from fisoko.niko.content.model import current_content
from fisoko.niko.region import progress, sample
from fisoko.niko.tab import agenda, news, results_panel
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
    content = current_content()
    guide = content.guide(account.role)
    wall = clock.wall()
    phase = round.phase(content, wall)
    return render_template(
        "cabinet/home.html",
        account=account,
        guide=guide,
        today=wall.date(),
        tab="home",
        feed=news.feed(account),
        agenda=_home_agenda(account, wall, phase),
        phase=phase,
        study_content=content,
        sample_state=None
        if account.is_coordinator or phase == round.BEFORE
        else sample.school_state(account),
        region_sample=sample.kept_region(account.region)
        if account.is_coordinator and phase != round.BEFORE
        else None,
        sample_deadline=sample.deadline(),
        new_results=results_panel.new_files(account),
    )


def _home_agenda(account: Account, wall: dt.datetime, phase: str) -> agenda.Agenda:
    """The next step and the late ones, without building the region's table."""
    return agenda.for_steps(progress.states_of(account), wall, phase)


bp.add_url_rule("/cabinet/niko", view_func=tab_views.niko)
