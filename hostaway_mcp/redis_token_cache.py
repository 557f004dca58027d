"""The access token in Redis, shared by every machine of an account (`HOSTAWAY_REDIS_URL`).

Machines that use one Hostaway account reuse one token this way instead of each minting its own.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from hostaway_mcp.auth import AccessToken
from hostaway_mcp.config import Settings
from hostaway_mcp.ratelimit import Clock
from hostaway_mcp.shared_keys import KEY_PREFIX, digest

if TYPE_CHECKING:
    from redis import Redis

logger = logging.getLogger(__name__)


# Delete the stored token only if it is the one this process saw (compare-and-delete).
_CLEAR_TOKEN_LUA = """
local raw = redis.call('GET', KEYS[1])
if raw and cjson.decode(raw)['access_token'] == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisTokenCache:
    """The access token in Redis, for every machine of the account (the `TokenCache` protocol).

    Same contract as `auth.TokenFileCache`. `clear()` only deletes the token this process last saw,
    so a process refreshing a stale token never throws away a fresh one another machine stored.
    """

    def __init__(self, client: Redis, account_id: str, base_url: str, *, wall_clock: Clock = time.time) -> None:
        self._redis = client
        self.key = f"{KEY_PREFIX}:token:{digest(account_id, base_url)}"
        self._account_id = account_id
        self._base_url = base_url
        self._now = wall_clock
        self._seen: str | None = None

    def load(self) -> AccessToken | None:
        from redis.exceptions import RedisError

        try:
            raw = self._redis.get(self.key)
        except RedisError as exc:
            logger.warning("could not read the shared access token from Redis (%s)", type(exc).__name__)
            return None
        if raw is None:
            return None
        token = AccessToken.from_json(raw, self._account_id, self._base_url)
        if token is None:
            return None
        self._seen = token.value
        return token

    def store(self, token: AccessToken) -> None:
        from redis.exceptions import RedisError

        ttl = max(1, int(token.expires_at - self._now()))
        try:
            self._redis.set(self.key, token.to_json(self._account_id, self._base_url), ex=ttl)
        except RedisError as exc:
            logger.warning("could not share the access token through Redis (%s)", type(exc).__name__)
            return
        self._seen = token.value

    def clear(self) -> None:
        from redis.exceptions import RedisError

        if self._seen is None:
            return
        try:
            self._redis.eval(_CLEAR_TOKEN_LUA, 1, self.key, self._seen)
        except RedisError as exc:
            logger.warning("could not clear the shared access token in Redis (%s)", type(exc).__name__)
        self._seen = None

    def close(self) -> None:
        self._redis.close()


def make_token_cache(settings: Settings, *, wall_clock: Clock = time.time) -> RedisTokenCache | None:
    """A Redis token cache when `HOSTAWAY_REDIS_URL` is set (not in demo mode), else None."""
    if settings.redis_url is None or settings.demo:
        return None
    from redis import Redis as RedisClient

    client = RedisClient.from_url(settings.redis_url.get_secret_value(), socket_timeout=2.0)
    return RedisTokenCache(client, settings.effective_account_id, settings.base_url, wall_clock=wall_clock)
