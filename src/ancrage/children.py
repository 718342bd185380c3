"""Child processes that do not outlive their parent (load workers, server processes)."""

from __future__ import annotations

import os
import signal
import threading
import time


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux ``PR_SET_PDEATHSIG``);
    elsewhere a thread watches the parent. A parent already gone: exit now."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        watched = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        watched = False
    if os.getppid() != parent:  # it died before the request above
        os._exit(1)
    if not watched:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


_PR_SET_PDEATHSIG = 1


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
