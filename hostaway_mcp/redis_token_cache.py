"""The access token in Redis, shared by every machine of an account (`HOSTAWAY_REDIS_URL`).

Machines that use one Hostaway account reuse one token this way instead of each minting its own.
It uses redis's asyncio client: a cold start or a refresh waits on the network (up to the socket
timeout) without holding up the event loop, so other tool calls keep being served meanwhile.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from hostaway_mcp.auth import AccessToken, TokenRecordError
from hostaway_mcp.config import Settings
from hostaway_mcp.ratelimit import Clock
from hostaway_mcp.shared_keys import KEY_PREFIX, digest

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)

# How long one Redis command may take before the cache gives up (and the server mints instead).
SOCKET_TIMEOUT_S = 2.0

# Delete the stored token only if it is the one this process saw (compare-and-delete). A value
# that is not JSON at all is deleted too: it can only be in the way.
_CLEAR_TOKEN_LUA = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= 'table' or record['access_token'] == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisTokenCache:
    """The access token in Redis, for every machine of the account (the `TokenCache` protocol).

    Same contract as `auth.TokenFileCache`: an unusable value is discarded with one warning, and
    an unreachable Redis only means minting more often. `clear()` only deletes the token this
    process last saw, so a process refreshing a stale token never throws away a fresh one another
    machine stored.
    """

    def __init__(self, client: Redis, account_id: str, base_url: str, *, wall_clock: Clock = time.time) -> None:
        self._redis = client
        self.key = f"{KEY_PREFIX}:token:{digest(account_id, base_url)}"
        self._account_id = account_id
        self._base_url = base_url
        self._now = wall_clock
        self._seen: str | None = None
        self._warned: set[str] = set()

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            logger.warning("%s", message)

    async def load(self) -> AccessToken | None:
        from redis.exceptions import RedisError

        try:
            raw = await self._redis.get(self.key)
        except RedisError as exc:
            self._warn_once(f"could not read the shared access token from Redis ({type(exc).__name__})")
            return None
        if raw is None:
            return None
        try:
            token = AccessToken.parse(raw, self._account_id, self._base_url)
        except TokenRecordError as exc:
            self._warn_once(f"the shared access token in Redis ({self.key}) {exc}; discarded and re-minted")
            return None
        self._seen = token.value
        return token

    async def store(self, token: AccessToken) -> None:
        from redis.exceptions import RedisError

        ttl = max(1, int(token.expires_at - self._now()))
        try:
            await self._redis.set(self.key, token.to_json(self._account_id, self._base_url), ex=ttl)
        except RedisError as exc:
            self._warn_once(f"could not share the access token through Redis ({type(exc).__name__})")
            return
        self._seen = token.value

    async def clear(self) -> None:
        from redis.exceptions import RedisError

        seen, self._seen = self._seen, None
        try:
            await self._redis.eval(_CLEAR_TOKEN_LUA, 1, self.key, seen or "")
        except RedisError as exc:
            self._warn_once(f"could not clear the shared access token in Redis ({type(exc).__name__})")

    async def aclose(self) -> None:
        await self._redis.aclose()


def make_token_cache(settings: Settings, *, wall_clock: Clock = time.time) -> RedisTokenCache | None:
    """A Redis token cache when `HOSTAWAY_REDIS_URL` is set (not in demo mode), else None."""
    if settings.redis_url is None or settings.demo:
        return None
    from redis.asyncio import Redis as AsyncRedisClient

    client = AsyncRedisClient.from_url(
        settings.redis_url.get_secret_value(),
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=SOCKET_TIMEOUT_S,
    )
    return RedisTokenCache(client, settings.effective_account_id, settings.base_url, wall_clock=wall_clock)
