"""Revenue reports folded from pages of raw Hostaway reservations: pure computation, no I/O.

`compute_report(reservations, listings, period, basis=, group_by=)` turns the raw dicts that
`GET /reservations` and `GET /listings` return into per-currency totals and grouped metrics;
`ReservationFold` does the same for reservations that arrive page by page. A big report never
holds Hostaway's raw objects: each reservation is cut down, as its page arrives, to the few facts
a report reads (`revenue.Booking`, about a third of the memory of the fields it came from), and
the page is let go. What counts, and how, is `revenue.py` (its docstring holds the definitions).

One fact per booking is kept until the report is drawn up, rather than running totals: a booking
must count once however many pages carry it (date windows share their boundary days, and a
record may move while pages are read), and the copy that counts is the most recently updated,
which may arrive last. Summing at the end, in one fixed order (arrival date, then id), also makes
every figure independent of the order pages arrived in, to the last bit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from hostaway_mcp.domain import ident, listing_name
from hostaway_mcp.revenue import (
    OWNER_GROUP_KEY,
    UNKNOWN_CURRENCY,
    Basis,
    Booking,
    BookingShare,
    Group,
    GroupBy,
    Metrics,
    Period,
    RevenueFigures,
    booking_of,
    kind_of,
    listing_currencies,
    month_key,
    month_label,
    share_of,
)

# The reservation fields a report reads (`revenue.booking_of`) and a booking line shows
# (`tools/finance.to_line`, kept only for one property's lines). A figure or a line that reads
# another field must add it here.
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
    about a third of the memory of a dict of the same fields (a booking line's fields)."""

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


class ReservationFold:
    """Reservations folded in page by page, in any order, then turned into a report.

    Out-of-scope bookings are dropped on arrival and the rest kept only as `Booking` facts, with
    repeated values (dates, names, statuses, currencies, channels) stored once; with `lines`
    each also keeps its booking line's fields. Duplicate ids (a record that moved between pages
    while they were read, or that two date windows share) count once: the most recently updated
    copy (`updatedOn`), the later one on a tie. The figures do not depend on the order pages
    arrived in.
    """

    def __init__(self, property_ids: Iterable[int] | None = None, *, lines: bool = False) -> None:
        self.scope = None if property_ids is None else set(property_ids)
        self.lines = lines
        self._by_id: dict[int, Booking] = {}
        self._anonymous: list[Booking] = []
        self._values: dict[Any, Any] = {}  # one copy of each repeated value

    def add(self, reservations: Iterable[Mapping[str, Any]]) -> None:
        for reservation in reservations:
            if self.scope is not None and ident(reservation.get("listingMapId")) not in self.scope:
                continue
            booking = self._shared(booking_of(reservation, self._line(reservation) if self.lines else None))
            if booking.id is None:
                self._anonymous.append(booking)
                continue
            kept = self._by_id.get(booking.id)
            if kept is None or booking.updated >= kept.updated:
                self._by_id[booking.id] = booking

    def _shared(self, booking: Booking) -> Booking:
        """The booking with its repeated values (dates, names, statuses...) replaced by the fold's
        one copy of each: thousands of bookings share a few hundred of them."""
        values = self._values

        def one(value: Any) -> Any:
            return values.setdefault(value, value) if isinstance(value, str | date) else value

        return replace(
            booking,
            listing_id=booking.listing_id
            if booking.listing_id is None
            else values.setdefault(booking.listing_id, booking.listing_id),
            listing_name=one(booking.listing_name),
            status=one(booking.status),
            arrival=one(booking.arrival),
            departure=one(booking.departure),
            currency=one(booking.currency),
            channel=one(booking.channel),
        )

    def _line(self, reservation: Mapping[str, Any]) -> SlimReservation:
        return SlimReservation(tuple(reservation.get(key, _ABSENT) for key in REPORT_FIELDS))

    def __len__(self) -> int:
        return len(self._by_id) + len(self._anonymous)

    @property
    def bookings(self) -> list[Booking]:
        """One per booking, in id order (then the ones without an id as they came)."""
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
        return _figures(self.bookings, listings, period, basis, group_by, self.scope, blocked)


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
    bookings: list[Booking],
    listings: Sequence[Mapping[str, Any]],
    period: Period,
    basis: Basis,
    group_by: GroupBy,
    scope: set[int] | None,
    blocked: Mapping[int, Iterable[date]] | None,
) -> RevenueFigures:
    in_scope = [lst for lst in listings if scope is None or ident(lst.get("id")) in scope]
    by_id = {ident(lst.get("id")) or 0: lst for lst in in_scope}
    currencies = listing_currencies(in_scope, bookings)
    listings_per_currency = Counter(currencies.values())

    shares: list[BookingShare] = []
    ignored: Counter[str] = Counter()
    for booking in bookings:
        listing_id = booking.listing_id
        if booking.currency:
            currency = booking.currency
        elif listing_id is not None and listing_id in currencies:
            currency = currencies[listing_id]
        else:
            currency = UNKNOWN_CURRENCY
        share = share_of(booking, period, basis, currency)
        if share is not None:
            shares.append(share)
        elif kind_of(booking.status) is None and _touches(booking, period, basis):
            ignored[str(booking.status or "unknown")] += 1
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
        reservations_read=len(bookings),
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
        owner_of = share.booking.listing_id
        if share.kind == "owner" and owner_of is not None and owner_of in closed:
            # Counted like booked nights, under the basis (arrival: all of a stay arriving inside).
            closed[owner_of][0].update(dict(share.months))
    return closed


def _touches(booking: Booking, period: Period, basis: Basis) -> bool:
    """Whether an uncounted booking falls in the period (so it is worth tallying as ignored)."""
    dates = booking.stay
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
            listing_id = share.booking.listing_id or 0
            named = {"listingName": share.booking.listing_name}  # the reservation's own name for its listing
            label = listing_name(listings.get(listing_id), listing_id, reservation=named)
            group(str(listing_id), label, share.currency).metrics.add(share, share.nights_in_period)
        ordered = sorted(groups.values(), key=lambda g: (g.metrics.currency, -g.metrics.revenue, g.label, g.key))
    elif group_by == "channel":
        for share in shares:
            whole = totals.get(share.currency)
            available, blocked = (whole.available_nights, whole.blocked_nights) if whole else (0, 0)
            if share.kind == "owner":
                key, label = OWNER_GROUP_KEY, "owner stays"
            else:
                key = label = share.booking.channel
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
