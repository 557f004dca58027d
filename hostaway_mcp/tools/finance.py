"""Revenue tools: how the portfolio, or one property, did over a period.

The arithmetic lives in `hostaway_mcp.revenue` (pure, no I/O); this module only validates, fetches
with as few calls as the API allows, and shapes the result.

Calls made (R = pages of 100 reservations in scope, L = listings in the account, W = arrival-date
windows, at most `paging.CONCURRENCY`):
- `get_revenue_report`: ceil(L / 100) listings pages + the first reservations page, whose `count`
  decides the rest: more than `MAX_RESERVATIONS` is refused there, after that one page; a short
  rest is read by one cursor walk (R pages in all); a long one in W date windows side by side
  (at most R + W pages; `paging.reservation_pages`). With `property_ids`, one id is read with the
  `listingId` filter; several ids first read one page of the unfiltered query, whose `count` tells
  how many pages the whole period needs, then either keep reading it (and filter client-side) or
  switch to one `listingId` query per id, side by side, whichever is fewer calls.
- `get_property_financials`: 1 (the listing) + the property's reservation pages + 1 calendar read.
- Both read each property's calendar for the period (one call per property, two past a year) to
  find blocked nights, which are not available to rent (occupancy). The calendars start once the
  first reservations page has passed the size check and are read side by side with the rest of
  the reservation pages (`reservations_and_blocks`), so the two reads share the rate budget.
- With the local mirror fresh (`tools/_mirrored.py`): no listings or reservations call at all
  (the mirror's watermark check, at most every `HOSTAWAY_MIRROR_MAX_AGE_S`, is one listings and
  one reservations request), and calendar reads only for the nights not yet past; `as_of` says so.

Each page is folded into a `ReservationFold` as it arrives (cut down to the fields a report
reads), so a big report never holds Hostaway's raw objects. Pages report progress
("reservations: page 12 of 40").

Date filters: whether Hostaway's reservation date filters include their end points is
UNCONFIRMED, so the query is a superset under either reading and the exact period is applied
client-side (see `reservation_query`). A failed page (after the gateway's retries) fails the whole
tool: a partial total is never returned as complete.
"""

# Over 400 lines for now: two tools on one fetch plan (listings, reservation windows, calendars);
# the arithmetic already lives in revenue.py and revenue_report.py.

from __future__ import annotations

import asyncio
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from hostaway_mcp import paging, progress
from hostaway_mcp.calendar import STATUS_FIELDS, night_status, read_days
from hostaway_mcp.domain import channel_name, ident, listing_name, money, status_words
from hostaway_mcp.errors import HostawayError
from hostaway_mcp.gateway import PAGE_SIZE, Envelope, HostawayGateway, JSONObject
from hostaway_mcp.models.common import next_offset
from hostaway_mcp.models.finance import (
    BookingLine,
    PropertyFinancials,
    RevenueGroup,
    RevenueMetrics,
    RevenueReport,
)
from hostaway_mcp.privacy import guest_name
from hostaway_mcp.revenue import (
    DEFINITIONS,
    Basis,
    BookingShare,
    Group,
    Metrics,
    Period,
)
from hostaway_mcp.revenue_report import REPORT_FIELDS, ReservationFold
from hostaway_mcp.tools._lookups import fetch_listing
from hostaway_mcp.tools._mirrored import report_inputs
from hostaway_mcp.tools._runtime import State
from hostaway_mcp.tools._validation import MAX_OFFSET, IsoDate, PropertyId, check_period

MAX_RESERVATION_PAGES = 500  # 50,000 reservations in one report; beyond that, ask for less
MAX_RESERVATIONS = MAX_RESERVATION_PAGES * PAGE_SIZE
LISTING_FIELDS = ("id", "name", "internalListingName", "currencyCode")  # what a report reads of a listing
MAX_PROPERTY_IDS = 500
# Calendar reads for blocked nights: at most a year per call (the range limit is UNCONFIRMED), a
# few properties at a time (the gateway's limiter paces them further).
CALENDAR_SPAN_DAYS = 366
CALENDAR_CONCURRENCY = 8

FINANCE_NOTE = (
    "Hostaway's finance endpoints were not used: the reservation fields (totalPrice, cleaningFee, "
    "taxAmount, channelCommissionAmount) hold every figure of these metrics. Owner payout and PM "
    "commission exist only in the consolidated finance report, a form POST this server does not send, "
    "so payout is shown only where the reservation states it (Airbnb's expected payout)."
)

BasisArg = Annotated[
    Literal["stay", "arrival"],
    Field(
        description=(
            "stay: revenue spread over each booking's nights in the period; arrival: whole bookings arriving in it."
        )
    ),
]


@dataclass
class Fetched:
    """How the period's reservations were read (for the result's `source`)."""

    read: int
    pages: int
    how: str


def reservation_query(period: Period, basis: Basis) -> dict[str, str]:
    """Date filters selecting a superset of the period's bookings under either end-point reading.

    stay: bookings with a night in [start, end] are those with departure > start and
    arrival <= end; `departureStartDate=start` and `arrivalEndDate=end+1` cover both the inclusive
    and the exclusive reading. arrival: `arrivalStartDate=start-1`, `arrivalEndDate=end+1`.
    """
    after_end = (period.end + timedelta(days=1)).isoformat()
    if basis == "stay":
        return {"departureStartDate": period.start.isoformat(), "arrivalEndDate": after_end}
    return {"arrivalStartDate": (period.start - timedelta(days=1)).isoformat(), "arrivalEndDate": after_end}


async def fetch_reservations(
    gateway: HostawayGateway,
    query: dict[str, Any],
    property_ids: Sequence[int] | None,
    fold: ReservationFold,
    period: Period,
    checked: asyncio.Event | None = None,
) -> Fetched:
    """Fold the period's reservations (whole account or some properties) into `fold`: every page
    or an error. The first page's `count` is checked before anything else is read; `checked` is
    set once a first page has passed that check (so other reads may start)."""
    try:
        return await _fetch_reservations(
            gateway, query, property_ids, fold, (period.start, period.end), checked or asyncio.Event()
        )
    except paging.IncompleteReadError as exc:
        raise ToolError(exc.message) from None
    except HostawayError as exc:
        raise ToolError(
            "Could not read every page of reservations for the period, so no figures are returned "
            f"(a partial total would be wrong). {exc.message}"
        ) from None


def _refuse_too_many(first: Envelope) -> None:
    if first.count is not None and first.count > MAX_RESERVATIONS:
        raise ToolError(
            f"{first.count} reservations match this period, more than the {MAX_RESERVATIONS} one report "
            "reads, so nothing more was fetched. Ask for a shorter period (for example one quarter at a "
            "time) or fewer property_ids."
        )


async def _read(
    gateway: HostawayGateway,
    query: dict[str, Any],
    fold: ReservationFold,
    arrivals: tuple[date, date] | None,
    checked: asyncio.Event,
    first: Envelope | None = None,
) -> paging.ScanStats:
    """All pages of one query into `fold`, refused after its first page if it is too large."""
    if first is None:
        first = await paging.first_page(gateway, "reservations", query, what="reservations", fields=REPORT_FIELDS)
    _refuse_too_many(first)
    checked.set()
    scan = paging.reservation_pages(
        gateway,
        query,
        fold.add,
        first=first,
        arrivals=arrivals,
        max_pages=MAX_RESERVATION_PAGES,
        fields=REPORT_FIELDS,
    )
    del first  # the scan holds the first page only until it is folded
    return await scan


def _windows(stats: paging.ScanStats) -> str:
    return f", in {stats.windows} arrival-date windows read side by side" if stats.windows > 1 else ""


async def _fetch_reservations(
    gateway: HostawayGateway,
    query: dict[str, Any],
    property_ids: Sequence[int] | None,
    fold: ReservationFold,
    arrivals: tuple[date, date],
    checked: asyncio.Event,
) -> Fetched:
    if not property_ids:
        stats = await _read(gateway, query, fold, arrivals, checked)
        return Fetched(len(fold), stats.pages, "whole account" + _windows(stats))
    if len(property_ids) == 1:
        stats = await _read(gateway, {**query, "listingId": property_ids[0]}, fold, arrivals, checked)
        return Fetched(len(fold), stats.pages, "listingId filter" + _windows(stats))

    # Several ids: the only documented property filter takes one id. The first unfiltered page
    # says (count) how many pages the whole account needs; keep reading it if that costs no more
    # than one query per id, else switch.
    first = await paging.first_page(gateway, "reservations", query, what="reservations", fields=REPORT_FIELDS)
    needed = math.ceil(first.count / PAGE_SIZE) if first.count is not None else None
    if needed is None or needed - 1 <= len(property_ids):
        read = _read(gateway, query, fold, arrivals, checked, first=first)
        del first  # the read holds the first page only until it is folded
        stats = await read
        return Fetched(len(fold), stats.pages, "whole account, filtered to property_ids client-side" + _windows(stats))
    # One walk per id, side by side; each is short, so none is split into windows.
    walks = await paging.gather_bounded(
        [functools.partial(_read, gateway, {**query, "listingId": i}, fold, None, checked) for i in property_ids]
    )
    pages = 1 + sum(walk.pages for walk in walks)  # the probe page, then every walk
    return Fetched(len(fold), pages, f"one listingId query per property ({len(property_ids)}) after one probe page")


async def fetch_listings(gateway: HostawayGateway) -> tuple[list[JSONObject], int]:
    """Every listing, each cut down to what a report reads (id, name, currency) as its page arrives."""
    pages = await paging.offset_pages(
        gateway,
        "listings",
        {"includeResources": 0},
        what="properties",
        fields=LISTING_FIELDS,
    )
    listings = [item for item in paging.items_of(pages) if ident(item.get("id")) is not None]
    return listings, len(pages)


async def fetch_blocked_nights(
    gateway: HostawayGateway, listing_ids: Sequence[int], period: Period
) -> dict[int, list[date]]:
    """Nights each property's calendar shows blocked (not by a reservation) inside the period."""
    spans: list[tuple[date, date]] = []
    start = period.start
    while start <= period.end:
        end = min(period.end, start + timedelta(days=CALENDAR_SPAN_DAYS - 1))
        spans.append((start, end))
        start = end + timedelta(days=1)
    reporter = progress.current()
    reads = len(spans) * len(listing_ids)
    reporter.expect(reads)
    done = 0

    async def blocked_at(listing_id: int) -> list[date]:
        nights: list[date] = []
        for first, last in spans:
            days = await read_days(gateway, listing_id, first, last, fields=STATUS_FIELDS)
            nights += [
                night for night, day in days.items() if period.contains(night) and night_status(day) == "blocked"
            ]
            del days  # only its blocked nights wait for the progress step, not a year of calendar days
            nonlocal done
            done += 1
            await reporter.step(f"calendars: {done} of {reads} read")
        return nights

    try:
        found = await paging.gather_bounded(
            [functools.partial(blocked_at, listing_id) for listing_id in listing_ids], limit=CALENDAR_CONCURRENCY
        )
    except HostawayError as exc:
        raise ToolError(
            "Could not read every property's calendar for the period (blocked nights are not available "
            f"to rent, so occupancy needs them); no figures are returned. {exc.message}"
        ) from None
    return dict(zip(listing_ids, found, strict=True))


async def reservations_and_blocks(
    gateway: HostawayGateway,
    query: dict[str, Any],
    property_ids: Sequence[int] | None,
    fold: ReservationFold,
    period: Period,
    calendars_of: Sequence[int],
) -> tuple[Fetched, dict[int, list[date]]]:
    """The reservations (into `fold`) and the blocked nights of `calendars_of`, read side by side.

    The calendars start once the first reservations page has passed the size check, so an
    over-large period is still refused after that one request; from then on both reads share the
    rate budget, which keeps every gate busy instead of reading the calendars after the last page.
    """
    checked = asyncio.Event()

    async def calendars() -> dict[int, list[date]]:
        await checked.wait()
        return await fetch_blocked_nights(gateway, calendars_of, period)

    return await paging.together(
        functools.partial(fetch_reservations, gateway, query, property_ids, fold, period, checked), calendars
    )


def _metrics_fields(metrics: Metrics) -> dict[str, Any]:
    def ratio(value: float | None, digits: int) -> float | None:
        return None if value is None else round(value, digits)

    return {
        "currency": metrics.currency,
        "revenue": round(metrics.revenue, 2),
        "gross": round(metrics.gross, 2),
        "booked_nights": metrics.booked_nights,
        "owner_stay_nights": metrics.owner_stay_nights,
        "blocked_nights": metrics.blocked_nights,
        "available_nights": metrics.available_nights,
        "occupancy": ratio(metrics.occupancy, 4),
        "adr": ratio(metrics.adr, 2),
        "revpar": ratio(metrics.revpar, 2),
        "bookings": metrics.bookings,
        "cancellations": metrics.cancellations,
        "cancelled_value": round(metrics.cancelled_value, 2),
        "cancellation_fees": round(metrics.cancellation_fees, 2),
    }


def to_metrics(metrics: Metrics) -> RevenueMetrics:
    return RevenueMetrics(**_metrics_fields(metrics))


def to_group(group: Group) -> RevenueGroup:
    return RevenueGroup(key=group.key, label=group.label, **_metrics_fields(group.metrics))


def to_line(share: BookingShare) -> BookingLine:
    """One booking's line; its money agrees with the totals (a cancellation earns no revenue)."""
    raw = share.reservation
    counted = share.kind == "revenue"
    cancelled = share.kind == "cancelled"
    return BookingLine(
        booking_id=share.id,
        guest_name=guest_name(raw.get("guestName")),
        status=status_words(raw.get("status")),
        channel="owner stay" if share.kind == "owner" else channel_name(raw.get("channelId"), raw.get("channelName")),
        arrival_date=share.arrival.isoformat(),
        departure_date=share.departure.isoformat(),
        nights=share.nights,
        nights_in_period=share.nights_in_period,
        currency=share.currency,
        total_price=money(raw.get("totalPrice")),
        cleaning_fee=money(raw.get("cleaningFee")),
        taxes=money(raw.get("taxAmount")),
        channel_commission=money(raw.get("channelCommissionAmount")),
        revenue=round(share.revenue, 2) if counted else 0.0,
        revenue_in_period=round(share.revenue_in_period, 2) if counted else 0.0,
        cancelled_value=round(share.revenue_in_period, 2) if cancelled else None,
        cancellation_fee=round(share.cancellation_fee_in_period, 2) if cancelled and share.cancellation_fee else None,
        payout=money(raw.get("airbnbExpectedPayoutAmount")),
    )


def _source(fetched: Fetched, listing_calls: str) -> str:
    return (
        f"Reservation fields from GET /reservations ({fetched.read} read in {fetched.pages} "
        f"page(s); {fetched.how}; statuses filtered client-side, as Hostaway has no status filter) and "
        f"{listing_calls}. {FINANCE_NOTE}"
    )


async def get_revenue_report(
    state: State,
    start_date: Annotated[IsoDate, Field(description="First day of the period, inclusive.")],
    end_date: Annotated[IsoDate, Field(description="Last day of the period, inclusive.")],
    property_ids: Annotated[
        list[PropertyId] | None,
        Field(
            max_length=MAX_PROPERTY_IDS,
            description="Only these; none: the whole portfolio.",
        ),
    ] = None,
    group_by: Annotated[
        Literal["property", "channel", "month"],
        Field(description="What to break the totals down by."),
    ] = "property",
    basis: BasisArg = "stay",
    limit: Annotated[int, Field(ge=1, le=500)] = 100,
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0,
) -> RevenueReport:
    """Report revenue, booked nights, occupancy, ADR, RevPAR and cancellations for a period.

    At most two years. Revenue = totalPrice - cleaningFee - taxAmount of confirmed bookings;
    occupancy = booked nights / nights available to rent (owner stays and blocks are not). Totals
    come one per currency.
    `definitions` has every formula.
    """
    days = check_period(start_date, end_date)
    period = Period(start_date, end_date)
    ids = sorted(set(property_ids)) if property_ids else None
    gateway = state.gateway

    fold = ReservationFold(ids)
    mirrored = await report_inputs(state, period, basis, ids, fold)
    if mirrored is not None:
        listings, listing_pages = mirrored.listings, 0
    else:
        listings, listing_pages = await fetch_listings(gateway)
    if ids is not None:
        known = {ident(listing.get("id")) for listing in listings}
        missing = [i for i in ids if i not in known]
        if missing:
            which = ", ".join(str(i) for i in missing)
            noun = "Property" if len(missing) == 1 else "Properties"
            raise ToolError(f"{noun} {which} not found: use list_properties to find the property ids.")
    if mirrored is not None:
        blocked = mirrored.blocked
        source = mirrored.source(FINANCE_NOTE)
    else:
        fold = ReservationFold(ids)
        in_scope = ids if ids is not None else [i for listing in listings if (i := ident(listing.get("id")))]
        fetched, blocked = await reservations_and_blocks(
            gateway, reservation_query(period, basis), ids, fold, period, in_scope
        )
        source = _source(fetched, f"the property list from GET /listings ({listing_pages} page(s))")
    report = fold.report(listings, period, basis=basis, group_by=group_by, blocked=blocked)

    groups = report.groups[offset : offset + limit]
    total_groups = len(report.groups)
    return RevenueReport(
        start_date=start_date.isoformat(),
        end_date=end_date.isoformat(),
        basis=basis,
        group_by=group_by,
        totals=[to_metrics(m) for m in report.totals],
        groups=[to_group(g) for g in groups],
        groups_total=total_groups,
        offset=offset,
        limit=limit,
        next_offset=next_offset(offset, len(groups), total_groups),
        owner_stay_nights=report.owner_stay_nights,
        properties_in_scope=report.properties_in_scope,
        ignored=report.ignored,
        definitions={**DEFINITIONS, "days_in_period": f"{days} days, {start_date} through {end_date}."},
        source=source,
        as_of=mirrored.as_of if mirrored is not None else None,
    )


async def get_property_financials(
    state: State,
    property_id: PropertyId,
    start_date: Annotated[IsoDate, Field(description="First day of the period, inclusive.")],
    end_date: Annotated[IsoDate, Field(description="Last day of the period, inclusive.")],
    basis: BasisArg = "stay",
    limit: Annotated[int, Field(ge=1, le=200)] = 50,
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0,
) -> PropertyFinancials:
    """Report one property's revenue metrics for a period, with its booking lines.

    Use it when a manager or owner asks how one property did, or wants the bookings behind the
    numbers (guest, dates, channel, total, cleaning fee, taxes, channel commission, payout where
    the reservation states it). Property ids come from list_properties. The metrics and the
    period (inclusive, at most two years) are defined exactly as in get_revenue_report (occupancy =
    booked nights / nights available to rent: owner stays and blocks are not available). Booking
    lines cover revenue bookings, owner stays and cancellations, by arrival date, paged, and add up
    to the totals: a cancelled line earns 0 revenue and shows what it would have brought
    (cancelled_value) and a cancellation_fee only where Hostaway reports one.
    """
    days = check_period(start_date, end_date)
    period = Period(start_date, end_date)
    gateway = state.gateway

    fold = ReservationFold([property_id], lines=True)  # one property: its booking lines are shown
    mirrored = await report_inputs(state, period, basis, [property_id], fold)
    if mirrored is not None:
        listing = next(x for x in mirrored.listings if ident(x.get("id")) == property_id)
        blocked = mirrored.blocked
        source = mirrored.source(FINANCE_NOTE)
    else:
        fold = ReservationFold([property_id], lines=True)
        listing = await fetch_listing(gateway, property_id)
        query = reservation_query(period, basis)
        fetched, blocked = await reservations_and_blocks(gateway, query, [property_id], fold, period, [property_id])
        source = _source(fetched, f"the property from GET /listings/{property_id}")
    listing = {**listing, "id": property_id}
    report = fold.report([listing], period, basis=basis, group_by="property", blocked=blocked)
    lines = report.shares[offset : offset + limit]
    return PropertyFinancials(
        property_id=property_id,
        property_name=listing_name(listing, property_id),
        start_date=start_date.isoformat(),
        end_date=end_date.isoformat(),
        basis=basis,
        totals=[to_metrics(m) for m in report.totals],
        owner_stay_nights=report.owner_stay_nights,
        bookings=[to_line(share) for share in lines],
        total=len(report.shares),
        offset=offset,
        limit=limit,
        next_offset=next_offset(offset, len(lines), len(report.shares)),
        ignored=report.ignored,
        definitions={
            **DEFINITIONS,
            "days_in_period": f"{days} days, {start_date} through {end_date}.",
            "payout": "Host payout as the reservation states it (airbnbExpectedPayoutAmount); null when it does not.",
        },
        source=source,
        as_of=mirrored.as_of if mirrored is not None else None,
    )
