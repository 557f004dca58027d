"""The Redis backend: every machine of an account shares the gates, on the Redis server's clock.

Against a real redis-server (`.ci/redis.sh` in CI; skipped with the reason without one).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from hostaway_mcp.config import Settings
from hostaway_mcp.ratelimit.coordination import make_limiter
from hostaway_mcp.ratelimit.gates import CURRENT, plan_gates
from hostaway_mcp.ratelimit.limiter import GateLimiter
from hostaway_mcp.ratelimit.redis_store import RedisStore
from tests.conftest import FakeClock, free_port

READ = ("GET", "listings")


def machine(url: str, clock: FakeClock | None, name: str, **sizes: tuple[int, float]) -> GateLimiter:
    from redis.asyncio import Redis

    table: Any = {**CURRENT, **sizes}
    store = RedisStore(Redis.from_url(url), "test", clock=clock)
    sleep = clock.sleep if clock is not None else asyncio.sleep
    return GateLimiter(
        store, plan_gates("acct", f"ip-{name}", table), clock=clock or time.time, sleep=sleep, owner=f"1@{name}"
    )


async def test_machines_share_the_account_gate_and_each_keeps_its_own_ip_gate(
    redis_client: Any, redis_url: str, clock: FakeClock
) -> None:
    a, b = (machine(redis_url, clock, name, account=(6, 10.0), ip=(4, 10.0)) for name in "ab")
    sent: list[tuple[str, float]] = []

    async def take(lim: GateLimiter, name: str) -> None:
        async with lim.slot(*READ):
            sent.append((name, clock()))

    start = clock()
    await asyncio.gather(*(take(a, "a") for _ in range(4)), *(take(b, "b") for _ in range(2)))
    assert all(at == start for _, at in sent), "4 from a (its IP's fill) and 2 from b go at once: 6 for the account"
    await take(b, "b")
    assert sent[-1][1] >= start + 10.0, "the account's 6 are used: b waits although its own IP gate has room"
    for lim in (a, b):
        await lim.aclose()


async def test_a_slot_in_flight_on_another_machine_counts_until_it_answers(
    redis_client: Any, redis_url: str, clock: FakeClock
) -> None:
    mine, theirs = machine(redis_url, clock, "a", account=(1, 10.0)), machine(redis_url, clock, "b", account=(1, 10.0))
    answered, holding = asyncio.Event(), asyncio.Event()
    sent_at: list[float] = []

    async def slow() -> None:
        async with theirs.slot(*READ):
            holding.set()
            await answered.wait()

    async def next_one() -> None:
        async with mine.slot(*READ):
            sent_at.append(clock())

    slow_task = asyncio.create_task(slow())
    await holding.wait()
    waiting = asyncio.create_task(next_one())
    for _ in range(20):
        await asyncio.sleep(0.005)
    assert sent_at == []
    answered_at = clock()
    answered.set()
    await asyncio.gather(slow_task, waiting)
    assert sent_at[0] >= answered_at + 10.0
    for lim in (mine, theirs):
        await lim.aclose()


async def test_on_the_redis_servers_clock_in_real_time(redis_client: Any, redis_url: str) -> None:
    """No injected clock: Redis times the slots. Three machines, 6 per 0.5 s for the account."""
    limiters = [machine(redis_url, None, name, account=(6, 0.5), ip=(4, 0.5)) for name in "abc"]
    log: list[float] = []
    until = time.time() + 1.5

    async def saturate(lim: GateLimiter) -> None:
        while time.time() < until:
            async with lim.slot(*READ):
                log.append(time.time())
                await asyncio.sleep(0.005)

    await asyncio.gather(*(saturate(lim) for lim in limiters for _ in range(3)))
    for lim in limiters:
        await lim.aclose()
    for t in log:
        assert len([s for s in log if t - 0.5 < s <= t]) <= 6 + 1  # +1: our own clock against Redis's
    assert len(log) >= 0.7 * 6 / 0.5 * 1.5, f"{len(log)} requests"


async def test_unreachable_redis_falls_back_to_a_share_of_each_gate(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("redis")
    from redis.asyncio import Redis

    store = RedisStore(Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5), "x")
    table: Any = {**CURRENT, "account": (4, 10.0)}
    lim = GateLimiter(store, plan_gates("acct", "ip", table), clock=clock, sleep=clock.sleep)
    sent: list[float] = []
    for _ in range(3):
        async with lim.slot(*READ):
            sent.append(clock())
    assert sent[2] - sent[0] >= 10.0, "half of the account's 4: the third waits"
    assert "Redis is unreachable" in caplog.text and "1/2 of each limit" in caplog.text
    assert lim.budget().degraded
    await lim.aclose()


def test_the_redis_backend_is_chosen_by_the_url(settings_factory: Callable[..., Settings], redis_url: str) -> None:
    limiter = make_limiter(settings_factory(shared_rate_limit=True, redis_url=redis_url))
    assert isinstance(limiter, GateLimiter) and isinstance(limiter.store, RedisStore)
    assert "every machine" in limiter.budget().scope
    asyncio.run(limiter.aclose())


async def test_the_budget_on_redis_is_what_the_last_transaction_saw(
    redis_client: Any, redis_url: str, clock: FakeClock
) -> None:
    """Redis is not asked for the status (that would block): gates it has not reported are empty."""
    lim = machine(redis_url, clock, "a", account=(6, 10.0))
    assert {(g.in_window, g.blocked_for_s) for g in lim.budget().gates} == {(0, 0.0)}, "nothing seen yet"
    async with lim.slot(*READ):
        pass
    seen = {g.name: (g.in_window, g.blocked_for_s) for g in lim.budget().gates}
    assert seen == {"account": (1, 0.0), "ip": (1, 0.0), "messages": (0, 0.0), "quotes": (0, 0.0), "bookings": (0, 0.0)}
    await lim.aclose()
