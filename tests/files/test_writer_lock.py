"""A dead writer is told from a live one by the OS lock it held, in any process, not by age."""

from __future__ import annotations

from fisoko.files import writer_lock
from tests.helpers import kill_writer, writer_process


def test_a_live_writer_in_another_process_is_alive_and_a_killed_one_dead(tmp_path):
    process, token = writer_process(tmp_path)
    try:
        assert writer_lock.TOKEN_RE.fullmatch(token)
        assert not writer_lock.is_dead(tmp_path, token)
        assert writer_lock.lock_path(tmp_path, token).exists()
    finally:
        kill_writer(process)
    assert writer_lock.is_dead(tmp_path, token)
    assert not writer_lock.lock_path(tmp_path, token).exists()


def test_this_process_is_never_taken_for_dead(tmp_path):
    token = writer_lock.hold(tmp_path)
    assert writer_lock.hold(tmp_path) == token
    assert not writer_lock.is_dead(tmp_path, token)


def test_a_token_without_a_lock_file_is_dead(tmp_path):
    assert writer_lock.is_dead(tmp_path, "0123456789abcdef")
