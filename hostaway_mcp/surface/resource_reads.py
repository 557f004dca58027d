"""What the resources read (`resources.py` registers them): the server status, the property index
and one property, with the models they answer with. Imported on the first `resources/read`.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError

from hostaway_mcp import __version__, paging
from hostaway_mcp.auth import AccessToken
from hostaway_mcp.domain import ident
from hostaway_mcp.errors import HostawayError
from hostaway_mcp.mirror.service import mirror_line
from hostaway_mcp.models.common import ResultModel
from hostaway_mcp.models.properties import PropertySummary
from hostaway_mcp.tools._runtime import AppState
from hostaway_mcp.tools.properties import get_property_details, summarize_listing

_ASCII_ID = re.compile(r"[0-9]{1,15}")
PAGE_SIZE = 100  # listings per request when reading every property


class TokenStatus(ResultModel):
    state: str
    issued_at: str | None = None
    expires_at: str | None = None
    valid_for_days: int | None = None
    minted_this_run: int


class GateStatus(ResultModel):
    gate: str
    limit: int
    window_s: float
    in_window: int
    available: int
    paused_for_s: float | None = None  # Hostaway asked us to stop this gate for a while


class RateLimitStatus(ResultModel):
    """The general gate (what an ordinary read may use) first, then every gate."""

    profile: str
    limit: int
    window_s: float
    in_window: int
    available: int
    scope: str
    gates: list[GateStatus]


class RequestStats(ResultModel):
    attempts: int
    retries: int
    rate_limited: int
    by_path: dict[str, int]


class ServerStatus(ResultModel):
    server: str
    mode: str
    note: str
    account_id: str
    api: str
    read_only: bool
    writes: str
    access_details: str
    now_utc: str
    dates: str
    token: TokenStatus
    rate_limit: RateLimitStatus
    requests: RequestStats
    mirror: str  # the local mirror of the account: size, age, last sync (or why it is off)


class PropertyIndex(ResultModel):
    total: int
    properties: list[PropertySummary]
    next_step: str


async def status_of(state: AppState) -> ServerStatus:
    """The status report; no request is sent to Hostaway to build it."""
    settings, gateway = state.settings, state.gateway
    budget = gateway.limiter.budget()
    stats = gateway.stats
    if settings.read_only:
        writes = "off: read-only mode hides the write tools and the gateway refuses every change"
    else:
        writes = "on: each change is previewed first and made only after the user confirms"
    return ServerStatus(
        server=f"hostaway-mcp {__version__}",
        mode="demo" if settings.demo else "live",
        note=(
            "Demo account: generated data, no real guests or money. Say so when presenting results."
            if settings.demo
            else "Connected to the real Hostaway account: messages reach real guests."
        ),
        account_id=settings.effective_account_id,
        api=settings.base_url,
        read_only=settings.read_only,
        writes=writes,
        access_details="shared" if settings.share_access_details else "withheld (door codes, Wi-Fi, card numbers)",
        now_utc=state.now().astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        dates="Each property's dates are its local dates: 'today' is decided per property in its own time zone "
        "(timeZoneName), and results say which local date they used.",
        token=await _token_status(state),
        rate_limit=RateLimitStatus(
            profile=budget.profile + (f" ({budget.profile_note})" if budget.profile_note else ""),
            limit=budget.limit,
            window_s=budget.window_s,
            in_window=budget.in_window,
            available=budget.available,
            scope=budget.scope,
            gates=[
                GateStatus(
                    gate=gate.description,
                    limit=gate.limit,
                    window_s=gate.window_s,
                    in_window=gate.in_window,
                    available=gate.available,
                    paused_for_s=round(gate.blocked_for_s, 1) or None,
                )
                for gate in budget.gates
            ],
        ),
        requests=RequestStats(
            attempts=stats.attempts,
            retries=stats.retries,
            rate_limited=stats.rate_limited,
            by_path=dict(stats.by_path),
        ),
        mirror=await mirror_line(state.mirror),
    )


async def _token_status(state: AppState) -> TokenStatus:
    tokens = state.gateway.tokens
    token: AccessToken | None = tokens.current
    label = "in use"
    if token is None:
        token = await tokens.cached()
        label = "cached from an earlier run, not used yet"
    if token is None:
        return TokenStatus(state="none yet: one is minted with the first request", minted_this_run=tokens.mint_count)
    now = time.time()
    if now >= token.expires_at:
        label = "expired: a new one is minted with the next request"
    elif not token.usable_at(now):
        label = "expires soon: a new one is minted with the next request"
    return TokenStatus(
        state=label,
        issued_at=_iso(token.issued_at),
        expires_at=_iso(token.expires_at),
        valid_for_days=max(0, int((token.expires_at - now) // 86400)),
        minted_this_run=tokens.mint_count,
    )


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


async def properties_json(state: AppState) -> str:
    try:
        properties = [
            summarize_listing(listing)
            for listing in paging.items_of(
                await paging.offset_pages(
                    state.gateway, "listings", {"includeResources": 0}, page_size=PAGE_SIZE, what="properties"
                )
            )
            if ident(listing.get("id"))
        ]
    except HostawayError as exc:
        raise ResourceError(exc.message) from None
    index = PropertyIndex(
        total=len(properties),
        properties=properties,
        next_step="Details of one: read hostaway://properties/{id} or call get_property_details.",
    )
    return index.model_dump_json()


async def property_json(state: AppState, property_id: str) -> str:
    # ASCII digits only: str.isdigit() also says yes to "١٢٣" and "²" (and int("²") raises).
    if not _ASCII_ID.fullmatch(property_id) or int(property_id) < 1:
        raise ResourceNotFoundError(
            f"Property id must be a positive whole number written with the digits 0-9, not {property_id[:40]!r}: "
            "read hostaway://properties for the ids."
        )
    try:
        details = await get_property_details(state, int(property_id))
    except ToolError as exc:  # "Property N not found: use list_properties ..."
        raise ResourceNotFoundError(str(exc)) from None
    except HostawayError as exc:
        raise ResourceError(exc.message) from None
    return details.model_dump_json()
