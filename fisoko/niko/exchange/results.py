"""Results the federal organizer returns: files of the results folder, `results/<login>/<file>`.

What a scan of an account's own folder finds is all that is listed and served: a regular file
whose name could be a material's (a bare name, nothing hidden, nothing Windows would change or
refuse, no device name such as CON), not an office program's temporary file (`~$…`, `*.tmp`),
and, when it is a symbolic link, one that stays inside that same folder. A download looks its
name up in that scan, so a path that tries to leave the folder, or another school's folder,
matches nothing. The login folder itself must be the folder of that login, not a link elsewhere.

A scan of a region's 300 folders made the coordinator's tab ten times slower
(bench/results_scan.py), so a folder's listing is kept with the folder's own stat (modification
and change times, inode, device): adding, removing or renaming a file in it changes that stat,
and the next request scans it again, so a file copied in while the server runs is there on the
next request. A listing is only kept once its folder has not changed for SETTLE_SECONDS, so a
change within the same tick of a coarse clock (FAT keeps two seconds) cannot hide behind an equal
time. The kept listing holds names only: a file overwritten in place changes no folder, so each
listed file's size and type are looked at again on every request. `FISOKO_RESULTS_CACHE=0` reads
the folders every time.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from fisoko.accounts.store import SCHOOL, Account, current_store, split_login
from fisoko.db import get_db
from fisoko.files import disk_full
from fisoko.files.device_names import is_device_name
from fisoko.niko.content import clock
from fisoko.niko.content.model import MATERIAL_FILE_RE, Results, current_content

log = logging.getLogger("fisoko")

TEMP_PREFIXES = ("~$", ".~")
TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".crdownload", "~")
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
HIDDEN = getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0)
SKIPPED_LOGGED = 1000  # at most this many skipped names are logged, each once
SETTLE_SECONDS = 2.0
KEPT_MAX = 100_000  # listings kept; more are dropped all at once
SCHOOLS_PAGE = 50


@dataclass(frozen=True)
class ResultFile:
    """One results file of an account (`owner`): its name as delivered, size and path."""

    owner: str
    name: str
    size: int
    path: Path


def folder() -> Path:
    return Path(current_app.config["RESULTS"])


def announced() -> Results | None:
    """The content's `results:` (when they come and their title), or None without one."""
    return current_content().results


def is_open() -> bool:
    """Whether the results are open today: the content names them and their day has come."""
    results = announced()
    return results is not None and results.open_on(clock.today())


def quiet_skip(name: str) -> bool:
    """Names skipped without a word: hidden, system and temporary files of Windows and office."""
    lowered = name.casefold()
    return (
        name.startswith(".")
        or name.startswith(TEMP_PREFIXES)
        or lowered.endswith(TEMP_SUFFIXES)
        or lowered in SYSTEM_FILES
    )


def name_problem(name: str) -> str | None:
    """Why a file of a results folder is not listed (logged), or None when its name is fine."""
    if MATERIAL_FILE_RE.fullmatch(name) is None or name.endswith((".", " ")):
        return "имя с недопустимыми символами"
    if is_device_name(name):
        return "имя устройства Windows"
    return None


def _skipped(path: str, why: str) -> None:
    """Log once per name why a file of the results folder is not shown to anyone."""
    logged: set[str] = current_app.extensions.setdefault("fisoko.results_skipped", set())
    if path in logged or len(logged) >= SKIPPED_LOGGED:
        return
    logged.add(path)
    log.warning("папка результатов: файл %s не показан: %s; переименуйте его", path, why)


def _same(a: str, b: str) -> bool:
    return os.path.normcase(a) == os.path.normcase(b)


def _own_folder(base: Path, login: str) -> str | None:
    """The real path of `base/login` when it is a folder of the results folder, else None."""
    path = os.path.join(base, login)
    try:
        real = os.path.realpath(path)
        if not os.path.isdir(real):
            return None
    except OSError:
        return None
    if not _same(real, os.path.join(os.path.realpath(base), login)):
        _skipped(path, "папка — ссылка на другое место")
        return None
    return real


def _entry_file(entry: os.DirEntry, own: str) -> int | None:
    """The size of a listed entry that is a regular file staying inside `own`, else None."""
    try:
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            if not _same(os.path.dirname(target), own):
                _skipped(entry.path, "ссылка на файл вне папки")
                return None
        found = entry.stat()
    except OSError:
        return None
    return found.st_size if _plain_file(found) else None


def _stamp(path: str) -> tuple[int, ...] | None:
    """What changes whenever a folder's entries do: its mtime, ctime, inode and device."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(found.st_mode):
        return None
    return (found.st_mtime_ns, found.st_ctime_ns, found.st_ino, found.st_dev)


def _settled(stamp: tuple[int, ...]) -> bool:
    """Whether the folder's last change is older than a tick of the coarsest clock (its mtime)."""
    return time.time_ns() - stamp[0] >= SETTLE_SECONDS * 1e9


def _store() -> dict | None:
    """This app's kept listings, or None when FISOKO_RESULTS_CACHE is off."""
    if not current_app.config.get("RESULTS_CACHE", True):
        return None
    return current_app.extensions.setdefault("fisoko.results_kept", {})


def _kept(path: str, read, kept: dict | None):
    """`read()`, or what it gave for the folder `path` while the folder's stat is the same."""
    if kept is None:
        return read()
    stamp = _stamp(path)  # before reading: a change during the read makes the next stat differ
    if stamp is None:
        return read()
    found = kept.get(path)
    if found is not None and found[0] == stamp:
        return found[1]
    value = read()
    if _settled(stamp):
        if len(kept) >= KEPT_MAX:
            kept.clear()
        kept[path] = (stamp, value)
    return value


def scan(base: Path, login: str) -> tuple[ResultFile, ...]:
    """The results files of `login` in `base`, by name; whatever the content says about dates.

    The kept listing holds names only: each file's size and type are looked at now.
    """
    kept = _store()
    if kept is None:
        return scan_now(base, login)
    found = (_fresh(login, name, Path(path)) for name, path in listed_names(base, login, kept))
    return tuple(f for f in found if f is not None)


def listed_names(base: Path, login: str, kept: dict | None) -> tuple[tuple[str, str], ...]:
    """(name, path) of what `scan` lists, from the kept listing: no file is looked at."""
    return _kept(os.path.join(base, login), lambda: _names_of(scan_now(base, login)), kept)


def _names_of(files: tuple[ResultFile, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((f.name, os.fspath(f.path)) for f in files)


def _fresh(login: str, name: str, path: Path) -> ResultFile | None:
    """A listed file as it is now: still a regular file that is not hidden, with its size."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    if not _plain_file(found):
        return None
    return ResultFile(login, name, found.st_size, path)


def _plain_file(found: os.stat_result) -> bool:
    return stat.S_ISREG(found.st_mode) and not getattr(found, "st_file_attributes", 0) & HIDDEN


def scan_now(base: Path, login: str) -> tuple[ResultFile, ...]:
    """`scan` without the kept listings: the folder read now."""
    own = _own_folder(base, login)
    if own is None:
        return ()
    found = []
    try:
        with os.scandir(own) as entries:
            for entry in entries:
                if quiet_skip(entry.name):
                    continue
                problem = name_problem(entry.name)
                if problem is not None:
                    _skipped(entry.path, problem)
                    continue
                size = _entry_file(entry, own)
                if size is not None:
                    found.append(ResultFile(login, entry.name, size, Path(entry.path)))
    except OSError:
        return ()
    return tuple(sorted(found, key=lambda f: (f.name.casefold(), f.name)))


def files_of(login: str) -> tuple[ResultFile, ...]:
    """The results of an account that are open today (none before `results.opens`)."""
    return scan(folder(), login) if is_open() else ()


def find(login: str, name: str) -> ResultFile | None:
    """The open results file `name` of `login`, exactly as listed; None for anything else."""
    return next((f for f in files_of(login) if f.name == name), None)


def school_of_region(login: str, region: str) -> Account | None:
    """The school account `login` when it is a school of `region`, else None."""
    parts = split_login(login)
    if parts is None or parts[0] != SCHOOL or parts[1] != region:
        return None
    return current_store().get(login)


@dataclass(frozen=True)
class RegionResults:
    """What a coordinator sees: the region's own results and which schools have results.

    Which schools have results comes from the kept listings, so a region of hundreds of schools
    costs one stat of each school's folder; the files of a school are looked at only where they
    are shown (a page of the list, the ZIP).
    """

    own: tuple[ResultFile, ...]
    schools: tuple[tuple[Account, bool], ...]

    @property
    def with_results(self) -> int:
        return sum(has for _, has in self.schools)

    def files(self, schools: tuple[tuple[Account, bool], ...]):
        """(school, its files) for some of the schools, the files looked at now."""
        base = folder()
        return tuple((s, scan(base, s.login) if has else ()) for s, has in schools)


def _folders(base: Path) -> frozenset[str]:
    """The names in the results folder: one listing, so schools without a folder cost nothing."""
    return _kept(os.fspath(base), lambda: _names(base), _store())


def _names(base: Path) -> frozenset[str]:
    try:
        with os.scandir(base) as entries:
            return frozenset(entry.name for entry in entries)
    except OSError:
        return frozenset()


def _schools(base: Path, region: str) -> tuple[tuple[Account, bool], ...]:
    present, kept = _folders(base), _store()
    return tuple(
        (school, school.login in present and bool(listed_names(base, school.login, kept)))
        for school in current_store().schools_of(region)
    )


def of_region(coordinator: Account) -> RegionResults:
    """The region's own results and which schools of the region have some (open today only)."""
    if not is_open():
        return RegionResults((), ())
    base = folder()
    return RegionResults(scan(base, coordinator.login), _schools(base, coordinator.region))


def logins_with_results(region: str) -> frozenset[str]:
    """The schools of the region that have open results (the `results` column of the CSV)."""
    if not is_open():
        return frozenset()
    return frozenset(school.login for school, has in _schools(folder(), region) if has)


def key_of(file: ResultFile) -> str:
    return f"{file.owner}/{file.name}"


def opened_by(login: str) -> frozenset[str]:
    """The results files (`owner/name`) this account has downloaded at least once."""
    rows = get_db().execute("SELECT file FROM results_opened WHERE login = ?", (login,))
    return frozenset(key for (key,) in rows)


def record_opened(login: str, file: ResultFile) -> None:
    """Remember the account's first download of a file, which clears its «новое» mark.

    Best effort: on a full disk the download goes on and the file stays «новое» (logged once).
    """
    try:
        get_db().execute(
            "INSERT OR IGNORE INTO results_opened (login, file, opened_at) VALUES (?, ?, ?)",
            (login, key_of(file), clock.now_utc()),
        )
    except sqlite3.Error as error:
        if not disk_full.is_disk_full(error):
            raise
        disk_full.noticed(error)


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
        """The schools of the region without results, the first SCHOOLS_PAGE of them."""
        schools = self.region.schools if self.region else ()
        return tuple(school for school, has in schools if not has)[:SCHOOLS_PAGE]


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
