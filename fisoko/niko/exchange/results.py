"""Results the federal organizer returns: files of the results folder, `results/<login>/<file>`.

What a scan of an account's own folder finds is all that is listed and served: a regular file
whose name could be a material's (a bare name, nothing hidden, nothing Windows would change or
refuse, no device name such as CON), not an office program's temporary file (`~$…`, `*.tmp`),
and, when it is a symbolic link, one that stays inside that same folder. A download looks its
name up in that scan, so a path that tries to leave the folder, or another school's folder,
matches nothing. The login folder itself must be the folder of that login, not a link elsewhere.

A scan of a region's 300 folders made the coordinator's tab ten times slower
(bench/results_scan.py), so each folder's listing of names is kept while the folder's own stat
stays the same (files/kept_listing.py): a file copied in, removed or renamed while the server runs
is there, or gone, on the next request. A file overwritten in place changes no folder, so each
listed file's size and type are looked at again on every request. `FISOKO_RESULTS_CACHE=0` reads
the folders every time.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from fisoko import clock
from fisoko.accounts.store import SCHOOL, Account, current_store, split_login
from fisoko.files import kept_listing
from fisoko.files.device_names import is_device_name
from fisoko.niko.content.model import MATERIAL_FILE_RE, Results, current_content

log = logging.getLogger("fisoko")

TEMP_PREFIXES = ("~$", ".~")
TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".crdownload", "~")
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
HIDDEN = getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0)
SKIPPED_LOGGED = 1000  # at most this many skipped names are logged, each once


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


def _store() -> dict | None:
    """This app's kept listings, or None when FISOKO_RESULTS_CACHE is off."""
    if not current_app.config.get("RESULTS_CACHE", True):
        return None
    return current_app.extensions.setdefault("fisoko.results_kept", {})


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
    return kept_listing.kept(
        os.path.join(base, login), lambda: _names_of(scan_now(base, login)), kept
    )


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
    schools: tuple[tuple[Account, bool], ...]  # the enabled schools first, then the disabled

    @property
    def counted(self) -> int:
        """The schools the numbers count: enabled accounts, as in the region table."""
        return sum(not school.disabled for school, _ in self.schools)

    @property
    def with_results(self) -> int:
        return sum(has for school, has in self.schools if not school.disabled)

    def files(self, schools: tuple[tuple[Account, bool], ...]):
        """(school, its files) for some of the schools, the files looked at now."""
        base = folder()
        return tuple((s, scan(base, s.login) if has else ()) for s, has in schools)


def _folders(base: Path) -> frozenset[str]:
    """The names in the results folder: one listing, so schools without a folder cost nothing."""
    return kept_listing.kept(os.fspath(base), lambda: _names(base), _store())


def _names(base: Path) -> frozenset[str]:
    try:
        with os.scandir(base) as entries:
            return frozenset(entry.name for entry in entries)
    except OSError:
        return frozenset()


def _schools(base: Path, region: str) -> tuple[tuple[Account, bool], ...]:
    present, kept = _folders(base), _store()
    schools = sorted(current_store().schools_of(region), key=lambda s: s.disabled)
    return tuple(
        (school, school.login in present and bool(listed_names(base, school.login, kept)))
        for school in schools
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
