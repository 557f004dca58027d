"""What a 429 tells us: Hostaway's `X-RateLimit-*` headers, parsed without trusting them.

Hostaway documents four headers on 429 answers (changelog 2026-08-20):

- `X-RateLimit-Retry-After`: when the gate opens again, as a **Unix timestamp** (not seconds);
- `X-RateLimit-Applied`: which gate refused us, one of `endpoint`, `account`, `ip`, `provider`;
- `X-RateLimit-Limit` and `X-RateLimit-Remaining`: that gate's size and what is left of it.

A value that does not parse, or makes no sense (a negative count, a time that is not finite),
is dropped on its own; the limiter acts only on what is left. The suppression a 429 asks for is
capped at `MAX_SUPPRESSION_S`, so a wrong clock or a wrong header cannot stop us for long.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from hostaway_mcp.ratelimit.gates import Gate, GateName

Applied = Literal["endpoint", "account", "ip", "provider"]
MAX_SUPPRESSION_S = 60.0
_APPLIED: tuple[Applied, ...] = ("endpoint", "account", "ip", "provider")


@dataclass(frozen=True)
class RateLimitHeaders:
    """The parsed `X-RateLimit-*` headers of one 429 (None: absent or malformed)."""

    present: bool  # any X-RateLimit-* header at all, well-formed or not
    retry_at: float | None = None
    applied: Applied | None = None
    limit: int | None = None
    remaining: int | None = None


def parse(headers: Mapping[str, str]) -> RateLimitHeaders:
    """Header names in any case; every value checked on its own."""
    ours = {name.lower(): value for name, value in headers.items() if name.lower().startswith("x-ratelimit-")}
    if not ours:
        return RateLimitHeaders(False)
    applied_raw = (ours.get("x-ratelimit-applied") or "").strip().lower()
    return RateLimitHeaders(
        present=True,
        retry_at=_timestamp(ours.get("x-ratelimit-retry-after")),
        applied=next((a for a in _APPLIED if a == applied_raw), None),
        limit=_count(ours.get("x-ratelimit-limit"), minimum=1),
        remaining=_count(ours.get("x-ratelimit-remaining"), minimum=0),
    )


def named_gate(applied: Applied | None, gates: tuple[Gate, ...]) -> Gate | None:
    """The gate among the request's own that the header names.

    `endpoint` is the request's own bucket, `account` and `ip` the general gates; `provider`
    (a limit of the channel behind Hostaway, which we do not model) stops the request's first
    gate, so requests of the same kind pause while others go on.
    """
    if applied is None or not gates:
        return None
    wanted: tuple[GateName, ...]
    if applied == "endpoint":
        wanted = ("messages", "quotes", "bookings")
    elif applied == "provider":
        return gates[0]
    else:
        wanted = (applied,)
    return next((gate for gate in gates if gate.name in wanted), None)


def suppression_until(retry_at: float | None, now: float) -> float | None:
    """When a suppressed gate opens again: the server's time, at most `MAX_SUPPRESSION_S` away."""
    if retry_at is None or retry_at <= now:
        return None
    return min(retry_at, now + MAX_SUPPRESSION_S)


def _timestamp(raw: str | None) -> float | None:
    try:
        value = float((raw or "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def _count(raw: str | None, *, minimum: int) -> int | None:
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:  # a plain whole number of sane size
        return None
    value = int(text)
    return value if value >= minimum else None
