"""Filtering, sorting and paging of listings, reservations and conversations, per the docs.

Semantics the docs leave open (all UNCONFIRMED, chosen to be predictable):
- date filters include both ends; `match` is a case-insensitive substring of the listing `name`
  (listings) or `guestName` (reservations); `guestEmail` is a case-insensitive exact match;
  `city`/`country` are case-insensitive exact matches (`country` accepts the name or ISO code);
- listing availability: every night from availabilityDateStart up to, not including,
  availabilityDateEnd (the departure day) is available (a single night when both are equal), and
  personCapacity >= availabilityGuestNumber. minimumStay and closed-on rules are NOT applied:
  tools must check the calendar of each candidate;
- sorting treats null like MySQL: first when ascending, last when descending; ties break on id in
  the sort direction (the documented default is `updatedOn DESC, id DESC`);
- `afterId` is a keyset cursor: the items strictly after that reservation's position in the
  current sort order; an unknown afterId gives an empty page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from hostaway_mcp.sandbox.account import JsonDict
from hostaway_mcp.sandbox.calendar import CalendarBook
from hostaway_mcp.sandbox.wire import ApiError, Query

SortKey = Callable[[JsonDict], tuple[Any, ...]]
Check = Callable[[JsonDict], bool]


# -- small predicates the area modules (task_book.py, guest_payments.py) build their filters from --


def field_equals(field: str, wanted: object) -> Check:
    return lambda item: bool(item[field] == wanted)


def field_in(field: str, wanted: frozenset[Any]) -> Check:
    return lambda item: item[field] in wanted


def stamp_from(value: Callable[[JsonDict], str | None], bound: str) -> Check:
    """The item's date or datetime string (cut to the bound's length) is on or after `bound`."""

    def check(item: JsonDict) -> bool:
        stamp = value(item)
        return stamp is not None and stamp[: len(bound)] >= bound

    return check


def stamp_until(value: Callable[[JsonDict], str | None], bound: str) -> Check:
    """The item's date or datetime string (cut to the bound's length) is on or before `bound`."""

    def check(item: JsonDict) -> bool:
        stamp = value(item)
        return stamp is not None and stamp[: len(bound)] <= bound

    return check


def text_field(field: str) -> Callable[[JsonDict], str | None]:
    def value(item: JsonDict) -> str | None:
        stamp = item.get(field)
        return stamp if isinstance(stamp, str) else None

    return value


def _nullable(value: Any) -> tuple[int, Any]:
    return (0, "") if value is None else (1, value)


LISTING_SORTS: dict[str, tuple[SortKey, bool]] = {
    "name": (lambda x: (x["name"].lower(), x["id"]), False),
    "nameReversed": (lambda x: (x["name"].lower(), x["id"]), True),
    "order": (lambda x: (x["id"],), False),
    "orderReversed": (lambda x: (x["id"],), True),
    "contactName": (lambda x: (_nullable(x["contactName"]), x["id"]), False),
    "contactNameReversed": (lambda x: (_nullable(x["contactName"]), x["id"]), True),
    "latestActivity": (lambda x: (_nullable(x["latestActivityOn"]), x["id"]), False),
    "latestActivityDesc": (lambda x: (_nullable(x["latestActivityOn"]), x["id"]), True),
}


def filter_listings(listings: list[JsonDict], query: Query, calendar: CalendarBook) -> list[JsonDict]:
    city = query.text("city")
    country = query.text("country")
    match = query.text("match")
    contact = query.text("contactName")
    property_type = query.integer("propertyTypeId")
    guests = query.integer("availabilityGuestNumber", minimum=1)
    start = query.day("availabilityDateStart")
    end = query.day("availabilityDateEnd")
    if (start is None) != (end is None):
        raise ApiError(400, "availabilityDateStart and availabilityDateEnd must be sent together.")
    if start is not None and end is not None and end < start:
        raise ApiError(400, "availabilityDateEnd must not be before availabilityDateStart.")
    result = []
    for listing in listings:
        if city is not None and listing["city"].lower() != city.lower():
            continue
        if country is not None and country.lower() not in (
            listing["country"].lower(),
            listing["countryCode"].lower(),
        ):
            continue
        if match is not None and match.lower() not in listing["name"].lower():
            continue
        if contact is not None and (listing["contactName"] or "").lower() != contact.lower():
            continue
        if property_type is not None and listing["propertyTypeId"] != property_type:
            continue
        if guests is not None and listing["personCapacity"] < guests:
            continue
        if start is not None and end is not None and not _free(calendar, listing["id"], start, end):
            continue
        result.append(listing)
    return result


def _free(calendar: CalendarBook, listing_id: int, start: date, end: date) -> bool:
    nights = max((end - start).days, 1)
    return all(calendar.is_available(listing_id, start + timedelta(days=n)) for n in range(nights))


def sort_listings(listings: list[JsonDict], sort_order: str | None) -> list[JsonDict]:
    if sort_order is None:
        return sorted(listings, key=lambda x: x["id"])
    if sort_order not in LISTING_SORTS:
        raise ApiError(400, f'Unknown sortOrder "{sort_order}".')
    key, reverse = LISTING_SORTS[sort_order]
    return sorted(listings, key=key, reverse=reverse)


def reservation_sort(sort_order: str | None, conversation_of: Callable[[int], JsonDict | None]) -> tuple[SortKey, bool]:
    """Key function and direction for a reservations sortOrder (None: the documented default)."""

    # All sortable reservation fields are date strings, so null -> "" orders exactly like MySQL.
    def conversation_stamp(field: str) -> SortKey:
        def key(r: JsonDict) -> tuple[Any, ...]:
            conversation = conversation_of(r["id"])
            return ((conversation[field] if conversation else None) or "", r["id"])

        return key

    def by(field: str) -> SortKey:
        return lambda r: (r[field] or "", r["id"])

    sorts: dict[str | None, tuple[SortKey, bool]] = {
        None: (by("updatedOn"), True),
        "updatedOn": (by("updatedOn"), False),
        "arrivalDate": (by("arrivalDate"), False),
        "arrivalDateDesc": (by("arrivalDate"), True),
        "latestActivity": (by("latestActivityOn"), False),
        "latestActivityDesc": (by("latestActivityOn"), True),
        "lastConversationMessageSent": (conversation_stamp("messageSentOn"), False),
        "lastConversationMessageSentDesc": (conversation_stamp("messageSentOn"), True),
        "lastConversationMessageReceived": (conversation_stamp("messageReceivedOn"), False),
        "lastConversationMessageReceivedDesc": (conversation_stamp("messageReceivedOn"), True),
    }
    if sort_order not in sorts:
        raise ApiError(400, f'Unknown sortOrder "{sort_order}".')
    return sorts[sort_order]


def filter_reservations(
    reservations: list[JsonDict],
    query: Query,
    conversation_of: Callable[[int], JsonDict | None],
) -> list[JsonDict]:
    """Apply every documented GET /reservations filter that is present."""
    checks: list[Callable[[JsonDict], bool]] = []

    def date_range(field: str, low_name: str, high_name: str) -> None:
        low, high = query.day(low_name), query.day(high_name)
        if low is not None:
            floor = low.isoformat()
            checks.append(lambda r: r[field] is not None and r[field][:10] >= floor)
        if high is not None:
            ceiling = high.isoformat()
            checks.append(lambda r: r[field] is not None and r[field][:10] <= ceiling)

    date_range("arrivalDate", "arrivalStartDate", "arrivalEndDate")
    date_range("departureDate", "departureStartDate", "departureEndDate")
    date_range("latestActivityOn", "latestActivityStart", "latestActivityEnd")

    def equals(field: str, wanted: object) -> None:
        checks.append(lambda r: r[field] == wanted)

    for name, field in (
        ("listingId", "listingMapId"),
        ("channelId", "channelId"),
        ("assigneeUserId", "assigneeUserId"),
        ("customerUserId", "customerUserId"),
    ):
        number = query.integer(name)
        if number is not None:
            equals(field, number)
    for name in ("isStarred", "isArchived", "isPinned"):
        flag = query.flag(name)
        if flag is not None:
            equals(name, int(flag))
    match = query.text("match")
    if match is not None:
        needle = match.lower()
        checks.append(lambda r: needle in (r["guestName"] or "").lower())
    email = query.text("guestEmail")
    if email is not None:
        address = email.lower()
        checks.append(lambda r: (r["guestEmail"] or "").lower() == address)
    agreement = query.text("reservationAgreement")
    if agreement is not None:
        checks.append(lambda r: r["reservationAgreement"] == agreement)
    unread = query.flag("hasUnreadConversationMessages")
    if unread is not None:

        def has_unread(r: JsonDict) -> bool:
            conversation = conversation_of(r["id"])
            return bool(conversation and conversation["hasUnreadMessages"])

        checks.append(lambda r: has_unread(r) == unread)
    # One pass per filter, not all() over a generator per row: the same rows, in the same order,
    # at a third of the cost on a big account (each page of a scan filters the whole account).
    rows = reservations
    for check in checks:
        rows = [r for r in rows if check(r)]
    return list(rows)


def conversation_activity(conversation: JsonDict) -> tuple[str, int]:
    """Most recent activity first is the observed default order of GET /conversations."""
    stamps = [s for s in (conversation["messageSentOn"], conversation["messageReceivedOn"]) if s]
    return (max(stamps) if stamps else "", conversation["id"])
