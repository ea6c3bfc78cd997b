"""The README and the documents: readable bytes only, and the README stays a few screens."""

from __future__ import annotations

import re

import pytest

from fisoko.settings import BASE_DIR

DOCUMENTS = [BASE_DIR / "README.md", *sorted((BASE_DIR / "docs").glob("*.md"))]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_no_control_characters_in_the_documents(path):
    """A pasted backspace once turned D:\\backup into D:^Hackup in a command."""
    text = path.read_text(encoding="utf-8")
    found = [(n, line) for n, line in enumerate(text.splitlines(), 1) if re.search(
        r"[\x00-\x08\x0b-\x1f\x7f]", line)]  # fmt: skip
    assert found == []


def test_the_readme_stays_under_20_kb():
    assert (BASE_DIR / "README.md").stat().st_size < 20 * 1024


def test_powershell_blocks_use_no_double_ampersand():
    """Windows PowerShell 5.1 has no `&&`: a block meant for it must not use it."""
    blocks = []
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        pattern = r"PowerShell[^\n]*\n(?:[^\n]*\n){0,3}?\s*```\n(.*?)```"
        blocks += [(path.name, m.group(1)) for m in re.finditer(pattern, text, re.S)]
    assert len(blocks) >= 8
    assert [block for block in blocks if "&&" in block[1]] == []
