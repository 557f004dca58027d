"""Finding bookings: `search_bookings`, and what a booking row says (guest name, nights, summary).

Hostaway's reservation list has real filters for dates, listing, guest name, guest email and
channel, but none for status (hostaway-api.md §5). Status filtering therefore happens here, on
pages walked with the `afterId` cursor, and the result says so.

Paging decision: a search that Hostaway can answer by itself is one `GET /reservations` with
`limit`/`offset` (deprecated on reservations but still documented as working; it is the only way
to serve the tool's `offset` in one call, and `count` is then an exact total). A search that needs
client-side filtering walks from the start with `afterId`, the documented cursor, bounded by
`MAX_SCAN_PAGES`, and reports whether it saw everything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from hostaway_mcp import paging
from hostaway_mcp.domain import (
    channel_name,
    ident,
    money,
    parse_date,
    status_words,
    text,
    whole,
)
from hostaway_mcp.gateway import HostawayGateway, JSONObject
from hostaway_mcp.models.bookings import BookingList, BookingSummary
from hostaway_mcp.models.common import next_offset
from hostaway_mcp.privacy import (
    guest_name,
)
from hostaway_mcp.tools._directory import property_names
from hostaway_mcp.tools._mirrored import MirroredBookings, booking_search
from hostaway_mcp.tools._runtime import AppState, State
from hostaway_mcp.tools._validation import SHORT_TEXT_CHARS, IsoDate, PropertyId
from hostaway_mcp.tools.booking_filters import (
    DateBounds,
    date_bounds,
    resolve_channel,
    resolve_statuses,
)

SCAN_PAGE_SIZE = 100
MAX_SCAN_PAGES = 10  # a client-side filtered search reads at most 1,000 bookings

SORT_ORDERS: dict[str, str] = {
    "arrival": "arrivalDate",
    "arrival_desc": "arrivalDateDesc",
    "latest_activity": "latestActivityDesc",
}
SortChoice = Literal["arrival", "arrival_desc", "latest_activity"]


async def fill_property_names(state: AppState, rows: list[JSONObject]) -> dict[int, str]:
    """Property names for `rows` (raw reservations): their own `listingName`, else the directory."""
    names: dict[int, str] = {}
    missing: set[int] = set()
    for row in rows:
        listing_id = ident(row.get("listingMapId"))
        name = text(row.get("listingName"))
        if listing_id is not None:
            if name:
                names.setdefault(listing_id, name)
            else:
                missing.add(listing_id)
    missing -= names.keys()
    if missing:
        names = {**await property_names(state, missing), **names}
    return names


def guest_full_name(reservation: JSONObject) -> str | None:
    """The guest's name as shown in results: guest-written, so cleaned by `privacy.guest_name`."""
    full = guest_name(reservation.get("guestName"))
    if full:
        return full
    parts = [text(reservation.get("guestFirstName")), text(reservation.get("guestLastName"))]
    return guest_name(" ".join(p for p in parts if p))


def nights_of(reservation: JSONObject) -> int | None:
    arrival = parse_date(reservation.get("arrivalDate"))
    departure = parse_date(reservation.get("departureDate"))
    if arrival and departure and departure > arrival:
        return (departure - arrival).days
    return whole(reservation.get("nights"))


def summarize_booking(reservation: JSONObject, names: dict[int, str]) -> BookingSummary:
    listing_id = ident(reservation.get("listingMapId"))
    return BookingSummary(
        id=ident(reservation.get("id")) or 0,
        property_id=listing_id,
        property_name=text(reservation.get("listingName")) or (names.get(listing_id) if listing_id else None),
        guest_name=guest_full_name(reservation),
        arrival=parse_date(reservation.get("arrivalDate")),
        departure=parse_date(reservation.get("departureDate")),
        nights=nights_of(reservation),
        guests=whole(reservation.get("numberOfGuests")),
        status=status_words(reservation.get("status")),
        channel=channel_name(reservation.get("channelId"), reservation.get("channelName")),
        total_price=money(reservation.get("totalPrice")),
        currency=text(reservation.get("currency")),
    )


@dataclass
class _Scan:
    matches: list[JSONObject] = field(default_factory=list)
    checked: int = 0
    source_total: int | None = None
    complete: bool = False
    calls: int = 0


async def _scan(
    gateway: HostawayGateway,
    params: dict[str, Any],
    keep: Callable[[JSONObject], bool],
    want: int,
) -> _Scan:
    """Walk `/reservations` with the `afterId` cursor until `want` matches, the end, or the bound."""
    scan = _Scan()
    seen: set[int] = set()
    last: paging.CursorPage | None = None
    pages = paging.cursor_pages(
        gateway, "reservations", params, page_size=SCAN_PAGE_SIZE, max_pages=MAX_SCAN_PAGES, what="bookings"
    )
    async for page in pages:
        last = page
        scan.calls = page.number
        scan.source_total = page.count  # the first page's count is the total matching
        for row in page.items:
            row_id = ident(row.get("id"))
            if row_id is None or row_id in seen:
                continue  # records updated during the walk can show up twice
            seen.add(row_id)
            scan.checked += 1
            if keep(row):
                scan.matches.append(row)
        if scan.source_total is not None and scan.checked >= scan.source_total:
            scan.complete = True
            break
        if len(scan.matches) >= want:
            break
    else:  # the walk ended by itself: at the end of the list, unless it stopped at the page bound
        scan.complete = last is None or last.number < MAX_SCAN_PAGES or len(last.items) < SCAN_PAGE_SIZE
    await pages.aclose()
    return scan


async def _legacy_ids_in_use(gateway: HostawayGateway, params: dict[str, Any], ids: tuple[int, ...]) -> list[int]:
    """Which secondary channel ids (e.g. legacy Airbnb 2001) hold matching bookings: one call each."""
    used = []
    for legacy in ids[1:]:
        probe = await gateway.get("reservations", {**params, "channelId": legacy, "limit": 1, "offset": 0})
        if probe.count or probe.items:
            used.append(legacy)
    return used


async def search_bookings(
    state: State,
    arrival_from: Annotated[IsoDate | None, Field(description="Arriving on or after.")] = None,
    arrival_to: Annotated[IsoDate | None, Field(description="Arriving on or before.")] = None,
    departure_from: Annotated[IsoDate | None, Field(description="Departing on or after.")] = None,
    departure_to: Annotated[IsoDate | None, Field(description="Departing on or before.")] = None,
    staying_on: Annotated[
        IsoDate | None,
        Field(description="A guest in the property that night."),
    ] = None,
    property_id: Annotated[PropertyId | None, Field(description="Only this property.")] = None,
    guest_name: Annotated[
        str | None,
        Field(min_length=2, max_length=100, description="Guest name contains this."),
    ] = None,
    guest_email: Annotated[
        str | None,
        Field(min_length=3, max_length=254, description="Only bookings with this guest email."),
    ] = None,
    channel: Annotated[
        str | None,
        Field(
            max_length=SHORT_TEXT_CHARS,
            description="airbnb, booking.com, vrbo, direct, booking engine, expedia, ...",
        ),
    ] = None,
    statuses: Annotated[
        list[Annotated[str, Field(max_length=SHORT_TEXT_CHARS)]] | None,
        Field(
            max_length=20,
            description=(
                "Only these: confirmed, cancelled, inquiry, request to book, owner stay, awaiting payment, "
                "declined, expired."
            ),
        ),
    ] = None,
    sort: Annotated[SortChoice, Field(description="latest_activity: newest first.")] = "arrival",
    limit: Annotated[int, Field(ge=1, le=100)] = 25,
    offset: Annotated[int, Field(ge=0, le=10_000)] = 0,
) -> BookingList:
    """Find bookings by dates, property, guest, channel or status; every status is included unless asked.

    Date filters are inclusive. Hostaway cannot filter by status, so this server does: `total` may
    then be null, and `note` says how far the search looked.
    """
    bounds = date_bounds(arrival_from, arrival_to, departure_from, departure_to, staying_on)
    channel_ids = resolve_channel(channel) if channel else ()
    wanted = resolve_statuses(statuses) if statuses else None
    if guest_email is not None and "@" not in guest_email:
        raise ToolError(f"guest_email {guest_email!r} is not an email address; use guest_name to search by name.")

    gateway = state.gateway
    params: dict[str, Any] = {"sortOrder": SORT_ORDERS[sort], **bounds.params()}
    if property_id is not None:
        params["listingId"] = property_id
    if guest_name:
        params["match"] = guest_name.strip()
    if guest_email:
        params["guestEmail"] = guest_email.strip()

    if guest_email is None and sort != "latest_activity":  # the mirror keeps no e-mail, and its activity lags
        mirrored = await booking_search(
            state,
            admits=bounds.admits,
            arrival=(bounds.arrival_from, bounds.arrival_to),
            departure=(bounds.departure_from, bounds.departure_to),
            property_id=property_id,
            guest_name=guest_name,
            channel_ids=channel_ids,
            statuses=wanted,
            descending=sort == "arrival_desc",
        )
        if mirrored is not None:
            return _mirrored_page(mirrored, limit, offset)

    notes: list[str] = []
    channel_filter: frozenset[int] | None = None
    if channel_ids:
        legacy = await _legacy_ids_in_use(gateway, params, channel_ids) if len(channel_ids) > 1 else []
        if legacy:
            # Bookings sit under more than one id for this channel: Hostaway filters one id per
            # call, so filter the channel here instead.
            channel_filter = frozenset(channel_ids)
            notes.append(
                f"{channel} bookings exist under several Hostaway channel ids ({', '.join(map(str, channel_ids))}); "
                "the channel was filtered by this server."
            )
        else:
            params["channelId"] = channel_ids[0]

    if wanted is None and channel_filter is None:
        return await _server_side_page(state, params, bounds, limit, offset, notes)

    def keep(row: JSONObject) -> bool:
        if wanted is not None and row.get("status") not in wanted:
            return False
        if channel_filter is not None and ident(row.get("channelId")) not in channel_filter:
            return False
        return bounds.admits(row)

    scan = await _scan(gateway, params, keep, offset + limit + 1)
    page_rows = scan.matches[offset : offset + limit]
    names = await fill_property_names(state, page_rows)
    items = [summarize_booking(row, names) for row in page_rows]
    reasons = []
    if wanted is not None:
        reasons.append("status (Hostaway has no status filter)")
    if channel_filter is not None:
        reasons.append("channel (Hostaway filters one channel id per call)")
    how = f"Filtered by {' and by '.join(reasons)} on this server"
    of_total = f"of {scan.source_total}" if scan.source_total is not None else "of an unknown number of"
    if scan.complete:
        total: int | None = len(scan.matches)
        notes.append(f"{how}: all {scan.checked} bookings matching the other filters were checked; the total is exact.")
        following = next_offset(offset, len(items), total)
    elif len(scan.matches) > offset + limit:
        total = None
        notes.append(
            f"{how}: checked {scan.checked} {of_total} bookings, enough to fill this page, so the total is "
            "unknown. Use next_offset for more."
        )
        following = offset + limit
    else:
        total = None
        notes.append(
            f"{how}: stopped after checking {scan.checked} {of_total} bookings (at most "
            f"{MAX_SCAN_PAGES * SCAN_PAGE_SIZE} per search), so more matches may exist. Narrow the search with "
            "dates, a property or a channel to see them."
        )
        following = None
    return BookingList(
        items=items, total=total, offset=offset, limit=limit, next_offset=following, note=" ".join(notes)
    )


def _mirrored_page(found: MirroredBookings, limit: int, offset: int) -> BookingList:
    rows = found.rows[offset : offset + limit]
    return BookingList(
        items=[summarize_booking(row, found.names) for row in rows],
        total=len(found.rows),
        offset=offset,
        limit=limit,
        next_offset=next_offset(offset, len(rows), len(found.rows)),
        note=f"From the local mirror of the account (as of {found.as_of}); every filter applied, the total is exact.",
        as_of=found.as_of,
    )


async def _server_side_page(
    state: AppState,
    params: dict[str, Any],
    bounds: DateBounds,
    limit: int,
    offset: int,
    notes: list[str],
) -> BookingList:
    """One page straight from Hostaway: its filters did all the work, `count` is the total."""
    page = await state.gateway.get("reservations", {**params, "limit": limit, "offset": offset})
    rows = [row for row in page.items if ident(row.get("id")) is not None]
    kept = [row for row in rows if bounds.admits(row)]
    total = page.count
    following = next_offset(offset, len(rows), total)
    if len(kept) != len(rows):
        total = None
        notes.append(
            f"Hostaway returned {len(rows) - len(kept)} booking(s) outside the requested dates (its date filters "
            "seem looser than inclusive); they were removed, so the total is unknown."
        )
    names = await fill_property_names(state, kept)
    items = [summarize_booking(row, names) for row in kept]
    return BookingList(
        items=items,
        total=total,
        offset=offset,
        limit=limit,
        next_offset=following,
        note=" ".join(notes) or None,
    )
