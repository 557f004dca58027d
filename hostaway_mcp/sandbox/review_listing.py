"""`GET /reviews` on the fake Hostaway: which reviews a query selects, in which order, how many.

Listing rules (`_review_retrieveList.md`): only the bracket form `listingMapIds[]` (or PHP's
`listingMapIds[0]`) filters by listing; the plain `listingMapIds`, `listingMapId` and
`listingId` are not recognised and the answer holds every listing's reviews.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from hostaway_mcp.sandbox.rand import fmt_datetime
from hostaway_mcp.sandbox.reviews import REVIEW_TYPES, STATUSES
from hostaway_mcp.sandbox.wire import ApiError, Query

JsonDict = dict[str, Any]

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


# --- listing: filters and sorting ([D:_review_retrieveList]) ---------------------------------

_SORT_FIELDS = {
    "id": "id",
    "listingMapId": "listingMapId",
    "reservationId": "reservationId",
    "autoReviewId": "autoReviewId",
    "autoReviewTemplateId": "autoReviewTemplateId",
    "scheduledDateTime": "scheduledDateTime",
    "timeDelta": "timeDelta",
    "channelId": "channelId",
    "type": "type",
    "status": "status",
    "rating": "rating",
    "submittedAt": "submittedAt",
    "guestName": "guestName",
    "arrivalDate": "arrivalDate",
    "departureDate": "departureDate",
    "channelReservationId": "externalReservationId",
}


def _moment(query: Query, name: str, *, end_of_day: bool) -> str | None:
    """A datetime bound as "YYYY-MM-DD HH:MM:SS"; a bare date means its start (or its end)."""
    raw = query.text(name)
    if raw is None:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return f"{day.isoformat()} {'23:59:59' if end_of_day else '00:00:00'}"
        return fmt_datetime(datetime.fromisoformat(raw))
    except ValueError as exc:
        raise ApiError(400, f'The "{name}" parameter must be a date or a datetime (Y-m-d H:i:s).') from exc


def select_reviews(reviews: list[JsonDict], query: Query, listings_by_id: dict[int, JsonDict]) -> list[JsonDict]:
    """Apply every documented filter that is present (the plain listing parameters are ignored)."""
    checks: list[Callable[[JsonDict], bool]] = []

    def keep(check: Callable[[JsonDict], bool]) -> None:
        checks.append(check)

    listing_ids = set(query.array("listingMapIds"))
    if listing_ids:
        keep(lambda r: r["listingMapId"] in listing_ids)
    reservation_id = query.integer("reservationId")
    if reservation_id is not None:
        keep(lambda r: r["reservationId"] == reservation_id)
    references = set(query.texts("channelReservationIds"))
    if references:
        keep(lambda r: r["externalReservationId"] in references)
    channels = set(query.integers("channelIds"))
    if channels:
        keep(lambda r: r["channelId"] in channels)
    kind = query.text("type")
    if kind is not None:
        if kind not in REVIEW_TYPES:
            raise ApiError(400, f'The "type" parameter must be one of {", ".join(REVIEW_TYPES)}.')
        keep(lambda r: r["type"] == kind)
    statuses = set(query.texts("statuses"))
    if statuses - set(STATUSES):
        raise ApiError(400, f'The "statuses" parameter takes only {", ".join(STATUSES)}.')
    if statuses:
        keep(lambda r: r["status"] in statuses)
    guest = query.text("guestName")
    if guest is not None:
        needle = guest.lower()
        keep(lambda r: needle in (r["guestName"] or "").lower())

    def listing_field(field: str, wanted: set[str]) -> Callable[[JsonDict], bool]:
        return lambda r: listings_by_id[r["listingMapId"]][field] in wanted

    for param, field in (
        ("listingInternalNames", "internalListingName"),
        ("listingExternalNames", "externalListingName"),
    ):
        names = set(query.texts(param))
        if names:
            keep(listing_field(field, names))
    tags = set(query.integers("tags"))
    if tags:
        keep(lambda r: any(t.get("id") in tags for t in listings_by_id[r["listingMapId"]]["listingTags"]))
    low = query.number("ratingMin", minimum=0, maximum=10)
    high = query.number("ratingMax", minimum=0, maximum=10)
    if low is not None:
        keep(lambda r: r["rating"] is not None and r["rating"] >= low)
    if high is not None:
        keep(lambda r: r["rating"] is not None and r["rating"] <= high)
    start, end = _moment(query, "submittedAtStart", end_of_day=False), _moment(query, "submittedAtEnd", end_of_day=True)
    if start is not None:
        keep(lambda r: r["submittedAt"] is not None and r["submittedAt"] >= start)
    if end is not None:
        keep(lambda r: r["submittedAt"] is not None and r["submittedAt"] <= end)

    def day_bound(field: str, bound: str, above: bool) -> Callable[[JsonDict], bool]:
        if above:
            return lambda r: bool(r[field][:10] >= bound)
        return lambda r: bool(r[field][:10] <= bound)

    for param, field, above in (
        ("departureDateStart", "departureDate", True),
        ("departureDateEnd", "departureDate", False),
        ("stayDateStart", "departureDate", True),
        ("stayDateEnd", "arrivalDate", False),
    ):
        day = query.day(param)
        if day is not None:
            keep(day_bound(field, day.isoformat(), above))
    replied = query.flag("hasHostReply")
    if replied is not None:
        keep(lambda r: bool((r["revieweeResponse"] or "").strip()) is replied)
    return [r for r in reviews if all(check(r) for check in checks)]


def sort_reviews(reviews: list[JsonDict], query: Query, listings_by_id: dict[int, JsonDict]) -> list[JsonDict]:
    """`sortBy` (unrecognised values are ignored, as documented) and `sortOrder` (default desc)."""
    order = (query.text("sortOrder") or "desc").lower()
    if order not in ("asc", "desc"):
        raise ApiError(400, 'The "sortOrder" parameter must be asc or desc.')
    sort_by = query.text("sortBy")
    if sort_by in ("listingInternalName", "listingExternalName"):
        field = "internalListingName" if sort_by == "listingInternalName" else "externalListingName"

        def value(r: JsonDict) -> Any:
            return listings_by_id[r["listingMapId"]][field]
    else:
        key = _SORT_FIELDS.get(sort_by or "id", "id")

        def value(r: JsonDict) -> Any:
            return r[key]

    # MySQL puts NULL first in ascending order and last in descending order.
    return sorted(
        reviews,
        key=lambda r: ((0, "") if value(r) is None else (1, value(r)), r["id"]),
        reverse=order == "desc",
    )


def page_limits(query: Query) -> tuple[int, int]:
    """(limit, offset): limit defaults to 100 and is capped at 500."""
    limit = min(query.integer("limit", minimum=1) or DEFAULT_LIMIT, MAX_LIMIT)
    return limit, query.integer("offset", minimum=0) or 0
