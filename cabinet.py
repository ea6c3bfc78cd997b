"""The personal cabinet: the start page and the «НИКО» tab, for the logged-in account's role.

Both lead with what the account must do now (agenda.py) and the publications for it (news.py);
the study's description and schedule, the same for everyone, come after on the НИКО tab.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fisoko.accounts.store import Account
from fisoko.niko import (
    agenda,
    clock,
    codes,
    materials,
    news,
    progress,
    region,
    sample,
    upload_store,
    uploads,
)
from fisoko.niko.content import current_content
from fisoko.web import fragments
from fisoko.web.downloads import no_store

bp = Blueprint("cabinet", __name__)
bp.after_request(no_store)


@bp.app_template_filter("ru_date")
def ru_date(value: dt.date) -> str:
    """A date as ДД.ММ.ГГГГ, the way Russian documents write it."""
    return value.strftime("%d.%m.%Y")


@bp.app_template_filter("days_left")
def days_left(days: int) -> str:
    """How many days are left until a deadline, in Russian words."""
    return agenda.days_left_text(days)


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
    return agenda.for_school(progress.school_steps(account), today)


def _agenda(
    account: Account, today: dt.date
) -> tuple[agenda.Agenda, tuple[progress.StepState, ...], progress.Overview | None]:
    """What the account must do now, with the school's step marks or the region's table."""
    if account.is_coordinator:
        table = progress.overview(account.region)
        steps = current_content().guide(account.role).steps
        return agenda.for_coordinator(steps, table, today), (), table
    states = progress.school_steps(account)
    return agenda.for_school(states, today), tuple(states), None


@bp.route("/cabinet/niko")
@login_required
def niko():
    """«НИКО»: what to do now and the news first, then the exchange, then the study and schedule.

    Opening it clears the «новое» marks of the publications it shows, from the next view on.
    """
    account = current_user.account
    content = current_content()
    guide = content.guide(account.role)
    today, limit_mb = clock.today(), current_app.config["MAX_UPLOAD_MB"]
    now, step_states, overview = _agenda(account, today)
    feed = news.feed(account)
    news.mark_seen(account, feed)
    upload_steps, selected = uploads.form_steps(guide, today)
    return render_template(
        "cabinet/niko.html",
        account=account,
        study=fragments.render_once("cabinet/_study.html", content=content),
        steps=fragments.render_once(
            "cabinet/_steps.html",
            guide=guide,
            role_label=account.role_label,
        ),
        guide=guide,
        today=today,
        tab="niko",
        materials=materials.visible(account),
        uploads=uploads.listed(account, uploads.page_number(request.args.get("page"))),
        upload_fields=fragments.render_once(
            "cabinet/_upload_fields.html",
            steps=upload_steps,
            selected=selected,
            upload_limit_mb=limit_mb,
            upload_types=tuple(sorted(upload_store.ALLOWED_TYPES)),
        )
        if upload_steps
        else None,
        step_states=step_states,
        overview=overview,
        agenda=now,
        feed=feed,
        region=(
            region.build(overview, request.args, today)
            if account.is_coordinator and overview is not None
            else None
        ),
        sample_state=None if account.is_coordinator else sample.school_state(account),
        codes_count=None if account.is_coordinator else codes.count_of(account.login),
    )
