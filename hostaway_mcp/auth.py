"""Access tokens: mint once, reuse for months, refresh once when Hostaway says 403.

Hostaway asks clients to store and reuse tokens (they live for months), a fresh token is only
accepted ~1 s after issue, and an expired one is answered with 403. So the manager

- mints single-flight under a lock: twenty concurrent first calls cause one token request;
- waits out the not-before second of a freshly minted token before handing it out;
- persists the token to a 0600 file in the user's cache folder, keyed by account and API root,
  so a desktop host restarting the server does not mint a new token each time; a stored token
  that is corrupt, tampered with or dated in the future is discarded (one warning) and re-minted;
- refreshes only the token that failed (`refresh(stale)`): concurrent 403s cause one re-mint.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hostaway_mcp import statefiles
from hostaway_mcp.ratelimit import Clock, Sleep

logger = logging.getLogger(__name__)

TOKEN_NOT_BEFORE_S = 1.0
# Re-mint a little before expiry rather than meet a 403 in the middle of a user's question.
EXPIRY_MARGIN_S = 24 * 3600.0
# A token is accepted about a second after it is issued. A stored one dated further ahead than this
# was stamped by a clock that is wrong (or by someone else): waiting for it could take forever.
MAX_NOT_BEFORE_WAIT_S = 5.0
# What an HTTP header value may hold; anything else in a stored token would break every request.
_TOKEN_CHARS = re.compile(r"[\x21-\x7e]{1,4096}")


class TokenRecordError(ValueError):
    """A stored token record is unusable; the message says why (never the token itself)."""


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
    def parse(cls, raw: str | bytes, account_id: str, base_url: str) -> AccessToken:
        """The token stored in `raw`; `TokenRecordError` if it is corrupt or someone else's.

        Every field is checked for its type, not converted: a record that only parses by luck
        (a number for the token, a string for a time) was not written by us.
        """
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            raise TokenRecordError("is not valid UTF-8 JSON") from None
        if not isinstance(data, dict):
            raise TokenRecordError("is not a token record")
        if data.get("account_id") != account_id or data.get("base_url") != base_url:
            raise TokenRecordError("belongs to another account or API root")
        value = data.get("access_token")
        if not isinstance(value, str) or not _TOKEN_CHARS.fullmatch(value):
            raise TokenRecordError("holds no usable access token")
        issued_at, expires_at = _finite(data.get("issued_at")), _finite(data.get("expires_at"))
        if issued_at is None or expires_at is None:
            raise TokenRecordError("has no valid issue and expiry times")
        return cls(value=value, issued_at=issued_at, expires_at=expires_at)


def _finite(value: object) -> float | None:
    """A JSON number that is a real time (not a bool, NaN or infinity), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer with hundreds of digits
        return None
    return number if math.isfinite(number) else None


MintToken = Callable[[], Awaitable[AccessToken]]


class TokenCache(Protocol):
    """Where a token is kept between runs: `TokenFileCache`, or `redis_token_cache.RedisTokenCache`.

    Async, because a shared store answers over the network. `load` returns None for anything
    unusable (it says so in the log once), and no method raises: a cache that fails only means
    minting more often.
    """

    async def load(self) -> AccessToken | None: ...

    async def store(self, token: AccessToken) -> None: ...

    async def clear(self) -> None: ...


class TokenFileCache:
    """One JSON file per (account, API root), readable only by its owner (see `statefiles`).

    The file is a few hundred bytes in a local folder, so it is read and written directly: the
    event loop never waits on it for long enough to matter.
    """

    WHAT = "access-token cache"

    def __init__(self, directory: Path, account_id: str, base_url: str) -> None:
        key = hashlib.sha256(f"{account_id}|{base_url}".encode()).hexdigest()[:16]
        self.path = directory / f"token-{key}.json"
        self._account_id = account_id
        self._base_url = base_url

    def read(self) -> AccessToken | None:
        """The cached token, or None if absent or unusable (corrupt, tampered, someone else's)."""
        raw = statefiles.read_text(self.path, what=self.WHAT)
        if raw is None:
            return None
        try:
            return AccessToken.parse(raw, self._account_id, self._base_url)
        except TokenRecordError as exc:
            statefiles.discard(self.path, what=self.WHAT, reason=str(exc))
            return None

    async def load(self) -> AccessToken | None:
        return self.read()

    async def store(self, token: AccessToken) -> None:
        try:
            statefiles.write_atomic(self.path, token.to_json(self._account_id, self._base_url))
        except OSError as exc:
            # A read-only home folder must not stop the server; we just mint more often.
            logger.warning("could not cache the access token (%s); continuing without", exc.strerror or exc)

    async def clear(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()  # a symlink in its place is removed, never its target


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
                    token = await self._from_cache() or await self._mint_new()
        await self._wait_until_valid(token)
        return token.value

    async def refresh(self, stale: str) -> str:
        """Replace `stale` after Hostaway rejected it; a no-op if someone already replaced it."""
        async with self._lock:
            current = self._token
            if current is None or current.value == stale:
                if self._cache is not None:
                    await self._cache.clear()
                current = await self._mint_new()
        await self._wait_until_valid(current)
        return current.value

    async def cached(self) -> AccessToken | None:
        """What the cache holds now (for status reports); not adopted, nothing minted."""
        return await self._cache.load() if self._cache is not None else None

    async def _from_cache(self) -> AccessToken | None:
        if self._cache is None:
            return None
        cached = await self._cache.load()
        now = self._now()
        if cached is None or not cached.usable_at(now):
            return None
        if cached.issued_at + self._not_before_s - now > MAX_NOT_BEFORE_WAIT_S:
            logger.warning(
                "the cached access token is dated %.0f s in the future (a clock was wrong); minting a new one",
                cached.issued_at - now,
            )
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
            await self._cache.store(token)
        return token

    async def _wait_until_valid(self, token: AccessToken) -> None:
        # Capped: however the issue time came to be, a call never waits more than a few seconds.
        wait = min(token.issued_at + self._not_before_s - self._now(), MAX_NOT_BEFORE_WAIT_S)
        if wait > 0:
            await self._sleep(wait)
