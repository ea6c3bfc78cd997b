"""The upload routes of the НИКО tab: store, download and delete a file (blueprint "uploads")."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from functools import partial
from pathlib import Path

from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from fisoko import clock
from fisoko.db import connect, database_path, get_db
from fisoko.files import disk_full
from fisoko.login import audit
from fisoko.niko.content import round
from fisoko.niko.content.model import Step, current_content
from fisoko.niko.exchange import codes, marks, results_form, upload_store
from fisoko.niko.exchange.upload_refusal import FILE, STEP, UploadRefusal, UploadRefused
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
from fisoko.web.security import UPLOAD_PATH

bp = Blueprint("uploads", __name__)
bp.after_request(no_store)
log = logging.getLogger("fisoko")
SHOWN_PROBLEMS = 500  # a results form's problems listed on the page; the count names them all


def _visible_or_404(upload_id: str) -> Upload:
    upload = upload_store.get(get_db(), upload_id)
    if upload is None or not may_see(current_user.account, upload):
        abort(404)
    return upload


def _open_step(account, chosen: str) -> Step:
    """The account's step the form chose, if it takes files now (the study open, the step from its
    opens to its files_close); else Refused."""
    step = current_content().guide(account.role).step(chosen)
    if step is None:
        raise Refused(400, "Выберите шаг, к которому относится файл, из списка.")
    wall = clock.wall()
    round.check_study_open(current_content(), wall)
    if not step.accepts_uploads(wall):
        raise Refused(400, closed_message(step))
    return step


def _in_place(
    status: int, message: str, chosen: str, field: str = FILE, problems: tuple[str, ...] = ()
) -> UploadRefused:
    """The refusal the tab answers with: its status, the message beside the form, the step kept."""
    return UploadRefused(UploadRefusal(status, message, chosen, field, problems))


def _form_check(account, step: Step, name: str) -> Callable[[Path], int] | None:
    """The results form check of a CSV or XLSX sent to a step that takes one; else None."""
    spec = current_content().form_of(step)
    if spec is None or not results_form.is_checked(name):
        return None
    issued = {code.code for code in codes.of_school(get_db(), account.login)}
    return partial(results_form.check_file, filename=name, spec=spec, issued=issued)


def _form_refused(refused: results_form.FormRefused, chosen: str) -> UploadRefused:
    """A results form with problems: how many, and each by row and column (the first ones)."""
    problems = [str(problem) for problem in refused.problems]
    shown = problems[:SHOWN_PROBLEMS]
    if len(problems) > SHOWN_PROBLEMS:
        shown.append(
            f"…и ещё {len(problems) - SHOWN_PROBLEMS} (исправьте показанные и проверьте остальные)."
        )
    count = len(problems)
    message = (
        f"Форма сбора результатов не принята, замечаний: {count}. Исправьте файл и загрузите "
        "его снова. Файл не сохранён."
    )
    return _in_place(400, message, chosen, FILE, tuple(shown))


@bp.route(UPLOAD_PATH, methods=["POST"])
@login_required
def upload():
    """Store a file for one of the account's steps; refused: the tab again, with why."""
    account = current_user.account
    chosen = request.form.get("step", "")
    try:
        step = _open_step(account, chosen)
    except Refused as refused:
        raise _in_place(refused.status, refused.message, chosen, STEP) from None
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
            check=_form_check(account, step, name),
        )
    except Refused as refused:
        raise _in_place(refused.status, refused.message, chosen) from None
    except results_form.FormRefused as refused:
        raise _form_refused(refused, chosen) from None
    except (OSError, sqlite3.Error) as error:
        if disk_full.is_disk_full(error):
            disk_full.noticed(error)
            raise _in_place(disk_full.STATUS, disk_full.MESSAGE, chosen) from None
        log.exception("загрузки: не удалось сохранить файл от %s", account.login)
        message = "Не удалось сохранить файл. Попробуйте ещё раз позже."
        raise _in_place(500, message, chosen) from None
    marks.touch(account)
    log.info("uploads: %s stored %s (%d bytes)", account.login, saved.id, saved.size)
    counted = "" if saved.participants is None else f" Участников в форме: {saved.participants}."
    flash(f"Файл «{saved.name}» загружен.{counted}", "info")
    return redirect(url_for("cabinet.niko"))


@bp.route("/cabinet/niko/uploads/<upload_id>")
@login_required
def download(upload_id: str):
    """The file as uploaded, for its uploader and its region's coordinator; 404 otherwise.

    A coordinator's download of a school's file is an audit event; an account taking back its own
    file is not."""
    upload = _visible_or_404(upload_id)
    path = upload_store.path_of(folder(), upload)
    if not path.is_file():
        log.error("загрузки: файла загрузки %s нет в папке %s", upload.id, folder())
        abort(404)
    viewer = current_user.account.login
    if viewer != upload.owner and request.method == "GET":
        audit.event(viewer, "uploads.download", upload=upload.id, school=upload.owner)
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
        message = (
            "Приём файлов по этому шагу закончился: сданный файл уже нельзя удалить. "
            "Его можно скачать."
        )
        raise _in_place(400, message, upload.step, STEP)
    upload_store.delete(get_db(), folder(), upload.id)
    marks.touch(account)
    log.info("uploads: %s deleted %s", account.login, upload.id)
    flash(f"Файл «{upload.name}» удалён.", "info")
    return redirect(url_for("cabinet.niko"))


def init_app(app: Flask) -> None:
    """Remove what a crash may have left in the uploads folder."""
    conn = connect(database_path(app))
    try:
        removed = upload_store.sweep(conn, folder(app))
    finally:
        conn.close()
    if removed:
        log.warning("uploads: removed %d file(s) left over by an interrupted upload", removed)
