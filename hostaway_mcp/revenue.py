"""Revenue metrics from raw Hostaway reservations and listings: pure computation, no I/O.

This module says what a booking contributes (`share_of`), how figures are computed
(`Metrics`) and what a report holds (`RevenueFigures`); `revenue_report.py` folds reservations
page by page into one (`ReservationFold`, `compute_report`). The definitions below are the
contract; `DEFINITIONS` carries them into every result.

- **Revenue** of a booking = `totalPrice - cleaningFee - taxAmount`: what the guest paid for the
  stay itself (nightly rate after discounts, plus guest fees Hostaway keeps inside totalPrice such
  as pet or extra-guest fees), without the cleaning fee and taxes, before channel commission.
  `gross` is the same share of `totalPrice` (everything the guest paid).
- **Counted statuses**: `new`, `modified` (and the legacy `confirmed`) hold revenue; `ownerStay`
  nights are occupied but earn nothing and are reported apart; `cancelled` bookings are counted
  in `cancellations` / `cancelled_value` only. Every other status (inquiries, pending requests,
  awaiting payment, declined, expired, ...) is ignored and tallied in `ignored`.
- **Stay basis**: a booking's revenue is spread evenly over its nights (arrival date up to the
  night before departure) and only nights inside the period count. **Arrival basis**: a booking
  counts whole (all its nights and all its revenue) when its arrival date is inside the period.
- **Period**: inclusive calendar dates; the nights counted are start_date through end_date.
- **Available nights** = nights available to rent: properties in scope x days in the period,
  minus the owner-stay nights (counted under the basis, like booked nights) and the
  calendar-blocked nights (owner blocks, maintenance) inside the period (per currency).
  Blocked nights come from each property's calendar (`blocked`).
- **Occupancy** = booked (revenue) nights / available nights, the revenue manager's convention:
  owner stays and blocks are neither occupied nor available. **ADR** = revenue / booked nights.
  **RevPAR** = revenue / available nights. Ratios are null when their denominator is zero.
- **Cancellation fees**: what Hostaway reports the host keeps from a cancelled booking
  (`airbnbListingCancellationPayout`; other channels report none), spread over the booking's
  nights like revenue; reported apart, never in revenue, ADR or RevPAR.
- **Money is never summed across currencies**: totals come one per currency and every group
  carries its currency (a group key that meets two currencies yields two groups).
"""

# Over 400 lines for now: a third of it is the definitions above, the contract every result carries;
# what a booking contributes and the figures it adds up to read best next to them.

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from hostaway_mcp.domain import CONFIRMED_STATUSES, channel_name, ident, number, parse_date, text

Basis = Literal["stay", "arrival"]
GroupBy = Literal["property", "channel", "month"]
Kind = Literal["revenue", "owner", "cancelled"]

OWNER_STAY_STATUS = "ownerStay"
CANCELLED_STATUS = "cancelled"
UNKNOWN_CURRENCY = "unknown"
OWNER_GROUP_KEY = "owner_stay"

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

DEFINITIONS: dict[str, str] = {
    "period": "Inclusive calendar dates: the nights counted are start_date through end_date.",
    "revenue": (
        "Accommodation revenue = totalPrice - cleaningFee - taxAmount of each booking: the stay itself "
        "(nightly rate after discounts, plus guest fees Hostaway keeps in totalPrice such as pet or "
        "extra-guest fees), before channel commission. Statuses new, modified (and legacy confirmed) only."
    ),
    "gross": "The same share of totalPrice: everything the guest paid, cleaning fee and taxes included.",
    "basis_stay": (
        "basis=stay: each booking's revenue is spread evenly over its nights (arrival date to the night "
        "before departure); only nights inside the period count, so a booking crossing the period "
        "boundary contributes only its nights inside."
    ),
    "basis_arrival": (
        "basis=arrival: a booking counts whole (all its nights and revenue) when its arrival date is in "
        "the period, even if it departs after end_date."
    ),
    "booked_nights": "Nights of revenue bookings counted under the basis (owner stays excluded).",
    "owner_stay_nights": "Nights of ownerStay bookings: no revenue, and not available to rent; reported apart.",
    "blocked_nights": (
        "Nights inside the period that the property's calendar shows blocked (owner blocks, maintenance; not "
        "a reservation): not available to rent."
    ),
    "available_nights": (
        "Nights available to rent: properties in scope x days in the period, minus owner-stay nights (counted "
        "under the basis, like booked nights) and blocked nights inside the period (month groups: that "
        "month). For channel groups it is every property of "
        "the group's currency, so a channel's occupancy and RevPAR are its share of the whole. Bookings of a "
        "property that GET /listings no longer returns still count as revenue; its group shows 0 available nights."
    ),
    "occupancy": (
        "booked_nights / available_nights, a fraction from 0 to 1: owner stays and blocks are neither occupied "
        "nor available (the revenue manager's convention)."
    ),
    "adr": "Average daily rate = revenue / booked_nights.",
    "revpar": "Revenue per available night = revenue / available_nights.",
    "bookings": (
        "Revenue bookings with at least one counted night in the total or group (a booking spanning two "
        "months counts in both month groups, once in the total)."
    ),
    "cancellations": "Cancelled bookings that would have counted under the same basis.",
    "cancelled_value": "The revenue those cancelled bookings would have brought (same definition and basis).",
    "cancellation_fees": (
        "What Hostaway reports the host keeps from cancelled bookings (airbnbListingCancellationPayout on a "
        "cancelled booking; other channels report none), spread over their nights like revenue. Not part of "
        "revenue, ADR or RevPAR."
    ),
    "currency": "Money is never summed across currencies: one total per currency; each group has one currency.",
    "ignored": "Bookings in the period that count nowhere (inquiries, pending requests, declined, expired...).",
}


@dataclass(frozen=True)
class Period:
    """An inclusive reporting period."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("period end is before its start")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def month_spans(self) -> list[tuple[str, int]]:
        """(month key "YYYY-MM", days of that month inside the period), in order."""
        spans: list[tuple[str, int]] = []
        day = self.start
        while day <= self.end:
            next_month = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            last = min(self.end, next_month - timedelta(days=1))
            spans.append((month_key(day), (last - day).days + 1))
            day = next_month
        return spans


def month_key(day: date) -> str:
    return _month_key(day.year, day.month)


@functools.lru_cache(maxsize=1024)
def _month_key(year: int, month: int) -> str:
    # One string per month, shared by the thousands of bookings of a big report.
    return f"{year:04d}-{month:02d}"


def month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{MONTH_NAMES[int(month) - 1]} {year}"


def amount(value: Any) -> float:
    """A money field as a float (missing or null counts as 0)."""
    return number(value) or 0.0


def booking_revenue(reservation: Mapping[str, Any]) -> float:
    """Accommodation revenue: totalPrice - cleaningFee - taxAmount."""
    return (
        amount(reservation.get("totalPrice"))
        - amount(reservation.get("cleaningFee"))
        - amount(reservation.get("taxAmount"))
    )


def cancellation_fee(reservation: Mapping[str, Any]) -> float:
    """What the host keeps from a cancelled booking, where Hostaway reports it (else 0).

    Airbnb's `airbnbListingCancellationPayout` is the payout left after a cancellation (its exact
    semantics are UNCONFIRMED); no other channel reports a cancellation fee on the reservation.
    """
    return max(amount(reservation.get("airbnbListingCancellationPayout")), 0.0)


def nights_by_month(first: date, last: date) -> Counter[str]:
    """Nights first..last (both included) per month key."""
    months: Counter[str] = Counter()
    day = first
    while day <= last:
        next_month = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        chunk_end = min(last, next_month - timedelta(days=1))
        months[month_key(day)] += (chunk_end - day).days + 1
        day = next_month
    return months


def stay_dates(reservation: Mapping[str, Any]) -> tuple[date, date] | None:
    """(arrival, departure) when both are real dates and the stay has at least one night."""
    return _stay(parse_date(reservation.get("arrivalDate")), parse_date(reservation.get("departureDate")))


def _stay(arrival: date | None, departure: date | None) -> tuple[date, date] | None:
    if arrival is None or departure is None or departure <= arrival:
        return None
    return arrival, departure


def kind_of(status: Any) -> Kind | None:
    if status in CONFIRMED_STATUSES:
        return "revenue"
    if status == OWNER_STAY_STATUS:
        return "owner"
    if status == CANCELLED_STATUS:
        return "cancelled"
    return None


@dataclass(frozen=True, slots=True)  # one per booking read: a year's report holds thousands
class Booking:
    """What a report reads of one reservation, taken from Hostaway's object as its page arrives.

    Nothing here depends on the period: the fold keeps one per booking id (the most recently
    updated copy) and works out what each contributes when the report is drawn up. `line` holds
    the fields a booking line shows, kept only when lines are asked for (one property's report).
    """

    id: int | None
    listing_id: int | None
    listing_name: str | None  # the name the reservation carries (for a listing GET /listings lacks)
    status: Any
    arrival: date | None
    departure: date | None
    currency: str | None  # upper case; None when the reservation states none
    revenue: float  # the whole booking's accommodation revenue
    gross: float  # the whole booking's totalPrice
    payout_kept: float  # what Hostaway reports kept on cancellation (0 where it reports none)
    channel: str  # channel_name(channelId, channelName)
    updated: str  # updatedOn as sent ("" when missing): the newest copy wins
    line: Mapping[str, Any] | None = None

    @property
    def stay(self) -> tuple[date, date] | None:
        return _stay(self.arrival, self.departure)


def booking_of(reservation: Mapping[str, Any], line: Mapping[str, Any] | None = None) -> Booking:
    """The report's facts of one raw reservation (see `Booking`)."""
    currency = text(reservation.get("currency"))
    return Booking(
        id=ident(reservation.get("id")),
        listing_id=ident(reservation.get("listingMapId")),
        listing_name=text(reservation.get("listingName")),
        status=reservation.get("status"),
        arrival=parse_date(reservation.get("arrivalDate")),
        departure=parse_date(reservation.get("departureDate")),
        currency=currency.upper() if currency else None,
        revenue=booking_revenue(reservation),
        gross=amount(reservation.get("totalPrice")),
        payout_kept=cancellation_fee(reservation),
        channel=channel_name(reservation.get("channelId"), reservation.get("channelName")),
        updated=str(reservation.get("updatedOn") or ""),
        line=line,
    )


_NO_LINE: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)  # one per counted booking: a year's report holds thousands
class BookingShare:
    """What one booking contributes to the period under the basis."""

    booking: Booking
    kind: Kind
    currency: str
    arrival: date
    departure: date
    nights: int
    nights_in_period: int
    revenue: float  # the whole booking
    gross: float  # the whole booking's totalPrice
    months: tuple[tuple[str, int], ...]  # (month key, counted nights in that month)
    cancellation_fee: float = 0.0  # the whole booking's, where Hostaway reports one (cancelled only)

    @property
    def fraction(self) -> float:
        return self.nights_in_period / self.nights

    @property
    def revenue_in_period(self) -> float:
        return self.revenue * self.fraction

    @property
    def gross_in_period(self) -> float:
        return self.gross * self.fraction

    @property
    def cancellation_fee_in_period(self) -> float:
        return self.cancellation_fee * self.fraction

    @property
    def id(self) -> int:
        return self.booking.id or 0

    @property
    def reservation(self) -> Mapping[str, Any]:
        """The booking line's fields (empty unless the fold kept lines)."""
        return self.booking.line if self.booking.line is not None else _NO_LINE


def share_of(booking: Booking, period: Period, basis: Basis, currency: str) -> BookingShare | None:
    """The booking's contribution, or None when it counts nowhere in this period."""
    kind = kind_of(booking.status)
    dates = booking.stay
    if kind is None or dates is None:
        return None
    arrival, departure = dates
    nights = (departure - arrival).days
    months: Counter[str] = Counter()
    if basis == "arrival":
        if not period.contains(arrival):
            return None
        counted = nights
        months[month_key(arrival)] = nights
    else:
        first = max(arrival, period.start)
        last = min(departure - timedelta(days=1), period.end)
        if last < first:
            return None
        counted = (last - first).days + 1
        months = nights_by_month(first, last)
    return BookingShare(
        booking=booking,
        kind=kind,
        currency=currency,
        arrival=arrival,
        departure=departure,
        nights=nights,
        nights_in_period=counted,
        revenue=booking.revenue,
        gross=booking.gross,
        months=tuple(sorted(months.items())),
        cancellation_fee=booking.payout_kept if kind == "cancelled" else 0.0,
    )


@dataclass
class Metrics:
    """Accumulated figures for one currency in a total or a group (unrounded)."""

    currency: str
    revenue: float = 0.0
    gross: float = 0.0
    booked_nights: int = 0
    owner_stay_nights: int = 0
    available_nights: int = 0  # to rent: owner-stay and blocked nights already taken out
    blocked_nights: int = 0
    bookings: int = 0
    cancellations: int = 0
    cancelled_value: float = 0.0
    cancellation_fees: float = 0.0

    def add(self, share: BookingShare, nights: int) -> None:
        """Count `nights` of `share` (all of them, or one month's)."""
        fraction = nights / share.nights
        if share.kind == "revenue":
            self.revenue += share.revenue * fraction
            self.gross += share.gross * fraction
            self.booked_nights += nights
            self.bookings += 1
        elif share.kind == "owner":
            self.owner_stay_nights += nights
        else:
            self.cancellations += 1
            self.cancelled_value += share.revenue * fraction
            self.cancellation_fees += share.cancellation_fee * fraction

    @property
    def occupancy(self) -> float | None:
        if not self.available_nights:
            return None
        return self.booked_nights / self.available_nights

    @property
    def adr(self) -> float | None:
        return self.revenue / self.booked_nights if self.booked_nights else None

    @property
    def revpar(self) -> float | None:
        return self.revenue / self.available_nights if self.available_nights else None


@dataclass
class Group:
    key: str
    label: str
    metrics: Metrics


@dataclass
class RevenueFigures:
    period: Period
    basis: Basis
    group_by: GroupBy
    totals: list[Metrics]
    groups: list[Group]
    shares: list[BookingShare]  # every counted booking, by arrival date then id
    ignored: dict[str, int]  # status -> bookings in the period that count nowhere
    properties_in_scope: int
    reservations_read: int
    owner_stay_nights: int = field(default=0)


def listing_currencies(listings: Iterable[Mapping[str, Any]], bookings: Iterable[Booking]) -> dict[int, str]:
    """Each listing's currency: its currencyCode, else the most common currency of its bookings."""
    seen: dict[int, Counter[str]] = {}
    for booking in bookings:
        if booking.listing_id is not None and booking.currency:
            seen.setdefault(booking.listing_id, Counter())[booking.currency] += 1
    result: dict[int, str] = {}
    for listing in listings:
        listing_id = ident(listing.get("id")) or 0
        code = text(listing.get("currencyCode"))
        if code:
            result[listing_id] = code.upper()
        elif listing_id in seen:
            result[listing_id] = seen[listing_id].most_common(1)[0][0]
        else:
            result[listing_id] = UNKNOWN_CURRENCY
    return result
