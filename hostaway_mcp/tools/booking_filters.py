"""The booking search's filters, from the words a model uses: statuses, channels, date bounds.

Statuses accept plain words ("confirmed", "request to book", "owner stay") as well as Hostaway's
raw ones; a channel is its name; dates are inclusive bounds, checked here too (`DateBounds.admits`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from mcp.server.mcpserver.exceptions import ToolError

from hostaway_mcp.domain import CHANNEL_NAMES, CHANNEL_QUERY_IDS, CONFIRMED_STATUSES, STATUS_WORDS, parse_date
from hostaway_mcp.gateway import JSONObject

_INQUIRY_STATUSES = frozenset(s for s in STATUS_WORDS if s.startswith("inquiry"))
# Words that name a group of Hostaway statuses.
_STATUS_FAMILIES: dict[str, frozenset[str]] = {
    "confirmed": CONFIRMED_STATUSES,
    "inquiry": _INQUIRY_STATUSES,
    "inquiries": _INQUIRY_STATUSES,
    "canceled": frozenset({"cancelled"}),
    "requesttobook": frozenset({"pending", "unconfirmed"}),
}


def _status_key(word: str) -> str:
    return re.sub(r"[^a-z]", "", word.lower())


def _status_lookup() -> dict[str, frozenset[str]]:
    lookup: dict[str, set[str]] = {}
    for raw, words in STATUS_WORDS.items():
        lookup.setdefault(_status_key(raw), set()).add(raw)
        lookup.setdefault(_status_key(words), set()).add(raw)
    for word, family in _STATUS_FAMILIES.items():
        lookup.setdefault(word, set()).update(family)
    return {key: frozenset(values) for key, values in lookup.items()}


_STATUS_LOOKUP = _status_lookup()
STATUS_CHOICES = (
    "confirmed, cancelled, inquiry, request to book, owner stay, awaiting payment, declined, expired, "
    "or a raw Hostaway status such as new, modified, pending, inquiryPreapproved"
)


def resolve_statuses(words: list[str]) -> frozenset[str]:
    """Raw Hostaway statuses for the plain words (or raw statuses) the model passed."""
    found: set[str] = set()
    for word in words:
        statuses = _STATUS_LOOKUP.get(_status_key(word))
        if not statuses:
            raise ToolError(f"Unknown booking status {word!r}. Use one of: {STATUS_CHOICES}.")
        found |= statuses
    return frozenset(found)


def resolve_channel(name: str) -> tuple[int, ...]:
    """Hostaway channel ids for a channel name; the first is the one in use today."""
    key = " ".join(name.lower().split())
    ids = CHANNEL_QUERY_IDS.get(key) or CHANNEL_QUERY_IDS.get(key.replace(" ", ""))
    if ids is None and key.isdigit():
        ids = (int(key),)
    if not ids:
        names = ", ".join(sorted({CHANNEL_NAMES[ids[0]] for ids in CHANNEL_QUERY_IDS.values()}))
        raise ToolError(f"Unknown channel {name!r}. Use one of: {names}.")
    return ids


@dataclass(frozen=True)
class DateBounds:
    """Inclusive bounds on arrival and departure dates (None = open)."""

    arrival_from: date | None = None
    arrival_to: date | None = None
    departure_from: date | None = None
    departure_to: date | None = None

    def params(self) -> dict[str, str]:
        names = {
            "arrivalStartDate": self.arrival_from,
            "arrivalEndDate": self.arrival_to,
            "departureStartDate": self.departure_from,
            "departureEndDate": self.departure_to,
        }
        return {key: value.isoformat() for key, value in names.items() if value is not None}

    def admits(self, reservation: JSONObject) -> bool:
        """The same bounds checked here: whether Hostaway's date filters include their end points
        is UNCONFIRMED, so a looser reading on its side must not leak extra bookings through."""
        arrival = parse_date(reservation.get("arrivalDate"))
        departure = parse_date(reservation.get("departureDate"))
        if arrival is not None:
            if self.arrival_from is not None and arrival < self.arrival_from:
                return False
            if self.arrival_to is not None and arrival > self.arrival_to:
                return False
        if departure is not None:
            if self.departure_from is not None and departure < self.departure_from:
                return False
            if self.departure_to is not None and departure > self.departure_to:
                return False
        return True


def date_bounds(
    arrival_from: date | None,
    arrival_to: date | None,
    departure_from: date | None,
    departure_to: date | None,
    staying_on: date | None,
) -> DateBounds:
    """Check the date arguments and fold `staying_on` (arrival <= D < departure) into the bounds."""
    if arrival_from and arrival_to and arrival_to < arrival_from:
        raise ToolError(
            f"arrival_to ({arrival_to}) is before arrival_from ({arrival_from}); both are inclusive, "
            "so for one day pass the same date twice."
        )
    if departure_from and departure_to and departure_to < departure_from:
        raise ToolError(
            f"departure_to ({departure_to}) is before departure_from ({departure_from}); both are "
            "inclusive, so for one day pass the same date twice."
        )
    if staying_on is not None:
        arrival_to = min(filter(None, (arrival_to, staying_on)))
        departure_from = max(filter(None, (departure_from, staying_on + timedelta(days=1))))
        if arrival_from and arrival_from > arrival_to:
            raise ToolError(
                f"No booking can arrive on or after arrival_from ({arrival_from}) and be staying on "
                f"{staying_on}: drop one of the two filters."
            )
        if departure_to and departure_to < departure_from:
            raise ToolError(
                f"No booking staying on {staying_on} departs by departure_to ({departure_to}): a guest "
                "staying that night leaves the next day at the earliest. Drop one of the two filters."
            )
    return DateBounds(arrival_from, arrival_to, departure_from, departure_to)
