"""Materials to download: files of the materials folder that the content file lists.

Only listed names are ever served, so a path that tries to leave the folder matches nothing. A
listed file that is missing is shown as unavailable and logged at start-up, never a 500.

The НИКО tab shows each file's size. Looking at the files on every page view was an eighth of
the tab's time under load (a stat releases the GIL, and getting it back from the other request
threads is slow), so the sizes are looked up at most once per SIZES_SECONDS: a file put into or
taken out of the folder shows in the list within that time. Downloads always look at the file.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from fisoko import clock
from fisoko.accounts.store import Account
from fisoko.niko.content.model import Material, NikoContent, current_content
from fisoko.niko.exchange.upload_store import ALLOWED_TYPES

log = logging.getLogger("fisoko")

SIZES_SECONDS = 1.0
TEXT_TYPES = {"txt": "text/plain; charset=utf-8", "csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True)
class Shown:
    """A material as the НИКО tab lists it: available with its size, or unavailable."""

    material: Material
    size: int | None  # None: the file is missing


def content_type(name: str) -> str:
    """The Content-Type of a material by its extension; unknown types as plain bytes."""
    ext = name.rpartition(".")[2].lower()
    known = TEXT_TYPES.get(ext) or ALLOWED_TYPES.get(ext)
    return known or mimetypes.guess_type(name, strict=True)[0] or "application/octet-stream"


def folder() -> Path:
    return Path(current_app.config["MATERIALS"])


def file_of(base: Path, material: Material) -> Path | None:
    """The material's file if it exists; content.py lets only a bare file name through."""
    path = base / material.file
    try:
        return path if path.is_file() else None
    except OSError:
        return None


def size_of(base: Path, material: Material) -> int | None:
    """The size of the material's file, or None when it is missing or not a file."""
    try:
        found = os.stat(base / material.file)
    except OSError:
        return None
    return found.st_size if stat.S_ISREG(found.st_mode) else None


def _sizes(content: NikoContent, base: Path) -> dict[str, int | None]:
    """Every listed file's size, looked up again once SIZES_SECONDS have passed."""
    cache = current_app.extensions.setdefault("fisoko.material_sizes", {})
    key = (id(content), str(base))
    found = cache.get(key)
    now = time.monotonic()
    if found is None or found[0] is not content or now - found[1] >= SIZES_SECONDS:
        found = cache[key] = (content, now, {m.file: size_of(base, m) for m in content.materials})
    return found[2]


def visible(account: Account) -> list[Shown]:
    """The materials this account may see today, in the content file's order."""
    today, content = clock.today(), current_content()
    sizes = _sizes(content, folder())
    return [
        Shown(material, sizes[material.file])
        for material in content.materials
        if material.open_to(account.role, account.region, today)
    ]


def report_missing(app: Flask) -> list[Material]:
    """Log every listed material whose file is missing; return them."""
    content: NikoContent = app.extensions["fisoko.content"]
    base = Path(app.config["MATERIALS"])
    missing = [m for m in content.materials if file_of(base, m) is None]
    for material in missing:
        log.warning(
            "%s:%d: материала «%s» нет в папке материалов %s; он показан как недоступный",
            app.config["CONTENT"],
            material.line,
            material.file,
            base,
        )
    return missing


def init_app(app: Flask) -> None:
    """Warn at start-up about listed materials whose files are missing."""
    report_missing(app)
