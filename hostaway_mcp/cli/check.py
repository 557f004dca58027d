"""`hostaway-mcp check`: do the settings work? One command, a short answer, a fix when they don't.

It validates the settings, gets an access token (reusing the cached one, or minting one), counts
the listings and the arrivals of the next seven days, and reports read-only mode, where the token
is cached and how much of the rate-limit window is free: two API calls with a cached token
(listings, arrivals), three when a token is minted.
Exit codes: 0 all good, 2 settings, 3 credentials rejected, 4 permission refused (403),
5 Hostaway unreachable or failing, 1 anything else.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hostaway_mcp.cli.common import (
    EXIT_AUTH,
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PERMISSION,
    EXIT_UNAVAILABLE,
    CommandError,
    add_mode_flags,
    add_verbose_flag,
    configure_cli_logging,
    progress,
    run_async,
    settings_from_args,
    today,
)
from hostaway_mcp.config import Settings, env_files, user_env_file
from hostaway_mcp.domain import CONFIRMED_STATUSES
from hostaway_mcp.errors import (
    AuthenticationError,
    ConfigurationError,
    HostawayError,
    PermissionDeniedError,
    RateLimitedError,
    TransportError,
    UpstreamError,
)

if TYPE_CHECKING:  # the gateway and its HTTP stack load when the check runs, not with the command line
    from hostaway_mcp.gateway import HostawayGateway
    from hostaway_mcp.tools._runtime import AppState

HELP = "check the settings and credentials against Hostaway and print a summary"
ARRIVAL_DAYS = 7
# A check should answer in seconds: fewer retries than a tool call gets.
CHECK_MAX_ATTEMPTS = 2
CHECK_MAX_RETRY_TIME_S = 5.0


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help=HELP,
        description=HELP + ". Exit code 0 means the server will work with these settings.",
    )
    parser.add_argument(
        "--fresh-token",
        action="store_true",
        help="mint a new access token even if a cached one exists (tests the API key itself)",
    )
    add_mode_flags(parser, on_subcommand=True)
    add_verbose_flag(parser)
    parser.set_defaults(handler=run)


@dataclass
class Report:
    mode: str
    settings: str
    account_id: str
    token: str
    token_cache: str
    listings: str
    arrivals: str
    read_only: str
    rate_limit: str
    mirror: str = "off"

    def lines(self) -> list[str]:
        rows = [
            ("mode", self.mode),
            ("settings", self.settings),
            ("account", self.account_id),
            ("access token", self.token),
            ("token cache", self.token_cache),
            ("listings", self.listings),
            ("arrivals", self.arrivals),
            ("read-only", self.read_only),
            ("rate limit", self.rate_limit),
            ("local mirror", self.mirror),
        ]
        return [f"  {label:<13} {value}" for label, value in rows]


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    configure_cli_logging(settings, args)
    with progress("checking Hostaway"):
        report = run_async(check(settings, fresh_token=args.fresh_token))
    print("hostaway-mcp check: OK, the server will work with these settings.")
    print("\n".join(report.lines()))
    return EXIT_OK


async def check(settings: Settings, *, fresh_token: bool = False) -> Report:
    """Run the checks; a problem comes out as `CommandError` with the fix and an exit code."""
    quick = settings.model_copy(
        update={
            "max_attempts": min(settings.max_attempts, CHECK_MAX_ATTEMPTS),
            "max_retry_time_s": min(settings.max_retry_time_s, CHECK_MAX_RETRY_TIME_S),
        }
    )
    first_day = today()
    try:
        async with server_state(quick) as state:
            gateway = state.gateway
            if fresh_token:
                await gateway.tokens.refresh(stale="")
            listings = await count_listings(gateway)
            last_day = first_day + timedelta(days=ARRIVAL_DAYS - 1)
            arrivals = await count_arrivals(gateway, first_day, last_day)
            return Report(
                mode=_mode(settings),
                settings=_settings_line(),
                account_id=settings.effective_account_id,
                token=_token_line(gateway),
                token_cache=_cache_line(settings),
                listings=str(listings),
                arrivals=f"{arrivals} confirmed in the next {ARRIVAL_DAYS} days "
                f"({first_day.isoformat()} to {last_day.isoformat()})",
                read_only=(
                    "yes: write tools are hidden and every change is refused"
                    if settings.read_only
                    else "no: write tools are on (each change is previewed and needs confirmation)"
                ),
                rate_limit=_budget_line(gateway),
                mirror=await _mirror_line(state),
            )
    except HostawayError as exc:
        raise explain(exc, settings) from None


def _settings_line() -> str:
    """Where the settings came from: the environment, and each `.env` file that exists."""
    found = [str(path.resolve()) for path in env_files() if path.is_file()]
    if found:
        return "environment, then " + ", then ".join(reversed(found))
    return f"environment only (no .env here or in {user_env_file().parent})"


@asynccontextmanager
async def server_state(settings: Settings) -> AsyncIterator[AppState]:
    """The state a running server has: its own lifespan, so the same gateway, limiter and token
    cache (and the in-process demo account with `--demo`), without serving anything."""
    from hostaway_mcp.server import build_server  # the MCP SDK is slow to import; only when needed
    from hostaway_mcp.tools._runtime import app_state

    server = build_server(settings)
    lifespan = server.settings.lifespan
    assert lifespan is not None, "build_server always sets a lifespan"
    async with lifespan(server) as context:
        yield await app_state(context)


async def count_listings(gateway: HostawayGateway) -> int:
    from hostaway_mcp import paging

    page = await gateway.get("listings", {"limit": 1, "offset": 0, "includeResources": 0})
    if page.count is not None:
        return page.count
    return len(paging.items_of(await paging.offset_pages(gateway, "listings", {"includeResources": 0})))


async def count_arrivals(gateway: HostawayGateway, first: date, last: date) -> int:
    """Confirmed bookings arriving from `first` to `last`, both included.

    Hostaway has no status filter, and whether its date filters include the end date is not
    documented, so both are checked here on the rows themselves.
    """
    params: dict[str, str | int] = {
        "arrivalStartDate": first.isoformat(),
        "arrivalEndDate": last.isoformat(),
        "includeResources": 0,
    }
    from hostaway_mcp import paging

    count = 0
    async for page in paging.cursor_pages(gateway, "reservations", params):
        count += sum(1 for row in page.items if _confirmed_arrival(row, first, last))
    return count


def _confirmed_arrival(row: dict[str, Any], first: date, last: date) -> bool:
    try:
        arrival = date.fromisoformat(str(row.get("arrivalDate"))[:10])
    except ValueError:
        return False
    return row.get("status") in CONFIRMED_STATUSES and first <= arrival <= last


def explain(exc: HostawayError, settings: Settings) -> CommandError:
    """What went wrong, in the terms of the settings a person can change."""
    account = settings.account_id or "(not set)"
    if isinstance(exc, AuthenticationError):
        return CommandError(
            f"Hostaway rejected the credentials for account {account} (HTTP {exc.status_code}).\n"
            "Fix: check HOSTAWAY_ACCOUNT_ID and HOSTAWAY_SECRET_KEY. Both are in the Hostaway dashboard "
            "under Settings > Hostaway API; if the API key was deleted or rotated, create a new one and "
            "set HOSTAWAY_SECRET_KEY to it.",
            EXIT_AUTH,
        )
    if isinstance(exc, PermissionDeniedError):
        return CommandError(
            f"Hostaway accepted the credentials for account {account} but refused to read its data "
            f"(HTTP {exc.status_code}).\nFix: make sure the API key belongs to this account and has "
            "access to listings and reservations (Hostaway dashboard > Settings > Hostaway API); if it "
            "keeps happening, ask Hostaway support to enable API access for the account.\n"
            f"Hostaway said: {exc.message}",
            EXIT_PERMISSION,
        )
    if isinstance(exc, RateLimitedError):
        return CommandError(
            "Hostaway's rate limit was hit and stayed hit.\n"
            "Fix: another program or server process is using the same account heavily; wait a minute "
            "and run the check again.",
            EXIT_UNAVAILABLE,
        )
    if isinstance(exc, TransportError):
        return CommandError(
            f"Could not reach Hostaway at {settings.base_url}.\n"
            "Fix: check the internet connection, any proxy or firewall, and HOSTAWAY_BASE_URL (leave it "
            "unset for the real Hostaway API).\n"
            f"Detail: {exc.message}",
            EXIT_UNAVAILABLE,
        )
    if isinstance(exc, UpstreamError):
        return CommandError(
            f"Hostaway is answering with errors right now.\nFix: try again in a few minutes; "
            f"https://status.hostaway.com shows outages.\nDetail: {exc.message}",
            EXIT_UNAVAILABLE,
        )
    if isinstance(exc, ConfigurationError):
        return CommandError(exc.message, EXIT_CONFIG)
    return CommandError(f"Hostaway refused the check: {exc.message}", EXIT_FAILED)


def _mode(settings: Settings) -> str:
    if settings.demo:
        return "demo (the built-in demo account: generated data, nothing real is touched)"
    return f"live ({settings.base_url})"


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _token_line(gateway: HostawayGateway) -> str:
    token = gateway.tokens.current
    if token is None:  # pragma: no cover - every check makes a request, which needs a token
        return "none"
    how = "minted a new one" if gateway.tokens.mint_count else "reused the cached one"
    return f"{how} (issued {_when(token.issued_at)}, valid until {_when(token.expires_at)})"


def _cache_line(settings: Settings) -> str:
    if settings.redis_url is not None and not settings.demo:
        return "shared through Redis (HOSTAWAY_REDIS_URL)"
    if not settings.token_cache:
        return "off (HOSTAWAY_TOKEN_CACHE=false): a new token is minted each time the server starts"
    from hostaway_mcp.auth import TokenFileCache

    return str(TokenFileCache(settings.cache_dir, settings.effective_account_id, settings.base_url).path)


async def _mirror_line(state: AppState) -> str:
    from hostaway_mcp.mirror.service import mirror_line

    return await mirror_line(state.mirror)


def _budget_line(gateway: HostawayGateway) -> str:
    budget = gateway.limiter.budget()
    profile = "Hostaway's current limits" if budget.profile == "current" else "Hostaway's old (legacy) limits"
    if budget.profile_note:
        profile += f", {budget.profile_note}"
    return (
        f"{budget.available} of {budget.limit} requests free in the rolling {budget.window_s:g} s window "
        f"(counted for {budget.scope}; {profile})"
    )
