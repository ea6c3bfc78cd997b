"""The console the app writes to: text that always encodes, and log lines off the request threads.

Redirected output (`python app.py accounts list > list.txt`) uses the locale's code page with
strict errors on Windows (cp1251 on a Russian one), and a pipe or file may get `surrogateescape`
(a real Windows CPython gives it to a redirected stdout); either way a Tatar «ә» under cp1251, or
any Cyrillic letter under cp1252, used to end the command with a UnicodeEncodeError. Such letters
are now written as `\\u04d9` escapes instead;
`python -X utf8` (or PYTHONUTF8=1) writes UTF-8 and keeps every letter.

A Windows console window in QuickEdit mode (the default) stops every write to it while the user
has clicked into it, until Esc. A request thread that logs would hang there with its visitor, so
the server logs through a queue, and one background thread writes the lines to the console.
"""

from __future__ import annotations

import logging
import queue
import sys
from logging.handlers import QueueHandler, QueueListener
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_FAILING = ("strict", "surrogateescape")
MAX_WAITING = 10_000  # log lines kept while the console is paused; later ones are counted


def never_fail_to_encode(*streams: TextIO | None) -> None:
    """Write what a stream's code page cannot hold as backslash escapes instead of failing.

    Only the handlers that can fail change (`strict`, and `surrogateescape`, which fails on any
    letter that is not a smuggled byte), so a lossless choice made with PYTHONIOENCODING stays.
    """
    for stream in streams or (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) not in _FAILING or not hasattr(stream, "reconfigure"):
            continue
        try:
            stream.reconfigure(errors="backslashreplace")
        except (ValueError, OSError):  # a closed or detached stream: nothing to protect
            pass


class _Dropping(QueueHandler):
    """Never waits for the queue: when it is full a line is counted, and the count is logged
    as soon as there is room again."""

    def __init__(self, waiting: queue.Queue) -> None:
        super().__init__(waiting)
        self.dropped = 0

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            if self.dropped:
                note = logging.makeLogRecord(
                    {
                        "name": "fisoko",
                        "levelno": logging.WARNING,
                        "levelname": "WARNING",
                        "msg": f"консоль стояла на паузе, пропущено строк журнала: {self.dropped}",
                    }
                )
                self.queue.put_nowait(note)
                self.dropped = 0
            self.queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1


class BackgroundLog:
    """Every log record goes through a queue to one thread that writes the console (stderr).

    `stop()` writes out what is still queued and takes the handler off the root logger again.
    """

    def __init__(self, stream: TextIO | None = None, level: int = logging.INFO) -> None:
        waiting: queue.Queue = queue.Queue(MAX_WAITING)
        writer = logging.StreamHandler(stream or sys.stderr)
        writer.setFormatter(logging.Formatter(FORMAT))
        self.handler = _Dropping(waiting)
        self._listener = QueueListener(waiting, writer)
        self._root = logging.getLogger()
        self._level = self._root.level
        self._root.addHandler(self.handler)
        self._root.setLevel(level)
        self._listener.start()

    def stop(self) -> None:
        self._root.removeHandler(self.handler)
        self._root.setLevel(self._level)
        self._listener.stop()
