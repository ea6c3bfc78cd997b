"""`--password-stdin` on every shell: the bytes each one pipes, taken as meant or refused."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import bcrypt
import pytest

from fisoko.accounts.password_input import Refused, password_from_line, read_password_line
from fisoko.accounts.store import load_accounts
from fisoko.settings import BASE_DIR

MEANT = "Пароль-школы-10"


@pytest.mark.parametrize(
    "line",
    [
        (MEANT + "\n").encode(),  # bash: echo 'Пароль-школы-10' | ...
        (MEANT + " \r\n").encode(),  # cmd.exe after chcp 65001: echo Пароль-школы-10 | ...
        b"\xef\xbb\xbf" + (MEANT + "\r\n").encode(),  # PowerShell 5.1 with UTF8 $OutputEncoding
        ("\t" + MEANT + "  ").encode(),  # no line end at all, blanks around
    ],
)
def test_utf8_lines_give_the_password_meant(line):
    assert password_from_line(line) == MEANT


def test_a_trailing_space_from_cmd_echo_is_not_part_of_an_ascii_password():
    assert password_from_line(b"Secret-123 \r\n") == "Secret-123"


@pytest.mark.parametrize("code_page", ["cp866", "cp1251"])
def test_console_code_page_bytes_are_refused_with_the_way_round(code_page):
    with pytest.raises(Refused) as caught:
        password_from_line((MEANT + " \r\n").encode(code_page))
    assert "не в UTF-8" in str(caught.value) and "chcp 65001" in str(caught.value)
    assert "без --password-stdin" in str(caught.value)


def test_what_powershell_51_leaves_of_cyrillic_is_refused():
    piped = (MEANT + "\r\n").encode("ascii", "replace")  # what its default ASCII encoding sends
    assert piped == b"??????-?????-10\r\n"
    with pytest.raises(Refused, match=r"не должно быть «\?».*PowerShell 5\.1"):
        password_from_line(piped)


def test_no_line_at_all_is_refused():
    with pytest.raises(Refused, match="на стандартном вводе нет пароля"):
        read_password_line(io.BytesIO(b""))
    with pytest.raises(Refused, match="на стандартном вводе нет пароля"):
        read_password_line(None)


def test_only_the_first_line_is_read():
    assert read_password_line(io.BytesIO(b"First-line-1\nSecond-line-2\n")) == "First-line-1"


def test_the_bytes_under_a_text_stdin_are_read_not_its_decoding():
    piped = io.TextIOWrapper(io.BytesIO((MEANT + " \r\n").encode()), encoding="cp1251")
    assert read_password_line(piped) == MEANT  # as cp1251 text it would be mojibake
    assert read_password_line(io.StringIO(MEANT + "\n")) == MEANT  # no bytes to be had


def test_passwd_from_cmd_echo_stores_the_password_without_the_space(runner, accounts_file):
    result = runner.invoke(
        args=["accounts", "passwd", "edu770001", "--password-stdin"],
        input=(MEANT + " \r\n").encode(),
    )
    assert result.exit_code == 0, result.output
    stored = load_accounts(accounts_file).get("edu770001").password_hash.encode()
    assert bcrypt.checkpw(MEANT.encode(), stored)
    assert not bcrypt.checkpw((MEANT + " ").encode(), stored)


def test_passwd_with_cp866_bytes_changes_nothing(runner, accounts_file):
    before = accounts_file.read_bytes()
    result = runner.invoke(
        args=["accounts", "passwd", "edu770001", "--password-stdin"],
        input=(MEANT + " \r\n").encode("cp866"),
    )
    assert result.exit_code == 1
    assert "chcp 65001" in result.output and "Traceback" not in result.output
    assert accounts_file.read_bytes() == before


def test_a_password_with_spaces_around_it_is_refused_at_the_prompt(runner):
    result = runner.invoke(args=["accounts", "hash"], input=" Secret-123\n Secret-123\n")
    assert result.exit_code == 1
    assert "не должен начинаться или заканчиваться пробелом" in result.output


def test_a_real_pipe_with_windows_stdin_decoding_reads_the_bytes(tmp_path):
    """As on Windows: Python would decode piped stdin as cp1251; the bytes are read instead."""
    env = {"PYTHONIOENCODING": "cp1251", "FISOKO_INSTANCE": str(tmp_path / "i")}
    run = [sys.executable, "app.py", "accounts", "hash", "--password-stdin", "--cost", "4"]
    result = subprocess.run(
        run, cwd=BASE_DIR, env={**os.environ, **env}, input=(MEANT + " \r\n").encode(),
        capture_output=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert bcrypt.checkpw(MEANT.encode(), result.stdout.strip())
    refused = subprocess.run(
        run, cwd=BASE_DIR, env={**os.environ, **env}, input=(MEANT + " \r\n").encode("cp866"),
        capture_output=True, timeout=30,
    )  # fmt: skip
    assert refused.returncode == 1
    assert b"chcp 65001" in refused.stderr and b"Traceback" not in refused.stderr
