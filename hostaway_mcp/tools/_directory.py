"""Property names for any portfolio size, read once and kept for a few minutes.

Reservations embedded in conversations carry no `listingName`, so the inbox and booking lists
need the names from `GET /listings`. Reading the listings on every call cost megabytes (whole
listing objects) and stopped at the first page (names past the 500th property were null). The
directory reads every page once, keeps only id -> name, and is reused by every tool of this server
run for `NAME_TTL_S` (renames show up after that); a name still missing then triggers a re-read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hostaway_mcp.domain import ident, known_listing_name
from hostaway_mcp.tools._runtime import AppState

NAME_TTL_S = 300.0
# Listings asked per page: the largest documented list limit (500). Hostaway may serve fewer per
# page (its listings maximum is UNCONFIRMED); the pager then just reads more pages.
DIRECTORY_PAGE = 500
DIRECTORY_KEY = "listing_directory"


@dataclass(frozen=True)
class _Directory:
    names: dict[int, str]
    read_at: float  # AppState.monotonic() when read
    absent: frozenset[int]  # asked for but not in the account when read: no re-read for them


async def property_names(state: AppState, wanted: Iterable[int]) -> dict[int, str]:
    """Names of the `wanted` properties (a missing one is not in the answer)."""
    wanted = set(wanted)
    if not wanted:
        return {}
    cached = state.extras.get(DIRECTORY_KEY)
    if not (
        isinstance(cached, _Directory)
        and state.monotonic() - cached.read_at < NAME_TTL_S
        and wanted - cached.names.keys() <= cached.absent
    ):
        cached = await _read(state, wanted)
    return {listing_id: cached.names[listing_id] for listing_id in wanted if listing_id in cached.names}


async def _read(state: AppState, wanted: set[int]) -> _Directory:
    names: dict[int, str] = {}
    async for page in state.gateway.iter_offset_pages("listings", {"includeResources": 0}, page_size=DIRECTORY_PAGE):
        for listing in page.items:
            listing_id = ident(listing.get("id"))
            name = known_listing_name(listing)
            if listing_id is not None and name:
                names[listing_id] = name
    directory = _Directory(names, state.monotonic(), frozenset(wanted - names.keys()))
    state.extras[DIRECTORY_KEY] = directory
    return directory
