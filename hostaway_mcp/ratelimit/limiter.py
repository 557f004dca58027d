"""Waiting for a slot in every gate a request needs, and learning from Hostaway's 429s.

`GateLimiter` is the one limiter, whatever the backend: a request names its method and path,
`gates.py` says which gates it takes, and one transaction on the store (`state.take`) takes
them all or none. Callers of one kind (general reads, messages, quotes, bookings) queue first
come, first served; kinds do not queue behind each other, so a message waiting for the send
limit never holds up a read.

Bookkeeping stays cheap and off the request's path: an answer's end time is noted in memory
and written with the next transaction (or by a background flush soon after), so a request
costs one transaction in the steady state; the file backend runs it in a worker thread.

Safety when the shared state is lost or unusable (it must never let the machine exceed a
limit): a process that finds the state gone, corrupt, or rebuilt by someone else brings its own
live slots back, and if other processes used the state lately, a gate rebuilt from nothing
counts as full for one window, less what each process brings back (`state.rejoin`). A store
that cannot be used at all (a folder we cannot write, Redis down) leaves each process on its
own, with a share of each gate (limit / the processes seen lately, at least 2).

429 feedback (`feedback.py`): `X-RateLimit-Applied` names the gate to stop until
`X-RateLimit-Retry-After` (at most 60 s; shared, so other processes stop too); `Remaining` may
only lower that gate's capacity and `Limit` only lower its size. A 429 with none of those
headers while the request's gates were less than half full means the account runs Hostaway's
old limits: the account switches to the legacy profile for the rest of the process, and in the
shared state, so the other processes follow; it is logged once and shown in the status.
"""

# Over 400 lines on purpose: one idea, the wait for every gate a request needs; the queues, the
# transaction they wait on and the 429 feedback that resizes them only make sense together.

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hostaway_mcp.ratelimit import feedback, state
from hostaway_mcp.ratelimit.base import Clock, GateBudget, LimiterBudget, Sleep, Ticket, tell_wait
from hostaway_mcp.ratelimit.gates import Gate, GateName, GatePlan, Profile, endpoint_gate, gate_names
from hostaway_mcp.ratelimit.state import Attempt, OwnSlot, SharedState
from hostaway_mcp.ratelimit.store import Loaded, SharedStateError, StateStore

logger = logging.getLogger("hostaway_mcp.ratelimit")

# When every slot in a window is held by another process, nobody can wake us when one answers,
# so we look again this often. Short against a 10 s window, long against a transaction.
POLL_S = 0.05
WAKE_MARGIN_S = 0.001  # added to computed waits, so the slot has surely left when we look again
LEGACY_LOAD = 0.5  # a 429 below this share of every gate cannot be the current limits' doing
DEFAULT_MAX_IN_FLIGHT_S = 120.0
STORE_RETRY_S = 1.0  # while the store is unusable, how often a request tries it again


def owner_id(nonce: bool = False) -> str:
    """`pid@host`, the owner of this process's slots (with a nonce where pids may be reused)."""
    base = f"{os.getpid()}@{socket.gethostname()}"
    return f"{base}#{uuid.uuid4().hex[:8]}" if nonce else base


def is_gone(owner: str) -> bool:
    """Whether `owner`'s process is known to have died (only decidable on this host, on POSIX)."""
    pid_text, _, rest = owner.partition("@")
    host = rest.partition("#")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or os.name != "posix":
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists, but belongs to someone else
    return False


class _NeedOwnSlots(Exception):
    """A transaction found the state lost and needs this process's slots to rebuild it."""


@dataclass
class _Outcome:
    """What a transaction tells the limiter (applied on the event loop once it returns)."""

    attempt: Attempt | None = None
    gates: tuple[Gate, ...] = ()
    now: float = 0.0  # the store's clock during the transaction
    gen: str = ""
    others: int = 0
    legacy_since: float | None = None
    counts: dict[str, tuple[int, float]] = field(default_factory=dict)  # key -> (in window, blocked for)


Extra = Callable[[SharedState, float, dict[GateName, Gate]], _Outcome | None]


class GateLimiter:
    """Every gate of one account, in one store; see the module docstring."""

    def __init__(
        self,
        store: StateStore,
        plan: GatePlan,
        *,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        owner: str | None = None,
        max_in_flight_s: float = DEFAULT_MAX_IN_FLIGHT_S,
        poll_s: float = POLL_S,
        adapt: bool = True,
        shared: bool = True,
    ) -> None:
        self.store = store
        self.plan = plan
        self._clock = clock
        self._sleep = sleep
        self._owner = owner or owner_id()
        self._max_in_flight_s = max_in_flight_s
        self._poll_s = poll_s
        self._adapt = adapt
        self._shared = shared
        self.profile: Profile = plan.profile
        self.profile_note = "chosen in the settings (HOSTAWAY_RATE_LIMIT_PROFILE)" if plan.profile == "legacy" else ""
        self._detected_legacy = False
        self._mine: dict[str, OwnSlot] = {}
        self._pending: list[OwnSlot] = []  # answered, not yet written to the store
        self._flush_task: asyncio.Task[None] | None = None
        self._turns: dict[GateName | None, asyncio.Lock] = {}
        self._released = asyncio.Event()
        self._transaction = asyncio.Lock()  # one transaction at a time from this process
        self._queued = 0  # transactions with work of their own waiting for the lock
        self._seen_gen: str | None = None
        self._others = 0  # other processes that used the state lately
        self._counts: dict[str, tuple[int, float]] = {}
        self._caps: dict[GateName, int] = {}  # from X-RateLimit-Limit: sizes are only ever lowered
        self._fallback: SharedState | None = None  # our own state while the store is unusable
        self._share = 1
        self._store_retry_at = 0.0
        self._skew = 0.0  # the store's clock minus ours (Redis keeps its own time)
        self._next_prune = 0.0
        self.waits = 0  # times a caller had to wait, for tests and benchmarks

    # -- the gateway's side -----------------------------------------------------------------------

    @asynccontextmanager
    async def slot(self, method: str = "GET", path: str = "") -> AsyncIterator[Ticket]:
        ticket = await self._acquire(method, path)
        try:
            yield ticket
        finally:
            self._end(ticket.slot_id)

    async def rate_limited(self, ticket: Ticket, headers: Mapping[str, str]) -> None:
        told = feedback.parse(headers)
        if not told.present:
            if self._adapt and self.profile == "current" and ticket.load < LEGACY_LOAD:
                self._go_legacy("a 429 without rate-limit headers arrived while well inside the current limits")
                self._detected_legacy = True
                await self._run(None)
            return
        named = feedback.named_gate(told.applied, ticket.gates)
        if named is None or (told.retry_at is None and told.remaining is None and told.limit is None):
            return
        if told.limit is not None:  # the table never goes above the configured size (`_table`)
            self._caps[named.name] = min(self._caps.get(named.name, told.limit), told.limit)

        def learn(st: SharedState, now: float, gates: dict[GateName, Gate]) -> None:
            gate = gates[named.name]  # both profiles' tables hold every gate
            until = feedback.suppression_until(told.retry_at, now)
            if until is not None:
                state.block(st, gate.key, until)
            if told.remaining is not None:
                state.lower(st, gate, told.remaining, now, until or now + gate.window_s)
            return None

        await self._run(learn)

    def budget(self) -> LimiterBudget:
        seen = None if self._fallback is not None else self.store.peek()
        now = self._clock()
        gates = []
        for gate in self._table().values():
            in_window, blocked = self._counts.get(gate.key, (0, 0.0))
            if seen is not None:
                window = seen.windows.get(gate.key)
                in_window, blocked = 0, 0.0
                if window is not None:
                    window.prune(now, gate.window_s, self._max_in_flight_s, is_gone)
                    in_window, blocked = window.count(), max(0.0, window.blocked_until - now)
            gates.append(GateBudget(gate.name, gate.limit, gate.window_s, in_window, blocked))
        degraded = self._fallback is not None
        scope = "this process alone (the shared state is unusable)" if degraded else self.store.scope
        return LimiterBudget(scope, self.profile, tuple(gates), self.profile_note, degraded)

    async def flush(self) -> None:
        """Write every answer noted so far (also done in the background after each answer)."""
        if self._flush_task is not None:
            await asyncio.wait([self._flush_task])  # it catches its own failures
        await self._run(None, only_if_pending=True)

    async def aclose(self) -> None:
        try:
            await self.flush()
        finally:
            await self.store.aclose()

    # -- taking a slot ------------------------------------------------------------------------------

    async def _acquire(self, method: str, path: str) -> Ticket:
        turn = self._turns.setdefault(endpoint_gate(method, path), asyncio.Lock())  # None: general reads
        async with turn:
            while True:
                self._released.clear()  # before looking, so an answer while we look still wakes us
                slot_id = uuid.uuid4().hex

                def take(st: SharedState, now: float, _: dict[GateName, Gate], slot_id: str = slot_id) -> _Outcome:
                    profile: Profile = "legacy" if self.plan.account_key in st.legacy else self.profile
                    table = self._table(profile)
                    needed = tuple(table[name] for name in gate_names(method, path, profile))
                    attempt = state.take(
                        st, needed, slot_id, self._owner, now, max_in_flight_s=self._max_in_flight_s, is_gone=is_gone
                    )
                    return _Outcome(attempt=attempt, gates=needed)

                outcome = await self._run(take)
                attempt = outcome.attempt
                assert attempt is not None
                if attempt.taken:
                    self._mine[slot_id] = OwnSlot(slot_id, tuple(g.key for g in outcome.gates), outcome.now)
                    return Ticket(slot_id, outcome.gates, attempt.load)
                self.waits += 1
                await self._wait(attempt)

    async def _wait(self, attempt: Attempt) -> None:
        if attempt.free_in is not None:
            await tell_wait(attempt.free_in, attempt.refused_by)
            await self._sleep(attempt.free_in + WAKE_MARGIN_S)
            return
        if self._others == 0 and any(slot.ended is None for slot in self._mine.values()):
            await self._released.wait()  # only our own requests are in flight: one answer wakes us
            return
        released = asyncio.ensure_future(self._released.wait())
        timer = asyncio.ensure_future(self._sleep(self._poll_s))
        try:
            await asyncio.wait({released, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (released, timer):
                task.cancel()
            await asyncio.gather(released, timer, return_exceptions=True)

    def _end(self, slot_id: str) -> None:
        slot = self._mine.get(slot_id)
        if slot is None:
            return
        slot.ended = self._clock() + self._skew
        self._pending.append(slot)
        self._released.set()
        if self._flush_task is None or self._flush_task.done():
            self._flush_task = asyncio.ensure_future(self._background_flush())

    async def _background_flush(self) -> None:
        await asyncio.sleep(0)  # answers arriving together share one write
        if self._pending:
            try:
                await self._run(None, only_if_pending=True)  # a take may have written them meanwhile
            except Exception as exc:  # noqa: BLE001 - a flush must never surface in anyone's request
                logger.debug("writing finished requests failed: %s", exc)

    # -- transactions -------------------------------------------------------------------------------

    async def _run(self, extra: Extra | None, *, only_if_pending: bool = False) -> _Outcome:
        if extra is not None:
            self._queued += 1
        try:
            await self._transaction.acquire()
        finally:
            if extra is not None:
                self._queued -= 1
        try:
            # A flush gives way to a transaction queued behind it: that one writes the answers too.
            if only_if_pending and (not self._pending or self._queued):
                return _Outcome()
            try:
                return await self._run_locked(extra, with_own=self._fallback is not None)
            except _NeedOwnSlots:
                return await self._run_locked(extra, with_own=True)
        finally:
            self._transaction.release()

    async def _run_locked(self, extra: Extra | None, *, with_own: bool) -> _Outcome:
        """One transaction: bring our slots back if the state was lost (or we were cut off),
        write our answers, keep the legacy flag, then `extra`.

        Copying our own slots costs more than the rest of a transaction, and they are needed only
        when the state was lost: a transaction that finds it lost without them stops before
        writing anything (`_NeedOwnSlots`) and runs again with them."""
        pending = tuple(self._pending)
        pending_ids = {slot.slot_id for slot in pending}
        # Answers not yet written come back as in flight, and are then finished like the others.
        own = (
            [
                OwnSlot(s.slot_id, s.keys, s.started, None if s.slot_id in pending_ids else s.ended)
                for s in self._mine.values()
            ]
            if with_own
            else None
        )
        has_own = bool(self._mine)
        seen_gen, others, cut_off = self._seen_gen, self._others, self._fallback is not None
        gates = self._table()
        every = list(gates.values())
        mark_legacy = self._detected_legacy
        account = self.plan.account_key
        horizon = max(g.window_s for g in every) + self._max_in_flight_s

        def change(loaded: Loaded, now: float) -> _Outcome:
            st = loaded.state
            lost = loaded.lost or (loaded.fresh and (seen_gen is not None or has_own)) or seen_gen not in (None, st.gen)
            if lost or cut_off:
                if own is None:
                    raise _NeedOwnSlots
                # Others' part is unknown: count it as full, unless we know we were alone lately.
                alone = seen_gen is not None and others == 0
                state.rejoin(st, every, own, self._owner, now, assume_full=lost and not alone)
            if pending:
                state.finish(st, pending, self._owner, now)
            if mark_legacy:
                st.legacy.setdefault(account, now)
            outcome = (extra(st, now, gates) if extra is not None else None) or _Outcome()
            outcome.now = now
            outcome.gen = st.gen
            outcome.others = len(st.others(self._owner, now - horizon))
            outcome.legacy_since = st.legacy.get(account)
            outcome.counts = {
                g.key: (st.windows[g.key].count(), max(0.0, st.windows[g.key].blocked_until - now))
                for g in every
                if g.key in st.windows
            }
            return outcome

        if self._fallback is not None and self._clock() < self._store_retry_at:
            outcome = change(Loaded(self._fallback), self._clock())  # not yet time to try the store again
        else:
            try:
                outcome = await self.store.transact(change)
            except SharedStateError as exc:
                outcome = self._cut_off(change, exc)
            else:
                if self._fallback is not None:
                    logger.warning("the shared rate-limit state is usable again")
                    self._fallback, self._share = None, 1
                self._seen_gen, self._others = outcome.gen, outcome.others
        self._apply(outcome, pending_ids)
        return outcome

    def _cut_off(self, change: Callable[[Loaded, float], _Outcome], exc: SharedStateError) -> _Outcome:
        """The store is unusable: go on alone, on a share of each gate, with our own slots."""
        now = self._clock()
        self._store_retry_at = now + STORE_RETRY_S
        if self._fallback is None:
            self._share = max(2, 1 + self._others) if self._shared else 1
            logger.warning(
                "%s: limiting this process on its own, on 1/%d of each limit, until it is back", exc, self._share
            )
            self._fallback = SharedState()  # its generation is never compared: an outage is not a loss
            own = [OwnSlot(s.slot_id, s.keys, s.started, s.ended) for s in self._mine.values()]
            state.rejoin(self._fallback, list(self._table().values()), own, self._owner, now, assume_full=False)
        return change(Loaded(self._fallback), now)

    def _apply(self, outcome: _Outcome, flushed: set[str]) -> None:
        self._counts = outcome.counts
        self._skew = outcome.now - self._clock()
        if flushed:
            self._pending = [slot for slot in self._pending if slot.slot_id not in flushed]
        if outcome.now >= self._next_prune:  # once a second is plenty
            self._next_prune = outcome.now + 1.0
            pending_ids = {slot.slot_id for slot in self._pending}
            windows = {g.key: g.window_s for g in self._table().values()}
            for slot_id, slot in list(self._mine.items()):
                if slot.ended is None or slot_id in pending_ids:
                    continue
                if slot.ended + max(windows[key] for key in slot.keys) < outcome.now:
                    del self._mine[slot_id]  # out of every window: nothing left to bring back
        if outcome.legacy_since is not None and self.profile == "current":
            when = datetime.fromtimestamp(outcome.legacy_since, UTC).strftime("%Y-%m-%d %H:%M UTC")
            self._go_legacy(f"another hostaway-mcp process found this account on the old limits at {when}")

    # -- gates in force -----------------------------------------------------------------------------

    def _go_legacy(self, why: str) -> None:
        """Switch to the old limits (callers check that the current ones are in force)."""
        self.profile = "legacy"
        self.profile_note = f"switched automatically: {why}"
        logger.warning(
            "Hostaway's answers show this account still runs the old rate limits (15 requests per 10 s "
            "per IP, 20 per account): using them for the rest of this run (%s). Set "
            "HOSTAWAY_RATE_LIMIT_PROFILE=legacy to start this way.",
            why,
        )

    def _table(self, profile: Profile | None = None) -> dict[GateName, Gate]:
        """The gates in force, resized by what Hostaway told us and by our share when cut off."""
        table = self.plan.table(profile or self.profile)
        sized: dict[GateName, Gate] = {}
        for name, gate in table.items():
            limit = min(gate.limit, self._caps.get(name, gate.limit))
            sized[name] = gate.resized(limit // self._share)
        return sized
