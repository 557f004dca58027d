"""A rolling-window limiter that waits for a slot instead of letting Hostaway answer 429.

Hostaway allows 15 requests in any 10 s per IP (20 per account) and counts a request when it
arrives. A leaky bucket (`aiolimiter.AsyncLimiter(15, 10)`) lets up to ~30 through in one window:
a full bucket plus what leaks in, and a bucket small enough to be safe (`capacity + 10·rate ≤ 15`)
cannot also let a burst of 15 go out at once. So we keep the exact log of recent requests instead.

Each request holds a *slot* from the moment it is sent until its answer arrives. The slot only
leaves the window `window_s` after that answer, because the arrival time at Hostaway lies somewhere
between send and answer: measuring from the answer can never undercount, whatever the latency.
A burst of `limit` requests from idle goes out with no wait; after that, requests go out as
fast as the window allows, which sustains `limit / (window_s + latency)` per second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateLimiter(Protocol):
    """Something that hands out request slots; every HTTP attempt is made inside one."""

    def slot(self) -> AbstractAsyncContextManager[None]: ...

    def budget(self) -> LimiterBudget: ...


@dataclass(frozen=True)
class LimiterBudget:
    """How much of the window is free right now, for the status resource and `check`."""

    limit: int
    window_s: float
    in_window: int
    scope: str

    @property
    def available(self) -> int:
        return max(0, self.limit - self.in_window)


@dataclass
class _Slot:
    started: float
    finished: float | None = None


class RollingWindowLimiter:
    """At most `limit` requests in any rolling `window_s`, counted per process.

    `clock` and `sleep` are injectable so tests can drive minutes of load in milliseconds.
    """

    def __init__(
        self,
        limit: int = 15,
        window_s: float = 10.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be >= 1 and window_s > 0")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._sleep = sleep
        self._slots: list[_Slot] = []
        self._turn = asyncio.Lock()  # callers get slots first come, first served
        self._released = asyncio.Event()

    def budget(self) -> LimiterBudget:
        self._prune(self._clock())
        return LimiterBudget(self.limit, self.window_s, len(self._slots), "this process")

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        entry = await self._acquire()
        try:
            yield
        finally:
            entry.finished = self._clock()
            self._released.set()

    async def _acquire(self) -> _Slot:
        async with self._turn:
            while True:
                now = self._clock()
                self._prune(now)
                if len(self._slots) < self.limit:
                    entry = _Slot(started=now)
                    self._slots.append(entry)
                    return entry
                finished = [s.finished for s in self._slots if s.finished is not None]
                if finished:
                    await self._sleep(max(0.0, min(finished) + self.window_s - now))
                else:
                    # Every slot in the window is still in flight: wait for one to answer.
                    self._released.clear()
                    await self._released.wait()

    def _prune(self, now: float) -> None:
        horizon = now - self.window_s
        self._slots = [s for s in self._slots if s.finished is None or s.finished > horizon]
