"""Telling a network folder from a local one, on Windows (emulated) and on Linux."""

from __future__ import annotations

import pytest

from fisoko.files.local_disk import (
    DRIVE_REMOTE,
    file_system_of,
    network_location,
    network_warning,
)

MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
30 22 0:40 / /home/school rw,relatime shared:2 - cifs //server/homes rw,vers=3.0
31 30 8:2 / /home/school/local\\040disk rw shared:3 - ext4 /dev/sdb1 rw
32 22 0:41 / /mnt/nfs rw - nfs4 server:/export rw
"""


@pytest.mark.parametrize(
    "path",
    ["\\\\server\\share\\niko\\instance", "//server/share/instance", "\\\\?\\UNC\\srv\\s\\i"],
)
def test_unc_paths_are_network_paths_on_any_os(path):
    assert network_location(path, windows=True, drive_type=lambda root: 3) == "UNC path"
    assert network_location(path, windows=False, mountinfo=lambda: "") == "UNC path"


def test_a_mapped_network_drive_is_found_by_its_drive_type():
    asked: list[str] = []

    def drive_type(root: str) -> int:
        asked.append(root)
        return DRIVE_REMOTE if root.upper() == "Z:\\" else 3  # 3: a fixed local disk

    assert network_location("z:\\niko\\instance", windows=True, drive_type=drive_type) == (
        "network drive Z:"
    )
    assert network_location("C:\\niko\\instance", windows=True, drive_type=drive_type) is None
    assert asked == ["z:\\", "C:\\"]
    assert network_location("\\\\?\\C:\\niko", windows=True, drive_type=drive_type) is None


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/home/school/Desktop/niko/instance", "cifs"),
        ("/home/school/local disk/instance", "ext4"),
        ("/mnt/nfs/instance", "nfs4"),
        ("/mnt/nfsother", "ext4"),
        ("/srv/niko/instance", "ext4"),
    ],
)
def test_the_file_system_of_a_linux_path(path, kind):
    assert file_system_of(path, MOUNTINFO) == kind


def test_a_linux_share_is_a_network_location(tmp_path):
    mounts = f"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n30 22 0:40 / {tmp_path} rw - cifs //s/h rw\n"
    assert network_location(tmp_path / "instance", windows=False, mountinfo=lambda: mounts) == (
        "cifs"
    )
    local = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
    assert network_location(tmp_path, windows=False, mountinfo=lambda: local) is None


def test_the_warning_says_what_to_do_in_each_shell():
    windows = network_warning("\\\\server\\share\\instance", "UNC path", windows=True)
    assert "set FISOKO_INSTANCE=C:\\fisoko\\instance" in windows
    assert '$env:FISOKO_INSTANCE = "C:\\fisoko\\instance"' in windows
    linux = network_warning("/mnt/nfs/instance", "nfs4", windows=False)
    assert "FISOKO_INSTANCE=/var/lib/fisoko python app.py" in linux
