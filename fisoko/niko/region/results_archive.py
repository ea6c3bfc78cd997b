"""The region's results as one ZIP: a folder per school that has results, and the region's own.

Entries: `<login> <school name>/<file>` for each school and `<coordinator login>/<file>` for the
region's own files, named and streamed as the uploads' archive does (archive.py).
"""

from __future__ import annotations

from pathlib import Path

from fisoko.accounts.store import Account
from fisoko.niko.exchange.results import ResultFile, of_region
from fisoko.niko.region.archive import safe_part, unique


def _items(folder: str, files: tuple[ResultFile, ...]) -> list[tuple[str, Path, int, str]]:
    taken: set[str] = set()
    return [
        (
            f"{folder}/{unique(safe_part(f.name), taken)}",
            f.path,
            f.size,
            f.name.rpartition(".")[2].lower(),
        )
        for f in files
    ]


def region_results(coordinator: Account) -> list[tuple[str, Path, int, str]]:
    """(entry name, path, size, extension) of every open results file of the region."""
    found = of_region(coordinator)
    items = _items(safe_part(coordinator.login), found.own)
    for school, files in found.files(found.schools):
        items += _items(safe_part(f"{school.login} {school.name}"), files)
    return items
