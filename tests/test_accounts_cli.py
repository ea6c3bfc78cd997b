"""The `accounts check` and `accounts hash` commands, in-process and as users run them."""

from __future__ import annotations

import os
import subprocess
import sys

import bcrypt
import pytest

from settings import BASE_DIR


def test_check_ok(runner, accounts_file):
    result = runner.invoke(args=["accounts", "check"])
    assert result.exit_code == 0
    assert result.output == "OK: 6 accounts\n"


def test_check_reports_every_problem(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("accounts:\n  edu1: {}\n  niko__7: {}\n", encoding="utf-8")
    result = runner.invoke(args=["accounts", "--accounts", str(bad), "check"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{bad}:2: bad login 'edu1'")
    assert any(line.startswith(f"{bad}:3: bad login 'niko__7'") for line in lines)
    assert len(lines) == 6


def test_hash_from_stdin(runner):
    result = runner.invoke(args=["accounts", "hash", "--password-stdin"], input="Новый-пароль-1\n")
    assert result.exit_code == 0
    hashed = result.output.strip()
    assert hashed.startswith("$2b$04$")
    assert bcrypt.checkpw("Новый-пароль-1".encode(), hashed.encode())


def test_hash_prompts_twice(runner):
    result = runner.invoke(
        args=["accounts", "hash", "--cost", "5"], input="Secret-123\nSecret-123\n"
    )
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1].startswith("$2b$05$")


def test_hash_prompt_mismatch_asks_again(runner):
    result = runner.invoke(
        args=["accounts", "hash"], input="Secret-123\nSecret-124\nSecret-125\nSecret-125\n"
    )
    assert result.exit_code == 0
    assert bcrypt.checkpw(b"Secret-125", result.output.strip().splitlines()[-1].encode())


@pytest.mark.parametrize(
    "password, message",
    [
        ("short", "too short: at least 8 characters"),
        ("я" * 37, "too long: at most 72 bytes"),
        ("", "too short"),
    ],
)
def test_hash_refuses_bad_passwords(runner, password, message):
    result = runner.invoke(args=["accounts", "hash", "--password-stdin"], input=password + "\n")
    assert result.exit_code == 1
    assert message in result.output
    assert "$2b$" not in result.output


def test_hash_with_empty_stdin(runner):
    result = runner.invoke(args=["accounts", "hash", "--password-stdin"], input="")
    assert result.exit_code == 1
    assert "no password on standard input" in result.output


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "app.py", "accounts"],
        [sys.executable, "-m", "flask", "--app", "app", "accounts"],
    ],
)
def test_both_command_lines_check_a_broken_file_without_traceback(tmp_path, command):
    bad = tmp_path / "bad.yaml"
    bad.write_text("accounts:\n  edu770001:\n    name: x\n", encoding="utf-8")
    env = {**os.environ, "FISOKO_ACCOUNTS": str(bad), "FISOKO_INSTANCE": str(tmp_path / "i")}
    result = subprocess.run(
        [*command, "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stdout == f"{bad}:2: edu770001: missing field 'password_hash'\n"
    assert "Traceback" not in result.stderr


def test_shipped_accounts_file_is_valid():
    result = subprocess.run(
        [sys.executable, "app.py", "accounts", "--accounts", "accounts.yaml", "check"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "OK: 6 accounts\n"
