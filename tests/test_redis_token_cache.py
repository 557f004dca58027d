"""Machines that use one account share one access token through Redis (`RedisTokenCache`).

Against a real redis-server (`redis_url` in conftest: CI's, or one started here; skipped with the
reason when there is none).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hostaway_mcp.auth import AccessToken
from hostaway_mcp.config import Settings
from hostaway_mcp.gateway import HostawayGateway
from hostaway_mcp.ratelimit.coordination import open_coordination
from hostaway_mcp.redis_token_cache import RedisTokenCache, make_token_cache
from tests.conftest import PLANTED_TOKEN, FakeClock

API = "https://x.test/v1"


def cache_on(redis_url: str, account: str = "1") -> RedisTokenCache:
    from redis.asyncio import Redis

    return RedisTokenCache(Redis.from_url(redis_url), account, API)


async def test_the_redis_token_cache_is_chosen_by_the_url(
    settings_factory: Callable[..., Settings], redis_url: str
) -> None:
    cache = make_token_cache(settings_factory(redis_url=redis_url))
    assert isinstance(cache, RedisTokenCache)
    await cache.aclose()
    assert make_token_cache(settings_factory()) is None
    assert make_token_cache(settings_factory(redis_url=redis_url, demo=True)) is None


async def machine(settings: Settings, sandbox: Any, clock: FakeClock) -> HostawayGateway:
    """One server run on its own "machine": its own coordination, gateway and cache folder."""
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


async def test_gateways_on_different_machines_mint_one_token(
    settings_factory: Callable[..., Settings],
    sandbox_factory: Callable[..., Any],
    clock: FakeClock,
    redis_url: str,
    redis_client: Any,
) -> None:
    sandbox = sandbox_factory()
    first_settings = settings_factory(redis_url=redis_url, cache_dir=Path(os.devnull) / "unused-a")
    second_settings = settings_factory(redis_url=redis_url, cache_dir=Path(os.devnull) / "unused-b")

    first = await machine(first_settings, sandbox, clock)
    second = await machine(second_settings, sandbox, clock)
    assert first.tokens.mint_count == 1
    assert second.tokens.mint_count == 0, "the second machine reuses the token the first one stored"
    mints = [r for r in sandbox.request_log if r.path.strip("/") == "accessTokens"]
    assert len(mints) == 1

    # The token expires: one machine re-mints; the other picks the new token up from Redis.
    sandbox.expire_tokens()
    third = await machine(second_settings, sandbox, clock)
    assert third.tokens.mint_count == 1
    fourth = await machine(first_settings, sandbox, clock)
    assert fourth.tokens.mint_count == 0


async def test_clearing_a_stale_token_keeps_a_fresh_one_from_another_machine(redis_url: str, redis_client: Any) -> None:
    now = time.time()
    a, b, other_account = cache_on(redis_url), cache_on(redis_url), cache_on(redis_url, account="2")
    await a.store(AccessToken("old", now, now + 1e6))
    assert await b.load() == AccessToken("old", now, now + 1e6)
    await b.store(AccessToken("new", now, now + 1e6))  # machine b refreshed first
    await a.clear()  # machine a saw "old" fail: it must not delete b's "new"
    assert await a.load() == AccessToken("new", now, now + 1e6)
    await a.clear()
    assert await b.load() is None
    assert await other_account.load() is None
    for cache in (a, b, other_account):
        await cache.aclose()


def _record(**changes: Any) -> bytes:
    record: dict[str, Any] = {
        "account_id": "59808",
        "base_url": "https://api.hostaway.com/v1",
        "access_token": "tok",
        "issued_at": 1.0,
        "expires_at": 4e9,
    }
    record.update(changes)
    return json.dumps(record).encode()


CORRUPT_VALUES = {
    "invalid-utf8": b'{"access_token": "\xff\xfe"}',
    "not-json": b"{not json",
    "a-list": b'["a list"]',
    "token-a-number": _record(access_token=12345),
    "token-with-a-newline": _record(access_token="abc\r\nX-Injected: 1"),
    "time-a-string": _record(issued_at="yesterday"),
    "time-a-bool": _record(expires_at=True),
    "foreign-account": _record(account_id="1"),
}


@pytest.mark.parametrize("value", CORRUPT_VALUES.values(), ids=CORRUPT_VALUES.keys())
async def test_a_corrupt_shared_token_is_discarded_with_one_warning_and_re_minted(
    value: bytes,
    settings_factory: Callable[..., Settings],
    sandbox_factory: Callable[..., Any],
    clock: FakeClock,
    redis_url: str,
    redis_client: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = settings_factory(redis_url=redis_url, cache_dir=Path(os.devnull) / "unused")
    cache = make_token_cache(settings)
    assert cache is not None
    await redis_client.set(cache.key, value)
    await cache.aclose()

    gateway = await machine(settings, sandbox_factory(), clock)

    assert gateway.tokens.mint_count == 1
    warnings = [r for r in caplog.records if "shared access token in Redis" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    stored = AccessToken.parse(await redis_client.get(cache.key), settings.effective_account_id, settings.base_url)
    assert stored == gateway.tokens.current, "the fresh token replaced the corrupt value"


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers: a Redis that hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


async def test_a_slow_redis_never_blocks_the_event_loop(silent_server: int) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(f"redis://127.0.0.1:{silent_server}/0", socket_timeout=30, socket_connect_timeout=30)
    cache = RedisTokenCache(client, "1", API)
    loading = asyncio.ensure_future(cache.load())
    ticks = 0
    for _ in range(20):  # other work keeps running while the cache waits for its answer
        await asyncio.sleep(0.005)
        ticks += 1
    assert ticks == 20
    assert not loading.done(), "the cache is still waiting on Redis, yet the loop kept serving"
    loading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loading
    await cache.aclose()


async def test_an_unreachable_redis_means_minting_not_failing(
    settings_factory: Callable[..., Settings],
    sandbox_factory: Callable[..., Any],
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.conftest import free_port

    settings = settings_factory(redis_url=f"redis://127.0.0.1:{free_port()}/0", cache_dir=Path(os.devnull) / "x")
    gateway = await machine(settings, sandbox_factory(), clock)
    assert gateway.tokens.mint_count == 1
    assert "could not read the shared access token from Redis" in caplog.text
    assert "could not share the access token through Redis" in caplog.text
    assert PLANTED_TOKEN not in caplog.text
