"""The file backend: every process on this machine shares one state file under an OS lock.

One file per Hostaway API root (the per-IP gate spans every account used from this machine),
in the cache folder, through `statefiles` (folder 0700, file 0600, no symlink followed). A
transaction takes an exclusive `flock` on a lock file beside it, reads the state, lets the
limiter change it and writes it back **in place** (one `pwrite`, no rename and no fsync: the
rename of a new file per request cost about 5 ms on an ordinary disk). Readers hold the lock
too, so nobody sees half a write; a crash mid-write leaves a state that does not parse, which
is discarded and rebuilt like any other corrupt state. The lock dies with its process.

Transactions run in a worker thread (`offload=True`, the default), so the event loop never
waits on the disk; tests on a virtual clock run them inline.

After taking the lock we check that the paths still name the files we hold open: if someone
deleted or replaced the state or the lock, we reopen, so processes never drift apart onto
different copies.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from hostaway_mcp import statefiles
from hostaway_mcp.ratelimit.state import SharedState, StateShapeError
from hostaway_mcp.ratelimit.store import Loaded, SharedStateError, T

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock: filelock's msvcrt lock stands in
    fcntl = None  # type: ignore[assignment]

LOCK_TIMEOUT_S = 10.0  # the lock guards a few hundred microseconds of work; longer means trouble
LOCK_POLL_S = 0.0005
WHAT = "rate-limit state"


class FileStore:
    scope = "all hostaway-mcp processes on this machine"

    def __init__(self, path: Path, clock: Callable[[], float], *, offload: bool = True) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self._clock = clock
        self._offload = offload
        self._thread_lock = threading.Lock()  # one transaction at a time from this process
        self._fd: int | None = None
        self._lock_fd: int | None = None
        self._lock_was_there: bool | None = None  # did the lock file exist before we first opened it?
        self.writes = 0  # state writes, for tests and benchmarks
        statefiles.private_dir(path.parent)

    async def transact(self, change: Callable[[Loaded, float], T]) -> T:
        if self._offload:
            return await asyncio.to_thread(self._transact, change)
        return self._transact(change)

    def peek(self) -> SharedState | None:
        try:
            with self._locked():
                return self._load().state
        except SharedStateError:
            return None

    async def aclose(self) -> None:
        with self._thread_lock:
            for fd in (self._fd, self._lock_fd):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._fd = self._lock_fd = None

    # -- one transaction ------------------------------------------------------------------------

    def _transact(self, change: Callable[[Loaded, float], T]) -> T:
        with self._locked():
            loaded = self._load()
            result = change(loaded, self._clock())
            self._store(loaded.state)
            self._lock_was_there = True  # from now on a missing state means a lost one
            return result

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock:
            if fcntl is None:  # pragma: no cover - Windows
                from filelock import FileLock

                with FileLock(str(self.lock_path), timeout=LOCK_TIMEOUT_S):
                    yield
                return
            try:
                self._lock()
                try:
                    yield
                finally:
                    if fcntl is not None and self._lock_fd is not None:
                        fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            except OSError as exc:
                raise SharedStateError(f"cannot use the {WHAT} {self.path} ({exc.strerror or exc})") from None

    def _lock(self) -> None:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            if self._lock_fd is None:
                if self._lock_was_there is None:
                    self._lock_was_there = os.path.lexists(self.lock_path)
                self._lock_fd = self._open(self.lock_path)
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SharedStateError(f"the {WHAT} {self.path} stayed locked for {LOCK_TIMEOUT_S:.0f} s") from None
                time.sleep(LOCK_POLL_S)
                continue
            if _same_file(self._lock_fd, self.lock_path):
                return
            # The lock file was deleted or replaced while we waited: lock the one that is there now.
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _open(self, path: Path) -> int:
        """A private read-write descriptor; a symlink, a file we may not read or another intruder
        in its place is removed (our folder: we may) and the file made anew."""
        try:
            return statefiles.open_private(path)
        except (statefiles.UnsafeStateFileError, PermissionError) as exc:
            why = "could not be read" if isinstance(exc, PermissionError) else "was not a regular file of ours"
            statefiles.discard(path, what=WHAT, reason=why)
            try:
                os.unlink(path)  # the link itself, never its target
            except IsADirectoryError:
                raise
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    raise
            return statefiles.open_private(path)

    def _load(self) -> Loaded:
        if self._fd is not None and not _same_file(self._fd, self.path):
            os.close(self._fd)  # deleted or replaced under us: the state we held is gone
            self._fd = None
        if self._fd is None:
            self._fd = self._open(self.path)
        size = os.fstat(self._fd).st_size
        raw = os.pread(self._fd, size, 0) if size else b""
        if not raw.strip():
            # Missing while its lock file stayed: someone deleted it (a first run has neither).
            return Loaded(SharedState(), fresh=True, lost=bool(self._lock_was_there))
        try:
            return Loaded(SharedState.from_json(raw))
        except StateShapeError as exc:
            statefiles.discard(self.path, what=WHAT, reason=f"was unusable ({exc})")
            return Loaded(SharedState(), fresh=True, problem=str(exc), lost=True)

    def _store(self, state: SharedState) -> None:
        assert self._fd is not None
        data = state.to_json()
        written = os.pwrite(self._fd, data, 0)
        if written != len(data):  # pragma: no cover - a full disk; the next reader discards the rest
            raise OSError(errno.ENOSPC, "short write")
        os.ftruncate(self._fd, len(data))
        self.writes += 1


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)
