"""The portfolio at a glance (names, currencies, time zones, check-in and check-out hours), read once.

Reservations embedded in conversations carry no `listingName`, so the inbox and booking lists
need the names from `GET /listings`; the operations view needs every property with its time zone
(its "today") and its hours; expenses carry no currency of their own (theirs is their
property's). Reading the listings on every call cost megabytes (whole listing objects) and stopped
at the first page (names past the 500th property were null). The directory reads every page once,
keeps only those few facts per property, and is reused by every tool of this server run for
`NAME_TTL_S` (renames show up after that); a property still missing then triggers a re-read.
Completions, which must stay cheap, take what is cached or one page
(`names_in_one_request`); such a page serves the properties it holds, and only a complete read
serves the whole portfolio.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hostaway_mcp.domain import ident, known_listing_name, text, whole
from hostaway_mcp.tools._runtime import AppState

NAME_TTL_S = 300.0
# Listings asked per page: the largest documented list limit (500). Hostaway may serve fewer per
# page (its listings maximum is UNCONFIRMED); the pager then just reads more pages.
DIRECTORY_PAGE = 500
DIRECTORY_KEY = "listing_directory"
# The listing fields `_facts_of` reads: the others are skipped unread as each page is parsed.
FACT_FIELDS = ("id", "name", "internalListingName", "timeZoneName", "checkInTimeStart", "checkOutTime", "currencyCode")


@dataclass(frozen=True)
class PropertyFacts:
    """What the tools need of a property without reading it in full."""

    name: str | None
    time_zone: str | None  # the listing's timeZoneName, as sent
    check_in_hour: int | None  # checkInTimeStart, local hour 0-23
    check_out_hour: int | None  # checkOutTime, local hour 0-23
    currency: str | None  # currencyCode


@dataclass(frozen=True)
class _Directory:
    facts: dict[int, PropertyFacts]
    read_at: float  # AppState.monotonic() when read
    absent: frozenset[int]  # asked for but not in the account when read: no re-read for them
    complete: bool = True  # every page was read (else only the first: see names_in_one_request)


async def property_names(state: AppState, wanted: Iterable[int]) -> dict[int, str]:
    """Names of the `wanted` properties (a missing one, or one without a name, is not in the answer)."""
    wanted = set(wanted)
    if not wanted:
        return {}
    directory = await _fresh(state, wanted)
    return {
        listing_id: name
        for listing_id in wanted
        if (facts := directory.facts.get(listing_id)) is not None and (name := facts.name) is not None
    }


async def property_currencies(state: AppState, wanted: Iterable[int]) -> dict[int, str]:
    """Currencies of the `wanted` properties (a missing one is not in the answer)."""
    wanted = set(wanted)
    if not wanted:
        return {}
    directory = await _fresh(state, wanted)
    return {
        listing_id: currency
        for listing_id in wanted
        if (facts := directory.facts.get(listing_id)) is not None and (currency := facts.currency) is not None
    }


async def portfolio(state: AppState) -> dict[int, PropertyFacts]:
    """Every property of the account, by id, in the order Hostaway lists them."""
    return (await _fresh(state, set())).facts


def zone_lookup(facts: dict[int, PropertyFacts]) -> Callable[[int | None], str | None]:
    """`property id -> its time zone` over a portfolio (None for an unknown property or no id)."""

    def zone_of(property_id: int | None) -> str | None:
        found = facts.get(property_id) if property_id is not None else None
        return found.time_zone if found is not None else None

    return zone_of


async def _fresh(state: AppState, wanted: set[int]) -> _Directory:
    cached = state.extras.get(DIRECTORY_KEY)
    if isinstance(cached, _Directory) and state.monotonic() - cached.read_at < NAME_TTL_S:
        if cached.complete and wanted - cached.facts.keys() <= cached.absent:
            return cached
        if not cached.complete and wanted and wanted <= cached.facts.keys():
            return cached
    return await _read(state, wanted)


async def names_in_one_request(state: AppState) -> tuple[dict[int, str], bool]:
    """Property names at the cost of at most one request, and whether they are every property's:
    the cached directory, else the first page of listings (every property on accounts of up to
    `DIRECTORY_PAGE`), kept as the directory (marked incomplete when Hostaway counts more)."""
    cached = state.extras.get(DIRECTORY_KEY)
    if not (isinstance(cached, _Directory) and state.monotonic() - cached.read_at < NAME_TTL_S):
        page = await state.gateway.get(
            "listings", {"includeResources": 0, "limit": DIRECTORY_PAGE, "offset": 0}, fields=FACT_FIELDS
        )
        facts = _facts_of(page.items)
        complete = page.count is not None and page.count <= len(page.items)
        cached = _Directory(facts, state.monotonic(), frozenset(), complete=complete)
        state.extras[DIRECTORY_KEY] = cached
    names = {listing_id: facts.name for listing_id, facts in cached.facts.items() if facts.name is not None}
    return names, cached.complete


def _hour(value: object) -> int | None:
    hour = whole(value)
    return hour if hour is not None and 0 <= hour <= 23 else None


async def _read(state: AppState, wanted: set[int]) -> _Directory:
    from hostaway_mcp import paging  # paging reaches the gateway, imported on first use

    pages = await paging.offset_pages(
        state.gateway,
        "listings",
        {"includeResources": 0},
        page_size=DIRECTORY_PAGE,
        fields=FACT_FIELDS,
    )
    facts = _facts_of(paging.items_of(pages))
    directory = _Directory(facts, state.monotonic(), frozenset(wanted - facts.keys()))
    state.extras[DIRECTORY_KEY] = directory
    return directory


def _facts_of(listings: Iterable[dict[str, object]]) -> dict[int, PropertyFacts]:
    facts: dict[int, PropertyFacts] = {}
    for listing in listings:
        listing_id = ident(listing.get("id"))
        if listing_id is None:
            continue
        facts[listing_id] = PropertyFacts(
            name=known_listing_name(listing),
            time_zone=text(listing.get("timeZoneName")),
            check_in_hour=_hour(listing.get("checkInTimeStart")),
            check_out_hour=_hour(listing.get("checkOutTime")),
            currency=text(listing.get("currencyCode")),
        )
    return facts
