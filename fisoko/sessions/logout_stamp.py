"""A shared stamp that changes at every logout, so requests need not ask SQLite about each session.

Checking the revoked-sessions table on every request cost more than the query itself: sqlite3
releases the GIL around each statement, and taking it back from the other request threads under
load was a large share of GET /cabinet's time (docs/performance.md). Instead, each process
remembers the session ids it found not revoked, and forgets them all whenever the stamp changes.

The stamp is 8 random bytes in a small file beside the database, mapped into memory: reading it
is a memory read (no system call, the GIL stays held), and every process that maps the file sees
a new value as soon as it is written, so a logout in one process is seen by the next request in
any other. A logout writes the revocation to the database first and then a new random stamp; a
request reads the stamp before it queries, so it never keeps a session id that was revoked after
the stamp it read. Random values need no lock: two logouts at once each leave a value that
differs from what readers saw before. `mmap` works the same on Windows.
"""

from __future__ import annotations

import mmap
import secrets
import threading
from pathlib import Path

SIZE = 8
MAX_KEPT = 100_000


class LogoutStamp:
    """The mapped stamp file and this process's session ids known not to be revoked."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with open(self.path, "ab") as handle:
            if handle.tell() < SIZE:
                handle.write(bytes(SIZE))
        with open(self.path, "r+b") as handle:
            self._map = mmap.mmap(handle.fileno(), SIZE)
        self._known: tuple[bytes, set[str]] = (b"", set())
        self._lock = threading.Lock()

    def read(self) -> bytes:
        return self._map[:SIZE]

    def changed(self) -> None:
        """Announce a logout to every process (after the database has it)."""
        with self._lock:
            self._map[:SIZE] = secrets.token_bytes(SIZE)

    def known_active(self, stamp: bytes) -> set[str]:
        """The ids found not revoked since `stamp` was read; empty after any logout."""
        known = self._known
        if known[0] != stamp:
            known = self._known = (stamp, set())
        return known[1]

    def remember(self, known: set[str], sid: str) -> None:
        if len(known) < MAX_KEPT:
            known.add(sid)

    def close(self) -> None:
        self._map.close()
