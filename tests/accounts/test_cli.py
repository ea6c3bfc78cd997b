"""The `accounts check` and `accounts hash` commands, in-process and as users run them."""

from __future__ import annotations

import os
import subprocess
import sys

import bcrypt
import pytest

from fisoko.accounts.store import load_accounts
from fisoko.settings import BASE_DIR
from tests.helpers import PASSWORDS, shipped


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
    assert lines[0].startswith(f"{bad}:2: неверный логин «edu1»")
    assert any(line.startswith(f"{bad}:3: неверный логин «niko__7»") for line in lines)
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
    assert "Ошибка: пароли не совпадают, введите ещё раз." in result.output
    assert "do not match" not in result.output
    assert bcrypt.checkpw(b"Secret-125", result.output.strip().splitlines()[-1].encode())


def test_hash_prompt_ended_by_the_input_says_so_in_russian(runner):
    result = runner.invoke(args=["accounts", "hash"], input="Secret-123\n")
    assert result.exit_code == 1
    assert "Прервано: ничего не изменено." in result.output
    assert "Aborted" not in result.output


@pytest.mark.parametrize(
    "password, message",
    [
        ("short", "слишком короткий: нужно не меньше 8 символов"),
        ("я" * 37, "слишком длинный: не больше 72 байт"),
        ("", "слишком короткий"),
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
    assert "на стандартном вводе нет пароля" in result.output


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
    assert result.stdout == f"{bad}:2: edu770001: нет обязательного поля «password_hash»\n"
    assert "Traceback" not in result.stderr


def test_shipped_accounts_file_is_valid(tmp_path):
    """The repository's accounts.yaml, not the working copy an admin may have edited."""
    accounts = tmp_path / "accounts.yaml"
    accounts.write_bytes(shipped("accounts.yaml"))
    env = {**os.environ, "FISOKO_INSTANCE": str(tmp_path / "instance")}
    result = subprocess.run(
        [sys.executable, "app.py", "accounts", "--accounts", str(accounts), "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "OK: 6 accounts\n"


# --- commands that write -------------------------------------------------------------------

COMMENTS = ["# test accounts"] + [f"  # {login}" for login in PASSWORDS]


def invoke(runner, *args: str, stdin: str | None = None):
    return runner.invoke(args=["accounts", *args], input=stdin)


def comment_lines(path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if "#" in line]


def test_list_prints_one_row_per_account(runner):
    result = invoke(runner, "list")
    assert result.exit_code == 0
    rows = result.output.splitlines()
    assert len(rows) == len(PASSWORDS)
    assert rows[0].split() == [
        "niko__77",
        "координатор",
        "77",
        "Координатор",
        "НИКО,",
        "Москва",
        "активна",
    ]
    assert rows[2].split()[:3] == ["edu770001", "школа", "77"]
    assert rows[5].split()[-1] == "отключена"


def test_list_of_a_broken_file_shows_its_problems(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("accounts:\n  edu1: {}\n", encoding="utf-8")
    result = invoke(runner, "--accounts", str(bad), "list")
    assert result.exit_code == 1
    assert result.output.startswith(f"{bad}:2: неверный логин «edu1»")


def test_add_from_stdin(runner, accounts_file):
    before = accounts_file.read_text(encoding="utf-8")
    result = invoke(
        runner,
        "add",
        "edu770010",
        "--name",
        "Школа: № 10",
        "--email",
        "s10@example.org",
        "--password-stdin",
        stdin="Пароль-школы-10\n",
    )
    assert result.exit_code == 0, result.output
    assert (
        result.output == f"Добавлена запись edu770010 (школа 0010 региона 77) в {accounts_file}\n"
    )
    after = accounts_file.read_text(encoding="utf-8")
    assert after.startswith(before)
    account = load_accounts(accounts_file).get("edu770010")
    assert (account.name, account.email) == ("Школа: № 10", "s10@example.org")
    assert bcrypt.checkpw("Пароль-школы-10".encode(), account.password_hash.encode())
    assert account.password_hash.startswith("$2b$04$")


def test_add_prompts_twice_without_echo(runner, accounts_file):
    result = invoke(
        runner,
        "add",
        "niko__50",
        "--name",
        "Координатор 50",
        stdin="Koord-50-Pass\nKoord-50-Pass\n",
    )
    assert result.exit_code == 0, result.output
    assert "Koord-50-Pass" not in result.output
    assert bcrypt.checkpw(
        b"Koord-50-Pass", load_accounts(accounts_file).get("niko__50").password_hash.encode()
    )


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["EDU770010", "--name", "x"], "Secret-123\n", "неверный логин «EDU770010»"),
        (["edu77001", "--name", "x"], "Secret-123\n", "неверный логин «edu77001»"),
        (["edu770001", "--name", "x"], "Secret-123\n", "логин edu770001 уже есть в файле"),
        (["edu770010", "--name", "  "], "Secret-123\n", "название не может быть пустым"),
        (["edu770010", "--name", "a\nb"], "Secret-123\n", "название должно быть одной строкой"),
        (["edu770010", "--name", "x", "--email", "nope"], "Secret-123\n", "— не адрес почты"),
        (["edu770010", "--name", "x"], "short\n", "слишком короткий: нужно не меньше 8 символов"),
        (["edu770010", "--name", "x"], "я" * 40 + "\n", "слишком длинный: не больше 72 байт"),
        (["edu770010", "--name", "x"], "", "на стандартном вводе нет пароля"),
        (["edu770010"], "Secret-123\n", "не указан параметр --name"),
    ],
)
def test_add_refuses_bad_input_and_writes_nothing(runner, accounts_file, args, stdin, message):
    before = accounts_file.read_bytes()
    result = invoke(runner, "add", *args, "--password-stdin", stdin=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert accounts_file.read_bytes() == before


def test_passwd_sets_a_new_hash(runner, accounts_file):
    old = load_accounts(accounts_file).get("edu770002").password_hash
    result = invoke(runner, "passwd", "edu770002", "--password-stdin", stdin="Brand-New-Pass\n")
    assert result.exit_code == 0, result.output
    new = load_accounts(accounts_file).get("edu770002").password_hash
    assert new != old and bcrypt.checkpw(b"Brand-New-Pass", new.encode())


@pytest.mark.parametrize("command", ["passwd", "disable", "enable", "remove"])
def test_commands_on_an_unknown_login_fail(runner, accounts_file, command):
    before = accounts_file.read_bytes()
    extra = ["--password-stdin"] if command == "passwd" else []
    result = invoke(runner, command, "edu779999", *extra, stdin="Secret-123\n")
    assert result.exit_code == 1
    assert f"учётной записи edu779999 нет в {accounts_file}" in result.output
    assert accounts_file.read_bytes() == before


def test_disable_enable_and_their_repeats(runner, accounts_file):
    assert (
        invoke(runner, "disable", "edu770001").output
        == f"Запись edu770001 отключена в {accounts_file}\n"
    )
    assert load_accounts(accounts_file).get("edu770001").disabled
    again = invoke(runner, "disable", "edu770001")
    assert again.exit_code == 0 and "уже отключена; ничего не изменено" in again.output
    assert invoke(runner, "enable", "edu770001").exit_code == 0
    assert not load_accounts(accounts_file).get("edu770001").disabled
    assert invoke(runner, "enable", "edu770009").exit_code == 0
    assert not load_accounts(accounts_file).get("edu770009").disabled


def test_remove(runner, accounts_file):
    result = invoke(runner, "remove", "edu770002")
    assert result.exit_code == 0
    assert result.output == f"Запись edu770002 удалена из {accounts_file}\n"
    loaded = load_accounts(accounts_file)
    assert loaded.get("edu770002") is None and len(loaded) == len(PASSWORDS) - 1


@pytest.mark.parametrize(
    "args, stdin, gone",
    [
        (["add", "edu770010", "--name", "N", "--password-stdin"], "Secret-123\n", None),
        (["passwd", "edu770001", "--password-stdin"], "Secret-123\n", None),
        (["disable", "edu770001"], None, None),
        (["enable", "edu770009"], None, None),
        (["remove", "edu770002"], None, "  # edu770002"),
    ],
)
def test_every_writing_command_keeps_comments_and_crlf(runner, accounts_file, args, stdin, gone):
    accounts_file.write_bytes(accounts_file.read_bytes().replace(b"\n", b"\r\n"))
    result = invoke(runner, *args, stdin=stdin)
    assert result.exit_code == 0, result.output
    data = accounts_file.read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    kept = comment_lines(accounts_file)
    for comment in COMMENTS:
        assert any(comment in line for line in kept) == (comment != gone), comment


def test_a_file_changed_after_it_was_read_is_not_overwritten(runner, accounts_file, monkeypatch):
    from fisoko.accounts import edit as accounts_edit

    real = accounts_edit.set_disabled

    def edit_meanwhile(doc, login, disabled):
        accounts_file.write_text(
            accounts_file.read_text(encoding="utf-8") + "# hand edit\n", encoding="utf-8"
        )
        return real(doc, login, disabled)

    monkeypatch.setattr(accounts_edit, "set_disabled", edit_meanwhile)
    result = invoke(runner, "disable", "edu770001")
    assert result.exit_code == 1
    assert "изменился на диске после того, как его прочитали" in result.output
    assert "выполните команду ещё раз" in result.output
    assert accounts_file.read_text(encoding="utf-8").endswith("# hand edit\n")
    assert not load_accounts(accounts_file).get("edu770001").disabled


def test_a_failed_replace_leaves_the_original_and_no_temp(runner, accounts_file, monkeypatch):
    from fisoko.files import atomic_file

    before = accounts_file.read_bytes()

    def crash(*args):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(atomic_file.os, "replace", crash)
    result = invoke(runner, "remove", "edu770001")
    assert result.exit_code == 1
    assert f"не удаётся записать {accounts_file}: Permission denied" in result.output
    assert accounts_file.read_bytes() == before
    assert not [p for p in accounts_file.parent.iterdir() if p.suffix == ".tmp"]


def test_writing_commands_refuse_an_invalid_file(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("accounts:\n  edu770001:\n    name: x\n", encoding="utf-8")
    result = invoke(runner, "--accounts", str(bad), "disable", "edu770001")
    assert result.exit_code == 1
    assert result.output == f"{bad}:2: edu770001: нет обязательного поля «password_hash»\n"


def test_a_missing_file_is_a_clear_error(runner, tmp_path):
    result = invoke(runner, "--accounts", str(tmp_path / "none.yaml"), "remove", "edu770001")
    assert result.exit_code == 1
    assert "не удаётся прочитать" in result.output and "Traceback" not in result.output


def test_two_writers_at_once_both_succeed(accounts_file, tmp_path):
    env = {
        **os.environ,
        "FISOKO_ACCOUNTS": str(accounts_file),
        "FISOKO_INSTANCE": str(tmp_path / "i"),
        "FISOKO_BCRYPT_COST": "4",
    }
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "app.py",
                "accounts",
                "add",
                login,
                "--name",
                login,
                "--password-stdin",
            ],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for login in ("edu770011", "edu770012", "edu770013")
    ]
    outputs = [p.communicate("Secret-123\n", timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    loaded = load_accounts(accounts_file)
    assert all(loaded.get(login) for login in ("edu770011", "edu770012", "edu770013"))


def test_a_flow_style_file_is_listed_and_edited_where_safe(runner, tmp_path):
    from tests.helpers import make_hash

    flow = tmp_path / "flow.yaml"
    flow.write_text(
        f"accounts: {{edu770001: {{name: A, password_hash: '{make_hash('Secret-123')}'}}}}\n",
        encoding="utf-8",
    )
    listed = invoke(runner, "--accounts", str(flow), "list")
    assert listed.exit_code == 0 and listed.output.split() == [
        "edu770001",
        "школа",
        "77",
        "A",
        "активна",
    ]
    disabled = invoke(runner, "--accounts", str(flow), "disable", "edu770001")
    assert disabled.exit_code == 0, disabled.output  # a value inside {...} can still be changed
    assert load_accounts(flow).get("edu770001").disabled
    before = flow.read_bytes()
    for args in (["remove", "edu770001"], ["add", "edu770002", "--name", "B", "--password-stdin"]):
        refused = invoke(runner, "--accounts", str(flow), *args, stdin="Secret-123\n")
        assert refused.exit_code == 1 and "в фигурных скобках" in refused.output
        assert flow.read_bytes() == before


def test_a_read_only_accounts_file_is_named_and_left_alone(runner, accounts_file):
    before = accounts_file.read_bytes()
    accounts_file.chmod(0o444)
    try:
        result = invoke(runner, "disable", "edu770001")
    finally:
        accounts_file.chmod(0o644)
    assert result.exit_code == 1
    assert f"не удаётся записать {accounts_file}: файл только для чтения" in result.output
    assert accounts_file.read_bytes() == before
    assert not [p for p in accounts_file.parent.iterdir() if p.suffix == ".tmp"]


def test_a_replace_held_by_a_scanner_for_a_moment_still_writes(runner, accounts_file, monkeypatch):
    from fisoko.files import atomic_file
    from tests.helpers import replace_failing

    replace = replace_failing(2)
    monkeypatch.setattr(atomic_file.os, "replace", replace)
    result = invoke(runner, "disable", "edu770001")
    assert result.exit_code == 0, result.output
    assert replace.calls == 3
    assert load_accounts(accounts_file).get("edu770001").disabled
