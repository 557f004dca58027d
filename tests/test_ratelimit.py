"""The limiter keeps every rolling window within Hostaway's 15 requests, and still bursts."""

from __future__ import annotations

import asyncio

from hostaway_mcp.ratelimit import RollingWindowLimiter
from tests.conftest import FakeClock


async def _take(limiter: RollingWindowLimiter, clock: FakeClock, stamps: list[float], hold_s: float = 0.0) -> None:
    async with limiter.slot():
        stamps.append(clock())
        if hold_s:
            clock.advance(hold_s)


async def test_a_burst_of_fifteen_from_idle_does_not_wait(clock: FakeClock) -> None:
    limiter = RollingWindowLimiter(15, 10.0, clock=clock, sleep=clock.sleep)
    stamps: list[float] = []
    await asyncio.gather(*(_take(limiter, clock, stamps) for _ in range(15)))
    assert clock.sleeps == []
    assert len(stamps) == 15


async def test_the_sixteenth_waits_for_the_window(clock: FakeClock) -> None:
    limiter = RollingWindowLimiter(15, 10.0, clock=clock, sleep=clock.sleep)
    start = clock()
    stamps: list[float] = []
    await asyncio.gather(*(_take(limiter, clock, stamps) for _ in range(16)))
    assert stamps[15] - start >= 10.0
    assert sum(clock.sleeps) >= 10.0


async def test_sixty_seconds_of_saturation_never_overfill_a_window(clock: FakeClock) -> None:
    limiter = RollingWindowLimiter(15, 10.0, clock=clock, sleep=clock.sleep)
    start = clock()
    stamps: list[float] = []

    async def worker() -> None:
        while clock() - start < 60.0:
            await _take(limiter, clock, stamps, hold_s=0.15)

    await asyncio.gather(*(worker() for _ in range(8)))
    in_run = [s - start for s in stamps if s - start < 60.0]
    for t in in_run:
        window = [s for s in in_run if t <= s < t + 10.0]
        assert len(window) <= 15, f"{len(window)} requests in the window starting at {t:.2f}s"
    throughput = len(in_run) / 60.0
    assert throughput >= 0.9 * 1.5, f"{throughput:.3f} req/s"


async def test_a_slow_request_keeps_its_slot_until_it_answers(clock: FakeClock) -> None:
    """The window is measured from the answer, so a slow request cannot let the next one in early."""
    limiter = RollingWindowLimiter(1, 10.0, clock=clock, sleep=clock.sleep)
    release = asyncio.Event()
    stamps: list[float] = []

    async def slow() -> None:
        async with limiter.slot():
            stamps.append(clock())
            await release.wait()

    slow_task = asyncio.create_task(slow())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(_take(limiter, clock, stamps))
    clock.advance(30.0)  # far past the window, but the slow request has not answered yet
    for _ in range(5):
        await asyncio.sleep(0)
    assert len(stamps) == 1, "an in-flight slot must never expire"
    answered_at = clock()
    release.set()
    await asyncio.gather(slow_task, waiting)
    assert stamps[1] >= answered_at + 10.0


async def test_budget_reports_what_is_free(clock: FakeClock) -> None:
    limiter = RollingWindowLimiter(15, 10.0, clock=clock, sleep=clock.sleep)
    for _ in range(4):
        await _take(limiter, clock, [])
    assert limiter.budget().available == 11
    clock.advance(10.01)
    assert limiter.budget().available == 15
