"""Files and folders only the account that runs the server may read, where the OS allows it.

On POSIX systems the instance folder is made 0700 and the files the app writes there 0600, so
other local users of a shared school machine cannot read uploads, the database or the key. On
Windows, permission bits do not exist (chmod only sets "read-only"): files there inherit the
access rules of the folder, so the instance folder belongs in the service account's profile
(see docs/security.md). Failing to tighten a mode (a folder owned by someone else) is not fatal.
"""

from __future__ import annotations

import os
from pathlib import Path

POSIX = os.name == "posix"
FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """Create the folder if needed and make it owner-only (POSIX)."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    _tighten(path, FOLDER_MODE)
    return path


def private_file(path: Path) -> None:
    """Make an existing file owner-only (POSIX)."""
    _tighten(path, FILE_MODE)


def create_private(path: Path) -> int:
    """Create a new file (fails if it exists) readable by the owner only; an OS file descriptor."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    return os.open(path, flags, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    if not POSIX:
        return
    try:
        if path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except OSError:
        pass
