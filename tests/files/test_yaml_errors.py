"""A YAML mistake is reported on its own line with a plain Russian explanation."""

from __future__ import annotations

import pytest

from fisoko.accounts.store import load_accounts
from fisoko.files import yaml_errors
from fisoko.files.yaml_source import Invalid

HASH = "$2b$04$" + "a" * 53
GOOD_HEAD = "accounts:\n  edu770001:\n    name: Школа\n"


@pytest.mark.parametrize(
    "text, line, message",
    [
        (
            f"# комментарий\naccounts:\n  edu770001:\n    name Школа\n    password_hash: {HASH}\n",
            4,
            yaml_errors.COLON,
        ),
        (f"{GOOD_HEAD}      password_hash: {HASH}\n", 4, yaml_errors.INDENT),
        (f"{GOOD_HEAD}   password_hash: {HASH}\n", 4, yaml_errors.INDENT),
        (f"{GOOD_HEAD}\tpassword_hash: {HASH}\n", 4, yaml_errors.TAB),
        (f"{GOOD_HEAD}    password_hash: {HASH}\n    name: Вторая\n", 5, "'name' повторяется"),
        (f"{GOOD_HEAD}    password_hash: '{HASH}\n", 4, yaml_errors.QUOTE),
    ],
    ids=["missing-colon", "too-deep", "between-levels", "tab", "duplicate-key", "open-quote"],
)
@pytest.mark.parametrize("pure_python", [False, True], ids=["libyaml", "python"])
def test_each_kind_of_mistake_names_its_line(
    tmp_path, monkeypatch, text, line, message, pure_python
):
    if pure_python:
        import yaml

        monkeypatch.setattr("fisoko.files.yaml_source.Loader", yaml.SafeLoader)
    path = tmp_path / "accounts.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(Invalid) as caught:
        load_accounts(str(path))
    problems = caught.value.problems
    assert any(p.line == line and message in p.message for p in problems), problems
