"""Parsing and validating accounts.yaml: every problem with its line, all at once."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from fisoko.accounts import store as accounts
from fisoko.accounts.store import COORDINATOR, SCHOOL, load_accounts, parse_accounts, split_login
from fisoko.files import yaml_source
from fisoko.files.yaml_source import Invalid
from tests.helpers import make_hash

HASH = make_hash("Secret-123")


def problems_of(text: str) -> list[str]:
    with pytest.raises(Invalid) as caught:
        parse_accounts(textwrap.dedent(text).encode(), "acc.yaml")
    return [str(p) for p in caught.value.problems]


def test_valid_file_gives_roles_regions_and_schools(accounts_file):
    loaded = load_accounts(accounts_file)
    assert len(loaded) == 6
    coordinator = loaded.get("niko__77")
    assert (coordinator.role, coordinator.region, coordinator.school) == (COORDINATOR, "77", None)
    school = loaded.get("edu780001")
    assert (school.role, school.region, school.school) == (SCHOOL, "78", "0001")
    assert [a.login for a in loaded.schools_of("77")] == ["edu770001", "edu770002", "edu770009"]
    assert loaded.get("edu770009").disabled is True
    assert loaded.get("EDU770001") is None
    assert loaded.slowest_cost == 4


def test_snapshot_is_immutable(accounts_file):
    loaded = load_accounts(accounts_file)
    with pytest.raises(TypeError):
        loaded.by_login["edu770001"] = None  # type: ignore[index]


@pytest.mark.parametrize(
    "login, expected",
    [
        ("niko__01", (COORDINATOR, "01", None)),
        ("edu991234", (SCHOOL, "99", "1234")),
        ("niko_77", None),
        ("niko___77", None),
        ("NIKO__77", None),
        ("edu77001", None),
        ("edu7700011", None),
        ("edu77000a", None),
        ("edu７７0001", None),
        (" edu770001", None),
    ],
)
def test_login_shapes(login, expected):
    assert split_login(login) == expected


def test_every_problem_is_reported_with_its_line():
    found = problems_of(
        f"""\
        accounts:
          edu770001:
            name: Школа
            password_hash: {HASH}
          edu770001:
            name: Дубликат
            password_hash: {HASH}
          EDU770002:
            name: Неверный логин
            password_hash: {HASH}
          edu770003:
            name: Без хэша
          edu770004:
            name: Плохой хэш
            password_hash: secret
          edu770005:
            name: Лишнее поле
            password_hash: {HASH}
            role: admin
          edu770006:
            name: 12345
            password_hash: {HASH}
            disabled: maybe
          edu770007:
            password_hash: {HASH}
            email: not-an-address
        """
    )
    assert found == [
        "acc.yaml:5: логин 'edu770001' повторяется (впервые — в строке 2): "
        "у каждого ключа должно быть одно место",
        "acc.yaml:8: неверный логин «EDU770002»: " + accounts.LOGIN_RULE,
        "acc.yaml:11: edu770003: нет обязательного поля «password_hash»",
        "acc.yaml:15: password_hash: это не хеш bcrypt ($2b$12$ и ещё 53 символа); "
        "получите его командой: python app.py accounts hash",
        "acc.yaml:19: edu770005: неизвестное поле «role»: "
        "допустимы name, password_hash, email, disabled",
        "acc.yaml:21: name: нужен текст, а указано: число; возьмите значение в кавычки",
        "acc.yaml:23: disabled: нужно true или false, а указано: текст",
        "acc.yaml:26: email: «not-an-address» — не адрес почты (нужно вида имя@школа.ru)",
        "acc.yaml:24: edu770007: нет обязательного поля «name»",
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "acc.yaml:1: файл пуст: он должен начинаться со строки «accounts:»"),
        ("# only a comment\n", "acc.yaml:1: файл пуст: он должен начинаться со строки «accounts:»"),
        ("- a\n- b\n", "acc.yaml:1: файл должен начинаться со строки «accounts:»"),
        ("accounts:\n", "acc.yaml:1: accounts: ниже должны идти логины с их полями"),
        (
            "users: {}\n",
            "acc.yaml:1: неизвестный ключ верхнего уровня «users»: допустим только accounts",
        ),
        (
            "accounts:\n  edu770001: [1, 2]\n",
            "acc.yaml:2: edu770001: "
            "под логином должны идти поля учётной записи (name, password_hash, ...)",
        ),
        ("accounts: {\n  edu770001: {name: x\n", "acc.yaml:2: не закрыта скобка"),
        ("accounts:\n  edu770001:\n    name: 'x\n", "acc.yaml:3: не закрыта кавычка"),
        ("accounts:\n\tedu770001: {}\n", "acc.yaml:2: в строке символ табуляции"),
        ("accounts: {}\n---\naccounts: {}\n", "acc.yaml:2: в файле должен быть один документ"),
    ],
)
def test_broken_files(text, expected):
    found = problems_of(text)
    assert found[0].startswith(expected), found


def test_empty_accounts_mapping_is_valid():
    assert len(parse_accounts(b"accounts: {}\n", "acc.yaml")) == 0


def test_duplicate_field_is_reported():
    found = problems_of(
        f"accounts:\n  edu770001:\n    name: a\n    name: b\n    password_hash: {HASH}\n"
    )
    assert found == [
        "acc.yaml:4: поле 'name' повторяется (впервые — в строке 3): "
        "у каждого ключа должно быть одно место"
    ]


def test_not_utf8_names_the_line():
    data = f"accounts:\n  edu770001:\n    name: Школа\n    password_hash: {HASH}\n".encode("cp1251")
    with pytest.raises(Invalid) as caught:
        parse_accounts(data, "acc.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "acc.yaml:3: файл не в кодировке UTF-8: сохраните его в кодировке UTF-8"
    ]


def test_bom_and_crlf_are_accepted():
    text = f"accounts:\r\n  edu770001:\r\n    name: Школа\r\n    password_hash: {HASH}\r\n"
    loaded = parse_accounts(b"\xef\xbb\xbf" + text.encode(), "acc.yaml")
    assert loaded.get("edu770001").name == "Школа"


def test_missing_file_is_a_problem(tmp_path):
    with pytest.raises(Invalid) as caught:
        load_accounts(tmp_path / "nope.yaml")
    assert str(caught.value.problems[0]).startswith(
        f"{tmp_path / 'nope.yaml'}:1: не удаётся прочитать файл: такого файла нет"
    )


def test_pure_python_loader_gives_the_same_results(monkeypatch, accounts_text):
    broken = accounts_text + "  edu770001:\n    name: x\n    extra: 1\n"
    results = []
    for loader in (yaml_source.Loader, yaml.SafeLoader):
        monkeypatch.setattr(yaml_source, "Loader", loader)
        good = parse_accounts(accounts_text.encode(), "a.yaml")
        with pytest.raises(Invalid) as caught:
            parse_accounts(broken.encode(), "a.yaml")
        results.append((dict(good.by_login), caught.value.problems))
    assert results[0] == results[1]


def test_bcrypt_prefixes_2a_2b_2y_are_accepted():
    body = HASH[4:]
    text = "accounts:\n" + "".join(
        f"  edu77000{i}:\n    name: s\n    password_hash: {prefix}{body}\n"
        for i, prefix in enumerate(["$2a$", "$2b$", "$2y$"])
    )
    assert len(parse_accounts(text.encode(), "a.yaml")) == 3
    with pytest.raises(Invalid):
        parse_accounts(text.replace("$2y$", "$2x$").encode(), "a.yaml")


def test_store_open_raises_with_problems(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("accounts:\n  bad: {}\n", encoding="utf-8")
    with pytest.raises(Invalid) as caught:
        accounts.AccountStore.open(path)
    assert len(caught.value.problems) == 3
