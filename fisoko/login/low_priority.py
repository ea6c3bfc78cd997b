"""Password checks in worker threads of a lower OS priority, so pages preempt them.

During a login storm the lanes (lanes.py) keep every core busy with bcrypt. A page request then
waits for the OS to give its thread a core, and in the storm bench that made `/cabinet`'s p99
6–10 times its idle value. The checks run here instead, in threads that lowered their own
scheduling priority when they started: a page thread that wants a core gets it at once, and the
checks still take every core nobody else wants, so logins lose nothing on a server with spare
capacity. The request thread waits for its check's result (bcrypt releases the GIL, and so does
the wait).

- Linux: the thread's nice value is raised by `NICE` (setpriority on its thread id, which Linux
  applies to that thread alone). An unprivileged process cannot lower it back, hence threads kept
  for this work only.
- Windows: `SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_BELOW_NORMAL)`.
- Elsewhere (macOS and others: setpriority there would change the whole process) the threads keep
  their priority.

Why +5 and not more: the requests a flood sends are served at normal priority too, and at +10
(weight 110) they took the cores from the checks. In the storm bench's flood of wrong passwords
from 20 addresses, real users then got in after 12.9 s, told to wait up to 11 s, against 2.7 s at
normal priority; at +5 they got in after 3.4 s, while the storm's pages kept most of the gain.

`FISOKO_LOGIN_LOW_PRIORITY=0` runs checks in the request thread, as before.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
NICE = 5  # CFS weight 335 against a page thread's 1024 (see below)
THREAD_PRIORITY_BELOW_NORMAL = -1
MAX_WORKERS = 256  # the most lanes settings.py allows; threads are made only as checks need them
log = logging.getLogger(__name__)
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def lower_this_thread() -> bool:
    """Lower the calling thread's scheduling priority; False where that is not done."""
    try:
        if sys.platform.startswith("linux"):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
            return True
        if sys.platform == "win32":
            import ctypes

            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
            return bool(
                kernel32.SetThreadPriority(
                    kernel32.GetCurrentThread(), THREAD_PRIORITY_BELOW_NORMAL
                )
            )
    except OSError as error:  # a sandbox that forbids it: the checks run at normal priority
        log.warning("не удалось понизить приоритет проверок паролей: %s", error)
    return False


def _workers() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                MAX_WORKERS, thread_name_prefix="password-check", initializer=lower_this_thread
            )
        return _pool


def run(check: Callable[..., T], *args) -> T:
    """`check(*args)` in a lower-priority worker thread (in this one when switched off)."""
    if not current_app.config.get("LOGIN_LOW_PRIORITY", True):
        return check(*args)
    return _workers().submit(check, *args).result()
