"""Splicing edits into accounts.yaml: only the changed entry's lines move, everything else stays."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fisoko.accounts import edit
from fisoko.accounts.edit import EditError, NewAccount
from fisoko.accounts.store import parse_accounts
from tests.helpers import make_hash

H1 = make_hash("Secret-111")
H2 = make_hash("Secret-222")
TEXT = f"""\
# Accounts of region 77 — keep this header
accounts:   # the logins
  edu770001:  # school one
    name: ГБОУ «Школа № 1»   # full name
    email: 'one@example.org'
    password_hash: {H1}  # set 2026-01-10

  # the second school closes in 2027
  edu770002: {{name: "Школа № 2", password_hash: {H1}}}  # flow style
  niko__77:
    # a comment inside the entry
    name: Координатор
    disabled: false  # switched on in May
    password_hash: "{H1}"
# trailing comment
"""


def doc(text: str = TEXT, *, crlf: bool = False, bom: bool = False) -> edit.Document:
    if crlf:
        text = text.replace("\n", "\r\n")
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    return edit.read_document(data, "a.yaml")


def lines(data: bytes) -> list[str]:
    return data.decode("utf-8-sig").splitlines()


def test_add_appends_after_the_last_entry_and_keeps_the_rest():
    new = NewAccount("edu770003", "Школа: № 3", H2, "three@example.org")
    result = edit.add_accounts(doc(), [new])
    before = TEXT.splitlines()
    after = lines(result)
    assert after[: len(before) - 1] == before[:-1]
    assert after[len(before) - 1 :] == [
        "  edu770003:",
        "    name: 'Школа: № 3'",
        "    email: three@example.org",
        f"    password_hash: {H2}",
        "# trailing comment",
    ]
    added = parse_accounts(result, "a.yaml").get("edu770003")
    assert (added.name, added.email, added.password_hash) == ("Школа: № 3", new.email, H2)


@pytest.mark.parametrize(
    "name",
    ["yes", "123", "- dash", "#hash", "a # b", "'quoted'", '"dq"', "@at", "%pc", "2026-01-01", "~"],
)
def test_add_quotes_names_yaml_would_misread(name):
    result = edit.add_accounts(doc(), [NewAccount("edu770003", name, H2)])
    assert parse_accounts(result, "a.yaml").get("edu770003").name == name


def test_set_password_replaces_only_the_value_and_keeps_the_line_comment():
    result = edit.set_password(doc(), "edu770001", H2)
    expected = TEXT.replace(f"password_hash: {H1}  # set", f"password_hash: {H2}  # set")
    assert result.decode() == expected
    quoted = edit.set_password(doc(), "niko__77", H2)
    assert quoted.decode() == TEXT.replace(f'"{H1}"', H2)


def test_disable_changes_an_existing_field_in_place():
    result = edit.set_disabled(doc(), "niko__77", True)
    assert result.decode() == TEXT.replace(
        "disabled: false  # switched", "disabled: true  # switched"
    )


def test_disable_adds_the_field_to_a_block_entry_after_its_last_field():
    result = edit.set_disabled(doc(), "edu770001", True)
    assert result.decode() == TEXT.replace(
        f"{H1}  # set 2026-01-10\n", f"{H1}  # set 2026-01-10\n    disabled: true\n"
    )


def test_disable_adds_the_field_to_a_flow_entry():
    result = edit.set_disabled(doc(), "edu770002", True)
    assert result.decode() == TEXT.replace(f"{H1}}}  # flow", f"{H1}, disabled: true}}  # flow")


def test_remove_takes_the_entry_lines_only():
    result = edit.remove_account(doc(), "niko__77").decode()
    assert result == TEXT.replace(
        f"  niko__77:\n    # a comment inside the entry\n    name: Координатор\n"
        f'    disabled: false  # switched on in May\n    password_hash: "{H1}"\n',
        "",
    )
    middle = edit.remove_account(doc(), "edu770002").decode()
    assert "# the second school closes in 2027" in middle  # comments above an entry stay
    assert "edu770002" not in middle and "# flow style" not in middle
    first = edit.remove_account(doc(), "edu770001").decode()
    assert first.startswith(
        "# Accounts of region 77 — keep this header\naccounts:   # the logins\n\n"
    )


def test_removing_the_last_account_leaves_an_empty_mapping_that_add_fills():
    text = f"accounts:  # none left soon\n  edu770001:\n    name: A\n    password_hash: {H1}\n"
    emptied = edit.remove_account(doc(text), "edu770001")
    assert emptied == b"accounts: {}  # none left soon\n"
    refilled = edit.add_accounts(
        edit.read_document(emptied, "a.yaml"), [NewAccount("niko__01", "K", H2)]
    )
    assert refilled.decode() == (
        f"accounts:  # none left soon\n  niko__01:\n    name: K\n    password_hash: {H2}\n"
    )


def test_crlf_and_bom_are_kept():
    result = edit.add_accounts(doc(crlf=True, bom=True), [NewAccount("edu770003", "C", H2)])
    assert result.startswith(b"\xef\xbb\xbf# Accounts")
    assert b"\n" not in result.replace(b"\r\n", b"")
    assert result.count(b"\r\n") == TEXT.count("\n") + 3
    removed = edit.remove_account(doc(crlf=True, bom=True), "edu770001")
    assert removed.startswith(b"\xef\xbb\xbf") and b"\n" not in removed.replace(b"\r\n", b"")


def test_file_without_a_final_newline():
    text = f"accounts:\n  edu770001:\n    name: A\n    password_hash: {H1}"
    added = edit.add_accounts(doc(text), [NewAccount("edu770002", "B", H2)])
    assert added.decode() == text + f"\n  edu770002:\n    name: B\n    password_hash: {H2}\n"
    disabled = edit.set_disabled(doc(text), "edu770001", True)
    assert disabled.decode() == text + "\n    disabled: true\n"


def test_indentation_of_the_file_is_followed():
    text = f"accounts:\n    edu770001:\n        name: A\n        password_hash: {H1}\n"
    added = edit.add_accounts(doc(text), [NewAccount("edu770002", "B", H2)]).decode()
    assert added.endswith(f"\n    edu770002:\n        name: B\n        password_hash: {H2}\n")


def test_many_accounts_at_once_keep_their_order():
    new = [NewAccount(f"edu5000{i:02d}", f"Школа {i}", H2) for i in range(30)]
    result = parse_accounts(edit.add_accounts(doc(), new), "a.yaml")
    assert list(result.by_login)[3:] == [a.login for a in new]


@pytest.mark.parametrize(
    "text",
    [
        f"{{accounts: {{edu770001: {{name: A, password_hash: {H1}}}}}}}\n",
        f"accounts: {{edu770001: {{name: A, password_hash: {H1}}}}}\n",
    ],
)
def test_flow_style_files_are_refused_for_adding(text):
    with pytest.raises(EditError, match="в фигурных скобках"):
        edit.add_accounts(
            edit.read_document(text.encode(), "a.yaml"), [NewAccount("edu770002", "B", H2)]
        )


def test_existing_and_missing_logins_are_refused():
    with pytest.raises(EditError, match="уже есть в файле"):
        edit.add_accounts(doc(), [NewAccount("edu770001", "x", H2)])
    with pytest.raises(EditError, match="нет учётной записи edu779999"):
        edit.set_password(doc(), "edu779999", H2)
    with pytest.raises(EditError, match="нет учётной записи"):
        edit.remove_account(doc(), "edu779999")


def test_a_splice_that_would_change_other_accounts_is_refused(monkeypatch):
    monkeypatch.setattr(edit, "_line_end", lambda text, i: len(text))  # a broken splice
    with pytest.raises(EditError, match="файл не изменён"):
        edit.remove_account(doc(), "edu770001")


def test_invalid_file_is_reported_not_edited():
    from fisoko.files.yaml_source import Invalid

    with pytest.raises(Invalid):
        edit.read_document(b"accounts:\n  edu1: {}\n", "a.yaml")


# --- properties over generated files ---------------------------------------------------------

NAME_CHARS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГД «»№-.,:#'\"!&*?|>%@`{}[]0123456789xyz"


@st.composite
def files(draw) -> tuple[bytes, list[str]]:
    """A valid accounts file with comments in the usual places, in any newline style."""
    count = draw(st.integers(1, 6))
    numbers = draw(st.lists(st.integers(1, 9999), min_size=count, max_size=count, unique=True))
    logins = [f"edu77{n:04d}" for n in numbers]
    names = draw(
        st.lists(
            st.text(NAME_CHARS, min_size=1, max_size=20).filter(lambda s: s.strip() == s),
            min_size=count,
            max_size=count,
        )
    )
    lines = ["# header", "accounts:  # all of them"]
    for login, name in zip(logins, names, strict=True):
        if draw(st.booleans()):
            lines.append(f"  # above {login}")
        lines.append(f"  {login}:" + (f"  # key {login}" if draw(st.booleans()) else ""))
        lines.append(f"    name: {edit.scalar(name)}")
        if draw(st.booleans()):
            lines.append(f"    disabled: {draw(st.sampled_from(['true', 'false']))}  # flag")
        lines.append(f"    password_hash: {H1}" + ("  # hash" if draw(st.booleans()) else ""))
        if draw(st.booleans()):
            lines.append("")
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    return bom + text.encode(), logins


def split(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def bare(lines: list[bytes]) -> list[bytes]:
    return [line.rstrip(b"\r\n") for line in lines]


@settings(max_examples=60, deadline=None)
@given(files(), st.data())
def test_edits_change_only_the_lines_of_their_entry(case, data):
    source, logins = case
    document = edit.read_document(source, "a.yaml")
    login = data.draw(st.sampled_from(logins))
    before = split(source)
    operation = data.draw(st.sampled_from(["add", "passwd", "disable", "enable", "remove"]))
    if operation == "add":
        name = data.draw(st.text(NAME_CHARS, min_size=1, max_size=20).filter(str.strip))
        after = split(edit.add_accounts(document, [NewAccount("niko__01", name.strip(), H2)]))
        assert parse_accounts(b"".join(after), "a.yaml").get("niko__01").name == name.strip()
        kept = [line for line in after if b"niko__01" not in line and b"name: " not in line]
        assert [line.rstrip(b"\r\n") for line in before if b"name: " not in line] == [
            line.rstrip(b"\r\n") for line in kept if H2.encode() not in line
        ]
    elif operation == "passwd":
        after = split(edit.set_password(document, login, H2))
        changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
        assert len(changed) == 1
        assert after[changed[0]] == before[changed[0]].replace(H1.encode(), H2.encode(), 1)
    elif operation in ("disable", "enable"):
        wanted = operation == "disable"
        after = split(edit.set_disabled(document, login, wanted))
        assert parse_accounts(b"".join(after), "a.yaml").get(login).disabled is wanted
        assert len(after) - len(before) in (0, 1)
        assert sum(line not in bare(before) for line in bare(after)) <= 1
        assert all(line in bare(after) for line in bare(before) if b"disabled" not in line)
    else:
        after = split(edit.remove_account(document, login))
        assert parse_accounts(b"".join(after), "a.yaml").get(login) is None
        gone = [line for line in bare(before) if line not in bare(after)]
        if len(logins) == 1:  # the emptied mapping is written as {}
            assert bare(after)[1] == b"accounts: {}  # all of them"
            gone.remove(b"accounts:  # all of them")
        assert gone and gone[0].strip().startswith(f"{login}:".encode())
        assert not any(b"# above" in line or b"# header" in line for line in gone)
    assert after[0].startswith(b"\xef\xbb\xbf") == source.startswith(b"\xef\xbb\xbf")
    newline = b"\r\n" if b"\r\n" in source else b"\n"
    assert all(line.endswith(newline) for line in after[:-1])
