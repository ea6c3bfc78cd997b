"""A value read from a folder (its listing), kept while the folder's own stat stays the same.

Adding, removing or renaming an entry changes a folder's modification time (and its change time);
replacing the folder, or a link on the way to it, changes its inode or device. So a value read
from the folder's entries can be kept under those four numbers and is read again after any such
change. A value is only kept once the folder has not changed for SETTLE_SECONDS: a file system
with a coarse clock (FAT keeps two seconds) could otherwise give a change within the same tick
the same time. What an entry's own stat holds (a file's size, a file overwritten in place) is not
covered: read it again each time.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from typing import TypeVar

SETTLE_SECONDS = 2.0
KEPT_MAX = 100_000  # values kept; more are dropped all at once

T = TypeVar("T")


def stamp(path: str) -> tuple[int, ...] | None:
    """What changes whenever a folder's entries do: its mtime, ctime, inode and device."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(found.st_mode):
        return None
    return (found.st_mtime_ns, found.st_ctime_ns, found.st_ino, found.st_dev)


def settled(now: tuple[int, ...]) -> bool:
    """Whether the folder's last change is older than a tick of the coarsest clock (its mtime)."""
    return time.time_ns() - now[0] >= SETTLE_SECONDS * 1e9


def kept(path: str, read: Callable[[], T], store: dict | None) -> T:
    """`read()`, or what it gave for the folder `path` while the folder's stat is the same.

    `store` holds the kept values (one per folder); None reads every time (the switch is off).
    """
    if store is None:
        return read()
    now = stamp(path)  # before reading: a change during the read makes the next stat differ
    if now is None:
        return read()
    found = store.get(path)
    if found is not None and found[0] == now:
        return found[1]
    value = read()
    if settled(now):
        if len(store) >= KEPT_MAX:
            store.clear()
        store[path] = (now, value)
    return value
