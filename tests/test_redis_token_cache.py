"""Machines that use one account share one access token through Redis (`RedisTokenCache`)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hostaway_mcp.config import Settings
from hostaway_mcp.gateway import HostawayGateway
from hostaway_mcp.ratelimit_shared import open_coordination
from hostaway_mcp.redis_token_cache import RedisTokenCache, make_token_cache
from tests.conftest import FakeClock


def test_the_redis_token_cache_is_chosen_by_the_url(settings_factory: Callable[..., Settings], redis_url: str) -> None:
    cache = make_token_cache(settings_factory(redis_url=redis_url))
    assert isinstance(cache, RedisTokenCache)
    cache.close()
    assert make_token_cache(settings_factory()) is None


async def test_gateways_on_different_machines_mint_one_token(
    settings_factory: Callable[..., Settings], sandbox_factory: Callable[..., Any], clock: FakeClock, redis_url: str
) -> None:
    from redis import Redis

    Redis.from_url(redis_url).flushdb()
    sandbox = sandbox_factory()
    first_settings = settings_factory(redis_url=redis_url, cache_dir=Path(os.devnull) / "unused-a")
    second_settings = settings_factory(redis_url=redis_url, cache_dir=Path(os.devnull) / "unused-b")

    async def machine(settings: Settings) -> HostawayGateway:
        async with open_coordination(settings, clock=clock, sleep=clock.sleep) as shared:
            gateway = HostawayGateway(
                settings,
                transport=sandbox.transport(),
                limiter=shared.limiter,
                token_cache=shared.token_cache,
                clock=clock,
                wall_clock=clock,
                sleep=clock.sleep,
            )
            async with gateway:
                await gateway.get("listings", {"limit": 1})
            return gateway

    first = await machine(first_settings)
    second = await machine(second_settings)
    assert first.tokens.mint_count == 1
    assert second.tokens.mint_count == 0, "the second machine reuses the token the first one stored"
    mints = [r for r in sandbox.request_log if r.path.strip("/") == "accessTokens"]
    assert len(mints) == 1

    # The token expires: one machine re-mints; the other picks the new token up from Redis.
    sandbox.expire_tokens()
    third = await machine(second_settings)
    assert third.tokens.mint_count == 1
    fourth = await machine(first_settings)
    assert fourth.tokens.mint_count == 0


def test_clearing_a_stale_token_keeps_a_fresh_one_from_another_machine(redis_url: str) -> None:
    from redis import Redis

    from hostaway_mcp.auth import AccessToken

    Redis.from_url(redis_url).flushdb()
    now = time.time()
    a = RedisTokenCache(Redis.from_url(redis_url), "1", "https://x.test/v1")
    b = RedisTokenCache(Redis.from_url(redis_url), "1", "https://x.test/v1")
    a.store(AccessToken("old", now, now + 1e6))
    assert b.load() == AccessToken("old", now, now + 1e6)
    b.store(AccessToken("new", now, now + 1e6))  # machine b refreshed first
    a.clear()  # machine a saw "old" fail: it must not delete b's "new"
    assert a.load() == AccessToken("new", now, now + 1e6)
    a.clear()
    assert b.load() is None
    other_account = RedisTokenCache(Redis.from_url(redis_url), "2", "https://x.test/v1")
    assert other_account.load() is None
    for cache in (a, b, other_account):
        cache.close()
