"""The Redis backend: every machine of the account shares the state in one Redis key.

The state is the same `SharedState` the file holds, kept as one JSON value per Hostaway API root
(the per-IP gates live in it too, keyed by egress). A transaction reads the value, its version
and the Redis server's clock in one script, lets the limiter change it, and writes it back only
if the version is unchanged (a compare-and-set script); a lost race is simply run again. So a
request takes every gate at once on every machine, and machines with skewed clocks agree, since
every time comes from the Redis server (tests may inject a clock).

The key expires when nobody has used it for ten minutes. A flushed or evicted key is a lost
state: the limiter rebuilds it conservatively (see `state.rejoin`); a marker written with it
(five minutes) tells a machine that never saw the state that it was there lately.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from hostaway_mcp.ratelimit.state import SharedState, StateShapeError
from hostaway_mcp.ratelimit.store import Loaded, SharedStateError, T
from hostaway_mcp.shared_keys import KEY_PREFIX

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("hostaway_mcp.ratelimit")

TTL_MS = 600_000
MAX_RACES = 200  # compare-and-set rounds lost in a row before we call the store unusable

# KEYS: state, version, a marker that outlives neither an eviction nor a flush of the state
# alone: "someone wrote the state within the last few minutes".
_READ_LUA = """
local t = redis.call('TIME')
return {redis.call('GET', KEYS[1]) or '', redis.call('GET', KEYS[2]) or '', t[1], t[2],
        redis.call('EXISTS', KEYS[3])}
"""
_WRITE_LUA = """
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[5])
return 1
"""
MARKER_TTL_MS = 300_000


class RedisStore:
    scope = "this account on every machine (Redis)"

    def __init__(self, client: Redis, name: str, *, clock: Callable[[], float] | None = None) -> None:
        self._redis = client
        base = f"{KEY_PREFIX}:limiter:{name}"
        self.keys = [base, f"{base}:version", f"{base}:written-lately"]
        self._clock = clock
        self._read = client.register_script(_READ_LUA)
        self._write = client.register_script(_WRITE_LUA)
        self.races = 0

    async def transact(self, change: Callable[[Loaded, float], T]) -> T:
        from redis.exceptions import RedisError

        try:
            for _ in range(MAX_RACES):
                raw, version, seconds, micros, marked = await self._read(keys=self.keys)
                now = self._clock() if self._clock is not None else int(seconds) + int(micros) / 1e6
                loaded = _parse(raw, written_lately=bool(int(marked)))
                result = change(loaded, now)
                new_version = secrets.token_hex(8)
                args = [version, new_version, loaded.state.to_json(), TTL_MS, MARKER_TTL_MS]
                if await self._write(keys=self.keys, args=args):
                    return result
                self.races += 1
                await asyncio.sleep(0)
        except RedisError as exc:
            raise SharedStateError(f"Redis is unreachable ({type(exc).__name__})") from None
        raise SharedStateError("the shared rate-limit state in Redis changed under every attempt")

    def peek(self) -> SharedState | None:
        return None  # asking Redis here would block the event loop; the limiter keeps its last view

    async def aclose(self) -> None:
        await self._redis.aclose()


def _parse(raw: bytes | str, *, written_lately: bool) -> Loaded:
    if not raw:
        return Loaded(SharedState(), fresh=True, lost=written_lately)
    try:
        return Loaded(SharedState.from_json(raw))
    except StateShapeError as exc:
        logger.warning("the shared rate-limit state in Redis was unusable (%s); discarded and rebuilt", exc)
        return Loaded(SharedState(), fresh=True, problem=str(exc), lost=True)
