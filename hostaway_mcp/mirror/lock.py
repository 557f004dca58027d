"""One mirror writer at a time across every hostaway-mcp process on the machine.

The lock is an `flock` on a private lock file next to the mirror (created 0600 through
`statefiles`, never through a symlink). A process that finds it held waits (off the event loop)
for the holder to finish, then re-reads the sync state: the other process has usually just done
the sync it wanted, so nothing is synced twice. On systems without `fcntl` the `filelock` library
does the same.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hostaway_mcp import statefiles

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

POLL_S = 0.02


class LockTimeoutError(Exception):
    """Another process held the mirror's writer lock for longer than we were willing to wait."""


def acquire(path: Path, wait_s: float) -> Any:
    """Take the writer lock at `path`, blocking the calling thread up to `wait_s`; pass the
    handle to `release`. Raises `LockTimeoutError` when another process keeps it longer."""
    if fcntl is None:  # pragma: no cover - Windows
        from filelock import FileLock, Timeout

        handle = FileLock(str(path))
        try:
            handle.acquire(timeout=wait_s)
        except Timeout:
            raise LockTimeoutError(str(path)) from None
        return handle
    fd = statefiles.open_private(path)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise LockTimeoutError(str(path)) from None
            time.sleep(POLL_S)
        except BaseException:
            os.close(fd)
            raise


def release(handle: Any) -> None:
    if isinstance(handle, int):
        with contextlib.suppress(OSError):
            fcntl.flock(handle, fcntl.LOCK_UN)
        os.close(handle)
    else:  # pragma: no cover - Windows
        handle.release()


@contextlib.contextmanager
def writer_lock(path: Path, wait_s: float) -> Iterator[None]:
    """Hold the writer lock at `path` for the block (blocking the calling thread up to `wait_s`)."""
    handle = acquire(path, wait_s)
    try:
        yield
    finally:
        release(handle)


def is_held(path: Path) -> bool:
    """Whether another process holds the writer lock right now (a sync is under way)."""
    if fcntl is None or not path.exists():  # pragma: no cover - Windows
        return False
    try:
        fd = statefiles.open_private(path)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock we took
    return False
