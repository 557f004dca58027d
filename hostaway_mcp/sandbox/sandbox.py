"""The Sandbox: one fake Hostaway account with its clock, limits, tokens and request log.

Every request, from the in-process transport or the loopback server, goes through `dispatch`,
under one lock: log it, then enforce the rate limits, check the token, route and handle.
Latency is returned to the caller to sleep outside the lock.

`hook` stands between a request and the account: given the request and its two steps (`log`,
`serve`), it may answer in their place (a refusal, a broken body) or ask the transport to fail
the connection (`Outcome.failure`), or return None to let the request through. The test suite's
scripted faults are such a hook; the demo runs without one.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from hostaway_mcp.sandbox.account import Account, JsonDict
from hostaway_mcp.sandbox.api import HostawayApi
from hostaway_mcp.sandbox.generator import build_account
from hostaway_mcp.sandbox.limits import RateLimiter, RateLimits, TokenRegistry, refusal_headers
from hostaway_mcp.sandbox.looseids import LooseIds
from hostaway_mcp.sandbox.state import AccountState
from hostaway_mcp.sandbox.transport import SandboxTransport
from hostaway_mcp.sandbox.wire import (
    ApiError,
    Call,
    Query,
    SandboxRequest,
    SandboxResponse,
    fail,
    parse_form,
    parse_json_body,
    parse_query,
    rate_limited,
)

API_PREFIX = "/v1"
DEFAULT_LISTINGS = 24
DEFAULT_TOKEN_TTL_S = 15_897_600
TransportFailure = Literal["read_timeout", "reset", "connect_error", "connect_timeout"]


@dataclass(frozen=True)
class LoggedRequest:
    """One request that reached the sandbox; `path` has no /v1 prefix, `at` is the clock value."""

    method: str
    path: str
    params: dict[str, str | list[str]]
    body: dict[str, Any] | None
    client_key: str
    at: float


@dataclass(frozen=True)
class Outcome:
    """What the transport should do: send `response`, or raise `failure`, after `delay` seconds."""

    response: SandboxResponse | None
    failure: TransportFailure | None = None
    delay: float = 0.0


@dataclass(frozen=True)
class Intercepted:
    """A request as `Sandbox.hook` sees it: what it asks for, and the two steps it may take."""

    method: str
    path: str  # without the /v1 prefix
    log: Callable[[], None]  # record it in the request log: it reached the server
    serve: Callable[[], SandboxResponse]  # answer it as the account would (limits, token, route)


RequestHook = Callable[[Intercepted], Outcome | None]


class Sandbox:
    """A deterministic, in-process Hostaway account for the demo mode, tests and benchmarks."""

    def __init__(
        self,
        seed: int = 7,
        today: date | None = None,
        listings: int = DEFAULT_LISTINGS,
        clock: Callable[[], float] = time.monotonic,
        token_not_before_s: float = 1.0,
        token_ttl_s: int = DEFAULT_TOKEN_TTL_S,
        enforce_rate_limits: bool = True,
        credentials: tuple[int | str, str] | None = None,
        latency: float | tuple[float, float] = 0.0,
        string_ids: bool = True,
        rate_limits: RateLimits | Literal["current", "legacy"] = "current",
        wall_clock: Callable[[], float] | None = None,
    ) -> None:
        """`rate_limits`: Hostaway's current limits (the default), the old ones ("legacy"), or any
        `RateLimits`. `wall_clock` stamps the 429s' X-RateLimit-Retry-After (Unix time); by default
        the clock itself when injected (tests), the system's otherwise."""
        self.seed = seed
        self.today = today or date.today()
        self.account: Account = build_account(seed, self.today, listings)
        self.hook: RequestHook | None = None  # see the module docstring
        self.request_log: list[LoggedRequest] = []
        self.rate_limit_rejections = 0
        self._clock = clock
        self._started = clock()
        self._enforce_rate_limits = enforce_rate_limits
        self._latency = latency
        self._latency_rng = random.Random(f"{seed}:latency")
        self._lock = threading.Lock()
        self.rate_limits = RateLimits.profile(rate_limits) if isinstance(rate_limits, str) else rate_limits
        self._limiter = RateLimiter(self.rate_limits)
        self._unmetered: set[str] = set()  # client keys served outside the rate limits (`transport`)
        self._wall_clock = wall_clock or (time.time if clock is time.monotonic else clock)
        self._state = AccountState(self.account, self.now)
        self._tokens = TokenRegistry(clock, lambda: self.now().timestamp(), token_not_before_s, token_ttl_s)
        pinned = None if credentials is None else (str(credentials[0]), credentials[1])
        # Some ids come back as strings, as on real accounts (looseids.py); off only for tests that
        # compare served objects with the raw account field by field.
        loose = self.account.loose_ids if string_ids else LooseIds()
        self._api = HostawayApi(self._state, self._tokens, pinned, loose)

    def transport(
        self,
        client_key: str = "in-process",
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        *,
        metered: bool = True,
    ) -> SandboxTransport:
        """An httpx.AsyncBaseTransport over this account; one client key is one "IP address".

        `metered=False`: this client key's requests are never refused for the rate limits, nor
        counted in them (the demo's own mirror reads the in-process account this way).
        """
        if not metered:
            with self._lock:
                self._unmetered.add(client_key)
        return SandboxTransport(self, client_key=client_key, sleep=sleep)

    def now(self) -> datetime:
        """The account's wall time: generation time on `today`, advanced by the injected clock."""
        return self.account.generated_at + timedelta(seconds=self._clock() - self._started)

    def expire_tokens(self) -> None:
        """Every token issued so far is rejected with 403 from now on."""
        with self._lock:
            self._tokens.expire_all()

    def calendar_day(self, listing_id: int, day: date) -> JsonDict:
        """The day object exactly as GET /listings/{id}/calendar would serve it now."""
        with self._lock:
            if not self._state.calendar.knows(listing_id):
                raise KeyError(f"no listing {listing_id} in this sandbox")
            return self._state.calendar.day(listing_id, day)

    def quote(self, listing_id: int, start: date, end: date, guests: int) -> JsonDict:
        """The `result` POST priceDetails would give for this stay now (no request is logged)."""
        with self._lock:
            listing = self._state.listings_by_id.get(listing_id)
            if listing is None:
                raise KeyError(f"no listing {listing_id} in this sandbox")
            return self._api.bookings.quote(listing, start, end, guests)

    def requests_in_window(self, client_key: str | None = None, gate: str = "general") -> int:
        """Requests admitted in the current window: general per client key or (None) per account,
        or an endpoint bucket by name ("messages", "quotes", "bookings")."""
        with self._lock:
            return self._limiter.in_window(client_key, self._clock(), gate)

    def dispatch(self, request: SandboxRequest) -> Outcome:
        """Serve one request (thread-safe); the caller applies `delay` and `failure`."""
        with self._lock:
            outcome = self._dispatch(request)
        if outcome.failure in ("connect_error", "connect_timeout"):
            return outcome
        return Outcome(outcome.response, outcome.failure, self._next_delay())

    def _dispatch(self, request: SandboxRequest) -> Outcome:
        method = request.method.upper()
        inside = request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")
        path = (request.path[len(API_PREFIX) :] or "/") if inside else request.path
        params = parse_query(request.query)
        logged = False

        def log() -> None:
            nonlocal logged
            if not logged:
                logged = True
                self.request_log.append(
                    LoggedRequest(method, path, params, _logged_body(request), request.client_key, self._clock())
                )

        def serve() -> SandboxResponse:
            return self._process(method, path, params, request) if inside else fail(404, "Not found.")

        if self.hook is not None:
            hooked = self.hook(Intercepted(method, path, log, serve))
            if hooked is not None:
                return hooked
        log()
        return Outcome(serve())

    def _process(
        self, method: str, path: str, params: dict[str, str | list[str]], request: SandboxRequest
    ) -> SandboxResponse:
        if self._enforce_rate_limits and request.client_key not in self._unmetered:
            refusal = self._limiter.admit(method, path, request.client_key, self._clock())
            if refusal is not None:
                self.rate_limit_rejections += 1
                headers = refusal_headers(refusal, self._wall_clock()) if self.rate_limits.headers else None
                return rate_limited(headers)
        call = Call(method, path, Query(params), request.headers, request.body)
        return self._api.handle(call)

    def _next_delay(self) -> float:
        if isinstance(self._latency, tuple):
            low, high = self._latency
            with self._lock:
                return self._latency_rng.uniform(low, high)
        return self._latency


def _logged_body(request: SandboxRequest) -> dict[str, Any] | None:
    """JSON object bodies as parsed, form bodies as fields; anything else is not logged."""
    if not request.body:
        return None
    form = parse_form(request.headers.get("content-type", ""), request.body)
    if form is not None:
        return dict(form)
    try:
        parsed = parse_json_body(request.body)
    except ApiError:
        return None
    return parsed if isinstance(parsed, dict) else None
