"""The upload routes of the НИКО tab: store, download and delete a file (blueprint "uploads")."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from fisoko.db import connect, get_db
from fisoko.niko.content import clock
from fisoko.niko.content.model import current_content
from fisoko.niko.exchange import marks, upload_store
from fisoko.niko.exchange.upload_store import Refused, Upload
from fisoko.niko.exchange.uploads import account_quota, closed_message, folder, limit, may_see
from fisoko.settings import MIB
from fisoko.web.downloads import attachment, no_store
from fisoko.web.errors import render_error

bp = Blueprint("uploads", __name__)
bp.after_request(no_store)
log = logging.getLogger("fisoko")


@bp.app_template_filter("file_size")
def file_size(size: int) -> str:
    """A size the Russian way: 512 Б, 15 КБ, 1,2 МБ."""
    if size < 1024:
        return f"{size} Б"
    if size < MIB:
        return f"{round(size / 1024)} КБ"
    return f"{size / MIB:.1f} МБ".replace(".", ",")


@bp.app_template_filter("local_time")
def local_time(stamp: str) -> str:
    """A stored UTC moment as ДД.ММ.ГГГГ ЧЧ:ММ of the server's clock."""
    return clock.local_text(stamp)


def _visible_or_404(upload_id: str) -> Upload:
    upload = upload_store.get(get_db(), upload_id)
    if upload is None or not may_see(current_user.account, upload):
        abort(404)
    return upload


@bp.route("/cabinet/niko/uploads", methods=["POST"])
@login_required
def upload():
    """Store a file for one of the account's steps; 400/413 with a Russian message otherwise."""
    account = current_user.account
    step = current_content().guide(account.role).step(request.form.get("step", ""))
    if step is None:
        return render_error(400, "Выберите шаг, к которому относится файл, из списка.")
    if not step.accepts_uploads(clock.today()):
        return render_error(400, closed_message(step))
    sent = request.files.get("file")
    try:
        name = upload_store.clean_name(sent.filename if sent else None)
        saved = upload_store.save(
            get_db(),
            folder(),
            owner=account.login,
            role=account.role,
            region=account.region,
            step=step.id,
            name=name,
            stream=sent.stream,  # type: ignore[union-attr]
            limit=limit(),
            now=clock.now_utc(),
            quota=account_quota(),
        )
    except Refused as refused:
        return render_error(refused.status, refused.message)
    except (OSError, sqlite3.Error):
        log.exception("uploads: could not store a file of %s", account.login)
        return render_error(500, "Не удалось сохранить файл. Попробуйте ещё раз позже.")
    marks.touch(account)
    log.info("uploads: %s stored %s (%d bytes)", account.login, saved.id, saved.size)
    flash(f"Файл «{saved.name}» загружен.", "info")
    return redirect(url_for("cabinet.niko"))


@bp.route("/cabinet/niko/uploads/<upload_id>")
@login_required
def download(upload_id: str):
    """The file as uploaded, for its uploader and its region's coordinator; 404 otherwise."""
    upload = _visible_or_404(upload_id)
    path = upload_store.path_of(folder(), upload)
    if not path.is_file():
        log.error("uploads: the file of %s is missing from %s", upload.id, folder())
        abort(404)
    return attachment(path, upload.name, upload.content_type)


@bp.route("/cabinet/niko/uploads/<upload_id>/delete", methods=["POST"])
@login_required
def delete(upload_id: str):
    """The uploader removes its upload; 404 for anyone else."""
    account = current_user.account
    upload = upload_store.get(get_db(), upload_id)
    if upload is None or upload.owner != account.login:
        abort(404)
    upload_store.delete(get_db(), folder(), upload.id)
    marks.touch(account)
    log.info("uploads: %s deleted %s", account.login, upload.id)
    flash(f"Файл «{upload.name}» удалён.", "info")
    return redirect(url_for("cabinet.niko"))


def _too_large(error: RequestEntityTooLarge):
    """A file that is too big gets the upload limit; any other oversized body a plain 413."""
    if request.endpoint == "uploads.upload":
        return render_error(413, upload_store.too_large_message(limit()))
    return render_error(413)


def init_app(app: Flask) -> None:
    """The Russian 413 page, and removing what a crash may have left in the folder."""
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    conn = connect(app.config["DATABASE"])
    try:
        removed = upload_store.sweep(conn, Path(app.instance_path) / "uploads")
    finally:
        conn.close()
    if removed:
        log.warning("uploads: removed %d file(s) left over by an interrupted upload", removed)
