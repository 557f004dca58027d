"""Virtual time for load tests: sleeps cost nothing, yet concurrent sleeps overlap as in real life.

`FakeClock` (conftest) advances time by every sleep as it happens, so twenty tasks each sleeping
0.15 s move time forward 3 s: right for "did it wait?", wrong for "how many per second?".
`AutoJumpClock` keeps a timer queue instead and, whenever every task is blocked, jumps to the
earliest deadline (like trio's `MockClock(autojump_threshold=0)`), so throughput comes out as it
would in real time, in milliseconds. Use it inside `async with clock.running():`.

Real I/O (a Redis round trip, a file transaction in a worker thread) also leaves every task
blocked; wrap it in `clock.busy()` so time does not jump while it runs (`BusyStore` does that
for a limiter's store).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


class AutoJumpClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._busy = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + seconds, next(self._seq), future))
        self._wake.set()
        await future

    @asynccontextmanager
    async def busy(self) -> AsyncIterator[None]:
        self._busy += 1
        try:
            yield
        finally:
            self._busy -= 1

    @asynccontextmanager
    async def running(self) -> AsyncIterator[AutoJumpClock]:
        driver = asyncio.create_task(self._drive())
        try:
            yield self
        finally:
            driver.cancel()
            await asyncio.gather(driver, return_exceptions=True)

    async def _drive(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            # Let every runnable task run; `_ready` empty after our own turn means all are blocked.
            for _ in range(10_000):
                await asyncio.sleep(0)
                if not getattr(loop, "_ready", ()):
                    break
            if self._busy:
                await asyncio.sleep(0.0002)  # real work is under way: real time passes, virtual does not
                continue
            while self._timers and self._timers[0][2].cancelled():
                heapq.heappop(self._timers)
            if not self._timers:
                self._wake.clear()
                await self._wake.wait()
                continue
            deadline, _, future = heapq.heappop(self._timers)
            self.now = max(self.now, deadline)
            future.set_result(None)


class BusyStore:
    """A limiter store whose transactions count as real work on an `AutoJumpClock`."""

    def __init__(self, store: Any, clock: AutoJumpClock) -> None:
        self.inner = store
        self.scope = store.scope
        self._clock = clock

    async def transact(self, change: Any) -> Any:
        async with self._clock.busy():
            return await self.inner.transact(change)

    def peek(self) -> Any:
        return self.inner.peek()

    async def aclose(self) -> None:
        await self.inner.aclose()
