"""The accounts file: parsing and validating accounts.yaml into an immutable map, and the store.

Accounts are built straight from the composed node tree: that keeps each entry's line for error
messages and skips PyYAML's constructor, so validating costs less than a bare `yaml.load`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import yaml
from flask import current_app

from fisoko.files.live_file import LiveFile, Signature, signature
from fisoko.files.yaml_source import (
    Invalid,
    Problem,
    as_bool,
    as_text,
    document,
    line_of,
    mapping_items,
    paused_gc,
    read_source,
)

COORDINATOR = "coordinator"
SCHOOL = "school"
ROLE_LABELS = {
    COORDINATOR: "Региональный координатор НИКО",
    SCHOOL: "Ответственный организатор ОО",
}
LOGIN_RE = re.compile(r"niko__([0-9]{2})|edu([0-9]{2})([0-9]{4})")
BCRYPT_RE = re.compile(r"\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{53}")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
FIELDS = ("name", "password_hash", "email", "disabled")
log = logging.getLogger("fisoko.accounts")
LOGIN_RULE = (
    "логин пишется niko__RR (два подчёркивания) или eduRRNNNN, "
    "где RR — две цифры региона, NNNN — четыре цифры школы"
)


@dataclass(frozen=True, slots=True)
class Account:
    """One account of accounts.yaml; role and region come from the login."""

    login: str
    name: str
    password_hash: str
    role: str
    region: str
    school: str | None = None
    email: str | None = None
    disabled: bool = False
    line: int = 0

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def is_coordinator(self) -> bool:
        return self.role == COORDINATOR


def split_login(login: str) -> tuple[str, str, str | None] | None:
    """(role, region, school code) of a well-formed login, else None."""
    match = LOGIN_RE.fullmatch(login)
    if match is None:
        return None
    if match.group(1) is not None:
        return COORDINATOR, match.group(1), None
    return SCHOOL, match.group(2), match.group(3)


def hash_cost(password_hash: str) -> int:
    """The bcrypt cost written in a hash."""
    return int(password_hash[4:6])


@dataclass(frozen=True)
class Accounts:
    """An immutable snapshot of the accounts file with O(1) look-up by login."""

    by_login: Mapping[str, Account]
    schools_by_region: Mapping[str, tuple[Account, ...]]
    slowest_cost: int  # the highest cost in the file: what an unknown login costs

    def get(self, login: str) -> Account | None:
        return self.by_login.get(login)

    def __len__(self) -> int:
        return len(self.by_login)

    def schools_of(self, region: str) -> tuple[Account, ...]:
        """The school accounts of a region, in file order."""
        return self.schools_by_region.get(region, ())


def _parse_account(
    login: str, key_node: yaml.Node, node: yaml.Node, path: str, problems: list[Problem]
) -> Account | None:
    parts = split_login(login)
    if parts is None:
        problems.append(Problem(path, line_of(key_node), f"неверный логин «{login}»: {LOGIN_RULE}"))
    if not isinstance(node, yaml.MappingNode):
        problems.append(
            Problem(
                path,
                line_of(node),
                f"{login}: под логином должны идти поля учётной записи (name, password_hash, ...)",
            )
        )
        return None
    before = len(problems)
    fields: dict[str, object] = {}
    for key, field_key, value in mapping_items(node, path, problems, what="field"):
        if key == "name":
            fields["name"] = as_text(value, path, problems, "name")
        elif key == "password_hash":
            text = as_text(value, path, problems, "password_hash")
            if text is not None and BCRYPT_RE.fullmatch(text) is None:
                problems.append(
                    Problem(
                        path,
                        line_of(value),
                        "password_hash: это не хеш bcrypt ($2b$12$ и ещё 53 символа); "
                        "получите его командой: python app.py accounts hash",
                    )
                )
            fields["password_hash"] = text
        elif key == "email":
            text = as_text(value, path, problems, "email", required=False)
            if text and EMAIL_RE.fullmatch(text) is None:
                problems.append(
                    Problem(
                        path,
                        line_of(value),
                        f"email: «{text}» — не адрес почты (нужно вида имя@школа.ru)",
                    )
                )
            fields["email"] = text or None
        elif key == "disabled":
            fields["disabled"] = as_bool(value, path, problems, "disabled")
        else:
            problems.append(
                Problem(
                    path,
                    line_of(field_key),
                    f"{login}: неизвестное поле «{key}»: допустимы {', '.join(FIELDS)}",
                )
            )
    for required in ("name", "password_hash"):
        if required not in fields:
            problems.append(
                Problem(path, line_of(key_node), f"{login}: нет обязательного поля «{required}»")
            )
    if parts is None or len(problems) > before:
        return None
    role, region, school = parts
    return Account(
        login=login,
        name=fields["name"],  # type: ignore[arg-type]
        password_hash=fields["password_hash"],  # type: ignore[arg-type]
        role=role,
        region=region,
        school=school,
        email=fields.get("email"),  # type: ignore[arg-type]
        disabled=bool(fields.get("disabled")),
        line=line_of(key_node),
    )


def parse_accounts(data: bytes, path: str) -> Accounts:
    """Validate the bytes of an accounts file; raise Invalid listing every problem."""
    root = document(data, path, "файл пуст: он должен начинаться со строки «accounts:»")
    problems: list[Problem] = []
    if not isinstance(root, yaml.MappingNode):
        raise Invalid(
            [Problem(path, line_of(root), "файл должен начинаться со строки «accounts:»")]
        )
    entries: yaml.Node | None = None
    for key, key_node, value in mapping_items(root, path, problems):
        if key == "accounts":
            entries = value
        else:
            problems.append(
                Problem(
                    path,
                    line_of(key_node),
                    f"неизвестный ключ верхнего уровня «{key}»: допустим только accounts",
                )
            )
    if entries is None:
        problems.append(
            Problem(path, 1, "нет раздела «accounts:»: с него начинается список учётных записей")
        )
        raise Invalid(problems)
    if not isinstance(entries, yaml.MappingNode):
        problems.append(
            Problem(path, line_of(entries), "accounts: ниже должны идти логины с их полями")
        )
        raise Invalid(problems)
    by_login: dict[str, Account] = {}
    by_region: dict[str, list[Account]] = {}
    costs: dict[int, int] = {}
    with paused_gc():
        for login, key_node, node in mapping_items(entries, path, problems, what="login"):
            account = _parse_account(login, key_node, node, path, problems)
            if account is None:
                continue
            by_login[login] = account
            if account.role == SCHOOL:
                by_region.setdefault(account.region, []).append(account)
            cost = hash_cost(account.password_hash)
            costs[cost] = costs.get(cost, 0) + 1
    if problems:
        raise Invalid(problems)
    return Accounts(
        by_login=MappingProxyType(by_login),
        schools_by_region=MappingProxyType({r: tuple(a) for r, a in by_region.items()}),
        slowest_cost=max(costs) if costs else 12,
    )


def load_accounts(path: str | Path) -> Accounts:
    """Read and validate an accounts file; a missing or unreadable file is a Problem too."""
    return parse_accounts(read_source(path), str(path))


class AccountStore:
    """The current valid Accounts of one file, following its edits (see live_file).

    `accounts` is an immutable snapshot; a reload replaces it in one assignment, so a request
    sees either the old map or the new one, never a mix.
    """

    def __init__(
        self,
        path: str | Path,
        accounts: Accounts,
        *,
        reload_seconds: float = 0.0,
        known: Signature | None = None,
    ) -> None:
        self._live = LiveFile(
            path,
            parse_accounts,
            accounts,
            interval=reload_seconds,
            known=known,
            log=log,
            describe=lambda loaded: f"записей: {len(loaded)}",
            what="учётных записей",
        )
        self.path = self._live.path
        self._pending = False
        self._pending_lock = threading.Lock()

    @classmethod
    def open(cls, path: str | Path, *, reload_seconds: float = 0.0) -> AccountStore:
        """A store with the file's accounts; raises Invalid when the file is not valid."""
        accounts, known = _load_with_signature(path)
        return cls(path, accounts, reload_seconds=reload_seconds, known=known)

    @classmethod
    def deferred(cls, path: str | Path, *, reload_seconds: float = 0.0) -> AccountStore:
        """A store that reads the file on first use (for `flask` commands, which mostly never
        need it, and whose file may be broken); problems then are logged, not raised."""
        store = cls(path, NO_ACCOUNTS, reload_seconds=reload_seconds)
        store._pending = True
        return store

    @property
    def accounts(self) -> Accounts:
        return self._live.value

    def refresh(self) -> None:
        """Pick up an edit of the file if a check is due (cheap otherwise)."""
        if self._pending:
            with self._pending_lock:
                if self._pending:
                    try:
                        self._live.reset(*_load_with_signature(self.path))
                    except Invalid as exc:
                        for problem in exc.problems:
                            log.error("%s", problem)
                    self._pending = False
        self._live.refresh()

    def get(self, login: str) -> Account | None:
        return self.accounts.get(login)

    def schools_of(self, region: str) -> tuple[Account, ...]:
        return self.accounts.schools_of(region)


NO_ACCOUNTS = Accounts(MappingProxyType({}), MappingProxyType({}), 12)


def _load_with_signature(path: str | Path) -> tuple[Accounts, Signature | None]:
    try:
        known = signature(path)  # taken before reading: a change in between is seen later
    except OSError:
        known = None
    return load_accounts(path), known


def current_store() -> AccountStore:
    """The account store of the app handling this request, refreshed if a check is due."""
    store: AccountStore = current_app.extensions["fisoko.accounts"]
    store.refresh()
    return store
