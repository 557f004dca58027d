"""The write ledger: every confirmed change, recorded before it is sent, shared by every process.

One SQLite database in the cache folder (`ledger.sqlite3`: WAL, a busy timeout, 0600 in a 0700
folder, never opened through a symlink), used by every hostaway-mcp process of this user on
this machine: the desktop host's, an IDE's, each `hostaway-mcp call`, each process an agent
framework spawns per call. stdlib `sqlite3` runs in a worker thread (`asyncio.to_thread`), one
short-lived connection per operation, so the event loop never waits on the file lock.

A write is one row, keyed by (tool, target, fingerprint): the target names what is changed
(`conversation:412`), the fingerprint is a digest of exactly what is sent (never the text).

    begin()    in one IMMEDIATE transaction: refuse if the same key is in flight in a live
               process, has an unresolved earlier attempt, or (for writes that must not repeat)
               was sent within the window; else insert an `attempt` row. Then the audit log's
               `attempt` line, which must be written: if it cannot be, the row becomes `refused`
               and the write is refused (`AuditLogError`).
    finish()   the outcome of the send: sent, failed or unknown (plus its audit line).
    resolve()  what reconciling an `attempt`/`unknown` row against Hostaway found.
    note()     a refusal or a "no" from the person: a final row, best effort.

An `attempt` row whose process is gone (killed mid-send) or older than the longest a send can
take is *unresolved*, like an `unknown` one: the next attempt must check Hostaway first.

With `HOSTAWAY_REDIS_URL` set, the same checks also go through Redis (`ledger_redis.py`), so
hosts on several machines agree. If Redis cannot be reached, writes are refused.

When the ledger cannot be used (corrupt, unreadable, a symlink, written by a newer version),
writes are refused with `LedgerError`, whose message says how to recover; reads never touch it.
A damaged file is not rebuilt automatically: it may hold the only record of a change whose
outcome is unknown. Moved aside by a person, the ledger is rebuilt on next use from the audit
log, which holds an `attempt` line for every change ever sent, so an unresolved attempt is
still reconciled before anything is sent again. A missing ledger is rebuilt the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from hostaway_mcp import audit
from hostaway_mcp.config import Settings
from hostaway_mcp.ledger_store import UNRESOLVED, Entry, LedgerError, LedgerStore, Outcome, WriteKey

__all__ = ["UNRESOLVED", "Conflict", "Entry", "LedgerError", "Outcome", "WriteKey", "WriteLedger", "scope_of"]

if TYPE_CHECKING:
    from hostaway_mcp.ledger_redis import RedisWriteGuard

logger = logging.getLogger(__name__)
T = TypeVar("T")

ConflictReason = Literal["in_flight", "unresolved", "duplicate"]


@dataclass(frozen=True)
class Conflict:
    """Why `begin` did not record the write: the entry in the way, and what kind of obstacle it is."""

    reason: ConflictReason
    entry: Entry


def scope_of(settings: Settings) -> str:
    """Whose writes a row belongs to: this account at this API (a digest; a demo run is its own)."""
    who = f"{settings.effective_account_id}@{settings.base_url}"
    if settings.demo:
        who += f"#{os.getpid()}"  # each demo process generates its own account
    return hashlib.sha256(who.encode()).hexdigest()[:16]


def default_max_in_flight_s(settings: Settings) -> float:
    """The longest one send can take (connect + answer, with room for the limiter's wait)."""
    return settings.connect_timeout_s + settings.timeout_s + 60.0


def process_alive(pid: int) -> bool:
    """Whether process `pid` still runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    except OSError:
        return False
    return True


class WriteLedger:
    """The ledger of one server process; cheap to build (nothing is opened until a write)."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
        max_in_flight_s: float | None = None,
        remote: RedisWriteGuard | None = None,
    ) -> None:
        self.settings = settings
        self.path = settings.ledger_path
        self.scope = scope_of(settings)
        self.clock = clock
        self.store = LedgerStore(settings, self.scope, clock)
        self.max_in_flight_s = max_in_flight_s if max_in_flight_s is not None else default_max_in_flight_s(settings)
        self._remote = remote
        self._remote_checked = remote is not None or settings.redis_url is None
        self.host = socket.gethostname()

    @property
    def remote(self) -> RedisWriteGuard | None:
        """The Redis side, made on first use (`LedgerError` when Redis is configured but unusable)."""
        if not self._remote_checked:
            from hostaway_mcp.ledger_redis import RedisWriteGuard

            self._remote = RedisWriteGuard.for_settings(self.settings, self.scope, self.clock)
            self._remote_checked = True
        return self._remote

    async def aclose(self) -> None:
        if self._remote is not None:
            with contextlib.suppress(Exception):
                await self._remote.aclose()

    # -- the questions a write asks ---------------------------------------------------------------

    async def history(self, key: WriteKey, window_s: float) -> list[Entry]:
        """Unresolved attempts of `key` (any age) and its sends within the window, oldest first."""
        local = await self._in_thread(lambda conn: self.store.history(conn, key, self.clock() - window_s))
        remote = self.remote
        if remote is not None:
            seen = await remote.last(key)
            if seen is not None and all(entry.id != seen.id for entry in local):
                local.append(seen)
        return local

    def in_flight(self, entry: Entry) -> bool:
        """Whether `entry` is being sent right now by a live process (and so must not be touched)."""
        if entry.outcome != "attempt" or self.clock() - entry.created_at >= self.max_in_flight_s:
            return False
        if entry.remote:
            return True  # another machine's claim: trusted until its Redis key expires
        return entry.host != self.host or process_alive(entry.pid)

    async def begin(
        self, key: WriteKey, fields: dict[str, Any], *, confirmed_by: str | None, window_s: float, repeatable: bool
    ) -> Entry | Conflict:
        """Record the intent to send `key` (and write its `attempt` line), or say what is in the way."""
        entry = Entry(
            id=secrets.token_hex(8),
            tool=key.tool,
            target=key.target,
            fingerprint=key.fingerprint,
            outcome="attempt",
            created_at=self.clock(),
            host=self.host,
            pid=os.getpid(),
            confirmed_by=confirmed_by,
            fields=fields,
        )
        remote = self.remote
        claimed = await self._in_thread(lambda conn: self._claim(conn, entry, window_s, repeatable))
        if isinstance(claimed, Conflict):
            return claimed
        if remote is not None:
            try:
                obstacle = await remote.claim(entry, window_s, repeatable, self.max_in_flight_s)
            except LedgerError:
                await self._in_thread(lambda conn: self.store.set_outcome(conn, entry, "refused", "Redis unreachable"))
                raise
            if obstacle is not None:
                await self._in_thread(
                    lambda conn: self.store.set_outcome(conn, entry, "refused", f"{obstacle.reason} elsewhere")
                )
                return obstacle
        try:
            await asyncio.to_thread(self._audit, entry, "attempt", None, True, {})
        except audit.AuditLogError:
            await self._settle_quietly(entry, "refused", "the audit log could not be written")
            raise
        return entry

    async def finish(self, entry: Entry, outcome: Outcome, detail: str | None = None, **more: Any) -> None:
        """The outcome of a send (sent, failed or unknown); never raises, since the send is over."""
        await self._settle_quietly(entry, outcome, detail, **more)

    async def resolve(self, entry: Entry, outcome: Outcome, detail: str, **more: Any) -> None:
        """What reconciliation found for an unresolved entry: `sent` (it happened) or `failed`."""
        if not entry.remote:
            await self._in_thread(
                lambda conn: self.store.set_outcome(conn, entry, outcome, detail, more, unresolved_only=True)
            )
        if self._remote is not None:
            await self._remote.resolve(entry, outcome)
        await asyncio.to_thread(self._audit, entry, outcome, detail, False, {**more, "reconciled": True})

    async def note(
        self,
        key: WriteKey,
        outcome: Outcome,
        fields: dict[str, Any],
        detail: str | None = None,
        *,
        audit_line: bool = True,
        **more: Any,
    ) -> None:
        """A write that ends without sending (refused, declined): a final row and a line, best effort.

        `audit_line=False` when the caller's own audit line says it already (a refusal while planning).
        """
        entry = Entry(
            id=secrets.token_hex(8),
            tool=key.tool,
            target=key.target,
            fingerprint=key.fingerprint,
            outcome=outcome,
            created_at=self.clock(),
            host=self.host,
            pid=os.getpid(),
            detail=detail,
            fields=fields,
            finished_at=self.clock(),
        )
        try:
            await self._in_thread(lambda conn: self.store.insert(conn, entry))
        except LedgerError as exc:
            logger.warning("could not record a %s write in the ledger: %s", outcome, exc.message)
        if audit_line:
            await asyncio.to_thread(self._audit, entry, outcome, detail, False, more)

    async def recent(self, limit: int, *, tool: str | None = None) -> list[Entry]:
        """The newest writes of every scope, newest first (for `hostaway-mcp audit`)."""
        return await self._in_thread(lambda conn: self.store.recent(conn, limit, tool))

    # -- in the worker thread ---------------------------------------------------------------------

    async def _in_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.to_thread(self.store.run, work)

    def _claim(self, conn: sqlite3.Connection, entry: Entry, window_s: float, repeatable: bool) -> Entry | Conflict:
        conn.execute("BEGIN IMMEDIATE")
        try:
            earlier = self.store.history(conn, entry.key, entry.created_at - window_s)
            obstacle = _obstacle(earlier, repeatable, self.in_flight)
            if obstacle is None:
                self.store.insert(conn, entry)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return entry if obstacle is None else obstacle

    async def _settle_quietly(self, entry: Entry, outcome: Outcome, detail: str | None, **more: Any) -> None:
        try:
            await self._in_thread(lambda conn: self.store.set_outcome(conn, entry, outcome, detail, more))
        except LedgerError as exc:
            logger.error("could not record the outcome (%s) of write %s: %s", outcome, entry.id, exc.message)
        if self._remote is not None:
            try:
                await self._remote.settle(entry, outcome)
            except LedgerError as exc:
                logger.error("could not record the outcome (%s) of write %s in Redis: %s", outcome, entry.id, exc)
        await asyncio.to_thread(self._audit, entry, outcome, detail, False, more)

    def _audit(self, entry: Entry, outcome: Outcome, detail: str | None, required: bool, more: dict[str, Any]) -> None:
        starting = outcome == "attempt"
        line: dict[str, Any] = {
            **entry.fields,
            **more,
            "attempt": entry.id,
            "at": round(entry.created_at if starting else self.clock(), 3),
            "scope": self.scope,
            "target": entry.target,
            "fingerprint": entry.fingerprint,
            "host": entry.host if starting else None,
            "pid": entry.pid if starting else None,
            "confirmed_by": entry.confirmed_by,
            "detail": detail,
        }
        audit.record(self.settings, entry.tool, outcome, required=required, **line)


def _obstacle(earlier: list[Entry], repeatable: bool, in_flight: Callable[[Entry], bool]) -> Conflict | None:
    """What stops a new attempt: one in flight, an unresolved one, or (unless repeatable) a recent send."""
    for entry in earlier:
        if in_flight(entry):
            return Conflict("in_flight", entry)
    for entry in earlier:
        if entry.outcome in UNRESOLVED:
            return Conflict("unresolved", entry)
    if not repeatable:
        for entry in reversed(earlier):
            if entry.outcome == "sent":
                return Conflict("duplicate", entry)
    return None
