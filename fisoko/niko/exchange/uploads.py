"""Uploads in the НИКО tab: the listing, who may see an upload, the form's steps and limits.

Who may fetch an upload: the account that uploaded it and, for a school's upload, the coordinator
of its region. Everyone else gets 404, as if the upload did not exist.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from fisoko import clock
from fisoko.accounts.store import SCHOOL, Account, current_store
from fisoko.db import get_db, state_folder
from fisoko.niko.content import round
from fisoko.niko.content.model import NikoContent, RoleGuide, Step, current_content
from fisoko.niko.exchange import quota, reviews, upload_store
from fisoko.niko.exchange.upload_store import Upload
from fisoko.settings import MIB

PAGE_SIZE = 20


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


def folder(app: Flask | None = None) -> Path:
    """The uploads folder of the exchange's state (a rehearsal's own during a rehearsal)."""
    return upload_store.folder_in(state_folder(app))


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
    if not total:
        found: list[Upload] = []
    elif account.is_coordinator:
        found = upload_store.of_region(db, account.region, account.login, *window)
    else:
        found = upload_store.of_owner(db, account.login, *window)
    return ListPage(_described(account, found), page, pages, total)


def deletable(content: NikoContent, upload: Upload, wall: dt.datetime) -> bool:
    """An upload can be removed while its step still takes files: once the step or the study
    has closed, what was handed in stays."""
    step = content.guide(upload.role).step(upload.step)
    return step is None or round.takes_files(content, step, wall)


def _described(account: Account, found: list[Upload]) -> list[Listed]:
    store, content = current_store(), current_content()
    states = reviews.states(get_db(), found)
    wall = clock.wall()
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
                upload.owner == account.login and deletable(content, upload, wall),
                state,
                review,
                reviews.may_review(account, upload),
            )
        )
    return result


def form_steps(
    content: NikoContent, guide: RoleGuide, wall: dt.datetime
) -> tuple[tuple[tuple[int, Step], ...], str]:
    """The numbered steps the upload form offers now, and the one it selects first.

    A step not yet open or whose files have closed (`Step.files_close`) is left out, and all of
    them while the study is not open (round.takes_files); the first step whose deadline has not
    passed is selected.
    """
    numbered = tuple(
        (number, step)
        for number, step in enumerate(guide.steps, start=1)
        if round.takes_files(content, step, wall)
    )
    upcoming = (step.id for _, step in numbered if step.due >= wall)
    return numbered, next(upcoming, "")


def closed_message(step: Step) -> str:
    """The Russian answer to an upload for a step whose uploads have closed (or not yet opened)."""
    if step.opens is not None and clock.today() < step.opens:
        return (
            f"Приём файлов для шага «{step.title}» начнётся {step.opens.strftime('%d.%m.%Y')}. "
            "Файл не сохранён."
        )
    until = clock.deadline_text(*step.files_until)
    return (
        f"Приём файлов для шага «{step.title}» закончился: файлы принимались до {until} "
        "включительно. Файл не сохранён. Уже загруженные файлы можно скачать."
    )
