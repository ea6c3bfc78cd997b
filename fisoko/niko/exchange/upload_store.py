"""Uploaded files: kept under generated names in the instance folder, described in SQLite.

Crash safety comes from the order of the steps. Saving: (1) the bytes go to a temporary file
`.part-<writer token>-<id>` and are fsynced; (2) it is renamed to its final name `<id>` and the
folder is fsynced; (3) only then is the record inserted. A record therefore always points at a
complete, durable file.
A crash before (3) can leave only a file without a record; deleting removes the record first and
the file second, so a crash there too leaves only a file without a record. Such leftovers are
removed by `sweep` at start-up: a temporary file as soon as its writer is dead (told by an OS lock
the writer holds, files/writer_lock.py, so another live process on the same folder keeps its file
being saved right now), a complete file without a record once it is older than `SWEEP_AFTER`.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import sqlite3
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from fisoko.files import writer_lock
from fisoko.files.atomic_file import discard, replace_with_retry, sync_folder
from fisoko.files.private import create_private, private_folder
from fisoko.niko.exchange import quota as quotas
from fisoko.refused import Refused

log = logging.getLogger("fisoko")

ALLOWED_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "zip": "application/zip",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}
ID_RE = re.compile(r"[0-9a-f]{32}")
TEMP_PREFIX = ".part-"
CHUNK = 256 * 1024
MAX_NAME = 1000
SWEEP_AFTER = 15 * 60  # seconds
COLUMNS = "id, owner, role, region, step, name, size, content_type, uploaded_at, participants"


@dataclass(frozen=True)
class Upload:
    """One stored upload and who it belongs to."""

    id: str
    owner: str
    role: str
    region: str
    step: str
    name: str
    size: int
    content_type: str
    uploaded_at: str
    participants: int | None = None  # a checked results form's participant count


def new_id() -> str:
    """A random id (128 bits, lowercase hex): the URL id and the name on disk at once.

    Lowercase, so two ids can never name the same file on a case-insensitive disk.
    """
    return secrets.token_hex(16)


def clean_name(raw: str | None) -> str:
    """The name to keep: the part after the last folder separator, checked; or Refused (400)."""
    name = re.split(r"[/\\]", raw or "")[-1].strip()
    if not name:
        raise Refused(400, "Выберите файл для загрузки.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise Refused(400, "Имя файла содержит недопустимые символы. Переименуйте файл.")
    if len(name) > MAX_NAME:
        raise Refused(400, f"Имя файла длиннее {MAX_NAME} символов. Переименуйте файл.")
    if content_type_of(name) is None:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise Refused(400, f"Этот тип файла загрузить нельзя. Допустимые типы: {allowed}.")
    return name


def too_large_message(limit: int) -> str:
    """The Russian answer to a file over the limit (given in bytes)."""
    megabytes = limit // (1024 * 1024)
    return (
        f"Файл слишком большой: можно загрузить файл размером не больше {megabytes} МБ. "
        "Уменьшите файл (например, сожмите в архив zip) и загрузите снова. Файл не сохранён."
    )


def content_type_of(name: str) -> str | None:
    """The Content-Type for an allowed extension (in any case), else None."""
    _, dot, ext = name.rpartition(".")
    return ALLOWED_TYPES.get(ext.lower()) if dot else None


def _write(stream: BinaryIO, temp: Path, limit: int) -> int:
    """Copy the stream to a new temporary file and fsync it; the number of bytes written."""
    size = 0
    with os.fdopen(create_private(temp), "wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise Refused(413, too_large_message(limit))
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return size


def save(
    conn: sqlite3.Connection,
    folder: Path,
    *,
    owner: str,
    role: str,
    region: str,
    step: str,
    name: str,
    stream: BinaryIO,
    limit: int,
    now: str,
    quota: quotas.Quota | None = None,
    check: Callable[[Path], int] | None = None,
) -> Upload:
    """Store one upload in the order the module docstring explains; nothing is left on failure.

    With a quota, an account at its limit is refused before the file is read, and the record is
    inserted only if the file still fits (see quota.py); otherwise the file goes again. `check`
    reads the complete temporary file before it is renamed (a results form: its participant
    count, kept with the record); whatever it raises removes the file and passes on.
    """
    if quota is not None:
        _refuse_over(conn, owner, quota, 0)
    private_folder(folder)
    upload_id = new_id()
    token = writer_lock.hold(folder)
    temp, final = folder / f"{TEMP_PREFIX}{token}-{upload_id}", folder / upload_id
    try:
        size = _write(stream, temp, limit)
        if size == 0:
            raise Refused(400, "Файл пустой. Выберите заполненный файл.")
        participants = check(temp) if check is not None else None
        replace_with_retry(temp, final)  # an antivirus may hold the fresh file for a moment
        sync_folder(folder)
    except BaseException:
        discard(temp)
        raise
    upload = Upload(
        upload_id,
        owner,
        role,
        region,
        step,
        name,
        size,
        content_type_of(name) or "",
        now,
        participants,
    )
    values = (
        *(upload.id, owner, role, region, step, name, size, upload.content_type, now),
        participants,
    )
    try:
        if quota is None:
            conn.execute(
                f"INSERT INTO uploads ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values
            )
        else:
            inserted = conn.execute(
                f"INSERT INTO uploads ({COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
                f" WHERE {quotas.GUARD}",
                values + quota.guard_args(owner, size),
            )
            if inserted.rowcount != 1:
                _refuse_over(conn, owner, quota, size)
                raise Refused(400, quotas.problem(quota.files, 0, quota) or "")
    except BaseException:
        final.unlink(missing_ok=True)
        raise
    return upload


def _refuse_over(conn: sqlite3.Connection, owner: str, quota: quotas.Quota, adding: int) -> None:
    files, used = quotas.usage(conn, owner)
    message = quotas.problem(files, used, quota, adding)
    if message is not None:
        raise Refused(400, message)


def _upload(row: sqlite3.Row) -> Upload:
    return Upload(**{key: row[key] for key in row.keys()})


def get(conn: sqlite3.Connection, upload_id: str) -> Upload | None:
    """The upload with this id, or None (also for anything that is not an id)."""
    if ID_RE.fullmatch(upload_id) is None:
        return None
    row = conn.execute(f"SELECT {COLUMNS} FROM uploads WHERE id = ?", (upload_id,)).fetchone()
    return None if row is None else _upload(row)


def of_owner(
    conn: sqlite3.Connection, owner: str, limit: int = -1, offset: int = 0
) -> list[Upload]:
    """An account's own uploads, newest first (`limit` of them after `offset`; -1: all)."""
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM uploads WHERE owner = ? ORDER BY uploaded_at DESC, id"
        " LIMIT ? OFFSET ?",
        (owner, limit, offset),
    )
    return [_upload(r) for r in rows]


REGION_WHERE = "region = ? AND (role = 'school' OR owner = ?)"


def of_region(
    conn: sqlite3.Connection, region: str, coordinator: str, limit: int = -1, offset: int = 0
) -> list[Upload]:
    """What a region's coordinator may see: its schools' uploads and its own, newest first."""
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM uploads WHERE {REGION_WHERE} ORDER BY uploaded_at DESC, id"
        " LIMIT ? OFFSET ?",
        (region, coordinator, limit, offset),
    )
    return [_upload(r) for r in rows]


def count_of_owner(conn: sqlite3.Connection, owner: str) -> int:
    return conn.execute("SELECT COUNT(*) FROM uploads WHERE owner = ?", (owner,)).fetchone()[0]


def count_of_region(conn: sqlite3.Connection, region: str, coordinator: str) -> int:
    sql = f"SELECT COUNT(*) FROM uploads WHERE {REGION_WHERE}"
    return conn.execute(sql, (region, coordinator)).fetchone()[0]


def counts_by_owner(conn: sqlite3.Connection, region: str) -> dict[str, int]:
    """How many uploads each account of a region has."""
    rows = conn.execute(
        "SELECT owner, COUNT(*) FROM uploads WHERE region = ? GROUP BY owner", (region,)
    )
    return {owner: count for owner, count in rows}


def delete(conn: sqlite3.Connection, folder: Path, upload_id: str) -> None:
    """Remove the record, then the file (see the module docstring for why in this order)."""
    conn.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))
    try:
        (folder / upload_id).unlink(missing_ok=True)
    except OSError as exc:  # e.g. the file is open in another program on Windows
        log.warning(
            "загрузки: не удалось удалить %s (%s); его удалит следующий запуск", upload_id, exc
        )


def folder_in(instance: str | Path) -> Path:
    """The uploads folder of an instance folder (named only here)."""
    return Path(instance) / "uploads"


def path_of(folder: Path, upload: Upload) -> Path:
    return folder / upload.id


def _temp_is_dead(folder: Path, name: str, cutoff: float, entry: Path) -> bool:
    """A temporary file is a dead writer's when its writer's lock can be taken (writer_lock.py);
    a name without a writer's token (from before tokens) only once it is old."""
    token = name[len(TEMP_PREFIX) :].split("-", 1)[0]
    if writer_lock.TOKEN_RE.fullmatch(token):
        return writer_lock.is_dead(folder, token)
    return entry.stat().st_mtime < cutoff


def sweep(conn: sqlite3.Connection, folder: Path, older_than: float = SWEEP_AFTER) -> int:
    """Remove half-written files of dead writers and old files without a record; how many went."""
    if not folder.is_dir():
        return 0
    known = {row[0] for row in conn.execute("SELECT id FROM uploads")}
    cutoff = time.time() - older_than
    removed = 0
    for entry in folder.iterdir():
        name = entry.name
        try:
            if not entry.is_file():
                continue
            if name.startswith(TEMP_PREFIX):
                leftover = _temp_is_dead(folder, name, cutoff, entry)
            else:  # a file renamed into place moments before its record is inserted
                leftover = (
                    ID_RE.fullmatch(name) is not None
                    and name not in known
                    and entry.stat().st_mtime < cutoff
                )
            if leftover:
                entry.unlink()
                removed += 1
        except OSError as exc:
            log.warning("загрузки: не удалось удалить оставшийся файл %s: %s", entry, exc)
    return removed
