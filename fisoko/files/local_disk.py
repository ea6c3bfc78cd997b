"""Whether a folder is on a network drive, where SQLite's WAL and a mapped file are unreliable.

WAL needs shared memory that every process sees alike, and the logout stamp
(sessions/logout_stamp.py) is a memory-mapped file for the same reason: network file systems
(SMB shares, NFS) give neither reliably. School domains often redirect Desktop and Documents to a
server, so a copy of the app there has its instance folder on a share without anyone knowing.
This is told at start-up; it is a warning, not a refusal, because a share may be all there is.
"""

from __future__ import annotations

import ntpath
import os
import sys
from collections.abc import Callable
from pathlib import Path

DRIVE_REMOTE = 4  # GetDriveTypeW's answer for a mapped network drive
NETWORK_FILE_SYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre"}
    | {"fuse.sshfs", "fuse.davfs", "davfs", "fuse.rclone", "fuse.glusterfs"}
)


def _drive_type(root: str) -> int:
    import ctypes

    return ctypes.windll.kernel32.GetDriveTypeW(root)


def _mountinfo() -> str:
    try:
        return Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def file_system_of(path: str, mountinfo: str) -> str | None:
    """The type of the file system holding `path`, from the text of /proc/self/mountinfo."""
    best, kind = "", None
    for line in mountinfo.splitlines():
        fields, _, rest = line.partition(" - ")
        parts = fields.split()
        if len(parts) < 5 or not rest:
            continue
        mount = parts[4].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        inside = path == mount or path.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, kind = mount, rest.split()[0]
    return kind


def network_location(
    path: str | Path,
    *,
    windows: bool = sys.platform == "win32",
    drive_type: Callable[[str], int] = _drive_type,
    mountinfo: Callable[[], str] = _mountinfo,
) -> str | None:
    """How `path` lies on the network ('UNC path', 'network drive Z:', 'nfs'), else None."""
    text = str(path)
    if text.upper().startswith(("\\\\?\\UNC\\", "//?/UNC/")):
        return "UNC path"
    if text.startswith(("\\\\", "//")) and not text.startswith(("\\\\?\\", "\\\\.\\")):
        return "UNC path"
    if windows:
        drive = ntpath.splitdrive(text)[0]
        if len(drive) == 2 and drive[1] == ":":
            try:
                if drive_type(drive + "\\") == DRIVE_REMOTE:
                    return f"network drive {drive.upper()}"
            except (OSError, AttributeError, ValueError):
                return None
        return None
    kind = file_system_of(os.path.realpath(text), mountinfo())
    return kind if kind in NETWORK_FILE_SYSTEMS else None


def network_warning(
    path: str | Path, where: str, *, windows: bool = sys.platform == "win32"
) -> str:
    """The Russian start-up warning for an instance folder at `where` on the network."""
    if windows:
        how = (
            "в cmd.exe: set FISOKO_INSTANCE=C:\\fisoko\\instance, "
            'в PowerShell: $env:FISOKO_INSTANCE = "C:\\fisoko\\instance"'
        )
    else:
        how = "например: FISOKO_INSTANCE=/var/lib/fisoko python app.py"
    return (
        f"Папка состояния {path} находится на сетевом диске ({where}). База SQLite в режиме WAL "
        "и общая отметка выхода надёжно работают только на локальном диске: возможны ошибки "
        "«database is locked» и потеря записей. Остановите сервер, перенесите папку на "
        f"локальный диск и укажите её в FISOKO_INSTANCE ({how}), затем запустите снова."
    )
