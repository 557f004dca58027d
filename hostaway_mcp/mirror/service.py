"""The mirror as a running server uses it: fresh enough to answer, built in the background.

- `fresh(resources)` says whether the mirror may answer a question about `resources`, and as of
  when. It checks the watermarks at most every `HOSTAWAY_MIRROR_MAX_AGE_S` (default 60 s):
  within that age it answers with no call at all; past it, one process takes the writer lock and
  runs the watermark syncs (usually one call per resource), while any other process waits for
  it (`READ_LOCK_WAIT_S` at most) and then reads what it wrote, so nothing is synced twice. Not
  built yet, off, damaged, Hostaway unreachable during the check, or the writer lock held by a
  long sync (a backfill or a full reconciliation, here or in another process): None, and the
  tool answers live, as without a mirror. A question never waits for a sync of minutes.
- `start_backfill()` fills it in the background when the server starts (progress in the log;
  resumable: a restart continues where the last run stopped), then runs the full reconciliation
  whenever the last one is a day old (a backfill that read a resource from its first page counts
  as one), for as long as the server runs.
- `touched(target)` is called by the write path after a confirmed write: the rows it touched
  are read again, and every resource is checked, before the next answer from the mirror.

Everything the mirror does is best effort: a failure is logged once and the tools go live.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hostaway_mcp.config import Settings
from hostaway_mcp.errors import HostawayError
from hostaway_mcp.gateway import HostawayGateway
from hostaway_mcp.localtime import Now
from hostaway_mcp.mirror import lock
from hostaway_mcp.mirror.store import MirrorDamagedError, MirrorStore, SyncState
from hostaway_mcp.mirror.sync import FULL_SYNC_EVERY_S, MirrorSync, Say, SyncReport

logger = logging.getLogger(__name__)
T = TypeVar("T")

# How long `hostaway-mcp sync` waits for another process's sync before giving up.
LOCK_WAIT_S = 30.0
# How long a question waits for another process's watermark sync (a call or two) before answering
# live: longer means that process is filling or reconciling the mirror, which takes minutes.
READ_LOCK_WAIT_S = 5.0
# The background backfill waits for a lock held by another process's backfill for this long.
BACKFILL_LOCK_WAIT_S = 3600.0
_ROW_TARGET = re.compile(r"^(reservation|booking|conversation):(\d+)")


@dataclass(frozen=True)
class Freshness:
    """The mirror may answer: its rows are as of `as_of` (wall-clock seconds)."""

    as_of: float
    synced: bool  # a watermark sync ran for this answer (False: within the max age, no call)


@dataclass
class MirrorStatus:
    """What `check`, `hostaway://status` and `hostaway-mcp sync` show."""

    enabled: bool
    path: str
    exists: bool
    size_bytes: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    states: dict[str, SyncState] = field(default_factory=dict)
    backfilling: bool = False
    problem: str | None = None
    built_on_first_read: bool = False  # the demo's own mirror (`demo.py`)

    @property
    def ready(self) -> bool:
        return bool(self.states) and all(state.backfilled for state in self.states.values())

    @property
    def last_sync(self) -> float | None:
        stamps = [s.last_sync for s in self.states.values() if s.last_sync]
        return min(stamps) if stamps and len(stamps) == len(self.states) else None

    @property
    def last_full_sync(self) -> float | None:
        stamps = [s.last_full_sync for s in self.states.values() if s.last_full_sync]
        return min(stamps) if stamps else None


class Mirror:
    """One account's mirror, for one server run (or one `hostaway-mcp sync`)."""

    def __init__(
        self,
        settings: Settings,
        gateway: HostawayGateway,
        *,
        now: Now,
        wall_clock: Callable[[], float] = time.time,
        build_first: bool = False,
    ) -> None:
        """`build_first`: a read waits for the backfill (started then if need be) rather than
        answering live meanwhile, and no daily reconciliation follows: the demo's mirror, which its
        in-process account fills in seconds and changes only through this server."""
        self.settings = settings
        self.gateway = gateway
        self.now = now
        self.wall_clock = wall_clock
        self.store = MirrorStore(settings.mirror_path)
        self.lock_path = settings.mirror_lock_path
        self.max_age_s = settings.mirror_max_age_s
        self._guard = asyncio.Lock()  # one backfill, full sync or purge at a time inside this process
        self._refresh = asyncio.Lock()  # one watermark sync at a time inside this process
        self._task: asyncio.Task[None] | None = None
        self.build_first = build_first
        self._backfilled = asyncio.Event()  # the background backfill has ended (done or failed)
        self.last_report: SyncReport | None = None

    # -- plumbing ----------------------------------------------------------------------------------

    async def db(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.to_thread(self.store.run, work)

    def exists(self) -> bool:
        return self.store.path.exists() or self.store.path.is_symlink()

    @asynccontextmanager
    async def writer(self, wait_s: float = LOCK_WAIT_S) -> AsyncIterator[None]:
        """The cross-process writer lock (taken off the event loop)."""
        handle = await asyncio.to_thread(lock.acquire, self.lock_path, wait_s)
        try:
            yield
        finally:
            lock.release(handle)

    def _sync(self, say: Say | None = None) -> MirrorSync:
        kwargs: dict[str, Any] = {"now": self.now, "wall_clock": self.wall_clock}
        if say is not None:
            kwargs["say"] = say
        return MirrorSync(self.gateway, self.store, **kwargs)

    # -- serving ----------------------------------------------------------------------------------------

    async def fresh(self, resources: tuple[str, ...]) -> Freshness | None:
        """Whether the mirror may answer about `resources` now (syncing first when due), or None."""
        if self.build_first:
            self.start_backfill()
            await self._backfilled.wait()
        if not self.exists():
            return None
        try:
            verdict = await self._check(resources)
            if verdict is not None:
                return verdict if verdict.as_of else None
            if self.backfilling:  # this process holds the writer lock for minutes: answer live now
                return None
            async with self._refresh:
                verdict = await self._check(resources)  # another question here may have just synced
                if verdict is not None:
                    return verdict if verdict.as_of else None
                async with self.writer(READ_LOCK_WAIT_S):
                    verdict = await self._check(resources)  # another process may have just synced
                    if verdict is not None:
                        return verdict if verdict.as_of else None
                    sync = self._sync()
                    await sync.refresh(resources)
                    self.last_report = sync.report
                states = await self.db(MirrorStore.states)
                return Freshness(as_of=min(states[r].last_sync or 0.0 for r in resources), synced=True)
        except (HostawayError, lock.LockTimeoutError, MirrorDamagedError, sqlite3.Error, OSError) as exc:
            statefiles_warn(self.store, f"not used for this answer ({_reason(exc)}); answering live")
            return None

    async def _check(self, resources: tuple[str, ...]) -> Freshness | None:
        """Freshness when no sync is needed; Freshness(as_of=0) when the mirror cannot answer at
        all (not built yet); None when a watermark sync is due."""

        def read(conn: sqlite3.Connection) -> tuple[dict[str, SyncState], int]:
            return MirrorStore.states(conn), len(MirrorStore.stale(conn))

        states, stale = await self.db(read)
        chosen = [states[r] for r in resources]
        if not all(state.backfilled for state in chosen):
            return Freshness(as_of=0.0, synced=False)
        now = self.wall_clock()
        syncs = [state.last_sync or 0.0 for state in chosen]
        if stale or any(now - stamp >= self.max_age_s or stamp > now for stamp in syncs):
            return None
        return Freshness(as_of=min(syncs), synced=False)

    async def touched(self, target: str) -> None:
        """A confirmed write changed `target` ("reservation:12", "conversation:34", ...): read the
        rows again, and check every resource, before the mirror answers next."""
        if not self.exists():
            return
        found = _ROW_TARGET.match(target)

        def mark(conn: sqlite3.Connection) -> None:
            if found is not None:
                kind = "conversation" if found.group(1) == "conversation" else "reservation"
                MirrorStore.mark_stale(conn, kind, int(found.group(2)))
            conn.execute("UPDATE sync_state SET last_sync = 0")

        try:
            await self.db(mark)
        except (MirrorDamagedError, sqlite3.Error, OSError) as exc:
            statefiles_warn(self.store, f"could not note a write ({_reason(exc)})")

    # -- filling -------------------------------------------------------------------------------------------

    def start_backfill(self) -> None:
        """Fill (or resume filling) the mirror in the background; a day-old one is reconciled."""
        if self._task is None:
            self._task = asyncio.create_task(self._background(), name="hostaway-mirror-backfill")

    @property
    def backfilling(self) -> bool:
        """A backfill or full reconciliation is running in this process (it holds the writer lock)."""
        return self._guard.locked()

    async def _background(self) -> None:
        """Backfill, then reconcile whenever the last full sync is a day old, until the server stops."""
        try:
            try:
                await self.backfill(wait_s=BACKFILL_LOCK_WAIT_S)
            finally:
                self._backfilled.set()
            if self.build_first:
                return  # the demo's account changes only through this server: nothing to reconcile
            while True:
                last_full = (await self.status()).last_full_sync
                due_in = 0.0 if last_full is None else last_full + FULL_SYNC_EVERY_S - self.wall_clock()
                if due_in > 0:
                    await asyncio.sleep(min(due_in, FULL_SYNC_EVERY_S))
                    continue
                await self.full(wait_s=BACKFILL_LOCK_WAIT_S)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a background job: log it, the tools answer live
            logger.warning("mirror: the background sync stopped (%s); it resumes at the next start", _reason(exc))

    async def backfill(self, *, say: Say | None = None, wait_s: float = LOCK_WAIT_S) -> SyncReport:
        async with self._guard, self.writer(wait_s):
            sync = self._sync(say)
            await sync.backfill()
            self.last_report = sync.report
            return sync.report

    async def full(self, *, say: Say | None = None, wait_s: float = LOCK_WAIT_S) -> SyncReport:
        async with self._guard, self.writer(wait_s):
            sync = self._sync(say)
            await sync.backfill()  # a first run, or one that stopped half way, is finished first
            await sync.full()
            self.last_report = sync.report
            return sync.report

    async def purge(self) -> bool:
        """Delete the mirror (under the writer lock, so no sync is writing it meanwhile)."""
        async with self._guard, self.writer():
            return await asyncio.to_thread(self.store.remove)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def status(self) -> MirrorStatus:
        status = MirrorStatus(
            enabled=True,
            path=str(self.store.path),
            exists=self.exists(),
            backfilling=self.backfilling,
            built_on_first_read=self.build_first,
        )
        if not status.exists:
            return status

        def read(conn: sqlite3.Connection) -> tuple[dict[str, int], dict[str, SyncState]]:
            return MirrorStore.counts(conn), MirrorStore.states(conn)

        try:
            status.rows, status.states = await self.db(read)
        except (MirrorDamagedError, sqlite3.Error, OSError) as exc:
            status.problem = _reason(exc)
        status.size_bytes = self.store.size_bytes()
        return status


def statefiles_warn(store: MirrorStore, reason: str) -> None:
    from hostaway_mcp import statefiles

    statefiles.warn_once(store.path, "local mirror", reason)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, HostawayError):
        return exc.message
    if isinstance(exc, lock.LockTimeoutError):
        return "another process is still syncing it"
    return str(exc) or type(exc).__name__


def describe(status: MirrorStatus | None, now: float) -> str:
    """One line for `check` and the status resource: size, age, last sync."""
    if status is None:
        return "off (HOSTAWAY_MIRROR=false): every tool reads Hostaway live"
    if status.problem:
        return f"not usable ({status.problem}); tools read Hostaway live, the next sync rebuilds it"
    if not status.exists and status.built_on_first_read:
        return "the demo's own, not built yet: the first read that uses it builds it from the demo account"
    if not status.exists:
        return "not built yet: run `hostaway-mcp sync` (or keep the server running) to build it"
    size = f"{status.size_bytes / 1_048_576:.1f} MB"
    if not status.ready:
        done = [name for name, state in status.states.items() if state.backfilled]
        how = "being built" if status.backfilling else "partly built (resumes at the next sync)"
        return f"{how}: {len(done)} of {len(status.states)} parts done, {size}"
    last = status.last_sync
    age = f"last synced {_ago(now - last)} ago" if last else "due for a check"
    full = status.last_full_sync
    full_text = f", read in full {_ago(now - full)} ago" if full else ", not yet read in full (a reconciliation is due)"
    rows = status.rows
    return (
        f"{size}, {age}{full_text}; {rows.get('listings', 0)} properties, {rows.get('reservations', 0)} "
        f"reservations, {rows.get('messages', 0)} messages in {rows.get('conversations', 0)} threads, "
        f"{rows.get('reviews', 0)} reviews"
    )


async def mirror_line(mirror: Mirror | None) -> str:
    """`describe` for a server's mirror (None: off), at the mirror's own clock."""
    return describe(await mirror.status(), mirror.wall_clock()) if mirror is not None else describe(None, 0.0)


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 129_600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86_400:.0f} days"
