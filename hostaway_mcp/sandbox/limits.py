"""Hostaway's rate limits as strict sliding windows, and the access-token lifecycle.

Limits, two profiles (`hostaway-api-2026.md` §4.1):

- `current` (the default; Hostaway's since 2026-08-20): 200 requests per 10 s per account and
  200 per IP ("general"), and three endpoint buckets per account that do not draw from the
  general pool: POST /conversations/{id}/messages 30 per 60 s, POST
  /listings/{id}/calendar/priceDetails 400 per 10 s, POST /reservations 200 per 10 s. A 429
  carries `X-RateLimit-Limit`, `-Remaining`, `-Retry-After` (a Unix timestamp) and `-Applied`
  (`endpoint|account|ip`).
- `legacy` (the limits before; some accounts may still run them): 15 per 10 s per IP and 20 per
  account, every endpoint included, and a 429 with no rate-limit headers.

The windows are strict and sliding on the injected clock: a request is admitted when fewer than
the limit were admitted in the preceding window (a request exactly one window old no longer
counts). Rejected requests are not recorded, so hammering a full window does not extend it.
Whether the token endpoint counts is UNCONFIRMED; the sandbox counts it (the conservative choice).

Tokens [D:_authentication]: a fresh token is rejected until `not_before_s` after issue (the docs
say wait 1 s), expires after `ttl_s`, and can be revoked or expired wholesale for tests. Every
failure is a 403 with a fail envelope; the exact body text is UNCONFIRMED.
"""

from __future__ import annotations

import base64
import json
import math
import secrets
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from hostaway_mcp.ratelimit.gates import GateName, endpoint_gate

Size = tuple[int, float]  # requests, window seconds


@dataclass(frozen=True)
class RateLimits:
    """One profile of limits: the general gates, the endpoint buckets, and whether 429s say which."""

    account: Size = (200, 10.0)
    ip: Size = (200, 10.0)
    endpoints: Mapping[GateName, Size] = field(
        default_factory=lambda: {"messages": (30, 60.0), "quotes": (400, 10.0), "bookings": (200, 10.0)}
    )
    headers: bool = True  # X-RateLimit-* on 429 (the current limits document them)

    @classmethod
    def profile(cls, name: Literal["current", "legacy"]) -> RateLimits:
        if name == "legacy":
            return cls(account=(20, 10.0), ip=(15, 10.0), endpoints={}, headers=False)
        return cls()

    def scaled(self, time_factor: float) -> RateLimits:
        """The same limits with every window `time_factor` times as long (benchmarks compress time)."""
        return RateLimits(
            (self.account[0], self.account[1] * time_factor),
            (self.ip[0], self.ip[1] * time_factor),
            {name: (n, w * time_factor) for name, (n, w) in self.endpoints.items()},
            self.headers,
        )


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused: the gate (as `X-RateLimit-Applied` names it) and its state."""

    applied: Literal["endpoint", "account", "ip"]
    limit: int
    opens_in_s: float  # until the oldest admitted request leaves that window


class RateLimiter:
    """Admits a request only if every window it counts in has room, and records it in each."""

    def __init__(self, limits: RateLimits | None = None) -> None:
        self.limits = limits or RateLimits()
        self._windows: dict[str, deque[float]] = {}

    def admit(self, method: str, path: str, client_key: str, now: float) -> Refusal | None:
        checks = self._windows_of(method, path, client_key)
        for key, applied, (limit, window_s) in checks:
            window = self._expire(key, now, window_s)
            if len(window) >= limit:
                return Refusal(applied, limit, max(0.0, window[0] + window_s - now))
        for key, _, _ in checks:
            self._windows[key].append(now)
        return None

    def in_window(self, client_key: str | None, now: float, gate: str = "general") -> int:
        """Requests admitted in the current window: general per client (IP) or per account (None),
        or an endpoint bucket by name (`gate="messages"`)."""
        if gate != "general":
            size = self.limits.endpoints.get(gate)  # type: ignore[call-overload]
            return len(self._expire(f"endpoint:{gate}", now, size[1])) if size else 0
        if client_key is None:
            return len(self._expire("account", now, self.limits.account[1]))
        return len(self._expire(f"ip:{client_key}", now, self.limits.ip[1]))

    def _windows_of(
        self, method: str, path: str, client_key: str
    ) -> list[tuple[str, Literal["endpoint", "account", "ip"], Size]]:
        bucket = endpoint_gate(method, path)
        size = self.limits.endpoints.get(bucket) if bucket is not None else None
        if size is not None:
            return [(f"endpoint:{bucket}", "endpoint", size)]  # its own bucket, not the general pool
        return [("account", "account", self.limits.account), (f"ip:{client_key}", "ip", self.limits.ip)]

    def _expire(self, key: str, now: float, window_s: float) -> deque[float]:
        window = self._windows.setdefault(key, deque())
        horizon = now - window_s
        while window and window[0] <= horizon:
            window.popleft()
        return window


def refusal_headers(refusal: Refusal, epoch_now: float) -> dict[str, str]:
    """Hostaway's 429 headers: Retry-After as the Unix time when the gate opens again."""
    return {
        "X-RateLimit-Limit": str(refusal.limit),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Retry-After": str(math.ceil(epoch_now + refusal.opens_in_s)),
        "X-RateLimit-Applied": refusal.applied,
    }


@dataclass
class _Grant:
    issued_at: float
    expired: bool = False


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenRegistry:
    """Issues JWT-shaped bearer tokens and judges them on the injected clock."""

    def __init__(
        self,
        clock: Callable[[], float],
        epoch_now: Callable[[], float],
        not_before_s: float,
        ttl_s: int,
    ) -> None:
        self._clock = clock
        self._epoch_now = epoch_now
        self._not_before_s = not_before_s
        self._ttl_s = ttl_s
        self._grants: dict[str, _Grant] = {}

    @property
    def ttl_s(self) -> int:
        return self._ttl_s

    def issue(self, audience: str) -> str:
        """A token shaped like Hostaway's RS256 JWT (aud, jti, iat, nbf, exp, sub, scopes)."""
        iat = int(self._epoch_now())
        header = {"typ": "JWT", "alg": "RS256"}
        payload = {
            "aud": audience,
            "jti": secrets.token_hex(40),
            "iat": iat,
            "nbf": iat + int(self._not_before_s),
            "exp": iat + self._ttl_s,
            "sub": "",
            "scopes": ["general"],
        }
        token = ".".join(
            (
                _b64(json.dumps(header, separators=(",", ":")).encode()),
                _b64(json.dumps(payload, separators=(",", ":")).encode()),
                _b64(secrets.token_bytes(256)),
            )
        )
        self._grants[token] = _Grant(issued_at=self._clock())
        return token

    def refusal(self, authorization: str | None) -> str | None:
        """Why a request's Authorization header is refused, or None if the token is good."""
        if not authorization:
            return "Unauthorized: the access token is missing."
        scheme, _, token = authorization.strip().partition(" ")
        grant = self._grants.get(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None:
            return "Unauthorized: the access token is invalid."
        age = self._clock() - grant.issued_at
        if grant.expired or age >= self._ttl_s:
            return "Unauthorized: the access token has expired."
        if age < self._not_before_s:
            return "Unauthorized: the access token is not valid yet."
        return None

    def revoke(self, token: str) -> None:
        grant = self._grants.get(token)
        if grant is not None:
            grant.expired = True

    def expire_all(self) -> None:
        for grant in self._grants.values():
            grant.expired = True
