"""Generates the account's reviews and applies Hostaway's rules for listing and answering them.

Every stay that ended gets a guest-to-host review record when the channel collects reviews
(Airbnb, Booking.com, Vrbo; about a third of direct stays through the booking site), created at
check-out and moved through the documented statuses: `awaiting` (the guest may still write),
`submitted` (written, not public yet), `published`, `expired` (the window closed unwritten).
Airbnb stays also get the host's own host-to-guest review: `scheduled` (an auto-review with its
template text), `pending` (to be written) or `published`.

Ratings are on Hostaway's 0-10 scale: star ratings (Airbnb, Vrbo, direct) arrive doubled, as
whole numbers; Booking.com's scores have one decimal. Category ratings come with Airbnb and
Booking.com reviews only. Some Booking.com reviews are a score without words, which Hostaway
refuses to answer; Vrbo refuses an answer from the `VRBO_REPLY_WINDOW_DAYS`th day after the day
the review was submitted (UNCONFIRMED: Hostaway does not publish the length). Older published
reviews often carry the host's reply already, and exactly one unanswered review holds a prompt
injection.

Listing rules (`_review_retrieveList.md`): only the bracket form `listingMapIds[]` (or PHP's
`listingMapIds[0]`) filters by listing; the plain `listingMapIds`, `listingMapId` and
`listingId` are not recognised and the answer holds every listing's reviews.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox import feedback_catalog as texts
from hostaway_mcp.sandbox.rand import Weighted, fmt_datetime, parse_datetime
from hostaway_mcp.sandbox.wire import ApiError, Query

JsonDict = dict[str, Any]

GUEST_TO_HOST = "guest-to-host"
HOST_TO_GUEST = "host-to-guest"
REVIEW_TYPES = (GUEST_TO_HOST, HOST_TO_GUEST)
STATUSES = ("awaiting", "pending", "scheduled", "submitted", "published", "expired")
# Channels whose reviews Hostaway can answer ([D:_review_respond]); 2001 is Airbnb's legacy id.
RESPONDABLE_CHANNELS = frozenset({catalog.CHANNEL_AIRBNB, 2001, catalog.CHANNEL_BOOKINGCOM, catalog.CHANNEL_HOMEAWAY})
VRBO_REPLY_WINDOW_DAYS = 30
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
# Days a guest has to write a review after check-out, per channel.
_GUEST_WINDOW_DAYS = {
    catalog.CHANNEL_AIRBNB: 14,
    catalog.CHANNEL_BOOKINGCOM: 28,
    catalog.CHANNEL_HOMEAWAY: 14,
    catalog.CHANNEL_DIRECT: 30,
}
_STARS = Weighted(((5, 45), (4, 30), (3, 12), (2, 8), (1, 5)))
_AUTO_REVIEW_ID = 7_781
_AUTO_REVIEW_TEMPLATE_ID = 55
_TAG = re.compile(r"<[^>]*(?:>|$)")

# --- respond: the documented refusals, in the order Hostaway checks them ----------------------

NOT_FOUND = "Review not found."
WRONG_CHANNEL = "Invalid review. You cant respond to this review"
NO_WORDS = "The review contains no words to reply to."
INVALID = "Invalid review."
EMPTY_RESPONSE = "Response must not be empty."
ALREADY_RESPONDED = "You already responded to this review."
VRBO_EXPIRED = "The time to send the review/rating has expired on Vrbo."


def strip_tags(text: str) -> str:
    """What Hostaway keeps of a reply: HTML tags removed (an unclosed one to the end), trimmed."""
    return _TAG.sub("", text).strip()


def respond_refusal(review: JsonDict, response: str, now: datetime) -> str | None:
    """Why Hostaway would refuse this reply (its own text), or None when it is accepted."""
    if review["channelId"] not in RESPONDABLE_CHANNELS:
        return WRONG_CHANNEL
    if review["type"] != GUEST_TO_HOST or review["status"] != "published" or not review["externalReviewId"]:
        return INVALID
    if review["channelId"] == catalog.CHANNEL_BOOKINGCOM and not (review["publicReview"] or "").strip():
        return NO_WORDS
    if not strip_tags(response):
        return EMPTY_RESPONSE
    if (review["revieweeResponse"] or "").strip():
        return ALREADY_RESPONDED
    if review["channelId"] == catalog.CHANNEL_HOMEAWAY:
        submitted = parse_datetime(review["submittedAt"]).date()
        if (now.date() - submitted).days >= VRBO_REPLY_WINDOW_DAYS:
            return VRBO_EXPIRED
    return None


# --- generation ------------------------------------------------------------------------------


def _checkout(reservation: JsonDict, listing: JsonDict) -> datetime:
    return datetime.combine(date.fromisoformat(reservation["departureDate"]), time(listing["checkOutTime"]))


def _stay_moment(day: str, hour: int) -> str:
    """Reviews carry the stay's dates as datetimes ("2021-05-06 08:00:00" in the docs)."""
    return f"{day} {hour:02d}:00:00"


def _rating(rng: random.Random, channel: int) -> tuple[float | int, list[JsonDict]]:
    stars = _STARS.pick(rng)
    if channel == catalog.CHANNEL_BOOKINGCOM:
        score = round(min(10.0, max(1.0, stars * 2 - rng.uniform(0.0, 1.4))), 1)
        categories = [
            {"category": name, "rating": int(min(10, max(1, round(score + rng.uniform(-1.5, 1.5)))))}
            for name in texts.BOOKINGCOM_CATEGORIES
        ]
        return score, categories
    rating = stars * 2
    if channel != catalog.CHANNEL_AIRBNB:
        return rating, []
    categories = [
        {"category": name, "rating": min(10, max(2, rating + rng.choice((-2, 0, 0, 0, 2))))}
        for name in texts.AIRBNB_CATEGORIES
    ]
    return rating, categories


def _review_text(rng: random.Random, rating: float, words: dict[str, str]) -> str:
    pool = texts.POSITIVE_REVIEWS if rating >= 8 else texts.MIXED_REVIEWS if rating >= 5 else texts.NEGATIVE_REVIEWS
    return rng.choice(pool).format(**words)


def _base(review_id: int, account_id: int, reservation: JsonDict, listing: JsonDict) -> JsonDict:
    return {
        "id": review_id,
        "accountId": account_id,
        "listingMapId": reservation["listingMapId"],
        "reservationId": reservation["id"],
        "autoReviewId": None,
        "timeDelta": None,
        "scheduledDateTime": None,
        "channelId": reservation["channelId"],
        "type": GUEST_TO_HOST,
        "status": "awaiting",
        "rating": None,
        "externalReviewId": None,
        "externalReservationId": reservation["channelReservationId"],
        "publicReview": None,
        "privateFeedback": None,
        "revieweeResponse": None,
        "isRevieweeRecommended": None,
        "isCancelled": 0,
        "autoReviewTemplateId": None,
        "reviewCategory": [],
        "submittedAt": None,
        "insertedOn": None,
        "updatedOn": None,
        "departureDate": _stay_moment(reservation["departureDate"], listing["checkOutTime"]),
        "arrivalDate": _stay_moment(reservation["arrivalDate"], listing["checkInTimeStart"]),
        "listingName": listing["name"],
        "guestName": reservation["guestName"],
    }


def _guest_review(
    rng: random.Random, review: JsonDict, reservation: JsonDict, listing: JsonDict, now: datetime
) -> None:
    channel = reservation["channelId"]
    checkout = _checkout(reservation, listing)
    window = _GUEST_WINDOW_DAYS[channel]
    open_days = (now - checkout).days
    review["insertedOn"] = review["updatedOn"] = fmt_datetime(checkout + timedelta(minutes=rng.randint(1, 50)))
    roll = rng.random()
    status: str | None = None  # None: published
    if open_days > window:
        status = "expired" if roll < 0.25 else None
    elif roll < 0.45:
        status = "awaiting"
    elif roll < 0.6 and channel == catalog.CHANNEL_AIRBNB:
        status = "submitted"
    if status is not None:
        review["status"] = status
        if status == "awaiting":
            return
    latest = min(now - timedelta(hours=1), checkout + timedelta(days=window))
    submitted = checkout + timedelta(seconds=rng.randint(3_600, max(3_601, int((latest - checkout).total_seconds()))))
    if status == "expired":
        review["updatedOn"] = fmt_datetime(checkout + timedelta(days=window, seconds=rng.randint(0, 3_600)))
        return
    rating, categories = _rating(rng, channel)
    words = {"city": listing["city"], "host": listing["contactName"].split()[0], "first": reservation["guestFirstName"]}
    wordless = channel == catalog.CHANNEL_BOOKINGCOM and rng.random() < 0.2
    review.update(
        status=status or "published",
        rating=rating,
        reviewCategory=categories,
        publicReview="" if wordless else _review_text(rng, rating, words),
        privateFeedback=(
            rng.choice(texts.PRIVATE_FEEDBACK) if channel == catalog.CHANNEL_AIRBNB and rng.random() < 0.2 else None
        ),
        isRevieweeRecommended=1 if rating >= 6 else 0,
        externalReviewId=None if channel == catalog.CHANNEL_DIRECT else str(10**11 + rng.getrandbits(36)),
        submittedAt=fmt_datetime(submitted),
        updatedOn=fmt_datetime(submitted),
    )
    if review["status"] != "published" or channel not in RESPONDABLE_CHANNELS or wordless:
        return
    age = (now - submitted).days
    if rng.random() < (0.55 if age > 30 else 0.2):
        replied = min(now - timedelta(minutes=5), submitted + timedelta(hours=rng.randint(2, 96)))
        reply = rng.choice(texts.HOST_REPLIES[:2] if rating >= 8 else texts.HOST_REPLIES[2:])
        review["revieweeResponse"] = reply.format(**words)
        review["updatedOn"] = fmt_datetime(replied)


def _host_review(rng: random.Random, review: JsonDict, reservation: JsonDict, listing: JsonDict, now: datetime) -> None:
    checkout = _checkout(reservation, listing)
    due = checkout + timedelta(days=1)
    review.update(
        type=HOST_TO_GUEST,
        autoReviewId=_AUTO_REVIEW_ID,
        autoReviewTemplateId=_AUTO_REVIEW_TEMPLATE_ID,
        timeDelta=86_400,
        scheduledDateTime=fmt_datetime(due),
        insertedOn=fmt_datetime(checkout - timedelta(days=rng.randint(2, 30))),
    )
    review["updatedOn"] = review["insertedOn"]
    if due > now:
        review.update(status="scheduled", publicReview=rng.choice(texts.HOST_TO_GUEST_REVIEWS))
        return
    if rng.random() < 0.1:
        review["status"] = "pending"
        review.update(autoReviewId=None, autoReviewTemplateId=None, timeDelta=None, scheduledDateTime=None)
        return
    review.update(
        status="published",
        rating=10,
        reviewCategory=[{"category": name, "rating": 10} for name in texts.HOST_TO_GUEST_CATEGORIES],
        publicReview=rng.choice(texts.HOST_TO_GUEST_REVIEWS),
        isRevieweeRecommended=1,
        externalReviewId=str(10**11 + rng.getrandbits(36)),
        submittedAt=fmt_datetime(due),
        updatedOn=fmt_datetime(due),
    )


def generate_reviews(
    seed: int,
    account_id: int,
    reservations: list[JsonDict],
    listings_by_id: dict[int, JsonDict],
    generated_at: datetime,
) -> list[JsonDict]:
    """Review records for every ended confirmed stay that collects one; ids ascend with check-out."""
    rng = random.Random(f"{seed}:reviews")
    now = generated_at - timedelta(seconds=60)
    ended = sorted(
        (
            r
            for r in reservations
            if r["status"] in {"new", "modified"} and _checkout(r, listings_by_id[r["listingMapId"]]) < now
        ),
        key=lambda r: (r["departureDate"], r["id"]),
    )
    reviews: list[JsonDict] = []
    review_id = rng.randint(400_000, 600_000)
    for reservation in ended:
        listing = listings_by_id[reservation["listingMapId"]]
        if reservation["channelId"] == catalog.CHANNEL_DIRECT and rng.random() > 0.35:
            continue
        review_id += rng.randint(1, 30)
        review = _base(review_id, account_id, reservation, listing)
        _guest_review(rng, review, reservation, listing, now)
        reviews.append(review)
        if reservation["channelId"] == catalog.CHANNEL_AIRBNB and rng.random() < 0.7:
            review_id += rng.randint(1, 30)
            host_review = _base(review_id, account_id, reservation, listing)
            _host_review(rng, host_review, reservation, listing, now)
            reviews.append(host_review)
    _plant_injection(rng, reviews)
    return reviews


def _plant_injection(rng: random.Random, reviews: list[JsonDict]) -> None:
    answerable = [
        r
        for r in reviews
        if r["type"] == GUEST_TO_HOST
        and r["status"] == "published"
        and r["channelId"] in {catalog.CHANNEL_AIRBNB, catalog.CHANNEL_BOOKINGCOM}
        and not r["revieweeResponse"]
        and r["publicReview"]
    ]
    if answerable:
        planted = rng.choice(answerable)
        planted["publicReview"] = texts.REVIEW_INJECTION
        planted["rating"] = 2 if planted["channelId"] == catalog.CHANNEL_AIRBNB else 2.5
        planted["isRevieweeRecommended"] = 0


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
