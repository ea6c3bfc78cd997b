"""A value read from a folder is kept while the folder's stat stays the same, and only then."""

from __future__ import annotations

import os
import time
from pathlib import Path

from fisoko.files import kept_listing


def settle(path: Path, seconds: float = 60) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def reader(path: Path, reads: list[int]):
    def read() -> tuple[str, ...]:
        reads.append(1)
        return tuple(sorted(os.listdir(path)))

    return read


def test_a_settled_folder_is_read_once_until_an_entry_changes(tmp_path):
    store: dict = {}
    reads: list[int] = []
    read = reader(tmp_path, reads)
    (tmp_path / "a").write_bytes(b"")
    settle(tmp_path)
    assert kept_listing.kept(str(tmp_path), read, store) == ("a",)
    assert kept_listing.kept(str(tmp_path), read, store) == ("a",)
    assert len(reads) == 1
    for change, expected in (
        (lambda: (tmp_path / "b").write_bytes(b""), ("a", "b")),
        (lambda: (tmp_path / "b").rename(tmp_path / "c"), ("a", "c")),
        (lambda: (tmp_path / "a").unlink(), ("c",)),
    ):
        change()
        assert kept_listing.kept(str(tmp_path), read, store) == expected
        settle(tmp_path)


def test_a_folder_changed_within_the_settle_time_is_read_every_time(tmp_path):
    store: dict = {}
    reads: list[int] = []
    settle(tmp_path, kept_listing.SETTLE_SECONDS / 4)
    for _ in range(3):
        kept_listing.kept(str(tmp_path), reader(tmp_path, reads), store)
    assert len(reads) == 3 and store == {}


def test_a_folder_replaced_by_another_with_the_same_times_is_read_again(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (second / "other").write_bytes(b"")
    settle(first)
    os.utime(second, ns=(os.stat(first).st_atime_ns, os.stat(first).st_mtime_ns))
    link = tmp_path / "link"
    link.symlink_to(first)
    store: dict = {}
    reads: list[int] = []
    assert kept_listing.kept(str(link), reader(link, reads), store) == ()
    link.unlink()
    link.symlink_to(second)
    assert kept_listing.kept(str(link), reader(link, reads), store) == ("other",)


def test_no_store_or_no_folder_reads_every_time(tmp_path):
    reads: list[int] = []
    settle(tmp_path)
    for _ in range(2):
        kept_listing.kept(str(tmp_path), reader(tmp_path, reads), None)
    missing = tmp_path / "missing"
    store: dict = {}
    for _ in range(2):
        assert kept_listing.kept(str(missing), lambda: reads.append(1) or (), store) == ()
    assert len(reads) == 4 and store == {}


def test_the_store_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(kept_listing, "KEPT_MAX", 2)
    store: dict = {}
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        settle(tmp_path / name)
        kept_listing.kept(str(tmp_path / name), lambda: (), store)
    assert list(store) == [str(tmp_path / "c")]
