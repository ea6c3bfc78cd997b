"""The «НИКО» tab's view; cabinet.py maps it to /cabinet/niko (endpoint "cabinet.niko").

It leads with what the account must do now (agenda.py) and the publications for it (news.py);
the study's description and schedule, the same for everyone, come after.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from flask import current_app, render_template, request
from flask_login import current_user, login_required

from fisoko.accounts.store import Account
from fisoko.db import get_db
from fisoko.niko.content import clock
from fisoko.niko.content.model import current_content
from fisoko.niko.exchange import codes, marks, materials, reviews, upload_store, uploads
from fisoko.niko.region import overview, sample
from fisoko.niko.region import table as region
from fisoko.niko.tab import agenda, news, results_panel
from fisoko.web import fragments, query


def _agenda(
    account: Account, today: dt.date
) -> tuple[agenda.Agenda, tuple[marks.StepState, ...], overview.Overview | None]:
    """What the account must do now, with the school's step marks or the region's table."""
    if account.is_coordinator:
        table = overview.overview(account.region)
        steps = current_content().guide(account.role).steps
        return agenda.for_coordinator(steps, table, today), (), table
    states = marks.school_steps(account)
    return agenda.for_school(states, today), tuple(states), None


def _returned(account: Account, guide) -> list[tuple]:
    """A school's uploads returned for rework, each with its step (for the step's deadline)."""
    if account.is_coordinator:
        return []
    found = reviews.returned_of(get_db(), account.login)
    return [(upload, review, guide.step(upload.step)) for upload, review in found]


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
    upload_steps, selected = uploads.form_steps(guide, clock.wall())
    listed = uploads.listed(account, query.page_number(request.args.get("page")))
    table = region.build(overview, request.args, today) if overview is not None else None
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
        uploads=listed,
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
        returned=_returned(account, guide),
        overview=overview,
        agenda=now,
        feed=feed,
        region=table,
        links=_links(listed, table),
        sample_state=None if account.is_coordinator else sample.school_state(account),
        codes_count=None if account.is_coordinator else codes.count_of(account.login),
        results=results_panel.panel(account, query.page_number(request.args.get("results_page"))),
    )


def _links(listed: uploads.ListPage, table: region.RegionPage | None):
    """`links(**changes)` for the templates: a query that keeps both pagers' other choices."""
    chosen: dict[str, object] = {"page": listed.number}
    defaults: dict[str, object] = {"page": 1}
    if table is not None:
        chosen |= table.choices()
        defaults |= region.DEFAULTS
    return partial(query.link, chosen, defaults)
