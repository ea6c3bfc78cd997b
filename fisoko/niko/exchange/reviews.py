"""Review of uploads: the coordinator of a school's region marks each upload of the school
«Принято» or «На доработке» with a comment; the school sees the state beside the file.

Review is per upload. Only the newest upload of a school for a step counts: when the school
uploads again for that step, the earlier ones stay listed as replaced and no longer wait for review
nor count as returned. A review is a row of `upload_reviews`, removed with its upload.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from fisoko.accounts.store import SCHOOL, Account
from fisoko.niko.content.model import current_content
from fisoko.niko.exchange import upload_store
from fisoko.niko.exchange.upload_store import Upload

ACCEPTED, RETURNED = "accepted", "returned"
PENDING, REPLACED = "pending", "replaced"
LABELS = {
    PENDING: "На проверке",
    ACCEPTED: "Принято",
    RETURNED: "На доработке",
    REPLACED: "Заменён новым файлом",
}
MAX_COMMENT = 500


@dataclass(frozen=True)
class Review:
    status: str
    comment: str
    reviewer: str
    reviewed_at: str


# The newest upload of its owner for its step (ties broken by id, as the lists order them).
NEWEST = (
    "NOT EXISTS (SELECT 1 FROM uploads AS later WHERE later.owner = uploads.owner"
    " AND later.step = uploads.step AND (later.uploaded_at > uploads.uploaded_at"
    " OR (later.uploaded_at = uploads.uploaded_at AND later.id > uploads.id)))"
)


UPLOAD_COLUMNS = ", ".join(f"uploads.{name.strip()}" for name in upload_store.COLUMNS.split(","))


def of_uploads(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, Review]:
    wanted = list(ids)
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    rows = conn.execute(
        "SELECT upload_id, status, comment, reviewer, reviewed_at FROM upload_reviews"
        f" WHERE upload_id IN ({marks})",
        wanted,
    )
    return {row[0]: Review(*row[1:]) for row in rows}


def newest_of(conn: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    """Those of `ids` that are the newest upload of their owner for their step."""
    wanted = list(ids)
    if not wanted:
        return set()
    marks = ",".join("?" * len(wanted))
    rows = conn.execute(f"SELECT id FROM uploads WHERE id IN ({marks}) AND {NEWEST}", wanted)
    return {row[0] for row in rows}


def states(conn: sqlite3.Connection, uploads: list[Upload]) -> dict[str, tuple[str, Review | None]]:
    """Each school upload's state and review; a coordinator's own uploads are not reviewed."""
    school = [u.id for u in uploads if u.role == SCHOOL]
    reviews, newest = of_uploads(conn, school), newest_of(conn, school)
    found = {}
    for upload_id in school:
        review = reviews.get(upload_id)
        if upload_id not in newest:
            found[upload_id] = (REPLACED, review)
        else:
            found[upload_id] = (review.status if review else PENDING, review)
    return found


def returned_of(conn: sqlite3.Connection, owner: str) -> list[tuple[Upload, Review]]:
    """A school's uploads that count as returned for rework, oldest first."""
    rows = conn.execute(
        f"SELECT {UPLOAD_COLUMNS}, r.comment, r.reviewer,"
        " r.reviewed_at FROM uploads JOIN upload_reviews AS r ON r.upload_id = uploads.id"
        f" WHERE uploads.owner = ? AND r.status = 'returned' AND {NEWEST}"
        " ORDER BY uploads.uploaded_at, uploads.id",
        (owner,),
    )
    found = []
    for row in rows:
        upload = Upload(*row[:-3])
        found.append((upload, Review(RETURNED, *row[-3:])))
    return found


def counts_by_school(conn: sqlite3.Connection, region: str) -> dict[str, tuple[int, int]]:
    """Per school of the region: how many uploads wait for review and how many were returned."""
    rows = conn.execute(
        "SELECT uploads.owner, SUM(r.status IS NULL), SUM(r.status = 'returned') FROM uploads"
        " LEFT JOIN upload_reviews AS r ON r.upload_id = uploads.id"
        f" WHERE uploads.region = ? AND uploads.role = 'school' AND {NEWEST}"
        " GROUP BY uploads.owner",
        (region,),
    )
    return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in rows}


def study_over(today: dt.date) -> bool:
    """From `study.ends` on no review is taken (the content may not name an end)."""
    ends = current_content().ends
    return ends is not None and today >= ends


def may_review(account: Account, upload: Upload) -> bool:
    return account.is_coordinator and upload.role == SCHOOL and upload.region == account.region


def save(conn: sqlite3.Connection, upload_id: str, review: Review) -> None:
    with conn:
        conn.execute(
            "INSERT INTO upload_reviews (upload_id, status, comment, reviewer, reviewed_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (upload_id) DO UPDATE SET"
            " status = excluded.status, comment = excluded.comment, reviewer = excluded.reviewer,"
            " reviewed_at = excluded.reviewed_at",
            (upload_id, review.status, review.comment, review.reviewer, review.reviewed_at),
        )


def problem(status: str, comment: str) -> str | None:
    """The Russian reason a review cannot be taken, or None."""
    if status not in (ACCEPTED, RETURNED):
        return "Выберите решение: «Принято» или «На доработке»."
    if status == RETURNED and not comment:
        return "Напишите школе, что исправить: без комментария файл не вернуть на доработку."
    if len(comment) > MAX_COMMENT:
        return f"Комментарий длиннее {MAX_COMMENT} символов ({len(comment)}). Сократите его."
    return None
