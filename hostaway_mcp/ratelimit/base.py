"""What the gateway sees of the limiter: a slot per attempt, 429 feedback, and the budget left."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from hostaway_mcp.ratelimit.gates import DESCRIPTIONS, Gate, GateName, Profile

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
# Told when a request waits on a gate: (seconds, what it waits for, in words a person reads).
WaitListener = Callable[[float, str], Awaitable[None]]
# A wait shorter than this is not worth telling anyone about.
REPORTED_WAIT_S = 1.0


@dataclass(frozen=True)
class Ticket:
    """One taken slot: which gates it holds, and how full the fullest was when it was taken."""

    slot_id: str
    gates: tuple[Gate, ...]
    load: float = 0.0


class RateLimiter(Protocol):
    """Hands out request slots; every HTTP attempt is made inside one."""

    def slot(self, method: str = "GET", path: str = "") -> AbstractAsyncContextManager[Ticket]: ...

    async def rate_limited(self, ticket: Ticket, headers: Mapping[str, str]) -> None:
        """Hostaway answered this slot's request with 429: learn what its headers say."""

    def budget(self) -> LimiterBudget: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class GateBudget:
    """One gate now, for the status resource and `check`."""

    name: GateName
    limit: int
    window_s: float
    in_window: int
    blocked_for_s: float = 0.0

    @property
    def available(self) -> int:
        return 0 if self.blocked_for_s > 0 else max(0, self.limit - self.in_window)

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.name]


@dataclass(frozen=True)
class LimiterBudget:
    """How much of each gate is free right now, and which profile of limits is in force."""

    scope: str
    profile: Profile
    gates: tuple[GateBudget, ...]
    profile_note: str = ""
    degraded: bool = False

    @property
    def general(self) -> GateBudget:
        """The tighter of the two general gates (account, IP): what an ordinary read may use."""
        general = [g for g in self.gates if g.name in ("account", "ip")] or list(self.gates)
        return min(general, key=lambda g: (g.available, g.limit))

    @property
    def limit(self) -> int:
        return self.general.limit

    @property
    def window_s(self) -> float:
        return self.general.window_s

    @property
    def in_window(self) -> int:
        return self.general.in_window

    @property
    def available(self) -> int:
        return self.general.available


_wait_listener: ContextVar[WaitListener | None] = ContextVar("hostaway_rate_limit_wait_listener", default=None)


@asynccontextmanager
async def report_waits_to(listener: WaitListener) -> AsyncIterator[None]:
    """Within this block, every wait on a gate of `REPORTED_WAIT_S` or more is told to `listener`
    (a tool call uses it to report "waiting 8 s for Hostaway's send limit" as progress)."""
    token = _wait_listener.set(listener)
    try:
        yield
    finally:
        _wait_listener.reset(token)


async def tell_wait(seconds: float, gate: GateName | None) -> None:
    listener = _wait_listener.get()
    if listener is None or seconds < REPORTED_WAIT_S:
        return
    what = DESCRIPTIONS[gate] if gate is not None else "Hostaway's rate limit"
    await listener(seconds, f"waiting {seconds:.0f} s for {what[0].lower()}{what[1:]}")
