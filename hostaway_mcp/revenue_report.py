"""Revenue reports folded from pages of raw Hostaway reservations: pure computation, no I/O.

`compute_report(reservations, listings, period, basis=, group_by=)` turns the raw dicts that
`GET /reservations` and `GET /listings` return into per-currency totals and grouped metrics;
`ReservationFold` does the same for reservations that arrive page by page (a big report never
holds Hostaway's raw objects, only the few fields it reads). What counts, and how, is
`revenue.py` (its docstring holds the definitions).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from hostaway_mcp.domain import channel_name, ident, listing_name, text
from hostaway_mcp.revenue import (
    OWNER_GROUP_KEY,
    UNKNOWN_CURRENCY,
    Basis,
    BookingShare,
    Group,
    GroupBy,
    Metrics,
    Period,
    RevenueFigures,
    kind_of,
    listing_currencies,
    month_key,
    month_label,
    share_of,
    stay_dates,
)

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
