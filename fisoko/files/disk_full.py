"""A full disk (or a folder that became read-only) while running: told apart from other errors.

Retrying such a write never helps until someone frees space, so it is answered 507 with a message
that names the disk instead of the generic «Попробуйте ещё раз позже». The condition is logged once
when it starts and once when a write succeeds again, not on every refused request.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import tempfile
import threading
from pathlib import Path

log = logging.getLogger("fisoko")

STATUS = 507
MESSAGE = (
    "На диске сервера закончилось место или папка данных недоступна для записи: изменение не "
    "сохранено. Сообщите администратору сервера; страницы можно смотреть как обычно."
)
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, getattr(errno, "EDQUOT", errno.ENOSPC)})
SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR = 13, 8, 10

_lock = threading.Lock()
_state = {"full": False}


def is_disk_full(error: BaseException) -> bool:
    """Whether `error` says the disk (or the instance folder) cannot take a write now."""
    if isinstance(error, OSError):
        return error.errno in FULL_ERRNOS
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in (SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR)
        text = str(error).lower()
        return "disk is full" in text or "readonly" in text or "disk i/o error" in text
    return False


def noticed(error: BaseException) -> None:
    """Log the start of a full-disk period once."""
    with _lock:
        if _state["full"]:
            return
        _state["full"] = True
    log.error(
        "на диске сервера закончилось место или папка данных только для чтения: %s",
        error,
        exc_info=error,
    )


def cleared() -> None:
    """A write succeeded: if the disk was full, log once that it is usable again."""
    if not _state["full"]:
        return
    with _lock:
        if not _state["full"]:
            return
        _state["full"] = False
    log.warning("запись на диск сервера снова работает")


def is_full() -> bool:
    return _state["full"]


def read_only_line(folder: str | os.PathLike, error: BaseException) -> str:
    """The one Russian line that ends a start in a folder the server cannot write to."""
    return (
        f"Папка данных {folder} недоступна для записи ({error}): сервер не сможет сохранять "
        "файлы, коды и выходы из кабинета. Разрешите запись в эту папку или укажите другую "
        "(переменная FISOKO_INSTANCE, см. docs/settings.md)."
    )


def probe(folder: Path) -> None:
    """Create and remove a file in `folder`; raise the OSError a read-only folder gives."""
    fd, name = tempfile.mkstemp(prefix=".write-probe-", dir=folder)
    os.close(fd)
    os.unlink(name)
