"""Writing files so that a crash leaves the old or the new one, never a torn one.

A new version goes to a temporary file in the same folder (so the final rename stays on one
file system), is flushed and fsynced, gets the old file's permissions, and replaces the old
file in one step. Writers of one file take a lock file beside it (`filelock` works on Windows
too), and a file that changed on disk since it was read is never overwritten.

On Windows another program may hold a file for a moment (an antivirus scanning the fresh temporary
file, Explorer's preview) or for good (Excel keeps an open workbook locked): the replace is retried
for up to RETRY_SECONDS, and what still fails is reported as NotWritten, which names the user's
file, never the temporary one, and says what to do. The temporary file never stays behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import filelock

LOCK_TIMEOUT = 60.0
RETRY_SECONDS = 2.0
# Windows error codes of a file that another program holds open (or that is read-only): worth
# retrying, since an antivirus or an indexer lets go within moments.
ACCESS_DENIED, SHARING_VIOLATION, LOCK_VIOLATION = 5, 32, 33
HELD = {ACCESS_DENIED, SHARING_VIOLATION, LOCK_VIOLATION}


class Changed(Exception):
    """The file changed on disk after it was read; the write was not made."""


class Busy(Exception):
    """Another writer holds the file's lock."""


class NotWritten(OSError):
    """A write failed and nothing changed; `filename` is the user's file, `strerror` says why."""


def held_by_another_program(exc: OSError) -> bool:
    """Whether Windows refused because another program has the file open (or it is read-only)."""
    return isinstance(exc, PermissionError) and getattr(exc, "winerror", None) in HELD


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
        raise Busy(
            f"файл {path} сейчас меняет другая команда (файл блокировки {lock.lock_file}); "
            "дождитесь её"
        ) from None
    try:
        yield
    finally:
        lock.release()


def replace_if_unchanged(path: str | Path, data: bytes, read: bytes) -> None:
    """Write `data` over the file atomically, unless its bytes are no longer `read`."""
    real = Path(os.path.realpath(path))
    if real.read_bytes() != read:
        raise Changed(f"файл {path} изменился на диске после того, как его прочитали")
    mode = os.stat(real)
    _refuse_read_only(path, mode)
    _write_then_move(real, data, keep=mode, overwrite=True, shown=path)


def write_new(path: str | Path, data: bytes, *, overwrite: bool) -> None:
    """Write a file readable by its owner only (where the OS allows); FileExistsError when it
    exists and `overwrite` is false."""
    try:
        old = os.stat(path) if overwrite else None
    except OSError:
        old = None
    if old is not None:
        _refuse_read_only(path, old)
    _write_then_move(Path(path), data, keep=None, overwrite=overwrite, shown=path)


def _refuse_read_only(path: str | Path, old: os.stat_result) -> None:
    """A file its owner may not write (on Windows: the read-only attribute) is left alone on
    every OS, although POSIX would let a rename replace it."""
    if not old.st_mode & stat.S_IWUSR:
        raise NotWritten(
            errno.EACCES,
            "файл только для чтения; разрешите запись (Windows: «Свойства» файла, снимите "
            "«Только чтение»; Linux: chmod u+w) и повторите команду",
            str(path),
        )


def _write_then_move(
    path: Path, data: bytes, *, keep: os.stat_result | None, overwrite: bool, shown: str | Path
) -> None:
    temp = None
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if keep is not None:
            _copy_owner_and_mode(keep, temp)
        if overwrite:
            replace_with_retry(temp, path)
        else:
            _move_no_overwrite(temp, path)
    except FileExistsError:
        discard(temp)
        raise
    except OSError as exc:
        discard(temp)
        raise _naming(exc, shown) from None
    except BaseException:
        discard(temp)
        raise
    sync_folder(path.parent)


def _naming(exc: OSError, path: str | Path) -> NotWritten:
    """The failure as NotWritten about the user's file, with a hint when a program holds it."""
    if isinstance(exc, NotWritten):
        return exc
    reason = exc.strerror or str(exc)
    if held_by_another_program(exc):
        reason += (
            "; возможно, файл открыт в другой программе (Excel, редактор) или только для чтения: "
            "закройте его или разрешите запись и повторите команду"
        )
    return NotWritten(exc.errno or errno.EIO, reason, str(path))


def discard(temp: str | Path | None) -> None:
    """Remove a temporary file, also when it was made read-only or a scanner holds it briefly."""
    if temp is None:
        return
    deadline = time.monotonic() + RETRY_SECONDS
    while True:
        try:
            os.unlink(temp)
            return
        except FileNotFoundError:
            return
        except PermissionError:
            with contextlib.suppress(OSError):  # Windows refuses to delete a read-only file
                os.chmod(temp, stat.S_IREAD | stat.S_IWRITE)
            if time.monotonic() >= deadline:
                return
            time.sleep(0.05)
        except OSError:
            return


def _copy_owner_and_mode(old: os.stat_result, temp: str) -> None:
    os.chmod(temp, stat.S_IMODE(old.st_mode))
    if hasattr(os, "chown"):
        with contextlib.suppress(OSError):  # only root may give a file away
            os.chown(temp, old.st_uid, old.st_gid)


def replace_with_retry(src: str | Path, dst: str | Path) -> None:
    """os.replace, tried again for up to RETRY_SECONDS while another program holds a file."""
    deadline = time.monotonic() + RETRY_SECONDS
    delay = 0.02
    while True:
        try:
            os.replace(src, dst)
            return
        except PermissionError as exc:
            if not held_by_another_program(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def _move_no_overwrite(temp: str, path: Path) -> None:
    try:
        os.link(temp, path)  # fails when the name exists, unlike a rename on POSIX
    except FileExistsError:
        raise
    except OSError:  # no hard links here (some Windows or network drives)
        if path.exists():
            raise FileExistsError(path) from None
        replace_with_retry(temp, path)
        return
    discard(temp)  # the new file is in place; the second name only has to go


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
