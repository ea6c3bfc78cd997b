"""The results part of the НИКО tab: a school's files with their «новое» marks; for a coordinator
the region's own, which schools have results and a page of the schools' files."""

from __future__ import annotations

from dataclasses import dataclass

from fisoko import clock
from fisoko.accounts.store import Account
from fisoko.niko.content.model import Results
from fisoko.niko.exchange.result_marks import key_of, opened_by
from fisoko.niko.exchange.results import (
    RegionResults,
    ResultFile,
    announced,
    folder,
    is_open,
    of_region,
    scan,
)

SCHOOLS_PAGE = 50


@dataclass(frozen=True)
class Listed:
    """A results file as its account sees it: «новое» until the account first downloaded it."""

    file: ResultFile
    new: bool


@dataclass(frozen=True)
class Panel:
    """The results part of the НИКО tab: before `opens` only the day they come.

    A coordinator's schools are shown SCHOOLS_PAGE at a time (`page`), as the region table is;
    those without results are named in full (up to SCHOOLS_PAGE) above, whatever the page.
    """

    announced: Results
    open: bool
    own: tuple[Listed, ...] = ()
    region: RegionResults | None = None
    page: int = 1

    @property
    def new_count(self) -> int:
        """How many of the account's own files it has not downloaded yet."""
        return sum(1 for item in self.own if item.new)

    @property
    def pages(self) -> int:
        count = len(self.region.schools) if self.region else 0
        return max(1, -(-count // SCHOOLS_PAGE))

    @property
    def rows(self) -> tuple[tuple[Account, tuple[ResultFile, ...]], ...]:
        """The schools of this page with their files."""
        if self.region is None:
            return ()
        start = (self.page - 1) * SCHOOLS_PAGE
        return self.region.files(self.region.schools[start : start + SCHOOLS_PAGE])

    @property
    def missing(self) -> tuple[Account, ...]:
        """The enabled schools of the region without results, the first SCHOOLS_PAGE of them."""
        schools = self.region.schools if self.region else ()
        return tuple(s for s, has in schools if not has and not s.disabled)[:SCHOOLS_PAGE]


def panel(account: Account, page: int = 1) -> Panel | None:
    """The results part of the account's tab; None when the content announces no results."""
    results = announced()
    if results is None:
        return None
    if not results.open_on(clock.today()):
        return Panel(results, False)
    region = of_region(account) if account.is_coordinator else None
    own = region.own if region is not None else scan(folder(), account.login)
    seen = opened_by(account.login) if own else frozenset()
    listed = tuple(Listed(f, key_of(f) not in seen) for f in own)
    shown = Panel(results, True, listed, region)
    return Panel(results, True, listed, region, min(max(page, 1), shown.pages))


def new_files(account: Account) -> int:
    """How many of the account's own results files are open and not yet downloaded by it: what
    «Главная» tells of, without the coordinator's look at every school."""
    if not is_open():
        return 0
    own = scan(folder(), account.login)
    if not own:
        return 0
    seen = opened_by(account.login)
    return sum(1 for f in own if key_of(f) not in seen)
