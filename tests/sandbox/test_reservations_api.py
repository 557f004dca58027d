"""GET /reservations: documented filters, sort orders, offset paging and the afterId cursor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from hostaway_mcp.sandbox import Sandbox
from tests.sandbox.helpers import TODAY, get_json

Reservation = dict[str, Any]


async def crawl_after_id(client: httpx.AsyncClient, **params: Any) -> tuple[list[Reservation], int]:
    """Follow afterId until an empty page; returns everything seen and the count reported."""
    seen: list[Reservation] = []
    counts = set()
    cursor: int | None = None
    for _ in range(200):
        query = dict(params, limit=100)
        if cursor is not None:
            query["afterId"] = cursor
        page = await get_json(client, "/reservations", **query)
        counts.add(page["count"])
        if not page["result"]:
            assert len(counts) == 1
            return seen, counts.pop()
        seen.extend(page["result"])
        cursor = page["result"][-1]["id"]
    raise AssertionError("afterId paging never reached an empty page")


def nullable(value: Any) -> tuple[int, Any]:
    return (0, "") if value is None else (1, value)


async def test_default_order_is_updated_on_desc_then_id_desc(shared_api: httpx.AsyncClient) -> None:
    page = await get_json(shared_api, "/reservations")
    assert set(page) == {"status", "result", "count", "limit", "offset"}
    assert page["limit"] == 100 and page["offset"] == 0 and len(page["result"]) == 100
    keys = [(r["updatedOn"], r["id"]) for r in page["result"]]
    assert keys == sorted(keys, reverse=True)
    ids = [r["id"] for r in page["result"]]
    assert ids != sorted(ids, reverse=True)  # ids are not the sort key, as on real data


@pytest.mark.parametrize("sort_order", [None, "arrivalDate"])
async def test_after_id_traversal_returns_every_reservation_exactly_once(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient, sort_order: str | None
) -> None:
    params = {} if sort_order is None else {"sortOrder": sort_order}
    seen, count = await crawl_after_id(shared_api, **params)
    ids = [r["id"] for r in seen]
    assert len(ids) == len(set(ids)) == count == len(shared_sb.account.reservations)
    assert set(ids) == {r["id"] for r in shared_sb.account.reservations}


async def test_after_id_traversal_respects_filters(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    listing_id = shared_sb.account.listings[5]["id"]
    seen, count = await crawl_after_id(shared_api, listingId=listing_id, sortOrder="arrivalDate")
    expected = sorted(
        (r for r in shared_sb.account.reservations if r["listingMapId"] == listing_id),
        key=lambda r: (r["arrivalDate"], r["id"]),
    )
    assert [r["id"] for r in seen] == [r["id"] for r in expected] and count == len(expected)


async def test_after_id_ignores_offset_and_unknown_cursor_ends_the_crawl(shared_api: httpx.AsyncClient) -> None:
    first = await get_json(shared_api, "/reservations", limit=10)
    after = first["result"][4]["id"]
    with_offset = await get_json(shared_api, "/reservations", limit=5, afterId=after, offset=50)
    assert [r["id"] for r in with_offset["result"]] == [r["id"] for r in first["result"][5:10]]
    assert (await get_json(shared_api, "/reservations", afterId=1))["result"] == []


async def test_offset_paging_agrees_with_count(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    collected: list[int] = []
    offset = 0
    while True:
        page = await get_json(shared_api, "/reservations", sortOrder="arrivalDate", limit=97, offset=offset)
        assert page["count"] == len(shared_sb.account.reservations) and page["offset"] == offset
        if not page["result"]:
            break
        collected.extend(r["id"] for r in page["result"])
        offset += 97
    expected = sorted(shared_sb.account.reservations, key=lambda r: (r["arrivalDate"], r["id"]))
    assert collected == [r["id"] for r in expected]


async def test_limit_defaults_to_and_is_capped_at_100(shared_api: httpx.AsyncClient) -> None:
    capped = await get_json(shared_api, "/reservations", limit=500)
    assert capped["limit"] == 100 and len(capped["result"]) == 100
    small = await get_json(shared_api, "/reservations", limit=7)
    assert small["limit"] == 7 and len(small["result"]) == 7


def _unread_reservation_ids(sandbox: Sandbox) -> set[int]:
    return {c["reservationId"] for c in sandbox.account.conversations if c["hasUnreadMessages"] == 1}


def _filters(sandbox: Sandbox) -> list[tuple[str, dict[str, Any], Callable[[Reservation], bool]]]:
    account = sandbox.account
    listing_id = account.listings[2]["id"]
    guest = next(r for r in account.reservations if r["guestEmail"] and r["status"] == "new")
    surname = guest["guestLastName"]
    start, end = (TODAY - timedelta(days=30)).isoformat(), (TODAY + timedelta(days=30)).isoformat()
    unread = _unread_reservation_ids(sandbox)
    return [
        ("arrivalStartDate", {"arrivalStartDate": start}, lambda r: r["arrivalDate"] >= start),
        ("arrivalEndDate", {"arrivalEndDate": end}, lambda r: r["arrivalDate"] <= end),
        (
            "arrival range",
            {"arrivalStartDate": start, "arrivalEndDate": end},
            lambda r: start <= r["arrivalDate"] <= end,
        ),
        ("departureStartDate", {"departureStartDate": end}, lambda r: r["departureDate"] >= end),
        ("departureEndDate", {"departureEndDate": start}, lambda r: r["departureDate"] <= start),
        ("listingId", {"listingId": listing_id}, lambda r: r["listingMapId"] == listing_id),
        ("match", {"match": surname.upper()}, lambda r: surname.lower() in r["guestName"].lower()),
        (
            "guestEmail",
            {"guestEmail": guest["guestEmail"].upper()},
            lambda r: (r["guestEmail"] or "").lower() == guest["guestEmail"].lower(),
        ),
        ("channelId", {"channelId": 2005}, lambda r: r["channelId"] == 2005),
        ("unread", {"hasUnreadConversationMessages": 1}, lambda r: r["id"] in unread),
        ("read", {"hasUnreadConversationMessages": 0}, lambda r: r["id"] not in unread),
        (
            "latestActivity",
            {"latestActivityStart": start, "latestActivityEnd": TODAY.isoformat()},
            lambda r: start <= r["latestActivityOn"][:10] <= TODAY.isoformat(),
        ),
        ("isStarred", {"isStarred": 1}, lambda r: r["isStarred"] == 1),
    ]


FILTER_NAMES = [
    "arrivalStartDate", "arrivalEndDate", "arrival range", "departureStartDate", "departureEndDate", "listingId",
    "match", "guestEmail", "channelId", "unread", "read", "latestActivity", "isStarred",
]  # fmt: skip


@pytest.mark.parametrize("label", FILTER_NAMES)
async def test_each_documented_filter_narrows_correctly(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient, label: str
) -> None:
    params, predicate = next((p, f) for name, p, f in _filters(shared_sb) if name == label)
    expected = sorted(
        (r for r in shared_sb.account.reservations if predicate(r)),
        key=lambda r: (r["updatedOn"], r["id"]),
        reverse=True,
    )
    assert 0 < len(expected) < len(shared_sb.account.reservations), label
    page = await get_json(shared_api, "/reservations", limit=100, **params)
    assert page["count"] == len(expected), label
    assert [r["id"] for r in page["result"]] == [r["id"] for r in expected[:100]], label


async def test_filters_combine(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    listing_id = shared_sb.account.listings[0]["id"]
    page = await get_json(
        shared_api, "/reservations", listingId=listing_id, channelId=2018, arrivalStartDate="2026-06-01"
    )
    expected = {
        r["id"]
        for r in shared_sb.account.reservations
        if r["listingMapId"] == listing_id and r["channelId"] == 2018 and r["arrivalDate"] >= "2026-06-01"
    }
    assert {r["id"] for r in page["result"]} == expected and page["count"] == len(expected) > 0


SORTS: dict[str, tuple[str, bool]] = {
    "updatedOn": ("updatedOn", False),
    "arrivalDate": ("arrivalDate", False),
    "arrivalDateDesc": ("arrivalDate", True),
    "latestActivity": ("latestActivityOn", False),
    "latestActivityDesc": ("latestActivityOn", True),
    "lastConversationMessageSent": ("messageSentOn", False),
    "lastConversationMessageSentDesc": ("messageSentOn", True),
    "lastConversationMessageReceived": ("messageReceivedOn", False),
    "lastConversationMessageReceivedDesc": ("messageReceivedOn", True),
}


@pytest.mark.parametrize("sort_order", sorted(SORTS))
async def test_every_documented_sort_order(shared_sb: Sandbox, shared_api: httpx.AsyncClient, sort_order: str) -> None:
    field, descending = SORTS[sort_order]
    conversations = {c["reservationId"]: c for c in shared_sb.account.conversations}

    def value(r: Reservation) -> Any:
        if field in r:
            return r[field]
        conversation = conversations.get(r["id"])
        return conversation[field] if conversation else None

    expected = sorted(shared_sb.account.reservations, key=lambda r: (nullable(value(r)), r["id"]), reverse=descending)
    page = await get_json(shared_api, "/reservations", sortOrder=sort_order, limit=100, offset=200)
    assert [r["id"] for r in page["result"]] == [r["id"] for r in expected[200:300]]


async def test_single_reservation_and_not_found(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    reservation = next(r for r in shared_sb.account.reservations if r["status"] == "new" and r["channelId"] == 2018)
    body = await get_json(shared_api, f"/reservations/{reservation['id']}", includePayments=1)
    assert set(body) == {"status", "result"}
    result = body["result"]
    assert result["hostawayReservationId"] == str(reservation["id"]) and isinstance(result["id"], int)
    assert result["cancellationPolicyDetails"]["cancellationPolicyItem"]
    assert {k: v for k, v in result.items() if k != "cancellationPolicyDetails"} == reservation
    missing = await shared_api.get("/reservations/1")
    assert missing.status_code == 404
    assert missing.json() == {"status": "fail", "result": "Reservation not found."}


async def test_the_remaining_balance_is_served_only_with_include_payments(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient
) -> None:
    owing = next(r for r in shared_sb.account.reservations if (r["remainingBalance"] or 0) > 0)
    plain = (await get_json(shared_api, f"/reservations/{owing['id']}"))["result"]
    paid = (await get_json(shared_api, f"/reservations/{owing['id']}", includePayments=1))["result"]
    assert plain["remainingBalance"] is None and paid["remainingBalance"] == owing["remainingBalance"]
    listed = await get_json(shared_api, "/reservations", match=owing["guestName"], includePayments=1, limit=100)
    assert {r["id"]: r["remainingBalance"] for r in listed["result"]}[owing["id"]] == owing["remainingBalance"]
    bare = await get_json(shared_api, "/reservations", match=owing["guestName"], limit=100)
    assert all(r["remainingBalance"] is None for r in bare["result"])


async def test_include_resources_fills_fees_and_finance_fields(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient
) -> None:
    reservation = next(r for r in shared_sb.account.reservations if r["status"] == "new")
    plain = (await get_json(shared_api, f"/reservations/{reservation['id']}"))["result"]
    rich = (await get_json(shared_api, f"/reservations/{reservation['id']}", includeResources=1))["result"]
    assert plain["reservationFees"] == [] and plain["financeField"] == []
    assert rich["reservationFees"][0]["amount"] == reservation["cleaningFee"]
    assert rich["financeField"] and rich["hostProxyEmail"].endswith("@host.hostaway.info")


@pytest.mark.parametrize(
    "params",
    [{"sortOrder": "status"}, {"limit": "ten"}, {"arrivalStartDate": "21/11/2026"}, {"offset": -1}],
)
async def test_malformed_parameters_are_rejected(shared_api: httpx.AsyncClient, params: dict[str, Any]) -> None:
    response = await shared_api.get("/reservations", params=params)
    assert response.status_code == 400 and response.json()["status"] == "fail"
