"""The retry policy of the gateway, as small functions: what is retried, and how long to wait.

A read (GET, or the token exchange, which is harmless to repeat) is retried on any transport
error, on 429 and on 5xx. A write (POST, PUT, DELETE) is sent at most once: it is retried only
when the error proves it never left this machine (connection refused, connect timeout, no free
connection). A write answered 429 was rejected unprocessed, but the rule stays simple: a write
that reached Hostaway is never sent again, whatever the answer.

Waits: the server's own word first (`X-RateLimit-Retry-After`, a Unix timestamp, then the plain
`Retry-After` in seconds or as an HTTP date), else capped exponential backoff with jitter. The
gateway stops after `max_attempts`, or when the next wait would take the total past
`max_retry_time_s` (an absurd Retry-After ends the retries instead of hanging the call).

Shaped after the anthropic SDK's `_should_retry` / `_calculate_retry_timeout`: the gateway's send
loop calls these and holds no policy of its own; `tests/test_retry_policy.py` tables them.
"""

from __future__ import annotations

import email.utils
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 8.0
JITTER_S = 0.5
# Errors that prove the request never reached Hostaway, so even a write may be sent again.
NEVER_SENT: tuple[type[httpx.TransportError], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryBudget:
    """How far one request may be retried: attempts (the first included) and seconds of waiting."""

    max_attempts: int
    max_retry_time_s: float


def is_read(method: str, *, retry_like_read: bool = False) -> bool:
    """Reads may be repeated; so may a write the caller declares harmless (the token exchange)."""
    return method.upper() == "GET" or retry_like_read


def is_retryable_status(status: int, *, read: bool) -> bool:
    """429 and 5xx are worth another try for a read; a write's answer, whatever it is, is final."""
    return read and (status == 429 or status >= 500)


def is_retryable_error(exc: BaseException, *, read: bool) -> bool:
    """A read retries any transport failure; a write only one that proves it was never sent."""
    if not isinstance(exc, httpx.TransportError):
        return False
    return read or isinstance(exc, NEVER_SENT)


def retry_after_s(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asked us to wait, or None when it said nothing usable.

    `X-RateLimit-Retry-After` is Hostaway's: a Unix timestamp (a moment already past means "now").
    `Retry-After` is the standard one: seconds, or an HTTP date. Malformed values are ignored.
    """
    stamp = _finite(headers.get("X-RateLimit-Retry-After"))
    if stamp is not None and stamp > 0:
        return max(0.0, stamp - now)
    raw = (headers.get("Retry-After") or "").strip()
    if not raw:
        return None
    seconds = _finite(raw)
    if seconds is None:
        try:
            seconds = email.utils.parsedate_to_datetime(raw).timestamp() - now
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return seconds if seconds >= 0 else None


def backoff_s(failed_attempts: int, rng: random.Random | None = None) -> float:
    """0.5 s, 1 s, 2 s ... capped at 8 s, plus up to half a second of jitter (spreads a herd)."""
    exponent = max(0, failed_attempts - 1)
    base = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2.0 ** min(exponent, 16))
    return base + (rng or random).uniform(0.0, JITTER_S)


def wait_before_retry_s(failed_attempts: int, asked_s: float | None, rng: random.Random | None = None) -> float:
    """What the server asked for if it asked, else backoff."""
    return asked_s if asked_s is not None else backoff_s(failed_attempts, rng)


def may_retry(budget: RetryBudget, failed_attempts: int, waited_s: float, next_wait_s: float) -> bool:
    """Another attempt is allowed while attempts remain and the waiting stays within the budget."""
    return failed_attempts < budget.max_attempts and waited_s + next_wait_s <= budget.max_retry_time_s


def _finite(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None
