"""Calendar days computed on demand from pricing rules, reservations, owner blocks and writes.

Nothing is materialised per night: a 200-listing account spans ~110,000 listing-nights, and almost
all of them are never asked for. A day object is built when GET/PUT calendar (or the listings
availability filter) needs it, from four sources in priority order:

1. a blocking reservation holding the night: status "reserved" (or "pending"), isAvailable 0. A
   calendar write never unreserves such a night; only its price/rules/note change;
2. a written override of isAvailable (PUT calendar): "blocked" (0) or "available" (1);
3. an owner block from the generated account: "blocked";
4. otherwise "available".
Price, minimumStay and the closed-on rules come from the listing's PricingRules unless written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hostaway_mcp.sandbox.catalog import PENDING_STATUSES, RESERVED_STATUSES

JsonDict = dict[str, Any]

# Fields PUT /listings/{id}/calendar may change [D:_calendar_updateCalendar].
WRITABLE_DAY_FIELDS: tuple[str, ...] = (
    "isAvailable",
    "price",
    "minimumStay",
    "maximumStay",
    "closedOnArrival",
    "closedOnDeparture",
    "note",
)
_FRIDAY, _SATURDAY = 4, 5


@dataclass(frozen=True)
class PricingRules:
    """How one listing prices and restricts its nights (stands in for Hostaway's seasonal rules)."""

    listing_id: int
    base_price: int
    season: tuple[float, ...]  # 12 monthly multipliers
    weekend_multiplier: float
    min_nights: int
    max_nights: int
    high_season_weekend_min: int | None  # minimumStay on Fri/Sat nights when season >= 1.2
    closed_on_arrival_weekday: int | None  # 0 = Monday
    closed_on_departure_weekday: int | None
    jitter_salt: int


def nightly_price(rules: PricingRules, day: date) -> int:
    """The rule price for a night: base x season x weekend x holiday, plus a fixed per-day wobble."""
    factor = rules.season[day.month - 1]
    if day.weekday() in (_FRIDAY, _SATURDAY):
        factor *= rules.weekend_multiplier
    if (day.month == 12 and day.day >= 23) or (day.month == 1 and day.day <= 2):
        factor *= 1.4
    wobble = ((day.toordinal() * 7919 + rules.jitter_salt) % 11 - 5) / 100
    return round(rules.base_price * factor * (1 + wobble))


def minimum_stay(rules: PricingRules, day: date) -> int:
    """Minimum nights for a stay arriving on this day."""
    if (
        rules.high_season_weekend_min is not None
        and day.weekday() in (_FRIDAY, _SATURDAY)
        and rules.season[day.month - 1] >= 1.2
    ):
        return max(rules.min_nights, rules.high_season_weekend_min)
    if day.month == 12 and day.day >= 27:
        return max(rules.min_nights, 3)
    return rules.min_nights


def _closed_flag(weekday: int | None, day: date) -> int | None:
    return 1 if weekday is not None and day.weekday() == weekday else None


def iter_days(start: date, end_inclusive: date) -> Iterator[date]:
    day = start
    while day <= end_inclusive:
        yield day
        day += timedelta(days=1)


class CalendarBook:
    """Per-sandbox calendar state: written overrides on top of the immutable generated account.

    Reservation night indexes are built lazily per listing, the first time a listing's calendar is
    read, because most requests touch few listings.
    """

    def __init__(
        self,
        rules: dict[int, PricingRules],
        reservations: list[JsonDict],
        owner_blocks: dict[int, list[tuple[date, date, str]]],
    ) -> None:
        self._rules = rules
        self._owner_blocks = owner_blocks
        self._by_listing: dict[int, list[JsonDict]] = {}
        for reservation in reservations:
            if reservation["status"] in RESERVED_STATUSES | PENDING_STATUSES:
                self._by_listing.setdefault(reservation["listingMapId"], []).append(reservation)
        self._nights: dict[int, dict[int, JsonDict]] = {}
        self._blocked: dict[int, dict[int, str]] = {}
        self._overrides: dict[tuple[int, int], JsonDict] = {}

    def hold(self, reservation: JsonDict) -> None:
        """A new (or moved) blocking reservation now holds its nights."""
        self._by_listing.setdefault(reservation["listingMapId"], []).append(reservation)
        self._nights.pop(reservation["listingMapId"], None)

    def release(self, reservation: JsonDict) -> None:
        """A cancelled (or moved) reservation no longer holds its nights."""
        held = self._by_listing.get(reservation["listingMapId"], [])
        held[:] = [other for other in held if other is not reservation]
        self._nights.pop(reservation["listingMapId"], None)

    def holding_reservation(self, listing_id: int, day: date) -> JsonDict | None:
        """The blocking reservation that holds this night, if any (a moved booking's own nights)."""
        return self._night_index(listing_id).get(day.toordinal())

    def knows(self, listing_id: int) -> bool:
        return listing_id in self._rules

    def is_available(self, listing_id: int, day: date) -> bool:
        return bool(self.day(listing_id, day)["isAvailable"] == 1)

    def day(self, listing_id: int, day: date, *, include_resources: bool = False) -> JsonDict:
        """The day object exactly as GET /listings/{id}/calendar serves it."""
        rules = self._rules[listing_id]
        ordinal = day.toordinal()
        holder = self._night_index(listing_id).get(ordinal)
        override = self._overrides.get((listing_id, ordinal), {})
        block_note = self._block_index(listing_id).get(ordinal)
        if holder is not None:
            status = "pending" if holder["status"] in PENDING_STATUSES else "reserved"
            available = 0
        elif "isAvailable" in override:
            available = 1 if override["isAvailable"] else 0
            status = "available" if available else "blocked"
        elif block_note is not None:
            status, available = "blocked", 0
        else:
            status, available = "available", 1
        note = override.get("note", block_note)
        return {
            "id": listing_id * 100_000 + ordinal % 100_000,
            "date": day.isoformat(),
            "isAvailable": available,
            "isProcessed": 1,
            "status": status,
            "price": override.get("price", nightly_price(rules, day)),
            "minimumStay": override.get("minimumStay", minimum_stay(rules, day)),
            "maximumStay": override.get("maximumStay", rules.max_nights),
            "closedOnArrival": override.get("closedOnArrival", _closed_flag(rules.closed_on_arrival_weekday, day)),
            "closedOnDeparture": override.get(
                "closedOnDeparture", _closed_flag(rules.closed_on_departure_weekday, day)
            ),
            "note": note,
            "countAvailableUnits": None,
            "availableUnitsToSell": None,
            "countPendingUnits": None,
            "countBlockingReservations": None,
            "countBlockedUnits": None,
            "countReservedUnits": None,
            "desiredUnitsToSell": None,
            "reservations": [holder] if include_resources and holder is not None else [],
        }

    def write(self, listing_id: int, start: date, end_inclusive: date, changes: JsonDict) -> list[JsonDict]:
        """Apply a PUT calendar body to every day in the range and return the affected days."""
        for day in iter_days(start, end_inclusive):
            self._overrides.setdefault((listing_id, day.toordinal()), {}).update(changes)
        return [self.day(listing_id, day) for day in iter_days(start, end_inclusive)]

    def _night_index(self, listing_id: int) -> dict[int, JsonDict]:
        index = self._nights.get(listing_id)
        if index is None:
            index = {}
            for reservation in self._by_listing.get(listing_id, []):
                arrival = date.fromisoformat(reservation["arrivalDate"])
                for offset in range(reservation["nights"]):
                    index[arrival.toordinal() + offset] = reservation
            self._nights[listing_id] = index
        return index

    def _block_index(self, listing_id: int) -> dict[int, str]:
        index = self._blocked.get(listing_id)
        if index is None:
            index = {}
            for start, end, note in self._owner_blocks.get(listing_id, []):
                for ordinal in range(start.toordinal(), end.toordinal()):
                    index[ordinal] = note
            self._blocked[listing_id] = index
        return index
