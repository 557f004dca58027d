"""The portfolio at a glance (names, time zones, check-in and check-out hours), read once, kept a few minutes.

Reservations embedded in conversations carry no `listingName`, so the inbox and booking lists
need the names from `GET /listings`; the operations view needs every property with its time zone
(its "today") and its hours. Reading the listings on every call cost megabytes (whole listing
objects) and stopped at the first page (names past the 500th property were null). The directory
reads every page once, keeps only those few facts per property, and is reused by every tool of
this server run for `NAME_TTL_S` (renames show up after that); a property still missing then
triggers a re-read.
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


@dataclass(frozen=True)
class PropertyFacts:
    """What the tools need of a property without reading it in full."""

    name: str | None
    time_zone: str | None  # the listing's timeZoneName, as sent
    check_in_hour: int | None  # checkInTimeStart, local hour 0-23
    check_out_hour: int | None  # checkOutTime, local hour 0-23


@dataclass(frozen=True)
class _Directory:
    facts: dict[int, PropertyFacts]
    read_at: float  # AppState.monotonic() when read
    absent: frozenset[int]  # asked for but not in the account when read: no re-read for them


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
    if (
        isinstance(cached, _Directory)
        and state.monotonic() - cached.read_at < NAME_TTL_S
        and wanted - cached.facts.keys() <= cached.absent
    ):
        return cached
    return await _read(state, wanted)


def _hour(value: object) -> int | None:
    hour = whole(value)
    return hour if hour is not None and 0 <= hour <= 23 else None


async def _read(state: AppState, wanted: set[int]) -> _Directory:
    facts: dict[int, PropertyFacts] = {}
    async for page in state.gateway.iter_offset_pages("listings", {"includeResources": 0}, page_size=DIRECTORY_PAGE):
        for listing in page.items:
            listing_id = ident(listing.get("id"))
            if listing_id is None:
                continue
            facts[listing_id] = PropertyFacts(
                name=known_listing_name(listing),
                time_zone=text(listing.get("timeZoneName")),
                check_in_hour=_hour(listing.get("checkInTimeStart")),
                check_out_hour=_hour(listing.get("checkOutTime")),
            )
    directory = _Directory(facts, state.monotonic(), frozenset(wanted - facts.keys()))
    state.extras[DIRECTORY_KEY] = directory
    return directory
