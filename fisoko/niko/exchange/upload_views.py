"""The upload routes of the НИКО tab: store, download and delete a file (blueprint "uploads")."""

from __future__ import annotations

import logging
import sqlite3

from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from fisoko.db import connect, database_path, get_db
from fisoko.files import disk_full
from fisoko.niko.content import clock, round
from fisoko.niko.content.model import current_content
from fisoko.niko.exchange import marks, upload_store
from fisoko.niko.exchange.upload_store import Upload
from fisoko.niko.exchange.uploads import (
    account_quota,
    closed_message,
    deletable,
    folder,
    limit,
    may_see,
)
from fisoko.refused import Refused
from fisoko.web.downloads import attachment, no_store
from fisoko.web.errors import render_error
from fisoko.web.security import UPLOAD_ENDPOINT, UPLOAD_PATH

bp = Blueprint("uploads", __name__)
bp.after_request(no_store)
log = logging.getLogger("fisoko")


def _visible_or_404(upload_id: str) -> Upload:
    upload = upload_store.get(get_db(), upload_id)
    if upload is None or not may_see(current_user.account, upload):
        abort(404)
    return upload


@bp.route(UPLOAD_PATH, methods=["POST"])
@login_required
def upload():
    """Store a file for one of the account's steps; 400/413 with a Russian message otherwise."""
    account = current_user.account
    step = current_content().guide(account.role).step(request.form.get("step", ""))
    if step is None:
        return render_error(400, "Выберите шаг, к которому относится файл, из списка.")
    wall = clock.wall()
    try:
        round.check_study_open(current_content(), wall)
    except Refused as refused:
        return render_error(refused.status, refused.message)
    if not step.accepts_uploads(wall):
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
    except (OSError, sqlite3.Error) as error:
        if disk_full.is_disk_full(error):
            disk_full.noticed(error)
            return render_error(disk_full.STATUS, disk_full.MESSAGE)
        log.exception("загрузки: не удалось сохранить файл от %s", account.login)
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
        log.error("загрузки: файла загрузки %s нет в папке %s", upload.id, folder())
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
    if not deletable(current_content(), upload, clock.wall()):
        return render_error(
            400,
            "Приём файлов по этому шагу закончился: сданный файл уже нельзя удалить. "
            "Его можно скачать.",
        )
    upload_store.delete(get_db(), folder(), upload.id)
    marks.touch(account)
    log.info("uploads: %s deleted %s", account.login, upload.id)
    flash(f"Файл «{upload.name}» удалён.", "info")
    return redirect(url_for("cabinet.niko"))


def _too_large(error: RequestEntityTooLarge):
    """A file that is too big gets the upload limit; any other oversized body a plain 413."""
    if request.endpoint == UPLOAD_ENDPOINT:
        return render_error(413, upload_store.too_large_message(limit()))
    return render_error(413)


def init_app(app: Flask) -> None:
    """The Russian 413 page, and removing what a crash may have left in the folder."""
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    conn = connect(database_path(app))
    try:
        removed = upload_store.sweep(conn, folder(app))
    finally:
        conn.close()
    if removed:
        log.warning("uploads: removed %d file(s) left over by an interrupted upload", removed)
