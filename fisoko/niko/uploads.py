"""Uploads in the НИКО tab: storing, listing, downloading and deleting files, with access rules.

Who may fetch an upload: the account that uploaded it and, for a school's upload, the coordinator
of its region. Everyone else gets 404, as if the upload did not exist.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from fisoko.accounts.store import SCHOOL, Account, current_store
from fisoko.db import connect, get_db
from fisoko.niko import clock, progress, quota, reviews, upload_store
from fisoko.niko.content import RoleGuide, Step, current_content
from fisoko.niko.upload_store import Refused, Upload
from fisoko.settings import MIB
from fisoko.web.downloads import attachment, no_store
from fisoko.web.errors import render_error

PAGE_SIZE = 20
bp = Blueprint("uploads", __name__)
bp.after_request(no_store)
log = logging.getLogger("fisoko")


@dataclass(frozen=True)
class Listed:
    """An upload as a page lists it: with its uploader's name and the step's title."""

    upload: Upload
    owner_name: str
    step_title: str
    deletable: bool
    review_state: str = ""  # a school upload's state (reviews.py); empty for a coordinator's own
    review: reviews.Review | None = None
    reviewable: bool = False


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


def folder() -> Path:
    return Path(current_app.instance_path) / "uploads"


def limit() -> int:
    return current_app.config["MAX_UPLOAD_MB"] * MIB


def account_quota() -> quota.Quota:
    config = current_app.config
    return quota.Quota(config["UPLOAD_MAX_FILES"], config["UPLOAD_MAX_TOTAL_MB"] * MIB)


def may_see(account: Account, upload: Upload) -> bool:
    """The uploader, or the coordinator of the region for a school's upload."""
    if upload.owner == account.login:
        return True
    return account.is_coordinator and upload.role == SCHOOL and upload.region == account.region


@dataclass(frozen=True)
class ListPage:
    """One page of the upload list: its items, its number (from 1), how many pages and files."""

    items: list[Listed]
    number: int
    pages: int
    total: int

    @property
    def first_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE


def page_number(raw: str | None) -> int:
    """The page asked for in the query string; anything that is not a positive number is 1."""
    text = (raw or "").strip()
    return int(text) if text.isdigit() and 0 < len(text) < 7 and int(text) > 0 else 1


def listed(account: Account, page: int = 1) -> ListPage:
    """One page of the uploads this account's НИКО tab lists, newest first.

    Paged so the tab stays small with hundreds of uploads; a page past the end shows the last.
    """
    db = get_db()
    if account.is_coordinator:
        total = upload_store.count_of_region(db, account.region, account.login)
    else:
        total = upload_store.count_of_owner(db, account.login)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    window = (PAGE_SIZE, (page - 1) * PAGE_SIZE)
    if account.is_coordinator:
        found = upload_store.of_region(db, account.region, account.login, *window)
    else:
        found = upload_store.of_owner(db, account.login, *window)
    return ListPage(_described(account, found), page, pages, total)


def _described(account: Account, found: list[Upload]) -> list[Listed]:
    store, content = current_store(), current_content()
    states = reviews.states(get_db(), found)
    result = []
    for upload in found:
        owner = store.get(upload.owner)
        step = content.guide(upload.role).step(upload.step)
        state, review = states.get(upload.id, ("", None))
        result.append(
            Listed(
                upload,
                owner.name if owner else upload.owner,
                step.title if step else upload.step,
                upload.owner == account.login,
                state,
                review,
                reviews.may_review(account, upload),
            )
        )
    return result


def form_steps(guide: RoleGuide, today: dt.date) -> tuple[tuple[tuple[int, Step], ...], str]:
    """The numbered steps the upload form offers today, and the one it selects first.

    A step whose `uploads_until` day has passed is left out; the first step whose deadline has not
    passed is selected.
    """
    numbered = tuple(
        (number, step)
        for number, step in enumerate(guide.steps, start=1)
        if step.accepts_uploads(today)
    )
    upcoming = (step.id for _, step in numbered if step.deadline >= today)
    return numbered, next(upcoming, "")


def closed_message(step: Step) -> str:
    """The Russian answer to an upload for a step whose uploads have closed."""
    until = step.uploads_until.strftime("%d.%m.%Y") if step.uploads_until else ""
    return (
        f"Приём файлов для шага «{step.title}» закончился: файлы принимались до {until} "
        "включительно. Файл не сохранён. Уже загруженные файлы можно скачать."
    )


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
    progress.touch(account)
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
    progress.touch(account)
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
