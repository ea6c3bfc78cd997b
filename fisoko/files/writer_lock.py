"""Tell a dead writer's half-written files from a live one's, by an OS lock rather than by age.

Each process that writes temporary files into a folder holds an exclusive lock on its own file
`.writer-<token>.lock` there for as long as it lives, and puts the token into its temporary
names. The OS drops the lock when the process dies, however it dies, so at the next start a
temporary file whose token's lock can be taken is a dead writer's and can go, while one of a
process still running (another server sharing the instance folder) stays. fcntl.flock on Linux
and msvcrt.locking on Windows both lock between processes; a lock file of this very process also
refuses a second lock, so its own files are never taken for a dead writer's.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from pathlib import Path

if os.name == "nt":
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


TOKEN = secrets.token_hex(8)
TOKEN_RE = re.compile(r"[0-9a-f]{16}")
PREFIX, SUFFIX = ".writer-", ".lock"

_held: dict[Path, int] = {}
_guard = threading.Lock()


def lock_path(folder: Path, token: str) -> Path:
    return folder / f"{PREFIX}{token}{SUFFIX}"


def hold(folder: Path) -> str:
    """Make sure this process holds its lock in `folder`; its token for temporary names."""
    with _guard:
        if folder not in _held:
            fd = os.open(lock_path(folder, TOKEN), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                _lock(fd)
            except OSError:
                os.close(fd)
                raise
            _held[folder] = fd
    return TOKEN


def is_dead(folder: Path, token: str) -> bool:
    """Whether the process with `token` no longer runs; its lock file goes if so."""
    path = lock_path(folder, token)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return True
    try:
        _lock(fd)
    except OSError:
        os.close(fd)
        return False
    os.close(fd)  # Windows cannot remove an open file; a dead token is never used again
    path.unlink(missing_ok=True)
    return True
