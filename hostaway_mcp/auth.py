"""Access tokens: mint once, reuse for months, refresh once when Hostaway says 403.

Hostaway asks clients to store and reuse tokens (they live for months), a fresh token is only
accepted ~1 s after issue, and an expired one is answered with 403. So the manager

- mints single-flight under a lock: twenty concurrent first calls cause one token request;
- waits out the not-before second of a freshly minted token before handing it out;
- persists the token to a 0600 file in the user's cache folder, keyed by account and API root,
  so a desktop host restarting the server does not mint a new token each time;
- refreshes only the token that failed (`refresh(stale)`): concurrent 403s cause one re-mint.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hostaway_mcp.ratelimit import Clock, Sleep

logger = logging.getLogger(__name__)

TOKEN_NOT_BEFORE_S = 1.0
# Re-mint a little before expiry rather than meet a 403 in the middle of a user's question.
EXPIRY_MARGIN_S = 24 * 3600.0


@dataclass(frozen=True)
class AccessToken:
    value: str
    issued_at: float  # wall-clock seconds, so it survives a restart
    expires_at: float

    def usable_at(self, now: float) -> bool:
        return now < self.expires_at - EXPIRY_MARGIN_S

    def to_json(self, account_id: str, base_url: str) -> str:
        """The stored form, labelled with whose token it is so a cache never hands out another's."""
        return json.dumps(
            {
                "account_id": account_id,
                "base_url": base_url,
                "access_token": self.value,
                "issued_at": self.issued_at,
                "expires_at": self.expires_at,
            }
        )

    @classmethod
    def from_json(cls, raw: str | bytes, account_id: str, base_url: str) -> AccessToken | None:
        """The token stored in `raw`, or None if it is corrupt or belongs to another account or API."""
        try:
            data = json.loads(raw)
            if data.get("account_id") != account_id or data.get("base_url") != base_url:
                return None
            return cls(
                value=str(data["access_token"]),
                issued_at=float(data["issued_at"]),
                expires_at=float(data["expires_at"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


MintToken = Callable[[], Awaitable[AccessToken]]


class TokenCache(Protocol):
    """Where a token is kept between runs: `TokenFileCache`, or `redis_token_cache.RedisTokenCache`."""

    def load(self) -> AccessToken | None: ...

    def store(self, token: AccessToken) -> None: ...

    def clear(self) -> None: ...


class TokenFileCache:
    """One JSON file per (account, API root), readable only by its owner."""

    def __init__(self, directory: Path, account_id: str, base_url: str) -> None:
        key = hashlib.sha256(f"{account_id}|{base_url}".encode()).hexdigest()[:16]
        self.path = directory / f"token-{key}.json"
        self._account_id = account_id
        self._base_url = base_url

    def load(self) -> AccessToken | None:
        """The cached token, or None if absent, unreadable, corrupt or for someone else."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except OSError:
            return None
        return AccessToken.from_json(raw, self._account_id, self._base_url)

    def store(self, token: AccessToken) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(token.to_json(self._account_id, self._base_url))
            os.chmod(tmp, 0o600)  # O_CREAT's mode is masked by umask; be explicit
            os.replace(tmp, self.path)
        except OSError as exc:
            # A read-only home folder must not stop the server; we just mint more often.
            logger.warning("could not cache the access token (%s); continuing without", exc.strerror)

    def clear(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()


class TokenManager:
    """Hands out a valid bearer token; see the module docstring for the rules."""

    def __init__(
        self,
        mint: MintToken,
        *,
        cache: TokenCache | None = None,
        wall_clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        not_before_s: float = TOKEN_NOT_BEFORE_S,
    ) -> None:
        self._mint = mint
        self._cache = cache
        self._now = wall_clock
        self._sleep = sleep
        self._not_before_s = not_before_s
        self._lock = asyncio.Lock()
        self._token: AccessToken | None = None
        self.mint_count = 0

    @property
    def current(self) -> AccessToken | None:
        return self._token

    async def token(self) -> str:
        """A token that Hostaway will accept now, minting one if needed."""
        token = self._token
        if token is None or not token.usable_at(self._now()):
            async with self._lock:
                token = self._token
                if token is None or not token.usable_at(self._now()):
                    token = self._from_cache() or await self._mint_new()
        await self._wait_until_valid(token)
        return token.value

    async def refresh(self, stale: str) -> str:
        """Replace `stale` after Hostaway rejected it; a no-op if someone already replaced it."""
        async with self._lock:
            current = self._token
            if current is None or current.value == stale:
                if self._cache is not None:
                    self._cache.clear()
                current = await self._mint_new()
        await self._wait_until_valid(current)
        return current.value

    def _from_cache(self) -> AccessToken | None:
        if self._cache is None:
            return None
        cached = self._cache.load()
        if cached is None or not cached.usable_at(self._now()):
            return None
        logger.debug("reusing the cached access token")
        self._token = cached
        return cached

    async def _mint_new(self) -> AccessToken:
        token = await self._mint()
        self.mint_count += 1
        self._token = token
        logger.info("minted a new Hostaway access token")
        if self._cache is not None:
            self._cache.store(token)
        return token

    async def _wait_until_valid(self, token: AccessToken) -> None:
        wait = token.issued_at + self._not_before_s - self._now()
        if wait > 0:
            await self._sleep(wait)
