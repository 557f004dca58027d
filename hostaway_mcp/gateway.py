"""The one door to Hostaway: auth, rate limit, retries, envelope and errors in one place.

A request goes: token (minted or cached) → a limiter slot → send → retry policy → on 401/403 one
token refresh and one more try → unwrap the `{status, result, count, ...}` envelope → a typed
error from `errors.py` for anything that is not a success.

The retry policy (what is retried, how long to wait, what a read and a write may do) lives in
`retry.py`; `_send` only loops over it. A write is sent at most once.

Reading every page of a list is `paging.py`'s job (`iter_offset_pages` and `iter_cursor_pages`
here hand it on); this module sends one request at a time.
"""

# Over 400 lines on purpose: the one door to Hostaway (tokens, limiter slot, send, envelope,
# typed errors) is one path that must read top to bottom; retries (`retry.py`) and paging
# (`paging.py`) already live apart. Others are extending it in parallel: split later, not now.

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import httpx

from hostaway_mcp import __version__, retry
from hostaway_mcp.auth import AccessToken, TokenCache, TokenFileCache, TokenManager
from hostaway_mcp.bodies import Fields, parse_body, parse_items
from hostaway_mcp.config import Settings
from hostaway_mcp.domain import number
from hostaway_mcp.errors import (
    AuthenticationError,
    HostawayAPIError,
    HostawayTimeoutError,
    InvalidRequestError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitedError,
    ReadOnlyError,
    TransportError,
    UpstreamError,
)
from hostaway_mcp.privacy import upstream_text
from hostaway_mcp.ratelimit import Clock, RateLimiter, Sleep
from hostaway_mcp.ratelimit.coordination import in_process_limiter

logger = logging.getLogger(__name__)

JSONObject = dict[str, Any]
QueryParams = Mapping[str, str | int | float | list[str] | list[int]]

PAGE_SIZE = 100  # items per page of a list read in full (what real clients use)
EXCERPT_CHARS = 160
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")
# POSTs that only read: a price quote changes nothing in the account, so read-only mode lets it
# through and it is retried like a GET (asking twice is harmless).
_READING_POSTS = (re.compile(r"listings/[^/?]+/calendar/priceDetails"),)


@dataclass(frozen=True)
class Envelope:
    """Hostaway's answer with the envelope taken off."""

    result: Any
    count: int | None = None
    limit: int | None = None
    offset: int | None = None

    @property
    def items(self) -> list[JSONObject]:
        """`result` as a list of objects (an empty list when Hostaway sent anything else)."""
        if isinstance(self.result, list):
            return [item for item in self.result if isinstance(item, dict)]
        return []

    @property
    def object(self) -> JSONObject:
        if isinstance(self.result, dict):
            return self.result
        raise UpstreamError("Hostaway returned a list where one object was expected")


@dataclass
class GatewayStats:
    """Counters for tests, benchmarks and the status resource."""

    attempts: int = 0
    retries: int = 0
    rate_limited: int = 0
    by_path: dict[str, int] = field(default_factory=dict)  # per endpoint, ids folded to {id}


class HostawayGateway:
    """Async client for the Hostaway API; use as `async with HostawayGateway(settings) as gw`."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: RateLimiter | None = None,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        token_not_before_s: float | None = None,
        token_cache: TokenCache | None = None,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._sleep = sleep
        self._wall_clock = wall_clock
        self.limiter: RateLimiter = limiter or in_process_limiter(settings, clock=clock, sleep=sleep)
        self._account_id = settings.effective_account_id
        self._secret = settings.effective_secret
        cache: TokenCache | None = (
            TokenFileCache(settings.cache_dir, self._account_id, settings.base_url)
            # The demo account lives and dies with its process, so its tokens are not worth keeping.
            if settings.token_cache and not settings.demo
            else None
        )
        if token_cache is not None:  # shared with other machines (redis_token_cache.RedisTokenCache)
            cache = token_cache
        self.tokens = TokenManager(
            self._mint_token,
            cache=cache,
            wall_clock=wall_clock,
            sleep=sleep,
            **({} if token_not_before_s is None else {"not_before_s": token_not_before_s}),
        )
        self.stats = GatewayStats()
        self._retry_budget = retry.RetryBudget(settings.max_attempts, settings.max_retry_time_s)
        self._http: httpx.AsyncClient | None = None
        self._entered = False

    async def __aenter__(self) -> Self:
        # The HTTP client is made on the first request (`_client`), not here: a live one reads the
        # CA bundle and imports its HTTP stack, ~80 ms that would delay the answer to `initialize`.
        self._entered = True
        return self

    def _client(self) -> httpx.AsyncClient:
        assert self._entered, "use the gateway inside `async with`"
        if self._http is None:  # no await in between: one client even under concurrent calls
            self._http = httpx.AsyncClient(
                base_url=self.settings.base_url + "/",
                transport=self._transport,
                timeout=httpx.Timeout(self.settings.timeout_s, connect=self.settings.connect_timeout_s),
                headers={"User-Agent": f"hostaway-mcp/{__version__}", "Accept": "application/json"},
                follow_redirects=False,
            )
        return self._http

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._entered = False
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # -- public API -------------------------------------------------------------------------

    async def get(self, path: str, params: QueryParams | None = None, *, fields: Fields | None = None) -> Envelope:
        """`fields`: keep only these of each object in `result` (`bodies.parse_items`): what a
        caller that reads a few fields of big objects asks for, so the others are never built."""
        return await self.request("GET", path, params=params, fields=fields)

    async def post(self, path: str, json: Any) -> Envelope:
        return await self.request("POST", path, json=json)

    async def put(self, path: str, json: Any) -> Envelope:
        return await self.request("PUT", path, json=json)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        fields: Fields | None = None,
    ) -> Envelope:
        """Send one authenticated request under the retry policy and unwrap its envelope."""
        method = method.upper()
        reads = reads_only(method, path)
        if not reads and self.settings.read_only:
            raise ReadOnlyError(
                f"Read-only mode is on (HOSTAWAY_READ_ONLY=true): {method} {path} was not sent. "
                "Turn read-only mode off to make changes."
            )
        token = await self.tokens.token()
        response = await self._send(method, path, token, params=params, json=json, retry_like_read=reads)
        if response.status_code in (401, 403):
            # An expired token gets 403 from Hostaway; so does a forbidden action. Refresh once:
            # if the fresh token is refused too, it is a permission problem, not a stale token.
            token = await self.tokens.refresh(stale=token)
            response = await self._send(method, path, token, params=params, json=json, retry_like_read=reads)
            if response.status_code in (401, 403):
                raise PermissionDeniedError(
                    f"Hostaway refused {method} {_route(path)} (HTTP {response.status_code}) even with a "
                    f"fresh access token: {self._error_text(response)}. The account may not be allowed "
                    "to do this (for example messaging or channel-managed data); check its permissions "
                    "in the Hostaway dashboard.",
                    status_code=response.status_code,
                )
        return self._unwrap(method, path, response, fields)

    async def iter_offset_pages(
        self,
        path: str,
        params: QueryParams | None = None,
        *,
        page_size: int = PAGE_SIZE,
        start: int = 0,
        max_pages: int = 1000,
        fields: Fields | None = None,
    ) -> AsyncIterator[Envelope]:
        """Pages of an offset-paged list in offset order: `paging.offset_pages` (the pages after
        the first fetched side by side), for callers that like to iterate. `fields` as for `get`."""
        from hostaway_mcp import paging  # paging builds on this module

        for page in await paging.offset_pages(
            self, path, params, page_size=page_size, start=start, max_pages=max_pages, fields=fields
        ):
            yield page

    async def iter_cursor_pages(
        self,
        path: str,
        params: QueryParams | None = None,
        *,
        page_size: int = PAGE_SIZE,
        max_pages: int = 1000,
        fields: Fields | None = None,
    ) -> AsyncIterator[list[JSONObject]]:
        """The items of each page of an `afterId` cursor walk, in order: `paging.cursor_pages`.
        `fields` as for `get` (`id` always: the cursor)."""
        from hostaway_mcp import paging

        async for page in paging.cursor_pages(
            self, path, params, page_size=page_size, max_pages=max_pages, fields=fields
        ):
            yield page.items

    # -- token exchange -----------------------------------------------------------------------

    async def _mint_token(self) -> AccessToken:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._account_id,
            "client_secret": self._secret,
            "scope": "general",
        }
        # Minting twice is harmless (it only creates another token), so it is retried like a read.
        response = await self._send(
            "POST",
            "accessTokens",
            None,
            data=form,
            retry_like_read=True,
            extra_headers={"Cache-Control": "no-cache"},
        )
        if response.status_code in (400, 401, 403):
            raise AuthenticationError(
                f"Hostaway rejected the account id / API key pair (HTTP {response.status_code}). Check "
                "HOSTAWAY_ACCOUNT_ID and HOSTAWAY_SECRET_KEY: both are in the Hostaway dashboard under "
                "Settings > Hostaway API.",
                status_code=response.status_code,
            )
        body = self._unwrap("POST", "accessTokens", response).result
        if isinstance(body, dict) and isinstance(body.get("result"), dict):
            body = body["result"]  # tolerate an enveloped token answer
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise UpstreamError("Hostaway's token answer had no access_token")
        now = self._wall_clock()
        expires_in = number(body.get("expires_in")) or 3600.0 * 24 * 180
        return AccessToken(value=body["access_token"], issued_at=now, expires_at=now + expires_in)

    # -- sending and retrying -------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        retry_like_read: bool = False,
        extra_headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send under the retry policy (`retry.py`); the answer that ends it, or a typed error."""
        read = retry.is_read(method, retry_like_read=retry_like_read)
        headers = dict(extra_headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        failed, waited = 0, 0.0
        while True:
            try:
                response = await self._attempt(method, path, params=params, json=json, data=data, headers=headers)
            except httpx.TransportError as exc:
                if not retry.is_retryable_error(exc, read=read):
                    raise self._transport_error(method, path, exc, read) from None
                failure, asked = _describe(exc), None
                outcome: httpx.Response | httpx.TransportError = exc
            else:
                if not retry.is_retryable_status(response.status_code, read=read):
                    return response
                failure, asked = (
                    f"HTTP {response.status_code}",
                    retry.retry_after_s(response.headers, self._wall_clock()),
                )
                outcome = response
            failed += 1
            wait = retry.wait_before_retry_s(failed, asked)
            if not retry.may_retry(self._retry_budget, failed, waited, wait):
                if isinstance(outcome, httpx.Response):
                    return outcome  # the caller turns the final 429 or 5xx into its typed error
                raise self._transport_error(method, path, outcome, read) from None
            self.stats.retries += 1
            logger.info("retrying %s %s in %.1f s (attempt %d failed: %s)", method, _route(path), wait, failed, failure)
            await self._sleep(wait)
            waited += wait

    async def _attempt(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None,
        json: Any,
        data: Mapping[str, str] | None,
        headers: Mapping[str, str],
    ) -> httpx.Response:
        """One HTTP attempt inside a limiter slot, counted per endpoint."""
        http = self._client()
        route = _route(path)
        endpoint = _ID_SEGMENT.sub("/{id}", route)  # one counter per endpoint, not per booking
        self.stats.attempts += 1
        self.stats.by_path[endpoint] = self.stats.by_path.get(endpoint, 0) + 1
        started = time.perf_counter()
        async with self.limiter.slot(method, route) as ticket:
            response = await http.request(
                method, path.lstrip("/"), params=params, json=json, data=data, headers=headers
            )
        # The body is read; httpx's stream still points back at the response, so without this each
        # answer and its body (up to megabytes) would wait for the cyclic garbage collector.
        response.stream = httpx.ByteStream(b"")
        if response.status_code == 429:
            self.stats.rate_limited += 1
            await self.limiter.rate_limited(ticket, response.headers)
        logger.debug(
            "%s %s -> %d in %.0f ms", method, route, response.status_code, (time.perf_counter() - started) * 1e3
        )
        return response

    # -- turning answers into results or errors ---------------------------------------------------

    def _unwrap(self, method: str, path: str, response: httpx.Response, fields: Fields | None = None) -> Envelope:
        if response.status_code >= 300:
            raise self._status_error(method, path, response, retry.retry_after_s(response.headers, self._wall_clock()))
        try:
            body = parse_body(response.content) if fields is None else parse_items(response.content, fields)
        except ValueError:
            raise UpstreamError(
                f"Hostaway sent a response that is not JSON for {method} {_route(path)} "
                f"(HTTP {response.status_code}): {self._excerpt(response)!r}. Try again in a moment.",
                status_code=response.status_code,
            ) from None
        if not isinstance(body, dict):
            return Envelope(result=body)
        if body.get("status") == "fail":
            raise InvalidRequestError(
                f"Hostaway refused {method} {_route(path)}: {self._error_text(response)}",
                status_code=response.status_code,
            )
        if "status" not in body and "result" not in body:
            return Envelope(result=body)  # the token endpoint answers plain OAuth JSON
        return Envelope(
            result=body.get("result"),
            count=_as_int(body.get("count")),
            limit=_as_int(body.get("limit")),
            offset=_as_int(body.get("offset")),
        )

    def _status_error(
        self, method: str, path: str, response: httpx.Response, retry_after: float | None
    ) -> HostawayAPIError:
        status = response.status_code
        what = f"{method} {_route(path)}"
        text = self._error_text(response)
        if status == 404:
            return NotFoundError(f"Hostaway has no such resource ({what}): {text}", status_code=status)
        if status == 429:
            hint = f" Hostaway asked to wait {retry_after:.0f} s." if retry_after else ""
            sent = "" if method == "GET" else " Nothing was changed."
            return RateLimitedError(
                f"Hostaway's rate limit was hit on {what} and retries ran out.{hint}{sent} "
                "Wait a few seconds, then try again.",
                status_code=status,
            )
        if status >= 500:
            outcome = (
                ""
                if reads_only(method, path)
                else " The change may or may not have been applied: check before trying again."
            )
            return UpstreamError(
                f"Hostaway is failing ({what} answered HTTP {status}: {text}).{outcome} "
                "Try again in a minute; if it persists, check https://status.hostaway.com.",
                status_code=status,
            )
        if status in (400, 409, 422):
            return InvalidRequestError(f"Hostaway refused {what} (HTTP {status}): {text}", status_code=status)
        if status in (401, 403):
            return PermissionDeniedError(f"Hostaway refused {what} (HTTP {status}): {text}", status_code=status)
        return HostawayAPIError(f"Hostaway answered {what} with HTTP {status}: {text}", status_code=status)

    def _transport_error(self, method: str, path: str, exc: httpx.TransportError, is_read: bool) -> TransportError:
        what = f"{method} {_route(path)}"
        if not is_read and not isinstance(exc, retry.NEVER_SENT):
            return OutcomeUnknownError(
                f"The connection to Hostaway failed after {what} was sent ({_describe(exc)}), so it is "
                "unknown whether it took effect. It was NOT retried. Check the current state before "
                "trying again."
            )
        if isinstance(exc, httpx.TimeoutException):
            return HostawayTimeoutError(
                f"Hostaway did not answer {what} in time ({_describe(exc)}) after retrying. Try again in a minute."
            )
        return TransportError(
            f"Could not reach Hostaway for {what} ({_describe(exc)}). Check the network connection "
            f"and HOSTAWAY_BASE_URL ({self.settings.base_url})."
        )

    def _error_text(self, response: httpx.Response) -> str:
        """Hostaway's error text: `result` first, `message` as on 429, else a body excerpt."""
        try:
            body = parse_body(response.content)
        except ValueError:
            return self._excerpt(response) or f"HTTP {response.status_code}"
        if isinstance(body, dict):
            for key in ("result", "message", "error"):
                value = body.get(key)
                if isinstance(value, str) and value.strip():
                    return self._redact(value.strip(), EXCERPT_CHARS * 2)
        return f"HTTP {response.status_code}"

    def _excerpt(self, response: httpx.Response) -> str:
        text = response.text
        if "<" in text:
            text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
            text = html.unescape(re.sub(r"<[^>]+>", " ", text))
        text = " ".join(text.split())
        return self._redact(text, EXCERPT_CHARS)

    def _redact(self, text: str, limit: int) -> str:
        """Hostaway's text as it may be shown and logged: no key or token, masked like results, cut."""
        secrets = [self._secret]
        current = self.tokens.current
        if current is not None:
            secrets.append(current.value)
        for secret in secrets:
            if secret and len(secret) >= 4:
                text = text.replace(secret, "[redacted]")
        return upstream_text(text, limit)


def reads_only(method: str, path: str) -> bool:
    """Whether a request changes nothing in the account: a GET, or a POST that only reads (a quote)."""
    if method.upper() == "GET":
        return True
    route = path.split("?", 1)[0].strip("/")
    return method.upper() == "POST" and any(pattern.fullmatch(route) for pattern in _READING_POSTS)


def _route(path: str) -> str:
    """The path as shown in logs and messages: never the query string, which may hold guest data."""
    return "/" + path.strip("/")


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "no error"
    return type(exc).__name__


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None
