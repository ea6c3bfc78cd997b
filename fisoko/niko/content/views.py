"""The help pages: /help for anyone and the «Поддержка» tab (blueprint "support")."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from fisoko.niko.content.support import current_support
from fisoko.web.downloads import no_store

bp = Blueprint("support", __name__)
bp.after_request(no_store)


@bp.route("/help")
def public_help():
    """«Не удаётся войти?»: for anyone, logged in or not."""
    return render_template("support/help.html", support=current_support())


@bp.route("/cabinet/support")
@login_required
def cabinet_support():
    """The «Поддержка» tab: the login help, the role's tasks and what upload errors mean."""
    account = current_user.account
    return render_template(
        "support/cabinet.html",
        account=account,
        support=current_support(),
        tasks=current_support().tasks[account.role],
        tab="support",
    )
