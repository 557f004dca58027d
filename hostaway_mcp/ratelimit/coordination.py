"""Choosing the limiter's backend from the settings, and what a server run shares with others.

- the file backend (default): every hostaway-mcp process on this machine, one state file per
  Hostaway API root in the cache folder;
- Redis (`HOSTAWAY_REDIS_URL`, extra `hostaway-mcp[redis]`): every machine of the account;
- in-process (`HOSTAWAY_SHARED_RATE_LIMIT=false`, and always for the demo account, which lives
  inside its process).

`open_coordination(settings, ...)` opens the limiter and the shared token cache for one run and
closes what it opened.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from hostaway_mcp.config import Settings
from hostaway_mcp.ratelimit.base import Clock, RateLimiter, Sleep
from hostaway_mcp.ratelimit.file import FileStore
from hostaway_mcp.ratelimit.gates import GatePlan, plan_gates
from hostaway_mcp.ratelimit.limiter import GateLimiter, owner_id
from hostaway_mcp.ratelimit.memory import MemoryStore
from hostaway_mcp.redis_token_cache import RedisTokenCache, make_token_cache
from hostaway_mcp.shared_keys import digest

logger = logging.getLogger("hostaway_mcp.ratelimit")


def default_max_in_flight_s(settings: Settings) -> float:
    """How long a slot may stay in flight before its process is presumed dead."""
    return max(120.0, 3 * (settings.timeout_s + settings.connect_timeout_s))


def gate_plan(settings: Settings) -> GatePlan:
    """The account's gates: the account by id and API root, the IP gate by egress."""
    egress = settings.rate_limit_egress or socket.gethostname()
    return plan_gates(
        digest(settings.effective_account_id, settings.base_url),
        digest(egress, settings.base_url),
        settings.gate_sizes,
        profile=settings.rate_limit_profile,
    )


def state_file(settings: Settings) -> Path:
    """The shared state's file: one per Hostaway API root (the per-IP gate spans accounts)."""
    return settings.cache_dir / f"ratelimit-{digest(settings.base_url)}.json"


def in_process_limiter(
    settings: Settings, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
) -> GateLimiter:
    """A limiter for this process alone (any clock will do: nobody else compares it)."""
    return GateLimiter(
        MemoryStore(clock),
        gate_plan(settings),
        clock=clock,
        sleep=sleep,
        adapt=settings.rate_limit_adapt,
        shared=False,
    )


def make_limiter(
    settings: Settings, *, clock: Clock = time.time, sleep: Sleep = asyncio.sleep, offload: bool = True
) -> GateLimiter | None:
    """The shared limiter the settings ask for, or None for the gateway's per-process one.

    `clock` must be wall-clock time (processes compare it); with Redis the server's clock is
    used unless a test passes one. Redis wins over the file when both are configured.
    """
    if settings.demo or not settings.shared_rate_limit:
        return None
    plan = gate_plan(settings)
    max_in_flight_s = default_max_in_flight_s(settings)
    if settings.redis_url is not None:
        from redis.asyncio import Redis as AsyncRedisClient

        from hostaway_mcp.ratelimit.redis_store import RedisStore

        client = AsyncRedisClient.from_url(settings.redis_url.get_secret_value(), socket_timeout=2.0)
        injected = None if clock is time.time else clock
        store = RedisStore(client, digest(settings.base_url), clock=injected)
        return GateLimiter(
            store,
            plan,
            clock=clock,
            sleep=sleep,
            owner=owner_id(nonce=True),
            max_in_flight_s=max_in_flight_s,
            adapt=settings.rate_limit_adapt,
        )
    try:
        file_store = FileStore(state_file(settings), clock, offload=offload)
    except OSError as exc:
        logger.warning(
            "cannot share the rate limit through %s (%s); limiting this process on its own",
            settings.cache_dir,
            exc.strerror or type(exc).__name__,
        )
        return None
    return GateLimiter(
        file_store, plan, clock=clock, sleep=sleep, max_in_flight_s=max_in_flight_s, adapt=settings.rate_limit_adapt
    )


@dataclass
class Coordination:
    """What the gateway shares with other processes; None means "the gateway's own default"."""

    limiter: RateLimiter | None = None
    token_cache: RedisTokenCache | None = None


@asynccontextmanager
async def open_coordination(
    settings: Settings,
    *,
    limiter: RateLimiter | None = None,
    clock: Clock = time.time,
    sleep: Sleep = asyncio.sleep,
) -> AsyncIterator[Coordination]:
    """The shared limiter and token cache for one server run; an injected `limiter` wins."""
    shared = Coordination(limiter=limiter)
    if limiter is None:
        shared.limiter = make_limiter(settings, clock=clock, sleep=sleep)
    shared.token_cache = make_token_cache(settings, wall_clock=clock)
    try:
        yield shared
    finally:
        if limiter is None and shared.limiter is not None:
            await shared.limiter.aclose()
        if shared.token_cache is not None:
            await shared.token_cache.aclose()
