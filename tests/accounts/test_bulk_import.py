"""`accounts import CSV`: rows checked first, random passwords, an Excel-ready credentials CSV."""

from __future__ import annotations

import csv
import io
import os
import stat
import time

import bcrypt
import pytest

from fisoko.accounts import bulk_import as accounts_import
from fisoko.accounts import cli as accounts_cli
from fisoko.accounts.passwords import ALPHABET
from fisoko.accounts.store import NO_ACCOUNTS, load_accounts
from fisoko.files.yaml_source import Invalid
from tests.helpers import AuthActions, make_hash

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def app_config(app_config: dict) -> dict:
    return {**app_config, "ACCOUNTS_RELOAD_SECONDS": 0.01}


def schools_csv(count: int, *, delimiter: str = ";", bom: bool = True, start: int = 1) -> bytes:
    rows = ["login;name;email".replace(";", delimiter)]
    for i in range(start, start + count):
        name = f'"МБОУ ""СОШ № {i}""{delimiter} г. Тест"'
        rows.append(delimiter.join([f"edu50{i:04d}", name, f"s{i}@example.org"]))
    return (BOM if bom else b"") + ("\r\n".join(rows) + "\r\n").encode("utf-8")


def read_credentials(path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith(BOM)
    text = data[len(BOM) :].decode("utf-8")
    assert "\r\n" in text
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def test_import_creates_accounts_and_a_credentials_file(runner, app, accounts_file, tmp_path):
    source = tmp_path / "schools.csv"
    source.write_bytes(schools_csv(25))
    before = accounts_file.read_text(encoding="utf-8")
    result = runner.invoke(args=["accounts", "import", str(source)])
    assert result.exit_code == 0, result.output
    output = tmp_path / "schools-credentials.csv"
    assert f"Импортировано записей: 25 в {accounts_file}" in result.output
    assert str(output) in result.output
    assert accounts_file.read_text(encoding="utf-8").startswith(before)
    rows = read_credentials(output)
    assert [r["login"] for r in rows] == [f"edu50{i:04d}" for i in range(1, 26)]
    assert rows[0]["name"] == 'МБОУ "СОШ № 1"; г. Тест'
    loaded = load_accounts(accounts_file)
    for row in rows:
        assert bcrypt.checkpw(
            row["password"].encode(), loaded.get(row["login"]).password_hash.encode()
        )
    assert len({r["password"] for r in rows}) == 25
    assert loaded.get("edu500007").email == "s7@example.org"
    if os.name == "posix":
        assert stat.S_IMODE(output.stat().st_mode) == 0o600
    past = time.time() - 5  # as if written a while ago: no wait for the writer to settle
    os.utime(accounts_file, (past, past))
    time.sleep(0.02)
    auth = AuthActions(app.test_client())
    response = auth.login("edu500003", rows[2]["password"])
    assert response.status_code == 302 and response.headers["Location"] == "/cabinet"


@pytest.mark.parametrize("delimiter, bom", [(",", False), (",", True), (";", False)])
def test_import_reads_commas_and_files_without_bom(runner, accounts_file, tmp_path, delimiter, bom):
    source = tmp_path / "list.csv"
    source.write_bytes(schools_csv(3, delimiter=delimiter, bom=bom))
    out = tmp_path / "out" / "pw.csv"
    out.parent.mkdir()
    result = runner.invoke(args=["accounts", "import", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(read_credentials(out)) == 3
    assert (
        load_accounts(accounts_file).get("edu500002").name == f'МБОУ "СОШ № 2"{delimiter} г. Тест'
    )


def test_every_bad_row_is_reported_and_nothing_is_written(runner, accounts_file, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text(
        "login,name,email\n"
        "edu500001,Хорошая школа,\n"
        "edu1,Короткий логин,\n"
        "edu500002,,\n"
        "edu770001,Уже есть,\n"
        "edu500003,Школа,not-an-address\n"
        "edu500001,Повтор,\n"
        ",,\n"
        "edu500004,Лишнее,a@b.cd,extra\n",
        encoding="utf-8",
    )
    before = accounts_file.read_bytes()
    result = runner.invoke(args=["accounts", "import", str(source)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:6] == [
        f"{source}:3: неверный логин «edu1»: " + accounts_cli.LOGIN_RULE,
        f"{source}:4: пустое название (столбец name)",
        f"{source}:5: логин edu770001 уже есть в файле учётных записей",
        f"{source}:6: edu500003: «not-an-address» — не адрес почты",
        f"{source}:7: логин edu500001 уже был в строке 2",
        f"{source}:9: ячеек больше, чем столбцов (3): лишнее уберите",
    ]
    assert "ошибок в" in result.output and "ничего не импортировано" in result.output
    assert accounts_file.read_bytes() == before
    assert not (tmp_path / "bad-credentials.csv").exists()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"login;name\r\n", "нет ни одной учётной записи"),
        (b"", "в первой строке должны быть названия столбцов"),
        (b"user;title\r\nedu500001;x\r\n", "в первой строке должны быть названия столбцов"),
        ("login;name\r\nedu500001;Школа\r\n".encode("cp1251"), "не в кодировке UTF-8"),
        (b'login,name\nedu500001,"unclosed\n', "не читается как CSV"),
    ],
)
def test_unusable_csv_files(runner, accounts_file, tmp_path, data, message):
    source = tmp_path / "s.csv"
    source.write_bytes(data)
    before = accounts_file.read_bytes()
    result = runner.invoke(args=["accounts", "import", str(source)])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert accounts_file.read_bytes() == before


def test_an_existing_credentials_file_needs_force(runner, accounts_file, tmp_path):
    source = tmp_path / "s.csv"
    source.write_bytes(schools_csv(2))
    output = tmp_path / "s-credentials.csv"
    output.write_text("keep me", encoding="utf-8")
    before = accounts_file.read_bytes()
    result = runner.invoke(args=["accounts", "import", str(source)])
    assert (
        result.exit_code == 1
        and "уже существует; чтобы перезаписать его, добавьте --force" in result.output
    )
    assert output.read_text(encoding="utf-8") == "keep me"
    assert accounts_file.read_bytes() == before
    forced = runner.invoke(args=["accounts", "import", str(source), "--force"])
    assert forced.exit_code == 0, forced.output
    assert len(read_credentials(output)) == 2


def test_the_credentials_file_never_replaces_the_input_or_the_accounts(
    runner, accounts_file, tmp_path
):
    source = tmp_path / "s.csv"
    source.write_bytes(schools_csv(2))
    for target in (source, accounts_file):
        before = target.read_bytes()
        result = runner.invoke(
            args=["accounts", "import", str(source), "--out", str(target), "--force"]
        )
        assert result.exit_code == 1 and "затёр бы" in result.output
        assert target.read_bytes() == before


def test_a_change_while_hashing_stops_the_import(runner, accounts_file, tmp_path, monkeypatch):
    source = tmp_path / "s.csv"
    source.write_bytes(schools_csv(3))
    real = accounts_cli.hash_many

    def hash_while_someone_edits(*args, **kwargs):
        with open(accounts_file, "a", encoding="utf-8") as handle:
            handle.write("# edited meanwhile\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(accounts_cli, "hash_many", hash_while_someone_edits)
    result = runner.invoke(args=["accounts", "import", str(source)])
    assert result.exit_code == 1
    assert "изменился на диске, пока создавались пароли" in result.output
    assert "выполните команду ещё раз" in result.output
    assert accounts_file.read_text(encoding="utf-8").endswith("# edited meanwhile\n")
    assert load_accounts(accounts_file).get("edu500001") is None
    assert not (tmp_path / "s-credentials.csv").exists()


def test_read_rows_accepts_columns_in_any_order_and_trailing_empty_cells():
    data = "email;name;login;;\r\nx@y.ru;Школа;edu500001;;\r\n;;;;\r\n".encode()
    rows = accounts_import.read_rows(data, "s.csv", NO_ACCOUNTS)
    assert rows == [accounts_import.Row(2, "edu500001", "Школа", "x@y.ru")]


def test_read_rows_counts_physical_lines_for_quoted_line_breaks():
    data = b'login,name\nedu500001,"two\nlines"\nedu1,x\n'
    with pytest.raises(Invalid) as caught:
        accounts_import.read_rows(data, "s.csv", NO_ACCOUNTS)
    assert [p.line for p in caught.value.problems] == [3, 4]


def test_credentials_csv_is_excel_ready():
    data = accounts_import.credentials_csv([("edu500001", "Ab3def", 'Школа "1"; филиал')])
    assert (
        data == BOM + 'login;password;name\r\nedu500001;Ab3def;"Школа ""1""; филиал"\r\n'.encode()
    )


def test_generated_passwords_avoid_look_alikes(runner, accounts_file, tmp_path):
    source = tmp_path / "s.csv"
    source.write_bytes(schools_csv(20))
    assert runner.invoke(args=["accounts", "import", str(source)]).exit_code == 0
    for row in read_credentials(tmp_path / "s-credentials.csv"):
        assert len(row["password"]) >= 12
        assert set(row["password"]) <= set(ALPHABET)


def test_a_file_the_commands_cannot_edit_fails_before_hashing(runner, tmp_path, monkeypatch):
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        f"accounts: {{edu770001: {{name: A, password_hash: '{make_hash('Secret-123')}'}}}}\n",
        encoding="utf-8",
    )
    source = tmp_path / "s.csv"
    source.write_bytes(schools_csv(2))
    monkeypatch.setattr(accounts_cli, "hash_many", pytest.fail)
    result = runner.invoke(args=["accounts", "--accounts", str(flow), "import", str(source)])
    assert result.exit_code == 1 and "в фигурных скобках" in result.output
    assert not (tmp_path / "s-credentials.csv").exists()


@pytest.mark.parametrize("case", ["missing csv", "missing folder"])
def test_missing_input_or_output_folder(runner, accounts_file, tmp_path, case):
    source = tmp_path / "s.csv"
    out = tmp_path / "taken.csv"
    out.write_text("x", encoding="utf-8")
    if case == "missing folder":
        source.write_bytes(schools_csv(1))
        out = tmp_path / "no" / "such" / "c.csv"
    result = runner.invoke(args=["accounts", "import", str(source), "--out", str(out), "--force"])
    assert result.exit_code == 1
    assert ("не удаётся прочитать" if case == "missing csv" else "нет папки") in result.output
    assert "Traceback" not in result.output


def test_a_credentials_file_open_in_excel_is_named_and_nothing_changes(
    runner, accounts_file, tmp_path, monkeypatch
):
    from fisoko.files import atomic_file
    from tests.helpers import replace_failing

    source = tmp_path / "s.csv"
    source.write_bytes(schools_csv(2))
    output = tmp_path / "s-credentials.csv"
    output.write_text("open in Excel", encoding="utf-8")
    before = accounts_file.read_bytes()
    monkeypatch.setattr(atomic_file, "RETRY_SECONDS", 0.2)
    monkeypatch.setattr(atomic_file.os, "replace", replace_failing(10**6))
    result = runner.invoke(args=["accounts", "import", str(source), "--force"])
    assert result.exit_code == 1
    assert f"не удаётся записать {output}: " in result.output
    assert "открыт в другой программе" in result.output
    assert ".tmp" not in result.output and "Traceback" not in result.output
    assert output.read_text(encoding="utf-8") == "open in Excel"
    assert accounts_file.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
