"""The «НИКО» tab's view; cabinet.py maps it to /cabinet/niko (endpoint "cabinet.niko").

It leads with what the account must do now (agenda.py) and the publications for it (news.py);
the study's description and schedule, the same for everyone, come after.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from flask import Flask, current_app, make_response, render_template, request
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from fisoko import clock
from fisoko.accounts.store import Account
from fisoko.db import get_db
from fisoko.niko.content import round
from fisoko.niko.content.model import current_content
from fisoko.niko.exchange import codes, materials, reviews, upload_store, uploads
from fisoko.niko.exchange.upload_refusal import UploadRefusal, UploadRefused
from fisoko.niko.region import overview, progress, sample
from fisoko.niko.region import table as region
from fisoko.niko.tab import agenda, feed_html, news, results_panel
from fisoko.web import fragments, query, url_cache
from fisoko.web.errors import render_error
from fisoko.web.security import UPLOAD_ENDPOINT


def _agenda(
    account: Account, wall: dt.datetime, phase: str
) -> tuple[agenda.Agenda, tuple[progress.StepState, ...], overview.Overview | None]:
    """What the account must do now, with its own steps' states and a coordinator's region."""
    if account.is_coordinator:
        done = progress.region_done(get_db(), account.region)
        table = overview.overview(account.region, done)
        states = progress.coordinator_states(account, done)
        return agenda.for_coordinator(states, table, wall, phase), tuple(states), table
    states = progress.school_states(account)
    return agenda.for_steps(states, wall, phase), tuple(states), None


def _sample_actions(table: region.RegionPage | None) -> dict[str, str]:
    """Where each shown school's «На замену» / «Вернуть в выборку» form posts, while it has one."""
    if table is None or not table.sample_editable:
        return {}
    return url_cache.urls_for(
        "sample.mark", "login", (line.row.account.login for line in table.lines)
    )


def _returned(account: Account, guide, listed: uploads.ListPage) -> list[tuple]:
    """A school's uploads returned for rework, each with its step (for the step's deadline)."""
    if account.is_coordinator or not listed.total:
        return []
    found = reviews.returned_of(get_db(), account.login)
    return [(upload, review, guide.step(upload.step)) for upload, review in found]


@login_required
def niko():
    """«НИКО»: what to do now and the news first, then the exchange, then the study and schedule.

    Opening it clears the «новое» marks of the publications it shows, from the next view on.
    """
    return page()


def page(refusal: UploadRefusal | None = None):
    """The tab as GET /cabinet/niko shows it; with a refused upload, the message beside the
    upload form, its step kept selected, and the refusal's status (nothing written then)."""
    account = current_user.account
    content = current_content()
    guide = content.guide(account.role)
    wall, limit_mb = clock.wall(), current_app.config["MAX_UPLOAD_MB"]
    today, phase = wall.date(), round.phase(content, wall)
    now, step_states, overview = _agenda(account, wall, phase)
    feed = news.feed(account)
    if refusal is None:
        news.mark_seen(account, feed)
    upload_steps, selected = uploads.form_steps(content, guide, wall)
    if refusal is not None and any(step.id == refusal.step for _, step in upload_steps):
        selected = refusal.step
    listed = uploads.listed(account, query.page_number(request.args.get("page")))
    table = region.build(overview, request.args, today) if overview is not None else None
    html = render_template(
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
        materials=fragments.render_once(
            "cabinet/_materials.html",
            materials=tuple((shown.material, shown.size) for shown in materials.visible(account)),
        ),
        uploads=listed,
        upload_fields=fragments.render_once(
            "cabinet/_upload_fields.html",
            steps=upload_steps,
            selected=selected,
            upload_limit_mb=limit_mb,
            upload_types=tuple(sorted(upload_store.ALLOWED_TYPES)),
            invalid=refusal.field if refusal else "",
        )
        if upload_steps
        else None,
        upload_refusal=refusal,
        step_states=step_states,
        mark_actions=url_cache.urls_for(
            "progress.mark", "step", (state.step.id for state in step_states if state.markable)
        ),
        phase=phase,
        closed_steps=round.closed_steps(content, guide, wall),
        study_opens=content.opens,
        study_ends=content.ends,
        first_step=guide.steps[0],
        returned=_returned(account, guide, listed),
        overview=overview,
        agenda=now,
        feed=feed,
        region=table,
        sample_actions=_sample_actions(table),
        links=_links(listed, table),
        sample_state=None
        if account.is_coordinator or phase == round.BEFORE
        else sample.school_state(account),
        codes_count=None
        if account.is_coordinator or phase == round.BEFORE
        else codes.count_of(account.login),
        results=results_panel.panel(account, query.page_number(request.args.get("results_page"))),
    )
    return html if refusal is None else make_response(html, refusal.status)


def _refused(error: UploadRefused):
    """A refused upload: the tab again, with why beside the upload form."""
    return page(error.refusal)


def _too_large(error: RequestEntityTooLarge):
    """A body over the upload limit that the app sees (its form unread, so no step is known):
    the tab with the limit for a logged-in uploader; anything else gets the plain 413 page."""
    if request.endpoint == UPLOAD_ENDPOINT and current_user.is_authenticated:
        return page(UploadRefusal(413, upload_store.too_large_message(uploads.limit())))
    return render_error(413)


def init_app(app: Flask) -> None:
    """Answer refused uploads with the tab; give templates `publication(item)`."""
    app.register_error_handler(UploadRefused, _refused)
    feed_html.init_app(app)
    app.register_error_handler(RequestEntityTooLarge, _too_large)


def _links(listed: uploads.ListPage, table: region.RegionPage | None):
    """`links(**changes)` for the templates: a query that keeps both pagers' other choices."""
    chosen: dict[str, object] = {"page": listed.number}
    defaults: dict[str, object] = {"page": 1}
    if table is not None:
        chosen |= table.choices()
        defaults |= region.DEFAULTS
    return partial(query.link, chosen, defaults)
