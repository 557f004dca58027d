"""The reads behind `list_unpaid_balances`: the period's bookings whose guest may owe, and their charges.

`/guestPayments/charges` answers at most 200 ids per id list and 60 days per pair of date bounds
(a wider ask is a 400; hostaway-api-2026.md §1.5). So the period's bookings are read first
(`/reservations` with `includePayments=1`, which serves `remainingBalance`), folded as their pages
arrive down to those that may owe, grouped by arrival into 60-day windows, and each window's
charges asked for in chunks of at most 200 booking ids, each request naming its window's arrival
bounds too.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hostaway_mcp import paging
from hostaway_mcp.charges import CHARGE_FIELDS, Charge, parse_charges
from hostaway_mcp.domain import CONFIRMED_STATUSES, ident, money, parse_date, text
from hostaway_mcp.gateway import HostawayGateway, JSONObject
from hostaway_mcp.tools.booking_filters import DateBounds

CHARGES_PATH = "guestPayments/charges"
CHARGE_PAGE = 500  # the list's largest page
MAX_CHARGE_PAGES = 20
MAX_IDS_PER_REQUEST = 200  # the documented limit per id list
WINDOW_DAYS = 60  # each pair of date bounds at most 60 days apart: 60 days, inclusive, is safe either way
MAX_RESERVATION_PAGES = 200
# The reservation fields list_unpaid_balances reads (plus `updatedOn`, which picks the newest copy
# of a booking): each page is cut to them as it arrives.
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
    """The period's bookings folded page by page: the newest copy of each (`paging.newer`'s rule),
    and the row only of those whose guest may owe; a booking Hostaway reports paid is only counted.

    Most of a period's bookings are paid or were never owing (two in three on the demo account):
    neither their rows nor their charges are needed, so only the rest are held and asked about.
    """

    def __init__(self, bounds: DateBounds, wanted: set[int]) -> None:
        self._bounds = bounds
        self._wanted = wanted
        # id -> (updatedOn, the row if it may owe, _PAID if Hostaway says it is paid, None if not ours)
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
