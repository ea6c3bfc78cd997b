"""The review form's endpoint: the region's coordinator reviews a school's upload (reviews.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from fisoko import clock
from fisoko.db import get_db
from fisoko.login import audit
from fisoko.niko.exchange import reviews, upload_store
from fisoko.web.downloads import no_store
from fisoko.web.errors import render_error

bp = Blueprint("reviews", __name__)
bp.after_request(no_store)


@bp.route("/cabinet/niko/uploads/<upload_id>/review", methods=["POST"])
@login_required
def review(upload_id: str):
    """The region's coordinator reviews a school's upload; 404 for anyone else."""
    account = current_user.account
    conn = get_db()
    upload = upload_store.get(conn, upload_id)
    if upload is None or not reviews.may_review(account, upload):
        abort(404)
    if reviews.study_over(clock.today()):
        return render_error(400, "Исследование завершено: файлы больше не проверяются.")
    status = request.form.get("status", "")
    comment = request.form.get("comment", "").strip().replace("\r\n", "\n")
    reason = reviews.problem(status, comment)
    if reason:
        return render_error(400, reason)
    reviews.save(conn, upload.id, reviews.Review(status, comment, account.login, clock.now_utc()))
    audit.event(
        account.login, "upload.review", upload=upload.id, school=upload.owner, status=status
    )
    flash(f"Файл «{upload.name}» школы {upload.owner}: {reviews.LABELS[status]}.", "info")
    return redirect(url_for("cabinet.niko"))


@bp.app_context_processor
def _labels() -> dict[str, dict[str, str]]:
    return {"review_labels": reviews.LABELS}
