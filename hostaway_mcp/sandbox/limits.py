"""Hostaway's two rate limits as strict rolling windows, and the access-token lifecycle.

Limits [D:intro]: 15 requests per 10 s per IP address and 20 per 10 s per account, both at once.
The windows are strict and rolling on the injected clock: a request is admitted when fewer than
the limit were admitted in the preceding 10 s (a request exactly 10 s old no longer counts).
Rejected requests are not recorded, so hammering a full window does not extend it. Whether the
token endpoint counts is UNCONFIRMED; the sandbox counts it (the conservative choice).

Tokens [D:_authentication]: a fresh token is rejected until `not_before_s` after issue (the docs
say wait 1 s), expires after `ttl_s`, and can be revoked or expired wholesale for tests. Every
failure is a 403 with a fail envelope; the exact body text is UNCONFIRMED.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_S = 10.0
PER_CLIENT_LIMIT = 15
PER_ACCOUNT_LIMIT = 20


class RollingWindowLimiter:
    """Admits a request only if both its client's window and the account's window have room."""

    def __init__(
        self,
        per_client: int = PER_CLIENT_LIMIT,
        per_account: int = PER_ACCOUNT_LIMIT,
        window_s: float = WINDOW_S,
    ) -> None:
        self._per_client = per_client
        self._per_account = per_account
        self._window_s = window_s
        self._clients: dict[str, deque[float]] = {}
        self._account: deque[float] = deque()

    def admit(self, client_key: str, now: float) -> bool:
        client = self._clients.setdefault(client_key, deque())
        self._expire(client, now)
        self._expire(self._account, now)
        if len(client) >= self._per_client or len(self._account) >= self._per_account:
            return False
        client.append(now)
        self._account.append(now)
        return True

    def in_window(self, client_key: str | None, now: float) -> int:
        """Requests admitted in the current window, for one client or (None) the whole account."""
        window = self._account if client_key is None else self._clients.get(client_key, deque())
        self._expire(window, now)
        return len(window)

    def _expire(self, window: deque[float], now: float) -> None:
        horizon = now - self._window_s
        while window and window[0] <= horizon:
            window.popleft()


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
