"""Hostaway vocabulary turned into plain words: channels, statuses, 0/1 flags, money.

Pure functions over raw Hostaway values; no I/O, no MCP.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

# Hostaway channel ids (hostaway-api.md §5). Names are what a manager would say.
CHANNEL_NAMES: dict[int, str] = {
    2018: "airbnb",
    2001: "airbnb",  # legacy id still used in Hostaway's own examples
    2002: "vrbo",
    2005: "booking.com",
    2007: "expedia",
    2009: "vrbo (ical)",
    2010: "vrbo (ical)",
    2000: "direct",
    2013: "booking engine",
    2015: "custom ical",
    2016: "tripadvisor (ical)",
    2017: "wordpress",
    2019: "marriott",
    2020: "partner",
    2021: "gds",
    2022: "google",
}

# Channel names the model may pass, mapped to the ids to query (one name may mean several ids).
CHANNEL_QUERY_IDS: dict[str, tuple[int, ...]] = {
    "airbnb": (2018, 2001),
    "vrbo": (2002,),
    "homeaway": (2002,),
    "booking.com": (2005,),
    "bookingcom": (2005,),
    "booking": (2005,),
    "expedia": (2007,),
    "direct": (2000,),
    "booking engine": (2013,),
    "bookingengine": (2013,),
    "website": (2013,),
    "marriott": (2019,),
    "google": (2022,),
    "partner": (2020,),
}

STATUS_WORDS: dict[str, str] = {
    "new": "confirmed",
    "modified": "confirmed (modified)",
    "confirmed": "confirmed",
    "cancelled": "cancelled",
    "ownerStay": "owner stay",
    "pending": "request to book (pending)",
    "awaitingPayment": "awaiting payment",
    "awaitingGuestVerification": "awaiting guest verification",
    "declined": "declined",
    "expired": "expired",
    "unconfirmed": "request to book (unconfirmed)",
    "inquiry": "inquiry",
    "inquiryPreapproved": "inquiry (pre-approved)",
    "inquiryDenied": "inquiry (denied)",
    "inquiryTimedout": "inquiry (timed out)",
    "inquiryNotPossible": "inquiry (not possible)",
    "unknown": "unknown",
}

# Confirmed bookings: they hold the calendar and count as revenue (the one definition; the
# `confirmed` search filter, the revenue fold and `check` all read it).
CONFIRMED_STATUSES = frozenset({"new", "modified", "confirmed"})
BLOCKING_STATUSES = CONFIRMED_STATUSES | {
    "ownerStay",
    "pending",
    "awaitingPayment",
    "awaitingGuestVerification",
}

# Bookings made directly (by the manager or the booking engine): no channel stands behind them.
DIRECT_CHANNEL_IDS = frozenset({2000, 2013})

# Bookings that are over before the stay: a message to them is probably a mistake (issue: warn).
ENDED_STATUSES = frozenset({"cancelled", "declined", "expired"})


def channel_name(channel_id: Any, fallback: Any = None) -> str:
    known = ident(channel_id)
    if known is not None and known in CHANNEL_NAMES:
        return CHANNEL_NAMES[known]
    return str(fallback) if fallback else "other"


def status_words(status: Any) -> str:
    return STATUS_WORDS.get(str(status), str(status)) if status else "unknown"


def flag(value: Any) -> bool:
    """Hostaway's 0/1 (sometimes real boolean, sometimes null) as a bool."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def money(value: Any) -> float | None:
    amount = number(value)
    return None if amount is None else round(amount, 2)


def whole(value: Any) -> int | None:
    amount = number(value)
    return None if amount is None else int(amount)


def ident(value: Any) -> int | None:
    """A Hostaway id (listing, reservation, conversation, message, channel) as an int, or None.

    The one rule for ids: real accounts send the same id as `305` in one answer and `"305"` in
    the next (hostaway-api.md §5), so both mean listing 305. Anything that is not a positive
    whole number (`"305a"`, `0`, `-3`, `3.5`, a boolean, null) is not an id. Compare and group by
    what this returns, never by the raw value.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value > 0 else None
    if isinstance(value, str):
        digits = value.strip()
        if digits.isascii() and digits.isdigit():
            found = int(digits)
            return found if found > 0 else None
    return None


def parse_date(value: Any) -> date | None:
    """A `YYYY-MM-DD` date, or the date part of a `YYYY-MM-DD HH:MM:SS` datetime."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def text(value: Any) -> str | None:
    if value is None:
        return None
    result = str(value).strip()
    return result or None


def known_listing_name(listing: Mapping[str, Any] | None, reservation: Mapping[str, Any] | None = None) -> str | None:
    """A listing's name as a person knows it: its public name, else its internal one, else the
    name a reservation of it carries; None when none of them says."""
    for source, key in ((listing, "name"), (listing, "internalListingName"), (reservation, "listingName")):
        if source is not None and (name := text(source.get(key))):
            return name
    return None


def listing_name(
    listing: Mapping[str, Any] | None, listing_id: Any = None, *, reservation: Mapping[str, Any] | None = None
) -> str:
    """`known_listing_name`, or "Property <id>" (the word the tools use) when nothing names it."""
    known = known_listing_name(listing, reservation)
    if known is not None:
        return known
    if listing_id is None and listing is not None:
        listing_id = listing.get("id")
    return f"Property {ident(listing_id) if ident(listing_id) is not None else listing_id}"
