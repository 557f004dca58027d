"""Revenue metrics from raw Hostaway reservations and listings: pure computation, no I/O.

`compute_report(reservations, listings, period, basis=, group_by=)` turns the raw dicts that
`GET /reservations` and `GET /listings` return into per-currency totals and grouped metrics;
`ReservationFold` does the same for reservations that arrive page by page (a big report never
holds Hostaway's raw objects, only the few fields it reads).
The definitions below are the contract; `DEFINITIONS` carries them into every result.

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

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from hostaway_mcp.domain import CONFIRMED_STATUSES, channel_name, ident, listing_name, number, parse_date, text

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
    arrival = parse_date(reservation.get("arrivalDate"))
    departure = parse_date(reservation.get("departureDate"))
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


@dataclass(frozen=True, slots=True)  # one per counted booking: a year's report holds thousands
class BookingShare:
    """What one booking contributes to the period under the basis."""

    reservation: Mapping[str, Any]
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
        return ident(self.reservation.get("id")) or 0


def share_of(reservation: Mapping[str, Any], period: Period, basis: Basis, currency: str) -> BookingShare | None:
    """The booking's contribution, or None when it counts nowhere in this period."""
    kind = kind_of(reservation.get("status"))
    dates = stay_dates(reservation)
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
        reservation=reservation,
        kind=kind,
        currency=currency,
        arrival=arrival,
        departure=departure,
        nights=nights,
        nights_in_period=counted,
        revenue=booking_revenue(reservation),
        gross=amount(reservation.get("totalPrice")),
        months=tuple(sorted(months.items())),
        cancellation_fee=cancellation_fee(reservation) if kind == "cancelled" else 0.0,
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


def listing_currencies(
    listings: Iterable[Mapping[str, Any]], reservations: Iterable[Mapping[str, Any]]
) -> dict[int, str]:
    """Each listing's currency: its currencyCode, else the most common currency of its bookings."""
    seen: dict[int, Counter[str]] = {}
    for reservation in reservations:
        listing_id = ident(reservation.get("listingMapId"))
        currency = text(reservation.get("currency"))
        if listing_id is not None and currency:
            seen.setdefault(listing_id, Counter())[currency.upper()] += 1
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


# The reservation fields a report reads. `ReservationFold` cuts each page down to these as it
# arrives, so a year's report holds a few hundred bytes per booking instead of Hostaway's
# ~140-field objects (the peak memory of a big report). A figure that reads another field must
# add it here.
REPORT_FIELDS = (
    "id",
    "listingMapId",
    "listingName",
    "status",
    "arrivalDate",
    "departureDate",
    "updatedOn",
    "currency",
    "totalPrice",
    "cleaningFee",
    "taxAmount",
    "channelCommissionAmount",
    "airbnbExpectedPayoutAmount",
    "airbnbListingCancellationPayout",
    "channelId",
    "channelName",
    "guestName",
)


class SlimReservation(Mapping[str, Any]):
    """A reservation cut down to `REPORT_FIELDS`: a read-only mapping over one tuple of values,
    about a third of the memory of a dict of the same fields."""

    __slots__ = ("_values",)
    _INDEX: dict[str, int] = {key: index for index, key in enumerate(REPORT_FIELDS)}  # noqa: RUF012

    def __init__(self, values: tuple[Any, ...]) -> None:
        self._values = values

    def __getitem__(self, key: str) -> Any:
        index = self._INDEX.get(key)
        value = _ABSENT if index is None else self._values[index]
        if value is _ABSENT:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return (key for key, value in zip(REPORT_FIELDS, self._values, strict=True) if value is not _ABSENT)

    def __len__(self) -> int:
        return sum(1 for value in self._values if value is not _ABSENT)

    def __repr__(self) -> str:
        return f"SlimReservation({dict(self)!r})"


_ABSENT: Any = object()
# Fields whose values repeat across bookings, so the fold keeps one copy of each value.
_REPEATED = frozenset({"listingName", "status", "arrivalDate", "departureDate", "currency", "channelName"})


class ReservationFold:
    """Reservations folded in page by page, in any order, then turned into a report.

    Out-of-scope bookings are dropped on arrival and the rest kept only as `REPORT_FIELDS`
    (`SlimReservation`, with repeated strings such as dates, names and statuses stored once).
    Duplicate ids (a record that moved between pages while they were read, or that two date
    windows share) count once: the most recently updated copy (`updatedOn`), the later one on a
    tie. The figures do not depend on the order pages arrived in.
    """

    def __init__(self, property_ids: Iterable[int] | None = None) -> None:
        self.scope = None if property_ids is None else set(property_ids)
        self._by_id: dict[int, SlimReservation] = {}
        self._anonymous: list[SlimReservation] = []
        self._strings: dict[str, str] = {}

    def add(self, reservations: Iterable[Mapping[str, Any]]) -> None:
        strings = self._strings
        for reservation in reservations:
            if self.scope is not None and ident(reservation.get("listingMapId")) not in self.scope:
                continue
            values = tuple(
                strings.setdefault(value, value) if key in _REPEATED and isinstance(value, str) else value
                for key, value in ((key, reservation.get(key, _ABSENT)) for key in REPORT_FIELDS)
            )
            slim = SlimReservation(values)
            rid = ident(slim.get("id"))
            if rid is None:
                self._anonymous.append(slim)
                continue
            kept = self._by_id.get(rid)
            if kept is None or str(slim.get("updatedOn") or "") >= str(kept.get("updatedOn") or ""):
                self._by_id[rid] = slim

    def __len__(self) -> int:
        return len(self._by_id) + len(self._anonymous)

    @property
    def rows(self) -> list[Mapping[str, Any]]:
        """One row per booking, in id order (then the rows without an id as they came)."""
        return [*(self._by_id[rid] for rid in sorted(self._by_id)), *self._anonymous]

    def report(
        self,
        listings: Sequence[Mapping[str, Any]],
        period: Period,
        *,
        basis: Basis = "stay",
        group_by: GroupBy = "property",
        blocked: Mapping[int, Iterable[date]] | None = None,
    ) -> RevenueFigures:
        """The figures (see `compute_report`; `blocked`: each property's calendar-blocked nights)."""
        return _figures(self.rows, listings, period, basis, group_by, self.scope, blocked)


def compute_report(
    reservations: Iterable[Mapping[str, Any]],
    listings: Sequence[Mapping[str, Any]],
    period: Period,
    *,
    basis: Basis = "stay",
    group_by: GroupBy = "property",
    property_ids: Iterable[int] | None = None,
    blocked: Mapping[int, Iterable[date]] | None = None,
) -> RevenueFigures:
    """Per-currency totals and groups for `period` (see the module docstring for definitions).

    `listings` are the properties whose nights are available; with `property_ids` only those
    listings and their bookings are in scope. `blocked` holds each property's calendar-blocked
    nights (any outside the period are ignored). Duplicate reservation ids count once (see
    `ReservationFold`, which this is a one-page fold of).
    """
    fold = ReservationFold(property_ids)
    fold.add(reservations)
    return fold.report(listings, period, basis=basis, group_by=group_by, blocked=blocked)


def _figures(
    rows: list[Mapping[str, Any]],
    listings: Sequence[Mapping[str, Any]],
    period: Period,
    basis: Basis,
    group_by: GroupBy,
    scope: set[int] | None,
    blocked: Mapping[int, Iterable[date]] | None,
) -> RevenueFigures:
    in_scope = [lst for lst in listings if scope is None or ident(lst.get("id")) in scope]
    by_id = {ident(lst.get("id")) or 0: lst for lst in in_scope}
    currencies = listing_currencies(in_scope, rows)
    listings_per_currency = Counter(currencies.values())

    shares: list[BookingShare] = []
    ignored: Counter[str] = Counter()
    for reservation in rows:
        listing_id = ident(reservation.get("listingMapId"))
        currency = text(reservation.get("currency"))
        if currency:
            currency = currency.upper()
        elif listing_id is not None and listing_id in currencies:
            currency = currencies[listing_id]
        else:
            currency = UNKNOWN_CURRENCY
        share = share_of(reservation, period, basis, currency)
        if share is not None:
            shares.append(share)
        elif kind_of(reservation.get("status")) is None and _touches(reservation, period, basis):
            ignored[str(reservation.get("status") or "unknown")] += 1
    shares.sort(key=lambda s: (s.arrival, s.id))
    closed = _unavailable(shares, period, by_id, blocked or {})

    totals: dict[str, Metrics] = {}
    for currency, count in listings_per_currency.items():
        mine = [closed[listing_id] for listing_id, c in currencies.items() if c == currency]
        totals[currency] = Metrics(
            currency,
            available_nights=count * period.days - sum(n.total() for n, _ in mine),
            blocked_nights=sum(b.total() for _, b in mine),
        )
    for share in shares:
        totals.setdefault(share.currency, Metrics(share.currency)).add(share, share.nights_in_period)

    groups = _group(shares, group_by, period, by_id, currencies, totals, closed)
    return RevenueFigures(
        period=period,
        basis=basis,
        group_by=group_by,
        totals=[totals[c] for c in sorted(totals)],
        groups=groups,
        shares=shares,
        ignored=dict(sorted(ignored.items())),
        properties_in_scope=len(in_scope),
        reservations_read=len(rows),
        owner_stay_nights=sum(s.nights_in_period for s in shares if s.kind == "owner"),
    )


Closed = tuple[Counter[str], Counter[str]]  # per month: (not available to rent, of which blocked)


def _unavailable(
    shares: Iterable[BookingShare],
    period: Period,
    listings: Mapping[int, Mapping[str, Any]],
    blocked: Mapping[int, Iterable[date]],
) -> dict[int, Closed]:
    """Per property in scope: nights of the period not available to rent (owner stays and blocks)."""
    closed: dict[int, Closed] = {listing_id: (Counter(), Counter()) for listing_id in listings}
    for listing_id, nights in blocked.items():
        if listing_id in closed:
            unavailable, blocks = closed[listing_id]
            for night in set(nights):
                if period.contains(night):
                    unavailable[month_key(night)] += 1
                    blocks[month_key(night)] += 1
    for share in shares:
        owner_of = ident(share.reservation.get("listingMapId"))
        if share.kind == "owner" and owner_of is not None and owner_of in closed:
            # Counted like booked nights, under the basis (arrival: all of a stay arriving inside).
            closed[owner_of][0].update(dict(share.months))
    return closed


def _touches(reservation: Mapping[str, Any], period: Period, basis: Basis) -> bool:
    """Whether an uncounted booking falls in the period (so it is worth tallying as ignored)."""
    dates = stay_dates(reservation)
    if dates is None:
        return False
    arrival, departure = dates
    if basis == "arrival":
        return period.contains(arrival)
    return arrival <= period.end and departure > period.start


def _group(
    shares: list[BookingShare],
    group_by: GroupBy,
    period: Period,
    listings: Mapping[int, Mapping[str, Any]],
    currencies: Mapping[int, str],
    totals: Mapping[str, Metrics],
    closed: Mapping[int, Closed],
) -> list[Group]:
    groups: dict[tuple[str, str], Group] = {}

    def group(key: str, label: str, currency: str, available: int = 0, blocked: int = 0) -> Group:
        found = groups.get((key, currency))
        if found is None:
            metrics = Metrics(currency, available_nights=available, blocked_nights=blocked)
            found = groups[(key, currency)] = Group(key, label, metrics)
        return found

    if group_by == "property":
        for listing_id, listing in listings.items():
            unavailable, blocks = closed[listing_id]
            label = listing_name(listing, listing_id)
            group(str(listing_id), label, currencies[listing_id], period.days - unavailable.total(), blocks.total())
        for share in shares:
            listing_id = ident(share.reservation.get("listingMapId")) or 0
            label = listing_name(listings.get(listing_id), listing_id, reservation=share.reservation)
            group(str(listing_id), label, share.currency).metrics.add(share, share.nights_in_period)
        ordered = sorted(groups.values(), key=lambda g: (g.metrics.currency, -g.metrics.revenue, g.label, g.key))
    elif group_by == "channel":
        for share in shares:
            whole = totals.get(share.currency)
            available, blocked = (whole.available_nights, whole.blocked_nights) if whole else (0, 0)
            if share.kind == "owner":
                key, label = OWNER_GROUP_KEY, "owner stays"
            else:
                key = label = channel_name(share.reservation.get("channelId"), share.reservation.get("channelName"))
            group(key, label, share.currency, available, blocked).metrics.add(share, share.nights_in_period)
        ordered = sorted(groups.values(), key=lambda g: (g.metrics.currency, -g.metrics.revenue, g.key))
    else:
        for currency in totals:
            mine = [closed[listing_id] for listing_id, c in currencies.items() if c == currency]
            for key, days in period.month_spans():
                closed_nights = sum(n[key] for n, _ in mine)
                blocked_nights = sum(b[key] for _, b in mine)
                if mine:
                    group(key, month_label(key), currency, len(mine) * days - closed_nights, blocked_nights)
        for share in shares:
            for key, nights in share.months:
                group(key, month_label(key), share.currency).metrics.add(share, nights)
        ordered = sorted(groups.values(), key=lambda g: (g.key, g.metrics.currency))
    return ordered
