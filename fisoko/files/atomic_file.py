"""Writing files so that a crash leaves the old or the new one, never a torn one.

A new version goes to a temporary file in the same folder (so the final rename stays on one
file system), is flushed and fsynced, gets the old file's permissions, and replaces the old
file in one step. Writers of one file take a lock file beside it (`filelock` works on Windows
too), and a file that changed on disk since it was read is never overwritten.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import filelock

LOCK_TIMEOUT = 60.0


class Changed(Exception):
    """The file changed on disk after it was read; the write was not made."""


class Busy(Exception):
    """Another writer holds the file's lock."""


def lock_path(path: str | Path) -> Path:
    real = Path(os.path.realpath(path))
    return real.with_name(f".{real.name}.lock")


@contextlib.contextmanager
def locked(path: str | Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the file's writer lock (waiting up to `timeout` seconds for another writer)."""
    lock = filelock.FileLock(lock_path(path), timeout=timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise Busy(f"another command is changing {path} (lock file {lock.lock_file})") from None
    try:
        yield
    finally:
        lock.release()


def replace_if_unchanged(path: str | Path, data: bytes, read: bytes) -> None:
    """Write `data` over the file atomically, unless its bytes are no longer `read`."""
    real = Path(os.path.realpath(path))
    if real.read_bytes() != read:
        raise Changed(f"{path} changed on disk after it was read")
    mode = os.stat(real)
    _write_then_move(real, data, keep=mode, overwrite=True)


def write_new(path: str | Path, data: bytes, *, overwrite: bool) -> None:
    """Write a file readable by its owner only (where the OS allows); FileExistsError when it
    exists and `overwrite` is false."""
    _write_then_move(Path(path), data, keep=None, overwrite=overwrite)


def _write_then_move(
    path: Path, data: bytes, *, keep: os.stat_result | None, overwrite: bool
) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if keep is not None:
            _copy_owner_and_mode(keep, temp)
        if overwrite:
            _replace(temp, path)
        else:
            _move_no_overwrite(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    sync_folder(path.parent)


def _copy_owner_and_mode(old: os.stat_result, temp: str) -> None:
    os.chmod(temp, stat.S_IMODE(old.st_mode))
    if hasattr(os, "chown"):
        with contextlib.suppress(OSError):  # only root may give a file away
            os.chown(temp, old.st_uid, old.st_gid)


def _replace(temp: str, path: Path) -> None:
    """os.replace; on Windows a reader holding the file open makes it fail for a moment."""
    for attempt in range(20):
        try:
            os.replace(temp, path)
            return
        except PermissionError:
            if sys.platform != "win32" or attempt == 19:
                raise
            time.sleep(0.05)


def _move_no_overwrite(temp: str, path: Path) -> None:
    try:
        os.link(temp, path)  # fails when the name exists, unlike a rename on POSIX
    except FileExistsError:
        raise
    except OSError:  # no hard links here (some Windows or network drives)
        if path.exists():
            raise FileExistsError(path) from None
        os.replace(temp, path)
        return
    os.unlink(temp)


def sync_folder(folder: Path) -> None:
    """Make a rename in the folder durable where the OS allows it (POSIX); Windows cannot open a
    folder for this, and a folder that cannot be opened or synced is left as it is."""
    if sys.platform == "win32":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
