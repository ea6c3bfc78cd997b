"""The YAML helpers shared by the accounts and content files."""

from __future__ import annotations

import gc

import pytest

from fisoko.accounts.store import parse_accounts
from fisoko.files.yaml_source import Invalid, compose, paused_gc


@pytest.fixture
def gc_enabled():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_gc_disables_and_restores(gc_enabled):
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_gc_restores_after_an_error(gc_enabled):
    with pytest.raises(Invalid):
        compose("accounts: [unclosed\n", "a.yaml")
    assert gc.isenabled()
    with pytest.raises(Invalid):
        parse_accounts(b"accounts:\n  EDU1:\n    name: x\n", "a.yaml")
    assert gc.isenabled()


def test_paused_gc_nested_keeps_an_outer_pause():
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_parse_leaves_gc_on(gc_enabled, accounts_text):
    assert len(parse_accounts(accounts_text.encode(), "a.yaml")) == 6
    assert gc.isenabled()
