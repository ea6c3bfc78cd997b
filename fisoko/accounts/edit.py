"""Changing accounts.yaml by splicing: only the lines of the entries that change are touched.

The composer's node marks give the exact character span of every login, field and value, so an
edit replaces a value in place (a comment after it on the line stays), inserts or deletes whole
lines of one entry, and leaves every other byte as it was: comments, order, quoting, blank
lines, the newline style and a UTF-8 BOM. That costs one compose of the file, far less than a
round-trip YAML library's load on a country-sized file. Every result is parsed again and must
give exactly the expected accounts, else nothing is returned: a splice can fail, never corrupt.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import yaml

from fisoko.accounts.store import LOGIN_RULE, Account, Accounts, parse_accounts, split_login
from fisoko.files.yaml_source import Invalid, compose, decode

BOM = b"\xef\xbb\xbf"
FLOW_LAYOUT = (
    "учётные записи записаны в одну строку в фигурных скобках {...}; команда правит только "
    "обычную запись (логин на своей строке, его поля с отступом ниже): измените файл вручную"
)


class EditError(Exception):
    """An edit that cannot be made safely; the message says why, in plain Russian."""


@dataclass(frozen=True)
class NewAccount:
    login: str
    name: str
    password_hash: str
    email: str | None = None


@dataclass
class Document:
    """A valid accounts file as read: its bytes, text, layout and nodes, ready for splicing."""

    path: str
    data: bytes
    text: str
    bom: bool
    newline: str
    accounts: Accounts
    accounts_key: yaml.Node
    entries: yaml.MappingNode
    nodes: dict[str, tuple[yaml.Node, yaml.Node]]

    def encode(self, text: str) -> bytes:
        return (BOM if self.bom else b"") + text.encode("utf-8")


def read_document(data: bytes, path: str) -> Document:
    """Validate the file (raises Invalid with every problem) and locate its entries."""
    accounts = parse_accounts(data, path)
    text = decode(data, path)
    root = compose(text, path)
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise EditError(FLOW_LAYOUT)
    accounts_key, entries = next((k, v) for k, v in root.value if k.value == "accounts")
    nodes = {key.value: (key, value) for key, value in entries.value}
    return Document(
        path=path,
        data=data,
        text=text,
        bom=data.startswith(BOM),
        newline=_newline_of(text),
        accounts=accounts,
        accounts_key=accounts_key,
        entries=entries,
        nodes=nodes,
    )


def add_accounts(doc: Document, new: list[NewAccount]) -> bytes:
    """The file with new entries after the last one (name, email, password_hash)."""
    expected = _expected(doc)
    for account in new:
        if account.login in expected:
            raise EditError(f"логин {account.login} уже есть в файле")
        expected[account.login] = _content(_account(account))
    text, at, key_indent, field_indent = _append_point(doc)
    nl = doc.newline
    lines = []
    pad = " " * field_indent
    for account in new:
        lines.append(f"{' ' * key_indent}{account.login}:{nl}{pad}name: {scalar(account.name)}{nl}")
        if account.email:
            lines.append(f"{pad}email: {scalar(account.email)}{nl}")
        lines.append(f"{pad}password_hash: {account.password_hash}{nl}")
    prefix = nl if at == len(text) and text and text[-1] not in "\r\n" else ""
    return _checked(doc, text[:at] + prefix + "".join(lines) + text[at:], expected)


def set_password(doc: Document, login: str, password_hash: str) -> bytes:
    """The file with a new password hash for `login`."""
    expected = _expected(doc)
    changed = dataclasses.replace(_existing(doc, login), password_hash=password_hash)
    expected[login] = _content(changed)
    return _checked(doc, _set_field(doc, login, "password_hash", password_hash), expected)


def set_disabled(doc: Document, login: str, disabled: bool) -> bytes:
    """The file with `disabled: true/false` for `login` (the field is added when missing)."""
    expected = _expected(doc)
    expected[login] = _content(dataclasses.replace(_existing(doc, login), disabled=disabled))
    value = "true" if disabled else "false"
    return _checked(doc, _set_field(doc, login, "disabled", value), expected)


def remove_account(doc: Document, login: str) -> bytes:
    """The file without the lines of `login`'s entry (from its login line to its last field).

    Comment lines above the entry stay: they may be about the entries around it. Removing the
    last entry leaves `accounts: {}`, since a bare `accounts:` would not be a valid file.
    """
    expected = _expected(doc)
    _existing(doc, login)
    del expected[login]
    key, value = doc.nodes[login]
    text = doc.text
    start = _own_line_start(doc, key)
    end = _line_end(text, _end_of(value))
    text = text[:start] + text[end:]
    if not expected and not doc.entries.flow_style:
        colon = doc.accounts_key.end_mark.index
        if text[colon : colon + 1] != ":":
            raise EditError(FLOW_LAYOUT)
        text = text[: colon + 1] + " {}" + text[colon + 1 :]
    return _checked(doc, text, expected)


def scalar(value: str) -> str:
    """A one-line YAML scalar for the text: plain when YAML reads it back as the same text."""
    dumped = yaml.safe_dump({"k": value}, allow_unicode=True, width=1 << 30)
    return dumped[len("k: ") :].rstrip("\n")


def _existing(doc: Document, login: str) -> Account:
    account = doc.accounts.get(login)
    if account is None:
        raise EditError(f"в файле {doc.path} нет учётной записи {login}")
    return account


def _account(new: NewAccount) -> Account:
    parts = split_login(new.login)
    if parts is None:
        raise EditError(f"неверный логин «{new.login}»: {LOGIN_RULE}")
    role, region, school = parts
    return Account(
        login=new.login,
        name=new.name,
        password_hash=new.password_hash,
        role=role,
        region=region,
        school=school,
        email=new.email or None,
    )


Content = tuple[str, str, str, str, str, "str | None", "str | None", bool]


def _expected(doc: Document) -> dict[str, Content]:
    return {login: _content(a) for login, a in doc.accounts.by_login.items()}


def _content(a: Account) -> Content:
    """What an account says, without the line it is on (which an edit may move)."""
    return (a.login, a.name, a.password_hash, a.role, a.region, a.school, a.email, a.disabled)


def _checked(doc: Document, text: str, expected: dict[str, Content]) -> bytes:
    """The new bytes, after making sure they parse to exactly the expected accounts in order."""
    data = doc.encode(text)
    try:
        result = parse_accounts(data, doc.path)
    except Invalid as exc:
        raise EditError(
            f"изменение не удалось записать надёжно ({exc.problems[0].message}); "
            "файл не изменён: внесите правку вручную"
        ) from None
    got = {login: _content(a) for login, a in result.by_login.items()}
    if got != expected or list(got) != list(expected):
        raise EditError(
            "изменение не удалось записать надёжно (файл оформлен необычно); "
            "файл не изменён: внесите правку вручную"
        )
    return data


def _set_field(doc: Document, login: str, field: str, value: str) -> str:
    text = doc.text
    _, entry = doc.nodes[login]
    for key, node in entry.value:
        if key.value == field:
            start, end = node.start_mark.index, node.end_mark.index
            return text[:start] + value + text[end:]
    if entry.flow_style:
        end = entry.end_mark.index
        if text[end - 1 : end] != "}":
            raise EditError(FLOW_LAYOUT)
        return text[: end - 1] + f", {field}: {value}" + text[end - 1 :]
    first_key = entry.value[0][0]
    indent = first_key.start_mark.column
    at = _line_end(text, _end_of(entry))
    prefix = doc.newline if at == len(text) and text[-1:] not in ("\r", "\n") else ""
    return text[:at] + prefix + f"{' ' * indent}{field}: {value}{doc.newline}" + text[at:]


def _append_point(doc: Document) -> tuple[str, int, int, int]:
    """(text, where new entries go, login indent, field indent); `{}` becomes a block first."""
    text, entries = doc.text, doc.entries
    if entries.flow_style:
        if entries.value:
            raise EditError(FLOW_LAYOUT)
        start, end = entries.start_mark.index, entries.end_mark.index
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        text = text[:start] + text[end:]
        return text, _line_end(text, start), 2, 4
    last_key, last_value = entries.value[-1]
    key_indent = last_key.start_mark.column
    field_indent = key_indent + 2
    for _key, value in entries.value:
        if isinstance(value, yaml.MappingNode) and not value.flow_style and value.value:
            field_indent = value.value[0][0].start_mark.column
            break
    _own_line_start(doc, last_key)
    return text, _line_end(text, _end_of(last_value)), key_indent, field_indent


def _end_of(node: yaml.Node) -> int:
    """Where a node's own text ends: a block mapping's end mark lies past trailing comments."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _end_of(node.value[-1][1])
    return node.end_mark.index


def _own_line_start(doc: Document, key: yaml.Node) -> int:
    start = _line_start(doc.text, key.start_mark.index)
    if doc.text[start : key.start_mark.index].strip(" "):
        raise EditError(FLOW_LAYOUT)
    return start


def _line_start(text: str, i: int) -> int:
    return max(text.rfind("\n", 0, i), text.rfind("\r", 0, i)) + 1


def _line_end(text: str, i: int) -> int:
    """The index just past the line break of the line holding index i (i itself at a line start)."""
    if i > 0 and text[i - 1] in "\r\n":
        return i + 1 if text[i - 1] == "\r" and text[i : i + 1] == "\n" else i
    for j in range(i, len(text)):
        if text[j] == "\n":
            return j + 1
        if text[j] == "\r":
            return j + 2 if text[j + 1 : j + 2] == "\n" else j + 1
    return len(text)


def _newline_of(text: str) -> str:
    for i, ch in enumerate(text):
        if ch == "\n":
            return "\n"
        if ch == "\r":
            return "\r\n" if text[i + 1 : i + 2] == "\n" else "\r"
    return "\n"
