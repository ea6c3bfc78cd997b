"""One ZIP of every school upload of a region (or of one step), streamed as it is built.

The archive is written by the standard library's `zipfile` into a sink that the response drains
after every chunk, so memory stays at about one chunk whatever the archive's size, and the first
bytes leave before the second file is opened. On a stream that cannot seek, `zipfile` puts each
entry's CRC and sizes in a data descriptor after its data; it switches to ZIP64 records by itself
where an offset or the entry count passes the classic limits (4 GiB, 65 535 entries). Names carry
the ZIP UTF-8 flag whenever they are not ASCII, so Explorer and 7-Zip show Cyrillic.

Entries: `<login> <school name>/<original file name>`, both made safe for a Windows folder, and a
repeated name in one folder gets ` (2)`, ` (3)` before its extension.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from fisoko.accounts.store import SCHOOL, current_store
from fisoko.db import get_db
from fisoko.niko.exchange import upload_store
from fisoko.niko.exchange.upload_store import Upload
from fisoko.niko.exchange.uploads import folder as uploads_folder

log = logging.getLogger("fisoko")
CHUNK = 256 * 1024
MAX_PART = 120
UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)
# Formats that are already compressed gain nothing from deflate; the rest (csv, doc, xls) do.
DEFLATE = frozenset({"csv", "doc", "xls"})


def safe_part(text: str, limit: int = MAX_PART) -> str:
    """A name Windows accepts as a folder or file name: no :*?"<>|/\\ or controls, no trailing
    dot or space, no device name such as CON, at most `limit` characters (keeping the extension)."""
    name = UNSAFE.sub("_", text).strip()
    if len(name) > limit:
        stem, dot, ext = name.rpartition(".")
        keep = dot + ext if dot and len(ext) <= 10 else ""
        name = name[: limit - len(keep)].rstrip() + keep
    name = name.rstrip(". ") or "_"
    return "_" + name if RESERVED.fullmatch(name) else name


def unique(name: str, taken: set[str]) -> str:
    """`name`, or `name (2).ext`, `(3)`…: no two entries of a folder collide, in any case."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{stem} ({number}){dot}{ext}"
    taken.add(candidate.casefold())
    return candidate


def entries(uploads: Iterable[Upload], names: dict[str, str]) -> Iterator[tuple[str, Upload]]:
    """(entry name, upload) for each upload: a folder per school, names made safe and unique."""
    taken: dict[str, set[str]] = {}
    for upload in uploads:
        school = names.get(upload.owner)
        folder = safe_part(f"{upload.owner} {school}" if school else upload.owner)
        name = unique(safe_part(upload.name), taken.setdefault(folder, set()))
        yield f"{folder}/{name}", upload


class _Sink:
    """A write-only, non-seekable file that keeps what was written until it is taken."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.written = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.written += len(data)
        return len(data)

    def tell(self) -> int:  # zipfile asks once; a non-seekable stream then is told by seek()
        return self.written

    def seek(self, *args) -> int:
        raise OSError("not seekable")

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def stream(files: Iterable[tuple[str, Path, int, str]], now: tuple) -> Iterator[bytes]:
    """The ZIP of (entry name, path, size, extension) items, chunk by chunk.

    A file that has gone since the list was made (its school deleted it meanwhile) is left out
    rather than breaking the archive half-way.
    """
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", allowZip64=True) as archive:  # type: ignore[arg-type]
        for name, path, size, ext in files:
            try:
                source = open(path, "rb")  # closed by the with below
            except OSError as exc:
                log.warning("archive: left out %s: %s", path.name, exc.strerror or exc)
                continue
            info = zipfile.ZipInfo(name, date_time=now)
            info.file_size = size  # lets zipfile choose ZIP64 for this entry only when needed
            info.compress_type = zipfile.ZIP_DEFLATED if ext in DEFLATE else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            with source, archive.open(info, "w") as entry:
                while chunk := source.read(CHUNK):
                    entry.write(chunk)
                    if data := sink.take():
                        yield data
    if data := sink.take():
        yield data


def region_files(region: str, step: str | None) -> list[tuple[str, Path, int, str]]:
    """What a coordinator's archive holds: the region's school uploads, oldest first."""
    conn = get_db()
    found = [
        u
        for u in reversed(upload_store.of_region(conn, region, ""))
        if u.role == SCHOOL and (step is None or u.step == step)
    ]
    found.sort(key=lambda u: u.owner)  # stable: by school, then oldest first
    names = {s.login: s.name for s in current_store().schools_of(region)}
    folder = uploads_folder()
    result = []
    for name, upload in entries(found, names):
        path = upload_store.path_of(folder, upload)
        if path.is_file():
            result.append((name, path, path.stat().st_size, upload.name.rpartition(".")[2].lower()))
    return result
