"""A service stop ends the server the way Ctrl+C does, so the log says «Сервер остановлен».

Without this a SIGTERM (systemd, `kill`) or, on Windows, a Ctrl+Break or a closed console window
(SIGBREAK) ends the process on the spot, and a stop looks the same in the log as a crash.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGBREAK") if hasattr(signal, name)
)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """While inside, each stop signal raises KeyboardInterrupt in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _interrupt) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
