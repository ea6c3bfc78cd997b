"""Upload quotas: how many files and bytes one account may keep, counted from the uploads table.

One school filled 330 files in 18 seconds with nothing to stop it, and 10,000 uploads of 20 MB
would fill a school server's disk. The check runs twice: before a file is read (the count, and
bytes already at the limit) and, atomically, in the INSERT that records it, so two parallel
uploads cannot both take the last place.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from fisoko.web.filters import plural

MIB = 1024 * 1024

# The record is inserted only while the owner stays within both limits (one statement, atomic).
GUARD = (
    "(SELECT COUNT(*) FROM uploads WHERE owner = ?) < ?"
    " AND (SELECT COALESCE(SUM(size), 0) FROM uploads WHERE owner = ?) + ? <= ?"
)


@dataclass(frozen=True)
class Quota:
    """The most files and bytes one account may keep."""

    files: int
    bytes: int

    def guard_args(self, owner: str, adding: int) -> tuple:
        return (owner, self.files, owner, adding, self.bytes)


def usage(conn: sqlite3.Connection, owner: str) -> tuple[int, int]:
    """How many files and bytes an account keeps."""
    row = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM uploads WHERE owner = ?", (owner,)
    ).fetchone()
    return row[0], row[1]


def problem(files: int, used: int, quota: Quota, adding: int = 0) -> str | None:
    """Why one more file of `adding` bytes does not fit, in Russian, or None when it does."""
    if files >= quota.files:
        word = plural(files, "файл", "файла", "файлов")
        return (
            f"Загружено уже {files} {word} — больше одна учётная запись хранить не может "
            f"(предел — {quota.files}). Удалите ненужные файлы и загрузите снова. "
            "Файл не сохранён."
        )
    if used + adding > quota.bytes or (not adding and used >= quota.bytes):
        taken = f"{used / MIB:.1f}".replace(".", ",")
        return (
            f"Ваши файлы заняли бы больше {quota.bytes // MIB} МБ — это предел для одной "
            f"учётной записи (сейчас занято {taken} МБ). "
            "Удалите ненужные файлы и загрузите снова. Файл не сохранён."
        )
    return None
