"""The sliding windows of every gate, and the few things that change them, as plain data.

One `SharedState` holds every gate's window; the memory, file and Redis backends only store it
(in a variable, a locked file, a Redis key) and call the functions here on it, so all three
behave alike and a request takes all its gates in one step, or none.

A slot counts from the moment its request is sent until `window` after its answer arrived:
Hostaway counts the request somewhere in between, so counting from the answer can never
undercount, whatever the latency. A slot still in flight counts; one in flight for longer than
`max_in_flight_s`, or whose process on this host is gone, is treated as answered then.

*Phantom* slots stand for requests we know of but cannot see: when the shared state was lost
(a process rebuilding it assumes the window was full, less what each process brings back when
it notices) and when Hostaway's `X-RateLimit-Remaining` says its window is fuller than ours.
"""

from __future__ import annotations

import bisect
import json
import math
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hostaway_mcp.ratelimit.gates import Gate, GateName

VERSION = 2
MEMBER_TTL_S = 600.0
FUTURE_SLACK_S = 5.0  # clocks of processes on one machine agree far better than this
MAX_BLOCK_S = 60.0  # the longest a 429 may stop a gate (feedback.MAX_SUPPRESSION_S)
Owner = str  # "pid@host" for the file backend, "pid@host#nonce" for Redis


class StateShapeError(ValueError):
    """The stored state is not one we wrote: wrong shape or wrong types."""


@dataclass
class Window:
    """One gate's recent requests: in flight (by slot id) and answered (end times, by owner)."""

    flying: dict[str, tuple[Owner, float]] = field(default_factory=dict)
    done: dict[Owner, list[float]] = field(default_factory=dict)
    phantom: list[float] = field(default_factory=list)  # end times, sorted
    blocked_until: float = 0.0

    def count(self) -> int:
        return len(self.flying) + sum(len(ends) for ends in self.done.values()) + len(self.phantom)

    def prune(self, now: float, window_s: float, max_in_flight_s: float, is_gone: Callable[[Owner], bool]) -> None:
        self._clamp_future(now)
        for slot_id, (owner, started) in list(self.flying.items()):
            if started + max_in_flight_s <= now:
                ended = started + max_in_flight_s
            elif is_gone(owner):
                ended = now  # its process died mid-request: count it from now
            else:
                continue
            del self.flying[slot_id]
            bisect.insort(self.done.setdefault(owner, []), ended)
        horizon = now - window_s
        for owner, ends in list(self.done.items()):
            keep = ends[bisect.bisect_right(ends, horizon) :]
            if keep:
                self.done[owner] = keep
            else:
                del self.done[owner]
        self.phantom = self.phantom[bisect.bisect_right(self.phantom, horizon) :]
        if self.blocked_until <= now:
            self.blocked_until = 0.0

    def _clamp_future(self, now: float) -> None:
        """Times far in the future (a skewed clock, or a planted state) count as now: a slot
        then lasts one window, never forever; a block lasts at most MAX_BLOCK_S."""
        soon = now + FUTURE_SLACK_S
        for owner, ends in self.done.items():
            if ends and ends[-1] > soon:
                self.done[owner] = sorted(min(end, now) for end in ends)
        if self.phantom and self.phantom[-1] > soon:
            self.phantom = sorted(min(end, now) for end in self.phantom)
        for slot_id, (owner, started) in self.flying.items():
            if started > soon:
                self.flying[slot_id] = (owner, now)
        self.blocked_until = min(self.blocked_until, now + MAX_BLOCK_S)

    def free_in(self, now: float, limit: int, window_s: float) -> float | None:
        """Seconds until the window has room, or None if that waits on a request in flight."""
        needed = self.count() - limit + 1
        if needed <= 0:
            return 0.0
        ends = sorted([end for owner_ends in self.done.values() for end in owner_ends] + self.phantom)
        if needed > len(ends):
            return None
        return max(0.0, ends[needed - 1] + window_s - now)


@dataclass
class SharedState:
    """Every gate's window, the processes that use them, and the accounts found on legacy limits."""

    gen: str = field(default_factory=lambda: secrets.token_hex(8))
    windows: dict[str, Window] = field(default_factory=dict)
    members: dict[Owner, float] = field(default_factory=dict)  # last time each process used the state
    legacy: dict[str, float] = field(default_factory=dict)  # account key -> when it was found on legacy limits

    def window(self, key: str) -> Window:
        return self.windows.setdefault(key, Window())

    def others(self, me: Owner, since: float) -> list[Owner]:
        return [owner for owner, seen in self.members.items() if owner != me and seen >= since]

    def touch(self, owner: Owner, now: float) -> None:
        """Note that `owner` used the state now; forget processes unseen for MEMBER_TTL_S."""
        self.members[owner] = now
        if len(self.members) > 1:
            for other, seen in list(self.members.items()):
                if seen < now - MEMBER_TTL_S:
                    del self.members[other]

    # -- storage: compact JSON, validated strictly on the way in ------------------------------

    def to_json(self) -> bytes:
        data = {
            "v": VERSION,
            "gen": self.gen,
            "members": self.members,
            "legacy": self.legacy,
            "gates": {
                key: {
                    "f": {slot: [owner, started] for slot, (owner, started) in w.flying.items()},
                    "d": w.done,
                    "p": w.phantom,
                    "b": w.blocked_until,
                }
                for key, w in self.windows.items()
            },
        }
        return json.dumps(data, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> SharedState:
        """Parse what `to_json` wrote; anything else raises StateShapeError (never TypeError)."""
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise StateShapeError("not JSON") from None
        if not isinstance(data, dict) or data.get("v") != VERSION:
            raise StateShapeError("not a version-2 limiter state")
        gen = data.get("gen")
        if not isinstance(gen, str) or not gen:
            raise StateShapeError("no generation")
        state = cls(
            gen=gen, members=_times(data.get("members"), "members"), legacy=_times(data.get("legacy"), "legacy")
        )
        gates = data.get("gates")
        if not isinstance(gates, dict):
            raise StateShapeError("no gates")
        for key, raw_window in gates.items():
            state.windows[key] = _window(raw_window)
        return state


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or abs(value) > 1e12:
        raise StateShapeError("a time is not a number")
    return float(value)


def _times(value: Any, what: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise StateShapeError(f"{what} is not a mapping")
    return {str(k): _number(v) for k, v in value.items()}


def _window(value: Any) -> Window:
    if not isinstance(value, dict):
        raise StateShapeError("a gate is not a mapping")
    flying, done, phantom = value.get("f"), value.get("d"), value.get("p")
    if not isinstance(flying, dict) or not isinstance(done, dict) or not isinstance(phantom, list):
        raise StateShapeError("a gate has the wrong shape")
    window = Window(blocked_until=_number(value.get("b", 0.0)))
    for slot_id, entry in flying.items():
        if not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[0], str):
            raise StateShapeError("a slot in flight has the wrong shape")
        window.flying[str(slot_id)] = (entry[0], _number(entry[1]))
    for owner, ends in done.items():
        window.done[str(owner)] = _times_list(ends)
    window.phantom = _times_list(phantom)
    return window


def _times_list(value: Any) -> list[float]:
    """A sorted list of times, checked at C speed (this runs on every transaction)."""
    if not isinstance(value, list):
        raise StateShapeError("answered slots have the wrong shape")
    try:
        total = math.fsum(value)  # TypeError for anything that is not a number
    except (TypeError, OverflowError):
        raise StateShapeError("a time is not a number") from None
    if not math.isfinite(total):
        raise StateShapeError("a time is not a number")
    return sorted(value)


# -- the changes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """What a take found: taken, or why not and for how long (None: until an answer arrives)."""

    taken: bool
    free_in: float | None = 0.0
    refused_by: GateName | None = None
    blocked: bool = False  # refused because Hostaway asked us to stop this gate for a while
    load: float = 0.0  # the fullest gate's count / limit just before this take


@dataclass
class OwnSlot:
    """A slot as its own process remembers it, so it can bring it back into a rebuilt state."""

    slot_id: str
    keys: tuple[str, ...]
    started: float
    ended: float | None = None


def take(
    state: SharedState,
    gates: Sequence[Gate],
    slot_id: str,
    owner: Owner,
    now: float,
    *,
    max_in_flight_s: float,
    is_gone: Callable[[Owner], bool],
) -> Attempt:
    """Record a slot in every gate, if every gate has room and none is blocked; else change nothing."""
    state.touch(owner, now)
    refusals: list[Attempt] = []
    load = 0.0
    for gate in gates:
        window = state.window(gate.key)
        window.prune(now, gate.window_s, max_in_flight_s, is_gone)
        count = window.count()
        load = max(load, count / gate.limit)
        if window.blocked_until > now:
            refusals.append(Attempt(False, window.blocked_until - now, gate.name, blocked=True, load=load))
        elif count >= gate.limit:
            refusals.append(Attempt(False, window.free_in(now, gate.limit, gate.window_s), gate.name, load=load))
    if refusals:
        # Waiting on an answer in flight has no known end; otherwise the longest wait decides.
        unknown = [r for r in refusals if r.free_in is None]
        chosen = unknown[0] if unknown else max(refusals, key=lambda r: r.free_in or 0.0)
        return Attempt(False, chosen.free_in, chosen.refused_by, chosen.blocked, load)
    for gate in gates:
        state.window(gate.key).flying[slot_id] = (owner, now)
    return Attempt(True, 0.0, None, False, load)


def finish(state: SharedState, ended: Iterable[OwnSlot], owner: Owner, now: float) -> None:
    """Record answers: each slot in flight leaves it and counts until `window` after now.

    Now, not when the answer arrived: the two differ by the moment it takes to write it down,
    always on the safe side. A slot no longer in flight was recorded already (or pruned as too
    old): it is not counted twice.
    """
    state.touch(owner, now)
    for slot in ended:
        for key in slot.keys:
            window = state.windows.get(key)
            if window is not None and window.flying.pop(slot.slot_id, None) is not None:
                bisect.insort(window.done.setdefault(owner, []), now)


def rejoin(
    state: SharedState, gates: Sequence[Gate], own: Sequence[OwnSlot], owner: Owner, now: float, *, assume_full: bool
) -> None:
    """Bring this process's live slots into a state rebuilt after a loss (their times are on the
    store's clock: the limiter keeps them so).

    A gate the rebuilt state does not know yet starts from our slots, plus (`assume_full`, when
    other processes used it lately) phantoms that fill it: whatever the others had is unknown.
    A gate someone already rebuilt gets our slots, and loses as many of its phantoms. An answer
    that already left the window is not brought back: it would stand in for a phantom.
    """
    for gate in gates:
        horizon = now - gate.window_s
        mine = [slot for slot in own if gate.key in slot.keys and (slot.ended is None or slot.ended > horizon)]
        known = gate.key in state.windows
        window = state.window(gate.key)
        added = 0
        answered = len(window.done.get(owner, ()))
        for slot in mine:
            if slot.ended is None:
                if slot.slot_id not in window.flying:
                    window.flying[slot.slot_id] = (owner, slot.started)
                    added += 1
            elif answered > 0:
                answered -= 1  # already there (ends carry no id: count them)
            else:
                bisect.insort(window.done.setdefault(owner, []), slot.ended)
                added += 1
        if known:
            del window.phantom[: min(added, len(window.phantom))]
        elif assume_full:
            window.phantom = [now] * max(0, gate.limit - window.count())


def block(state: SharedState, key: str, until: float) -> None:
    """Hostaway asked us to stop using this gate until `until`."""
    window = state.window(key)
    window.blocked_until = max(window.blocked_until, until)


def lower(state: SharedState, gate: Gate, remaining: int, now: float, until: float) -> None:
    """Hostaway says only `remaining` more fit: fill our window with phantoms that leave at `until`."""
    window = state.window(gate.key)
    surplus = gate.limit - window.count() - max(0, remaining)
    if surplus > 0:
        end = min(now, until - gate.window_s)  # a phantom ending then leaves the window at `until`
        for _ in range(surplus):
            bisect.insort(window.phantom, end)
