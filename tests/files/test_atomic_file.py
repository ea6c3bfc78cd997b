"""Atomic writes: temp file in the same folder, permissions kept, never over a changed file."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest

from fisoko.files import atomic_file
from fisoko.files.atomic_file import (
    Busy,
    Changed,
    NotWritten,
    locked,
    replace_if_unchanged,
    write_new,
)
from tests.helpers import replace_failing, windows_error


def test_replace_writes_the_new_bytes_and_leaves_no_temp(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"old")
    replace_if_unchanged(path, b"new", b"old")
    assert path.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_replace_keeps_the_permissions(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"old")
    path.chmod(0o640)
    replace_if_unchanged(path, b"new", b"old")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_replace_follows_a_symlink(tmp_path):
    real = tmp_path / "real.yaml"
    real.write_bytes(b"old")
    link = tmp_path / "link.yaml"
    try:
        link.symlink_to(real)
    except OSError:
        pytest.skip("no symlinks here")
    replace_if_unchanged(link, b"new", b"old")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_a_changed_file_is_not_overwritten(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"edited by hand")
    with pytest.raises(Changed, match="изменился на диске после того, как его прочитали"):
        replace_if_unchanged(path, b"new", b"as read")
    assert path.read_bytes() == b"edited by hand"


def test_a_crash_before_the_replace_leaves_the_original(tmp_path, monkeypatch):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"old")

    def crash(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic_file.os, "replace", crash)
    with pytest.raises(OSError):
        replace_if_unchanged(path, b"new", b"old")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]


def test_the_temp_file_is_complete_and_synced_before_the_replace(tmp_path, monkeypatch):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"old")
    synced: list[int] = []
    seen: list[bytes] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(atomic_file.os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))

    def replace(src, dst):
        assert synced, "replace before fsync"
        with open(src, "rb") as handle:
            seen.append(handle.read())
        real_replace(src, dst)

    monkeypatch.setattr(atomic_file.os, "replace", replace)
    replace_if_unchanged(path, b"new contents", b"old")
    assert seen == [b"new contents"]


def test_write_new_refuses_an_existing_file_unless_told(tmp_path):
    path = tmp_path / "c.csv"
    write_new(path, b"one", overwrite=False)
    with pytest.raises(FileExistsError):
        write_new(path, b"two", overwrite=False)
    assert path.read_bytes() == b"one"
    write_new(path, b"two", overwrite=True)
    assert path.read_bytes() == b"two"
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv"]


def test_the_lock_serializes_writers(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"")
    order: list[str] = []

    def second() -> None:
        with locked(path):
            order.append("second")

    with locked(path):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.2)
        order.append("first")
    thread.join(5)
    assert order == ["first", "second"]


def test_a_held_lock_times_out_with_a_message(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"")
    errors: list[Exception] = []
    with locked(path):

        def other() -> None:
            try:
                with locked(path, timeout=0.1):
                    pass
            except Busy as exc:
                errors.append(exc)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(5)
    assert len(errors) == 1 and "сейчас меняет другая команда" in str(errors[0])


def test_a_sharing_violation_for_a_moment_is_waited_out(tmp_path, monkeypatch):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"old")
    replace = replace_failing(3)
    monkeypatch.setattr(atomic_file.os, "replace", replace)
    replace_if_unchanged(path, b"new", b"old")
    assert path.read_bytes() == b"new" and replace.calls == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]


def test_a_file_held_for_good_names_the_users_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"old")
    replace = replace_failing(10**6)
    monkeypatch.setattr(atomic_file, "RETRY_SECONDS", 0.3)
    monkeypatch.setattr(atomic_file.os, "replace", replace)
    with pytest.raises(NotWritten) as caught:
        replace_if_unchanged(path, b"new", b"old")
    assert caught.value.filename == str(path)
    assert "открыт в другой программе" in caught.value.strerror
    assert replace.calls > 2
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]


def test_a_plain_permission_error_is_not_retried(tmp_path, monkeypatch):
    path = tmp_path / "c.csv"
    calls: list[str] = []

    def denied(src, dst):
        calls.append(src)
        raise PermissionError(13, "Permission denied", src)

    monkeypatch.setattr(atomic_file.os, "replace", denied)
    with pytest.raises(NotWritten) as caught:
        write_new(path, b"x", overwrite=True)
    assert len(calls) == 1
    assert caught.value.filename == str(path) and caught.value.strerror == "Permission denied"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_read_only_file_is_refused_by_name(tmp_path, overwrite):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"old")
    path.chmod(0o444)
    with pytest.raises(NotWritten) as caught:
        if overwrite:
            write_new(path, b"new", overwrite=True)
        else:
            replace_if_unchanged(path, b"new", b"old")
    assert caught.value.filename == str(path)
    assert "только для чтения" in caught.value.strerror
    path.chmod(0o644)
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]


def test_discard_removes_a_read_only_temp_file_as_windows_needs(tmp_path, monkeypatch):
    temp = tmp_path / ".a.yaml.x.tmp"
    temp.write_bytes(b"x")
    temp.chmod(0o444)
    real_unlink = os.unlink

    def windows_unlink(path):  # Windows refuses to delete a file with the read-only attribute
        if not os.stat(path).st_mode & stat.S_IWUSR:
            raise windows_error(5, path, "Access is denied")
        real_unlink(path)

    monkeypatch.setattr(atomic_file.os, "unlink", windows_unlink)
    atomic_file.discard(temp)
    assert not temp.exists()
