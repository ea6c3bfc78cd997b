"""An account's feed of publications: those shown to it today, and which of them are new to it.

A publication is new to an account until the account has opened the full list (the НИКО tab);
«Главная» shows the latest few without clearing the mark. The marks are rows of
`publications_seen`, keyed by the publication's date and title, so they survive logging out and a
restart, and fixing a typo in a text does not make it new again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from fisoko import clock
from fisoko.accounts.store import Account
from fisoko.db import get_db
from fisoko.files import disk_full
from fisoko.niko.content.model import current_content
from fisoko.niko.content.publications import Publication

HOME_LATEST = 3


@dataclass(frozen=True)
class Item:
    """A publication as an account sees it."""

    publication: Publication
    new: bool
    links: tuple[str, ...] = ()  # the materials it links to that the account may open now


@dataclass(frozen=True)
class Feed:
    """The publications shown to an account, newest first."""

    items: tuple[Item, ...]

    @property
    def new_count(self) -> int:
        return sum(item.new for item in self.items)

    def latest(self, count: int = HOME_LATEST) -> tuple[Item, ...]:
        return self.items[:count]


def seen_keys(account: Account) -> set[str]:
    rows = get_db().execute(
        "SELECT publication FROM publications_seen WHERE login = ?", (account.login,)
    )
    return {key for (key,) in rows}


def feed(account: Account) -> Feed:
    """Today's publications for the account's role and region, with the «новое» marks."""
    content, today = current_content(), clock.today()
    shown = [p for p in content.publications if p.shown_to(account.role, account.region, today)]
    if not shown:
        return Feed(())
    seen = seen_keys(account)
    files = frozenset(
        m.file for m in content.materials if m.open_to(account.role, account.region, today)
    )
    items = tuple(Item(p, p.key not in seen, tuple(sorted(p.files & files))) for p in shown)
    return Feed(items)


def mark_seen(account: Account, shown: Feed) -> None:
    """Remember that the account has seen every publication of the feed.

    Best effort: on a full disk the page is still shown and the items stay new until a later visit.
    """
    fresh = [item.publication.key for item in shown.items if item.new]
    if not fresh:
        return
    now = clock.now_utc()
    try:
        get_db().executemany(
            "INSERT OR IGNORE INTO publications_seen (login, publication, seen_at)"
            " VALUES (?, ?, ?)",
            [(account.login, key, now) for key in fresh],
        )
    except sqlite3.Error as error:
        if not disk_full.is_disk_full(error):
            raise
        disk_full.noticed(error)
