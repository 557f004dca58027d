"""The token manager's rules, one at a time, with a counting mint and a fake clock.

One mint however many callers arrive together; a refresh replaces only the token that failed
(concurrent 403s: one re-mint); a fresh token waits out its not-before second and never more
than the cap; a cached token is reused only while it has more than a day left.
"""

from __future__ import annotations

import asyncio

import pytest

from hostaway_mcp.auth import EXPIRY_MARGIN_S, MAX_NOT_BEFORE_WAIT_S, AccessToken, TokenManager
from tests.conftest import FakeClock

DAY = 86400.0


class CountingMint:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls = 0

    async def __call__(self) -> AccessToken:
        self.calls += 1
        await asyncio.sleep(0)  # let every concurrent caller pile up behind the lock
        now = self.clock()
        return AccessToken(f"token-{self.calls}", now, now + 180 * DAY)


class MemoryCache:
    def __init__(self, token: AccessToken | None = None) -> None:
        self.token = token
        self.loads = self.stores = self.clears = 0

    async def load(self) -> AccessToken | None:
        self.loads += 1
        return self.token

    async def store(self, token: AccessToken) -> None:
        self.stores += 1
        self.token = token

    async def clear(self) -> None:
        self.clears += 1
        self.token = None


def manager(clock: FakeClock, cache: MemoryCache | None = None) -> tuple[TokenManager, CountingMint]:
    mint = CountingMint(clock)
    return TokenManager(mint, cache=cache, wall_clock=clock, sleep=clock.sleep), mint


async def test_concurrent_first_calls_mint_once_and_wait_one_second(clock: FakeClock) -> None:
    tokens, mint = manager(clock)
    got = await asyncio.gather(*(tokens.token() for _ in range(20)))
    assert set(got) == {"token-1"} and mint.calls == 1 and tokens.mint_count == 1
    assert max(clock.sleeps) == pytest.approx(1.0)
    assert await tokens.token() == "token-1" and mint.calls == 1


async def test_concurrent_refreshes_of_one_stale_token_re_mint_once(clock: FakeClock) -> None:
    cache = MemoryCache()
    tokens, mint = manager(clock, cache)
    stale = await tokens.token()
    fresh = await asyncio.gather(*(tokens.refresh(stale) for _ in range(10)))
    assert set(fresh) == {"token-2"}, "every caller gets the one new token"
    assert mint.calls == 2
    assert cache.clears == 1, "the failed token is cleared once, not once per 403"
    assert cache.token is not None and cache.token.value == "token-2"


async def test_refreshing_a_token_someone_already_replaced_mints_nothing(clock: FakeClock) -> None:
    tokens, mint = manager(clock)
    first = await tokens.token()
    second = await tokens.refresh(first)
    assert await tokens.refresh(first) == second  # a late 403 for the old token
    assert mint.calls == 2


async def test_a_refresh_before_any_token_mints_one(clock: FakeClock) -> None:
    tokens, mint = manager(clock)
    assert await tokens.refresh("") == "token-1"
    assert mint.calls == 1


async def test_a_cached_token_is_reused_without_minting_or_waiting(clock: FakeClock) -> None:
    cached = AccessToken("cached", clock() - 60, clock() + 30 * DAY)
    cache = MemoryCache(cached)
    tokens, mint = manager(clock, cache)
    assert await tokens.token() == "cached"
    assert mint.calls == 0 and tokens.mint_count == 0 and cache.stores == 0
    assert clock.sleeps == []
    assert tokens.current == cached


@pytest.mark.parametrize(
    ("left_s", "reused"),
    [(EXPIRY_MARGIN_S + 1, True), (EXPIRY_MARGIN_S, False), (EXPIRY_MARGIN_S - 1, False), (-1, False)],
)
async def test_a_cached_token_near_its_expiry_is_replaced(clock: FakeClock, left_s: float, reused: bool) -> None:
    cache = MemoryCache(AccessToken("cached", clock() - DAY, clock() + left_s))
    tokens, mint = manager(clock, cache)
    assert (await tokens.token() == "cached") is reused
    assert mint.calls == (0 if reused else 1)
    assert cache.stores == (0 if reused else 1)


@pytest.mark.parametrize(
    ("ahead_s", "reused"),
    [(MAX_NOT_BEFORE_WAIT_S - 1.0, True), (MAX_NOT_BEFORE_WAIT_S - 0.5, False), (60.0, False)],
    ids=["at-the-cap", "past-the-cap", "a-minute-ahead"],
)
async def test_a_cached_token_from_the_future_is_reused_only_within_the_cap(
    clock: FakeClock, ahead_s: float, reused: bool
) -> None:
    cache = MemoryCache(AccessToken("cached", clock() + ahead_s, clock() + 30 * DAY))
    tokens, mint = manager(clock, cache)
    assert (await tokens.token() == "cached") is reused
    assert mint.calls == (0 if reused else 1)
    assert sum(clock.sleeps) <= MAX_NOT_BEFORE_WAIT_S + 1.0


@pytest.mark.parametrize(("age_s", "wait_s"), [(0.0, 1.0), (0.25, 0.75), (1.0, None), (5.0, None)])
async def test_the_not_before_wait_is_what_is_left_of_the_second(
    clock: FakeClock, age_s: float, wait_s: float | None
) -> None:
    cache = MemoryCache(AccessToken("cached", clock() - age_s, clock() + 30 * DAY))
    tokens, _ = manager(clock, cache)
    await tokens.token()
    assert clock.sleeps == ([] if wait_s is None else [pytest.approx(wait_s)])


async def test_cached_reports_the_cache_without_adopting_it(clock: FakeClock) -> None:
    stored = AccessToken("cached", clock(), clock() + DAY)
    tokens, mint = manager(clock, MemoryCache(stored))
    assert await tokens.cached() == stored
    assert tokens.current is None and mint.calls == 0
    no_cache, _ = manager(clock)
    assert await no_cache.cached() is None


def test_usable_until_a_day_before_expiry() -> None:
    token = AccessToken("t", 0.0, 10 * DAY)
    assert token.usable_at(9 * DAY - 1)
    assert not token.usable_at(9 * DAY)
    assert not token.usable_at(11 * DAY)


async def test_callers_keep_the_current_token_while_a_refresh_is_minting(clock: FakeClock) -> None:
    gate = asyncio.Event()
    calls = 0

    async def slow_mint() -> AccessToken:
        nonlocal calls
        calls += 1
        if calls > 1:
            await gate.wait()  # the re-mint hangs until the test lets it go
        return AccessToken(f"token-{calls}", clock() - 10, clock() + 180 * DAY)

    tokens = TokenManager(slow_mint, wall_clock=clock, sleep=clock.sleep)
    first = await tokens.token()
    refreshing = asyncio.ensure_future(tokens.refresh("someone-else's"))  # not ours: no re-mint
    assert await refreshing == first
    refreshing = asyncio.ensure_future(tokens.refresh(first))
    await asyncio.sleep(0)
    assert await asyncio.wait_for(tokens.token(), 1.0) == first, "a valid token never waits for a mint"
    gate.set()
    assert await refreshing == "token-2"


async def test_the_log_says_what_the_manager_did(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG, logger="hostaway_mcp.auth")
    cache = MemoryCache(AccessToken("cached", clock() - 60, clock() + 30 * DAY))
    tokens, _ = manager(clock, cache)
    await tokens.token()
    assert "reusing the cached access token" in caplog.messages
    future = MemoryCache(AccessToken("cached", clock() + 60, clock() + 30 * DAY))
    tokens, _ = manager(clock, future)
    await tokens.token()
    assert "the cached access token is dated 60 s in the future (a clock was wrong); minting a new one" in (
        caplog.messages
    )
    assert "minted a new Hostaway access token" in caplog.messages
