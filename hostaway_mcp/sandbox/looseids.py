"""Ids served as strings: real accounts send `"id":"305"` on some objects and `305` on others.

Hostaway's docs type ids as integers, but real answers mix the two (`hostawayReservationId` is a
string while `id` is an int, and accounts migrated between systems carry string listing and
reservation ids; hostaway-api.md §5). The generator picks which listings and reservations carry
string ids (`LooseIds`); the account keeps every id an int for its own bookkeeping, and the API
applies the shape when it serves an object, so every reference to such an id is a string:
- a listing's `id`, and `listingMapId` on its reservations, conversations, messages, reviews,
  log entries, tasks, guest charges and expenses;
- a reservation's `id`, and `reservationId` on its conversation, messages, reviews, log entries,
  tasks, guest charges and expenses, and the `id` of the reservation embedded in a conversation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

JsonDict = dict[str, Any]

LISTING_SHARE = 0.25
RESERVATION_SHARE = 0.15


@dataclass(frozen=True)
class LooseIds:
    """Which listing and reservation ids the API serves as strings."""

    listings: frozenset[int] = frozenset()
    reservations: frozenset[int] = frozenset()

    @classmethod
    def pick(cls, seed: int, listing_ids: list[int], reservation_ids: list[int]) -> LooseIds:
        """About a quarter of the listings and a sixth of the reservations, fixed by the seed."""
        rng = random.Random(f"{seed}:loose-ids")
        listings = frozenset(i for i in listing_ids if rng.random() < LISTING_SHARE)
        if len(listing_ids) > 1 and not listings:
            listings = frozenset(listing_ids[1:2])  # every account of two or more shows the shape
        reservations = frozenset(i for i in reservation_ids if rng.random() < RESERVATION_SHARE)
        return cls(listings, reservations)

    def _ids(self, item: JsonDict, fields: tuple[tuple[str, frozenset[int]], ...]) -> JsonDict:
        changed: JsonDict | None = None
        for key, loose in fields:
            value = item.get(key)
            if isinstance(value, int) and value in loose:
                changed = changed if changed is not None else dict(item)
                changed[key] = str(value)
        return item if changed is None else changed

    def listing(self, listing: JsonDict) -> JsonDict:
        return self._ids(listing, (("id", self.listings),))

    def reservation(self, reservation: JsonDict) -> JsonDict:
        return self._ids(reservation, (("id", self.reservations), ("listingMapId", self.listings)))

    def message(self, message: JsonDict) -> JsonDict:
        return self.references(message)

    def references(self, item: JsonDict) -> JsonDict:
        """Anything that points at a reservation and its listing: messages, reviews, log entries, tasks,
        charges, expenses."""
        return self._ids(item, (("reservationId", self.reservations), ("listingMapId", self.listings)))

    def conversation(self, conversation: JsonDict) -> JsonDict:
        served = self._ids(conversation, (("reservationId", self.reservations), ("listingMapId", self.listings)))
        embedded = served.get("Reservation")
        latest = served.get("conversationMessages")
        new_embedded = self.reservation(embedded) if isinstance(embedded, dict) else embedded
        new_latest = [self.message(m) for m in latest] if isinstance(latest, list) else latest
        if new_embedded is embedded and new_latest == latest:
            return served
        return {**served, "Reservation": new_embedded, "conversationMessages": new_latest}
