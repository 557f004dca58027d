"""GET /reviews, GET /reviews/{id} and POST /reviews/{id}/respond, as _review_*.md documents them.

Expected answers are computed from `sandbox.account.reviews` with code independent of the
sandbox's filters, so a broken filter cannot agree with itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from hostaway_mcp.sandbox import Sandbox
from hostaway_mcp.sandbox.feedback_catalog import REVIEW_INJECTION
from tests.sandbox.helpers import TODAY, get_json

Review = dict[str, Any]
AIRBNB, BOOKING, VRBO, DIRECT = 2018, 2005, 2002, 2000


def guest_reviews(sb: Sandbox) -> list[Review]:
    return [r for r in sb.account.reviews if r["type"] == "guest-to-host"]


def nullable(value: Any) -> tuple[int, Any]:
    return (0, "") if value is None else (1, value)


def by_id_desc(reviews: list[Review]) -> list[int]:
    return [r["id"] for r in sorted(reviews, key=lambda r: r["id"], reverse=True)]


# -- the generated reviews ------------------------------------------------------------------------


def test_reviews_follow_the_stays_and_span_every_status_and_channel(shared_sb: Sandbox) -> None:
    reservations = {r["id"]: r for r in shared_sb.account.reservations}
    reviews = shared_sb.account.reviews
    assert len(reviews) > 500
    assert {r["status"] for r in reviews} == {"awaiting", "pending", "scheduled", "submitted", "published", "expired"}
    assert {r["type"] for r in reviews} == {"guest-to-host", "host-to-guest"}
    assert {r["channelId"] for r in guest_reviews(shared_sb)} == {AIRBNB, BOOKING, VRBO, DIRECT}
    for review in reviews:
        stay = reservations[review["reservationId"]]
        assert stay["status"] in {"new", "modified"} and stay["departureDate"] <= TODAY.isoformat()
        assert review["listingMapId"] == stay["listingMapId"] and review["channelId"] == stay["channelId"]
        assert (
            review["arrivalDate"][:10] == stay["arrivalDate"] and review["departureDate"][:10] == stay["departureDate"]
        )
        assert len(review["arrivalDate"]) == 19  # datetimes on reviews, as in the docs
        if review["rating"] is not None:
            assert 0 <= review["rating"] <= 10
        if review["status"] in ("awaiting", "expired"):
            assert review["rating"] is None and review["publicReview"] is None and review["submittedAt"] is None
    ids = [r["id"] for r in reviews]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_ratings_and_categories_look_like_each_channel(shared_sb: Sandbox) -> None:
    published = [r for r in guest_reviews(shared_sb) if r["status"] == "published"]
    by_channel: dict[int, list[Review]] = {}
    for review in published:
        by_channel.setdefault(review["channelId"], []).append(review)
    # Star ratings arrive doubled (whole numbers), Booking.com scores carry decimals.
    assert all(r["rating"] in (2, 4, 6, 8, 10) for c in (AIRBNB, VRBO, DIRECT) for r in by_channel[c])
    assert any(r["rating"] != int(r["rating"]) for r in by_channel[BOOKING])
    assert all(len(r["reviewCategory"]) == 6 for c in (AIRBNB, BOOKING) for r in by_channel[c])
    assert all(r["reviewCategory"] == [] for c in (VRBO, DIRECT) for r in by_channel[c])
    ratings = Counter(round(r["rating"]) // 4 for r in published)
    assert len(ratings) >= 3  # good, middling and bad reviews
    wordless = [r for r in by_channel[BOOKING] if r["publicReview"] == ""]
    assert wordless and all(not r["revieweeResponse"] for r in wordless)
    assert sum(1 for r in published if r["revieweeResponse"]) > len(published) / 5
    injected = [r for r in shared_sb.account.reviews if r["publicReview"] == REVIEW_INJECTION]
    assert len(injected) == 1 and injected[0]["status"] == "published" and not injected[0]["revieweeResponse"]


# -- GET /reviews: the listing filter -------------------------------------------------------------


async def test_only_the_bracket_form_filters_by_listing(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    listing = shared_sb.account.listings[0]["id"]
    everything = await get_json(shared_api, "/reviews", limit=500)
    assert everything["count"] == len(shared_sb.account.reviews)
    expected = by_id_desc([r for r in shared_sb.account.reviews if r["listingMapId"] == listing])
    for bracket in ("listingMapIds[]", "listingMapIds[0]"):
        page = await get_json(shared_api, "/reviews", limit=500, **{bracket: listing})
        assert [r["id"] for r in page["result"]] == expected and page["count"] == len(expected) > 0, bracket
    # Hostaway ignores the plain forms without a word: every listing's reviews come back.
    for plain in ("listingMapIds", "listingMapId", "listingId"):
        page = await get_json(shared_api, "/reviews", limit=500, **{plain: listing})
        assert page["count"] == everything["count"], plain
        assert {r["listingMapId"] for r in page["result"]} - {listing}, plain


async def test_bracket_filter_takes_several_listings(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    wanted = [shared_sb.account.listings[1]["id"], shared_sb.account.listings[2]["id"]]
    response = await shared_api.get("/reviews", params={"listingMapIds[]": wanted, "limit": 500})
    page = response.json()
    assert {r["listingMapId"] for r in page["result"]} == set(wanted)
    assert page["count"] == sum(1 for r in shared_sb.account.reviews if r["listingMapId"] in wanted)


# -- GET /reviews: the other documented filters ----------------------------------------------------


def _filters(sb: Sandbox) -> list[tuple[str, dict[str, Any], Callable[[Review], bool]]]:
    reviews = sb.account.reviews
    listing = sb.account.listings[3]
    sample = next(r for r in reviews if r["status"] == "published" and r["channelId"] == AIRBNB)
    month_ago = (TODAY - timedelta(days=30)).isoformat()
    two_months_ago = (TODAY - timedelta(days=60)).isoformat()
    guest_part = sample["guestName"].split()[-1][:4].upper()
    return [
        ("reservationId", {"reservationId": sample["reservationId"]},
         lambda r: r["reservationId"] == sample["reservationId"]),
        ("channelReservationIds", {"channelReservationIds[]": sample["externalReservationId"]},
         lambda r: r["externalReservationId"] == sample["externalReservationId"]),
        ("channelIds", {"channelIds[]": [BOOKING, VRBO]}, lambda r: r["channelId"] in (BOOKING, VRBO)),
        ("type", {"type": "host-to-guest"}, lambda r: r["type"] == "host-to-guest"),
        ("statuses", {"statuses[]": ["expired", "submitted"]}, lambda r: r["status"] in ("expired", "submitted")),
        ("guestName", {"guestName": guest_part}, lambda r: guest_part.lower() in r["guestName"].lower()),
        ("listingInternalNames", {"listingInternalNames[]": listing["internalListingName"]},
         lambda r: r["listingMapId"] == listing["id"]),
        ("listingExternalNames", {"listingExternalNames[]": listing["externalListingName"]},
         lambda r: r["listingMapId"] == listing["id"]),
        ("ratingMin", {"ratingMin": 7.5}, lambda r: r["rating"] is not None and r["rating"] >= 7.5),
        ("ratingMax", {"ratingMax": 4}, lambda r: r["rating"] is not None and r["rating"] <= 4),
        ("submittedAtStart", {"submittedAtStart": month_ago},
         lambda r: r["submittedAt"] is not None and r["submittedAt"][:10] >= month_ago),
        ("submittedAtEnd", {"submittedAtEnd": month_ago},
         lambda r: r["submittedAt"] is not None and r["submittedAt"][:10] <= month_ago),
        ("departureDateStart", {"departureDateStart": month_ago}, lambda r: r["departureDate"][:10] >= month_ago),
        ("departureDateEnd", {"departureDateEnd": month_ago}, lambda r: r["departureDate"][:10] <= month_ago),
        ("stayDate", {"stayDateStart": two_months_ago, "stayDateEnd": month_ago},
         lambda r: r["departureDate"][:10] >= two_months_ago and r["arrivalDate"][:10] <= month_ago),
        ("hasHostReply", {"hasHostReply": 1}, lambda r: bool(r["revieweeResponse"])),
        ("hasNoHostReply", {"hasHostReply": 0}, lambda r: not r["revieweeResponse"]),
    ]  # fmt: skip


FILTERS = [
    "reservationId", "channelReservationIds", "channelIds", "type", "statuses", "guestName", "listingInternalNames",
    "listingExternalNames", "ratingMin", "ratingMax", "submittedAtStart", "submittedAtEnd", "departureDateStart",
    "departureDateEnd", "stayDate", "hasHostReply", "hasNoHostReply",
]  # fmt: skip


@pytest.mark.parametrize("label", FILTERS)
async def test_each_documented_filter_narrows_correctly(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient, label: str
) -> None:
    params, predicate = next((p, f) for name, p, f in _filters(shared_sb) if name == label)
    expected = by_id_desc([r for r in shared_sb.account.reviews if predicate(r)])
    assert 0 < len(expected) < len(shared_sb.account.reviews), label
    response = await shared_api.get("/reviews", params={**params, "limit": 500})
    page = response.json()
    assert page["count"] == len(expected), label
    assert [r["id"] for r in page["result"]] == expected[:500], label


async def test_filters_combine_the_way_the_reply_list_needs(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    params: dict[str, str | int | list[int]] = {
        "type": "guest-to-host",
        "statuses[]": "published",
        "hasHostReply": 0,
        "channelIds[]": [AIRBNB, BOOKING, VRBO],
        "sortBy": "rating",
        "sortOrder": "asc",
        "limit": 500,
    }
    page = (await shared_api.get("/reviews", params=params)).json()
    expected = [
        r
        for r in guest_reviews(shared_sb)
        if r["status"] == "published" and not r["revieweeResponse"] and r["channelId"] != DIRECT
    ]
    assert page["count"] == len(expected) > 20
    assert [r["rating"] for r in page["result"]] == sorted(r["rating"] for r in expected)


@pytest.mark.parametrize(
    "params",
    [
        {"type": "guest"},
        {"statuses[]": "draft"},
        {"ratingMin": 11},
        {"ratingMax": -1},
        {"ratingMin": "high"},
        {"submittedAtStart": "yesterday"},
        {"departureDateEnd": "2026-13-01"},
        {"hasHostReply": "maybe"},
        {"sortOrder": "sideways"},
        {"limit": 0},
    ],
)
async def test_malformed_filters_are_refused(shared_api: httpx.AsyncClient, params: dict[str, Any]) -> None:
    response = await shared_api.get("/reviews", params=params)
    assert response.status_code == 400 and response.json()["status"] == "fail"


# -- GET /reviews: sorting, paging, preview --------------------------------------------------------

SORT_FIELDS = ["id", "rating", "submittedAt", "guestName", "arrivalDate", "departureDate", "channelId", "status"]


@pytest.mark.parametrize("sort_by", SORT_FIELDS)
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_documented_sorts_put_nulls_first_ascending(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient, sort_by: str, order: str
) -> None:
    page = await get_json(shared_api, "/reviews", sortBy=sort_by, sortOrder=order, limit=500)
    expected = sorted(shared_sb.account.reviews, key=lambda r: (nullable(r[sort_by]), r["id"]), reverse=order == "desc")
    assert [r["id"] for r in page["result"]] == [r["id"] for r in expected[:500]]


async def test_listing_name_sorts_and_unknown_sort_fields_are_ignored(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient
) -> None:
    names = {listing["id"]: listing["internalListingName"] for listing in shared_sb.account.listings}
    page = await get_json(shared_api, "/reviews", sortBy="listingInternalName", sortOrder="asc", limit=500)
    keys = [(names[r["listingMapId"]], r["id"]) for r in page["result"]]
    assert keys == sorted(keys)
    default = await get_json(shared_api, "/reviews", limit=50)
    unknown = await get_json(shared_api, "/reviews", sortBy="sentiment", limit=50)
    assert unknown["result"] == default["result"]
    assert [r["id"] for r in default["result"]] == by_id_desc(shared_sb.account.reviews)[:50]  # documented: desc


async def test_paging_defaults_to_100_and_is_capped_at_500(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    total = len(shared_sb.account.reviews)
    assert total > 600
    first = await get_json(shared_api, "/reviews")
    assert set(first) == {"status", "result", "count", "offset"}
    assert len(first["result"]) == 100 and first["count"] == total and first["offset"] is None
    capped = await get_json(shared_api, "/reviews", limit=1000)
    assert len(capped["result"]) == 500
    tail = await get_json(shared_api, "/reviews", limit=500, offset=total - 3)
    assert len(tail["result"]) == 3 and tail["offset"] == total - 3
    ids: list[int] = []
    for offset in range(0, total, 500):
        ids.extend(r["id"] for r in (await get_json(shared_api, "/reviews", limit=500, offset=offset))["result"])
    assert sorted(ids) == sorted(r["id"] for r in shared_sb.account.reviews)


async def test_preview_fills_template_variables(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    review = next(r for r in shared_sb.account.reviews if "{{" in (r["publicReview"] or ""))
    guest = next(r for r in shared_sb.account.reservations if r["id"] == review["reservationId"])
    raw = await get_json(shared_api, f"/reviews/{review['id']}")
    filled = await get_json(shared_api, f"/reviews/{review['id']}", preview=1)
    assert raw["result"] == review
    assert "{{" not in filled["result"]["publicReview"] and guest["guestFirstName"] in filled["result"]["publicReview"]
    listed = await get_json(
        shared_api, "/reviews", reservationId=review["reservationId"], type="host-to-guest", preview=1
    )
    assert listed["result"][0]["publicReview"] == filled["result"]["publicReview"]


async def test_single_review_and_unknown_ids(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    review = shared_sb.account.reviews[10]
    assert (await get_json(shared_api, f"/reviews/{review['id']}"))["result"] == review
    missing = await shared_api.get("/reviews/1")
    assert missing.status_code == 404 and missing.json() == {"status": "fail", "result": "Review not found."}


# -- POST /reviews/{id}/respond -----------------------------------------------------------------------


def answerable(sb: Sandbox, channel: int) -> Review:
    today = sb.now().date()
    return next(
        r
        for r in guest_reviews(sb)
        if r["channelId"] == channel
        and r["status"] == "published"
        and not r["revieweeResponse"]
        and r["publicReview"]
        and (channel != VRBO or (today - date.fromisoformat(r["submittedAt"][:10])).days < 30)
    )


async def respond(api: httpx.AsyncClient, review_id: int, text: Any) -> httpx.Response:
    return await api.post(f"/reviews/{review_id}/respond", json={"revieweeResponse": text})


@pytest.mark.parametrize("channel", [AIRBNB, BOOKING, VRBO])
async def test_a_reply_is_stored_once_with_html_removed(sb: Sandbox, api: httpx.AsyncClient, channel: int) -> None:
    review = answerable(sb, channel)
    response = await respond(api, review["id"], "  <p>Thank you, <b>Anna</b>!</p><br/>Come back soon <3  ")
    assert response.status_code == 200
    updated = response.json()["result"]
    assert updated["revieweeResponse"] == "Thank you, Anna!Come back soon"
    assert updated == review and updated["updatedOn"] == sb.now().replace(microsecond=0).isoformat(" ")
    again = await respond(api, review["id"], "A second reply")
    assert again.status_code == 403
    assert again.json() == {"status": "fail", "message": "You already responded to this review."}
    assert review["revieweeResponse"] == "Thank you, Anna!Come back soon"
    listed = await get_json(api, "/reviews", reservationId=review["reservationId"], hasHostReply=1)
    assert review["id"] in {r["id"] for r in listed["result"]}


def _refused(sb: Sandbox) -> list[tuple[str, Review, str]]:
    today = sb.now().date()
    reviews = guest_reviews(sb)
    return [
        ("direct channel", next(r for r in reviews if r["channelId"] == DIRECT and r["status"] == "published"),
         "Invalid review. You cant respond to this review"),
        ("host-to-guest", next(r for r in sb.account.reviews if r["type"] == "host-to-guest"), "Invalid review."),
        ("not published", next(r for r in reviews if r["status"] == "awaiting" and r["channelId"] != DIRECT),
         "Invalid review."),
        ("no words", next(r for r in reviews if r["channelId"] == BOOKING and r["publicReview"] == ""),
         "The review contains no words to reply to."),
        ("answered", next(r for r in reviews if r["revieweeResponse"]), "You already responded to this review."),
        ("vrbo window", next(
            r for r in reviews
            if r["channelId"] == VRBO and r["status"] == "published" and not r["revieweeResponse"]
            and (today - date.fromisoformat(r["submittedAt"][:10])).days >= 30
        ), "The time to send the review/rating has expired on Vrbo."),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "case", ["direct channel", "host-to-guest", "not published", "no words", "answered", "vrbo window"]
)
async def test_ineligible_reviews_are_refused_with_the_documented_reason(
    sb: Sandbox, api: httpx.AsyncClient, case: str
) -> None:
    review, reason = next((r, why) for name, r, why in _refused(sb) if name == case)
    before = dict(review)
    response = await respond(api, review["id"], "Thank you!")
    assert response.status_code == 403
    assert response.json() == {"status": "fail", "message": reason}  # `message`, not `result`
    assert review == before


@pytest.mark.parametrize("text", ["", "   ", "<br/><p></p>", None, 42])
async def test_an_empty_reply_is_refused(sb: Sandbox, api: httpx.AsyncClient, text: Any) -> None:
    review = answerable(sb, AIRBNB)
    response = await respond(api, review["id"], text)
    assert response.status_code == 403 and response.json()["message"] == "Response must not be empty."
    assert review["revieweeResponse"] is None


async def test_unknown_reviews_and_bad_bodies(sb: Sandbox, api: httpx.AsyncClient) -> None:
    missing = await respond(api, 1, "Thanks")
    assert missing.status_code == 403 and missing.json() == {"status": "fail", "message": "Review not found."}
    review = answerable(sb, AIRBNB)
    broken = await api.post(
        f"/reviews/{review['id']}/respond", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert review["revieweeResponse"] is None


async def test_a_reply_changes_only_its_own_sandbox(make_sandbox: Callable[..., Sandbox]) -> None:
    from tests.sandbox.helpers import authorized_client

    first, second = make_sandbox(), make_sandbox()
    review = answerable(first, AIRBNB)
    async with authorized_client(first) as client:
        assert (await respond(client, review["id"], "Thanks!")).status_code == 200
    twin = next(r for r in second.account.reviews if r["id"] == review["id"])
    assert review["revieweeResponse"] == "Thanks!" and twin["revieweeResponse"] is None
    assert next(r for r in make_sandbox().account.reviews if r["id"] == review["id"])["revieweeResponse"] is None
