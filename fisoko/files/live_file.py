"""A parsed file that follows edits on disk, checked on the request path at most once per interval.

Why on the request path: a request is the only thing that needs the accounts, so checking just
before answering it guarantees that no request sees an outdated file, in every app (tests build
many, `flask` commands build one too) and with no thread to start and stop. Between checks a
request pays one clock read. One thread at a time does the check; the others keep answering from
the current value. The server also calls `refresh()` from a background thread (files/watcher.py),
so that an edit is applied or its problems logged even when no request comes.

A file caught while someone writes it must never count: a file changed less than SETTLE seconds
ago, or one whose size or times change while it is read, is looked at again shortly instead.
Rename-saves (vim, many Windows editors) give a new inode and times, so they count as a change;
the moment when the name is missing is a skipped check like any other unreadable file.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

from fisoko.files.yaml_source import Invalid

T = TypeVar("T")
SETTLE = 0.3
RETRY = 0.1


class Signature(NamedTuple):
    """What a stat tells about a file's version; any difference means it may have changed."""

    mtime_ns: int
    ctime_ns: int
    size: int
    inode: int
    device: int


def signature(path: str | Path) -> Signature:
    """The file's signature now; raises OSError when it cannot be read."""
    st = os.stat(path)
    return Signature(st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino, st.st_dev)


class Unsettled(Exception):
    """The file is being written: look again after `retry_in` seconds."""

    def __init__(self, reason: str, retry_in: float) -> None:
        super().__init__(reason)
        self.retry_in = retry_in


def read_settled(path: Path, settle: float = SETTLE) -> tuple[bytes, Signature]:
    """The file's bytes and signature, unless it changed very recently or while being read."""
    before = signature(path)
    age = time.time() - before.mtime_ns / 1e9
    if 0 <= age < settle:
        reason = f"он изменён {age:.1f} с назад, жду, пока запись закончится"
        raise Unsettled(reason, settle - age)
    data = path.read_bytes()
    if signature(path) != before or len(data) != before.size:
        raise Unsettled("он изменился, пока его читали", RETRY)
    return data, before


class LiveFile(Generic[T]):
    """The last valid parse of a file; `refresh()` swaps in a newer one in a single assignment."""

    def __init__(
        self,
        path: str | Path,
        parse: Callable[[bytes, str], T],
        value: T,
        *,
        interval: float,
        known: Signature | None,
        log: logging.Logger,
        describe: Callable[[T], str] = str,
        what: str = "file",
    ) -> None:
        self.path = Path(path)
        self.value = value
        self.interval = interval
        self._parse = parse
        self._known: Signature | str | None = known
        self._log = log
        self._describe = describe
        self._what = what
        self._lock = threading.Lock()
        self._due = time.monotonic() + interval

    def reset(self, value: T, known: Signature | None) -> None:
        """Take a value loaded elsewhere (a deferred first load), for the file version `known`."""
        self.value = value
        self._known = known

    def refresh(self) -> None:
        """Look at the file if a check is due and no other thread is already looking."""
        if self.interval <= 0 or time.monotonic() < self._due:
            return
        if not self._lock.acquire(blocking=False):
            return
        try:
            self._check()
        finally:
            self._lock.release()

    def _check(self) -> None:
        self._due = time.monotonic() + self.interval
        try:
            current = signature(self.path)
        except OSError as exc:
            self._skip(f"не удаётся прочитать ({exc.strerror or exc})")
            return
        if current == self._known:
            return
        try:
            data, current = read_settled(self.path)
        except Unsettled as exc:
            self._due = time.monotonic() + min(exc.retry_in, self.interval)
            self._log.info("Файл %s перечитаю позже: %s: %s", self._what, self.path, exc)
            return
        except OSError as exc:
            self._skip(f"не удаётся прочитать ({exc.strerror or exc})")
            return
        try:
            value = self._parse(data, str(self.path))
        except Invalid as exc:
            for problem in exc.problems:
                self._log.error("%s", problem)
            self._skip(f"ошибок: {len(exc.problems)}, они перечислены выше", current)
            return
        old = self.value
        self.value = value
        self._known = current
        self._log.info(
            "Файл %s перечитан: %s: %s (было: %s)",
            self._what,
            self.path,
            self._describe(value),
            self._describe(old),
        )

    def _skip(self, reason: str, current: Signature | None = None) -> None:
        """Log once per version of the file why it was not taken; keep serving the last value."""
        seen: Signature | str = current or reason
        if seen == self._known:
            return
        self._known = seen
        self._log.warning(
            "Файл %s не перечитан: %s: %s; работают последние верные данные (%s)",
            self._what,
            self.path,
            reason,
            self._describe(self.value),
        )
