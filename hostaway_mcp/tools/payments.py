"""Payment tools: a booking's charges, and which bookings still owe money.

`/guestPayments/charges` answers at most 200 ids per id list and 60 days per pair of date bounds
(a wider ask is a 400; hostaway-api-2026.md §1.5). `list_unpaid_balances` therefore reads the
period's bookings first (`/reservations` with `includePayments=1`, which serves
`remainingBalance`), groups them by arrival into 60-day windows, and asks for each window's
charges in chunks of at most 200 booking ids, each request naming its window's arrival bounds
too. The user sees none of this, only the balances.

A booking's balance is Hostaway's `remainingBalance`; where Hostaway does not serve it, it is
computed from the charges (`charges.py`). OTAs collect their guests' money themselves, so their
bookings have no guest charges and (normally) nothing to collect.

Calls: `get_booking_payments` = 1 (the booking) + the booking's charge pages (at most 500 each).
`list_unpaid_balances` = the period's reservation pages (`paging.reservation_pages`: long periods
in arrival-date windows side by side) + per 60-day window, ceil(bookings that may owe / 200) charge
requests (more only past 500 charges in one chunk; a booking Hostaway reports paid is not asked
about), at most `paging.CONCURRENCY` in flight, each reported as progress.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import Field

from hostaway_mcp import paging
from hostaway_mcp.charges import (
    CHARGE_FIELDS,
    KIND_WORDS,
    ONLINE_METHODS,
    Charge,
    Tally,
    parse_charges,
    refund_refusal,
    refundable,
    refunded_by_charge,
    tally,
)
from hostaway_mcp.domain import CONFIRMED_STATUSES, channel_name, ident, money, parse_date, status_words, text
from hostaway_mcp.gateway import HostawayGateway, JSONObject
from hostaway_mcp.models.common import next_offset
from hostaway_mcp.models.payments import (
    BookingPayments,
    ChargeLine,
    CurrencyBalance,
    DueCharge,
    UnpaidBalance,
    UnpaidBalances,
)
from hostaway_mcp.tools._lookups import fetch_reservation
from hostaway_mcp.tools._runtime import State
from hostaway_mcp.tools._validation import MAX_OFFSET, BookingId, IsoDate, PropertyId, check_period
from hostaway_mcp.tools.booking_filters import DateBounds
from hostaway_mcp.tools.bookings import fill_property_names, guest_full_name

CHARGES_PATH = "guestPayments/charges"
CHARGE_PAGE = 500  # the list's largest page
MAX_CHARGE_PAGES = 20
MAX_IDS_PER_REQUEST = 200  # the documented limit per id list
WINDOW_DAYS = 60  # each pair of date bounds at most 60 days apart: 60 days, inclusive, is safe either way
MAX_RESERVATION_PAGES = 200
MAX_PROPERTY_IDS = 500
DEFAULT_BACK_DAYS = 30
DEFAULT_AHEAD_DAYS = 89
# The reservation fields list_unpaid_balances reads (plus `updatedOn`, which `paging.dedupe` reads):
# each page is cut to them as it arrives, so a period's bookings are never all held whole.
UNPAID_FIELDS = (
    "id",
    "updatedOn",
    "status",
    "listingMapId",
    "listingName",
    "arrivalDate",
    "departureDate",
    "guestName",
    "guestFirstName",
    "guestLastName",
    "channelId",
    "channelName",
    "currency",
    "totalPrice",
    "remainingBalance",
)
# Bookings whose guest owes what is left: confirmed ones, and direct ones awaiting payment (a request
# to book is not a debt yet, and an owner stay has no price).
OWING_STATUSES = CONFIRMED_STATUSES | {"awaitingPayment"}
NOTHING_OWED = 0.005  # a balance at or below it is rounding, not a debt
_PAID = object()  # a booking Hostaway reports paid: counted as checked, its charges not read


async def booking_charges(gateway: HostawayGateway, booking_id: int) -> list[Charge]:
    """Every charge of one booking (`reservationId`), oldest first."""
    pages = await paging.offset_pages(
        gateway,
        CHARGES_PATH,
        {"reservationId": booking_id},
        page_size=CHARGE_PAGE,
        max_pages=MAX_CHARGE_PAGES,
        what="guest charges",
        fields=CHARGE_FIELDS,
    )
    found = [c for c in parse_charges(paging.items_of(pages)) if c.reservation_id in (None, booking_id)]
    return sorted(found, key=lambda c: (c.scheduled or c.charged or "", c.id))


def charge_lines(charges: Sequence[Charge], currency: str | None) -> list[ChargeLine]:
    refunded = refunded_by_charge(charges)
    lines = []
    for charge in charges:
        done = refunded.get(charge.id, 0.0)
        refusal = refund_refusal(charge, done) if charge.is_paid_charge else None
        lines.append(
            ChargeLine(
                charge_id=charge.id,
                kind=KIND_WORDS.get(charge.type, charge.type),
                title=charge.title,
                method=charge.method_words,
                status=charge.status_words,
                amount=charge.amount,
                currency=charge.currency if charge.currency not in (None, currency) else None,
                description=charge.description,
                scheduled=charge.scheduled if charge.scheduled != charge.charged else None,
                charged=charge.charged,
                refunded=done or None,
                refund_of=charge.refund_of,
                refundable=refundable(charge, done) if charge.is_paid_charge and refusal is None else None,
                note=charge.provider_message or (_short_refusal(charge) if refusal and charge.is_paid_charge else None),
            )
        )
    return lines


def _short_refusal(charge: Charge) -> str | None:
    if charge.method in ONLINE_METHODS:
        return "Paid online: refunds go through the payment provider (Hostaway dashboard), not record_refund."
    return None


def balance_of(reservation: JSONObject, counted: Tally, has_charges: bool) -> float | None:
    """Hostaway's remainingBalance, or the charges' arithmetic where it is missing."""
    reported = money(reservation.get("remainingBalance"))
    if reported is not None:
        return reported
    total = money(reservation.get("totalPrice"))
    return counted.balance(total) if has_charges and total is not None else None


async def get_booking_payments(state: State, booking_id: BookingId) -> BookingPayments:
    """Show what a booking's guest paid, still owes, had refunded and holds as a deposit, charge by charge.

    Card details never appear. Airbnb, Booking.com and Vrbo bookings are paid to the platform, so
    they usually have no charges here.
    """
    reservation, charges = await asyncio.gather(
        fetch_reservation(state.gateway, booking_id, includePayments=1), booking_charges(state.gateway, booking_id)
    )
    currency = text(reservation.get("currency"))
    counted = tally(charges, currency)
    notes = []
    if not charges:
        notes.append("No guest charges in Hostaway for this booking (platform bookings are paid to the platform).")
    if counted.other_currency:
        notes.append(f"{counted.other_currency} charge(s) in another currency are listed but not added up.")
    if counted.failed:
        notes.append(f"{counted.failed} charge(s) failed (card declined): that money is still owed.")
    return BookingPayments(
        booking_id=booking_id,
        property_name=text(reservation.get("listingName")),
        guest_name=guest_full_name(reservation),
        arrival=parse_date(reservation.get("arrivalDate")),
        departure=parse_date(reservation.get("departureDate")),
        status=status_words(reservation.get("status")),
        channel=channel_name(reservation.get("channelId"), reservation.get("channelName")),
        currency=currency,
        total_price=money(reservation.get("totalPrice")),
        paid=counted.paid,
        refunded=counted.refunded,
        due=counted.owed_by_charges,
        held=counted.held,
        remaining_balance=balance_of(reservation, counted, bool(charges)),
        payment_status=text(reservation.get("paymentStatus")),
        charges=charge_lines(charges, currency),
        notes=notes,
    )


# -- who still owes us ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Bookings arriving in [first, last], at most `WINDOW_DAYS` days."""

    first: date
    last: date
    booking_ids: tuple[int, ...]


def arrival_windows(bookings: Sequence[JSONObject], start: date, end: date) -> list[Window]:
    """The period cut into windows the charges list accepts, each with its bookings (by arrival)."""
    windows = []
    first = start
    while first <= end:
        last = min(first + timedelta(days=WINDOW_DAYS - 1), end)
        ids = tuple(
            booking_id
            for booking in bookings
            if (booking_id := ident(booking.get("id"))) is not None
            and (arrival := parse_date(booking.get("arrivalDate"))) is not None
            and first <= arrival <= last
        )
        if ids:
            windows.append(Window(first, last, ids))
        first = last + timedelta(days=1)
    return windows


async def charges_of_bookings(gateway: HostawayGateway, windows: Sequence[Window]) -> dict[int, list[Charge]]:
    """The charges of every booking in the windows, by booking id: ≤ 200 ids and one window per request."""
    requests = [
        {
            "reservationIds": ",".join(str(i) for i in window.booking_ids[at : at + MAX_IDS_PER_REQUEST]),
            "arrivalDateFrom": window.first.isoformat(),
            "arrivalDateTo": window.last.isoformat(),
        }
        for window in windows
        for at in range(0, len(window.booking_ids), MAX_IDS_PER_REQUEST)
    ]

    async def read(params: dict[str, Any]) -> list[Charge]:
        pages = await paging.offset_pages(
            gateway,
            CHARGES_PATH,
            params,
            page_size=CHARGE_PAGE,
            max_pages=MAX_CHARGE_PAGES,
            what="guest charges",
            fields=CHARGE_FIELDS,
        )
        # Parsed per request, so the raw pages go as each request ends; deduplicating the parsed
        # answers again below keeps exactly what one pass over every raw charge kept.
        return parse_charges(paging.items_of(pages))

    answers = await paging.gather_bounded([functools.partial(read, params) for params in requests])
    wanted = {booking_id for window in windows for booking_id in window.booking_ids}
    by_booking: dict[int, list[Charge]] = {}
    for charge in {charge.id: charge for answer in answers for charge in answer}.values():
        if charge.reservation_id in wanted:  # an ignored filter must not leak other bookings in
            by_booking.setdefault(charge.reservation_id, []).append(charge)
    return by_booking


class _Arrivals:
    """The period's bookings folded page by page: the newest copy of each (`paging.newer`), and of
    those the guest may owe on, the row; a booking Hostaway reports paid keeps only its place.

    Most of a period's bookings are paid or were never owing (two in three on the demo account), so
    neither their rows nor their charges are needed: holding the rest only keeps a 200-listing
    quarter's reservation pages from all being held at once, and asks for far fewer charges.
    """

    def __init__(self, bounds: DateBounds, wanted: set[int]) -> None:
        self._bounds = bounds
        self._wanted = wanted
        # id -> (updatedOn, the row if it may owe, PAID if Hostaway says it is paid, None if not ours)
        self._newest: dict[int, tuple[str, JSONObject | object | None]] = {}

    def add(self, rows: Sequence[JSONObject]) -> None:
        for row in rows:
            booking_id = ident(row.get("id"))
            if booking_id is None:
                continue
            updated = paging.updated_of(row)
            kept = self._newest.get(booking_id)
            if kept is not None and updated < kept[0]:  # `paging.newer`: an equal one replaces it
                continue
            self._newest[booking_id] = (updated, self._verdict(row))

    def _verdict(self, row: JSONObject) -> JSONObject | object | None:
        if text(row.get("status")) not in OWING_STATUSES or not self._bounds.admits(row):
            return None
        if self._wanted and ident(row.get("listingMapId")) not in self._wanted:
            return None
        reported = money(row.get("remainingBalance"))
        return _PAID if reported is not None and reported <= NOTHING_OWED else row

    def checked(self) -> int:
        """Bookings arriving in the period with an owing status (paid ones included)."""
        return sum(1 for _, verdict in self._newest.values() if verdict is not None)

    def may_owe(self) -> list[JSONObject]:
        """The bookings whose balance is open or unknown, by arrival date then id."""
        rows = [verdict for _, verdict in self._newest.values() if isinstance(verdict, dict)]
        return sorted(rows, key=lambda r: (str(r.get("arrivalDate")), ident(r.get("id")) or 0))


async def arriving_bookings(
    gateway: HostawayGateway, start: date, end: date, property_ids: Sequence[int]
) -> tuple[list[JSONObject], int]:
    """Bookings arriving in [start, end] whose guest may owe money (with their remainingBalance),
    and how many bookings arriving in the period were checked (those Hostaway reports paid too)."""
    params: dict[str, Any] = {
        # A superset under either reading of the end points (UNCONFIRMED); the exact period is kept below.
        "arrivalStartDate": (start - timedelta(days=1)).isoformat(),
        "arrivalEndDate": (end + timedelta(days=1)).isoformat(),
        "includePayments": 1,
    }
    if len(property_ids) == 1:
        params["listingId"] = property_ids[0]
    arrivals = _Arrivals(DateBounds(arrival_from=start, arrival_to=end), set(property_ids))
    await paging.reservation_pages(
        gateway,
        params,
        arrivals.add,  # windows read side by side share their boundary days: folded to one copy
        arrivals=(start - timedelta(days=1), end + timedelta(days=1)),
        max_pages=MAX_RESERVATION_PAGES,
        fields=UNPAID_FIELDS,  # the embedded payments and every other field are skipped unread
    )
    return arrivals.may_owe(), arrivals.checked()


async def list_unpaid_balances(
    state: State,
    start_date: Annotated[IsoDate | None, Field(description="First arrival date (default: 30 days ago).")] = None,
    end_date: Annotated[IsoDate | None, Field(description="Last arrival date (default: 90 days from today).")] = None,
    property_ids: Annotated[
        list[PropertyId] | None, Field(max_length=MAX_PROPERTY_IDS, description="Only these properties.")
    ] = None,
    limit: Annotated[int, Field(ge=1, le=100)] = 25,
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0,
) -> UnpaidBalances:
    """List the guests who still owe money: bookings arriving in the period with a balance, largest first.

    Each row: paid, owed, and the charges due or failed (card declined). Platform bookings (Airbnb,
    Booking.com, Vrbo) are paid to the platform and rarely owe anything here.
    """
    today = state.now().date()
    start = start_date or today - timedelta(days=DEFAULT_BACK_DAYS)
    end = end_date or max(start, today) + timedelta(days=DEFAULT_AHEAD_DAYS)
    check_period(start, end)
    ids = list(dict.fromkeys(property_ids or []))
    bookings, checked = await arriving_bookings(state.gateway, start, end, ids)
    charges = await charges_of_bookings(state.gateway, arrival_windows(bookings, start, end))
    owing: list[tuple[JSONObject, float, Tally, list[Charge]]] = []
    unknown = 0
    for booking in bookings:
        booking_id = ident(booking.get("id")) or 0
        own = charges.get(booking_id, [])
        counted = tally(own, text(booking.get("currency")))
        remaining = balance_of(booking, counted, bool(own))
        if remaining is None:
            unknown += 1
        elif remaining > NOTHING_OWED:
            owing.append((booking, remaining, counted, own))
    owing = _largest_first(owing)
    page = owing[offset : offset + limit]
    names = await fill_property_names(state, [row for row, *_ in page])
    items = [_unpaid_row(row, remaining, counted, own, names) for row, remaining, counted, own in page]
    notes = []
    if unknown:
        notes.append(f"{unknown} booking(s) have no balance in Hostaway and no charges to compute one from.")
    return UnpaidBalances(
        start_date=start,
        end_date=end,
        items=items,
        totals=_totals(owing),
        bookings_checked=checked,
        total=len(owing),
        offset=offset,
        limit=limit,
        next_offset=next_offset(offset, len(items), len(owing)),
        note=" ".join(notes) or None,
    )


def _largest_first(
    owing: list[tuple[JSONObject, float, Tally, list[Charge]]],
) -> list[tuple[JSONObject, float, Tally, list[Charge]]]:
    """Largest balance first within each currency; the currency owed most comes first."""
    by_currency: dict[str | None, float] = {}
    for row, remaining, _, _ in owing:
        currency = text(row.get("currency"))
        by_currency[currency] = by_currency.get(currency, 0.0) + remaining
    return sorted(
        owing, key=lambda item: (-by_currency[text(item[0].get("currency"))], str(item[0].get("currency")), -item[1])
    )


def _totals(owing: list[tuple[JSONObject, float, Tally, list[Charge]]]) -> list[CurrencyBalance]:
    rows: dict[str | None, tuple[int, float]] = {}
    for row, remaining, _, _ in owing:
        currency = text(row.get("currency"))
        count, amount = rows.get(currency, (0, 0.0))
        rows[currency] = (count + 1, amount + remaining)
    return [CurrencyBalance(currency=c, bookings=n, remaining=round(a, 2)) for c, (n, a) in rows.items()]


def _unpaid_row(
    row: JSONObject, remaining: float, counted: Tally, own: list[Charge], names: dict[int, str]
) -> UnpaidBalance:
    listing_id = ident(row.get("listingMapId"))
    due = sorted((c for c in own if c.is_owed), key=lambda c: (c.scheduled or "", c.id))
    return UnpaidBalance(
        booking_id=ident(row.get("id")) or 0,
        property_id=listing_id,
        property_name=text(row.get("listingName")) or (names.get(listing_id) if listing_id else None),
        guest_name=guest_full_name(row),
        arrival=parse_date(row.get("arrivalDate")),
        departure=parse_date(row.get("departureDate")),
        status=status_words(row.get("status")),
        channel=channel_name(row.get("channelId"), row.get("channelName")),
        currency=text(row.get("currency")),
        total_price=money(row.get("totalPrice")),
        paid=round(counted.paid - counted.refunded, 2),
        remaining=remaining,
        due_charges=[
            DueCharge(charge_id=c.id, amount=c.amount, status=c.status_words, scheduled=c.scheduled) for c in due
        ],
    )
