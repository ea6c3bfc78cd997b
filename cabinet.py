"""The personal cabinet: the start page and the «НИКО» tab, for the logged-in account's role."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fisoko.niko import clock, codes, materials, progress, region, sample, upload_store, uploads
from fisoko.niko.content import current_content
from fisoko.web import fragments
from fisoko.web.downloads import no_store

bp = Blueprint("cabinet", __name__)


@bp.app_template_filter("ru_date")
def ru_date(value: dt.date) -> str:
    """A date as ДД.ММ.ГГГГ, the way Russian documents write it."""
    return value.strftime("%d.%m.%Y")


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
    return render_template(
        "cabinet/home.html",
        account=account,
        guide=guide,
        today=clock.today(),
        tab="home",
        sample_state=None if account.is_coordinator else sample.school_state(account),
    )


@bp.route("/cabinet/niko")
@login_required
def niko():
    """«НИКО»: the study, its schedule, the role's steps, materials, uploads and progress."""
    account = current_user.account
    content = current_content()
    guide = content.guide(account.role)
    today, limit_mb = clock.today(), current_app.config["MAX_UPLOAD_MB"]
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
        uploads=uploads.listed(account),
        upload_fields=fragments.render_once(
            "cabinet/_upload_fields.html",
            guide=guide,
            today=today,
            upload_limit_mb=limit_mb,
            upload_types=tuple(sorted(upload_store.ALLOWED_TYPES)),
        ),
        step_states=() if account.is_coordinator else progress.school_steps(account),
        region=(
            region.build(progress.overview(account.region), request.args, today)
            if account.is_coordinator
            else None
        ),
        sample_state=None if account.is_coordinator else sample.school_state(account),
        codes_count=None if account.is_coordinator else codes.count_of(account.login),
    )
