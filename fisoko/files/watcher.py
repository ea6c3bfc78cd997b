"""A background thread that keeps a live file fresh while the server runs.

The request path checks a live file just before it is used (live_file.LiveFile.refresh): that
is what keeps a request from ever seeing an outdated file, and it stays. But with no requests
nobody looks, and the person who just saved accounts.yaml in Notepad watches the server window
for «Файл учётных записей перечитан» or the PATH:LINE problems and sees nothing. This thread
calls the same refresh every PERIOD seconds, so an edit is taken, or its problems logged,
within the check interval plus the settle time (about 1.3 s with the defaults), with or without
traffic.

Only `python app.py` starts one, and stops it when serving ends: commands and tests build apps
that never serve, and a thread per app would outlive them. A polling thread rather than a file
system notification library: the refresh already exists and costs one stat per interval, it
works the same on network drives (where change notifications are unreliable), and it needs no
dependency; docs/performance.md has the measurement.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

PERIOD = 0.2  # how often the thread asks; the refresh itself looks at the file once per interval

log = logging.getLogger("fisoko")


class Watcher:
    """Calls `refresh` every `period` seconds on a daemon thread until `stop()`."""

    def __init__(self, refresh: Callable[[], None], period: float = PERIOD) -> None:
        self._refresh = refresh
        self._period = period
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fisoko-watcher", daemon=True)

    def start(self) -> Watcher:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stopping.wait(self._period):
            try:
                self._refresh()
            except Exception:  # a bug here must not end the watching for good
                log.exception("фоновая проверка отслеживаемого файла завершилась ошибкой")


def start_watching(refresh: Callable[[], None], interval: float) -> Watcher:
    """A running Watcher; one that never starts when checks are off (`interval` 0)."""
    watcher = Watcher(refresh, min(PERIOD, interval))
    return watcher.start() if interval > 0 else watcher
