"""GET /listings filters and paging; GET/PUT /listings/{id}/calendar."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from hostaway_mcp.sandbox import Sandbox, catalog
from tests.sandbox.helpers import TODAY, get_json


def free_for(sandbox: Sandbox, listing_id: int, start: date, nights: int) -> bool:
    return all(sandbox.calendar_day(listing_id, start + timedelta(days=n))["isAvailable"] == 1 for n in range(nights))


async def test_listings_envelope_default_order_and_paging(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    everything = await get_json(shared_api, "/listings")
    assert set(everything) == {"status", "result", "count", "limit", "offset"}
    assert everything["count"] == 24 and everything["limit"] is None and everything["offset"] is None
    assert everything["result"] == shared_sb.account.listings
    ids = [listing["id"] for listing in everything["result"]]
    assert ids == sorted(ids)
    pages = [await get_json(shared_api, "/listings", limit=10, offset=offset) for offset in (0, 10, 20)]
    assert [listing["id"] for page in pages for listing in page["result"]] == ids
    assert all(page["count"] == 24 and page["limit"] == 10 for page in pages)


@pytest.mark.parametrize(
    ("params", "predicate"),
    [
        ({"city": "lisbon"}, lambda x: x["city"] == "Lisbon"),
        ({"country": "United States of America"}, lambda x: x["countryCode"] == "US"),
        ({"country": "es"}, lambda x: x["countryCode"] == "ES"),
        ({"match": "APARTMENT"}, lambda x: "apartment" in x["name"].lower()),
        ({"availabilityGuestNumber": 5}, lambda x: x["personCapacity"] >= 5),
        ({"propertyTypeId": 2}, lambda x: x["propertyTypeId"] == 2),
    ],
)
async def test_listing_filters_narrow_correctly(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient, params: dict[str, Any], predicate: Any
) -> None:
    expected = [x["id"] for x in shared_sb.account.listings if predicate(x)]
    assert 0 < len(expected) < 24
    page = await get_json(shared_api, "/listings", **params)
    assert [x["id"] for x in page["result"]] == expected and page["count"] == len(expected)


async def test_availability_filter_matches_the_calendar(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    for start in (TODAY + timedelta(days=3), TODAY + timedelta(days=40)):
        end = start + timedelta(days=4)
        expected = [
            x["id"]
            for x in shared_sb.account.listings
            if x["personCapacity"] >= 3 and free_for(shared_sb, x["id"], start, 4)
        ]
        page = await get_json(
            shared_api,
            "/listings",
            availabilityDateStart=start.isoformat(),
            availabilityDateEnd=end.isoformat(),
            availabilityGuestNumber=3,
        )
        assert [x["id"] for x in page["result"]] == expected
        assert 0 < len(expected) < 24


async def test_availability_reflects_calendar_writes(sb: Sandbox, api: httpx.AsyncClient) -> None:
    start = TODAY + timedelta(days=120)
    listing = next(x for x in sb.account.listings if free_for(sb, x["id"], start, 3))
    window = {
        "availabilityDateStart": start.isoformat(),
        "availabilityDateEnd": (start + timedelta(days=3)).isoformat(),
    }
    before = await get_json(api, "/listings", **window)
    assert listing["id"] in [x["id"] for x in before["result"]]
    day = (start + timedelta(days=1)).isoformat()
    response = await api.put(
        f"/listings/{listing['id']}/calendar", json={"startDate": day, "endDate": day, "isAvailable": 0}
    )
    assert response.status_code == 200
    after = await get_json(api, "/listings", **window)
    assert listing["id"] not in [x["id"] for x in after["result"]]
    assert after["count"] == before["count"] - 1


async def test_listing_sort_by_name_and_not_found(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    page = await get_json(shared_api, "/listings", sortOrder="nameReversed")
    names = [(x["name"].lower(), x["id"]) for x in page["result"]]
    assert names == sorted(names, reverse=True)
    single = await get_json(shared_api, f"/listings/{shared_sb.account.listings[4]['id']}")
    assert single == {"status": "success", "result": shared_sb.account.listings[4]}
    missing = await shared_api.get("/listings/999")
    assert missing.status_code == 404 and missing.json() == {"status": "fail", "result": "Listing not found."}


async def test_calendar_range_is_inclusive_and_matches_calendar_day(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient
) -> None:
    listing_id = shared_sb.account.listings[1]["id"]
    start, end = TODAY - timedelta(days=20), TODAY + timedelta(days=40)
    body = await get_json(
        shared_api, f"/listings/{listing_id}/calendar", startDate=start.isoformat(), endDate=end.isoformat()
    )
    days = body["result"]
    assert [d["date"] for d in days] == [(start + timedelta(days=n)).isoformat() for n in range(61)]
    assert days == [shared_sb.calendar_day(listing_id, date.fromisoformat(d["date"])) for d in days]
    assert {"id", "isAvailable", "status", "price", "minimumStay", "closedOnArrival", "reservations"} <= set(days[0])


async def test_calendar_reservations_only_with_include_resources(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient
) -> None:
    booking = next(
        r
        for r in shared_sb.account.reservations
        if r["status"] in ("new", "modified") and r["arrivalDate"] > TODAY.isoformat()
    )
    path = f"/listings/{booking['listingMapId']}/calendar"
    params = {"startDate": booking["arrivalDate"], "endDate": booking["arrivalDate"]}
    plain = (await get_json(shared_api, path, **params))["result"][0]
    rich = (await get_json(shared_api, path, includeResources=1, **params))["result"][0]
    assert plain["status"] == "reserved" and plain["reservations"] == []
    assert [r["id"] for r in rich["reservations"]] == [booking["id"]]


async def test_calendar_put_updates_days_and_returns_them(sb: Sandbox, api: httpx.AsyncClient) -> None:
    start = TODAY + timedelta(days=150)
    listing = next(x for x in sb.account.listings if free_for(sb, x["id"], start, 3))
    end = start + timedelta(days=2)
    response = await api.put(
        f"/listings/{listing['id']}/calendar",
        json={"startDate": start.isoformat(), "endDate": end.isoformat(), "price": 321, "minimumStay": 4, "note": "x"},
    )
    assert response.status_code == 200
    days = response.json()["result"]
    assert [d["date"] for d in days] == [(start + timedelta(days=n)).isoformat() for n in range(3)]
    assert all(d["price"] == 321 and d["minimumStay"] == 4 and d["note"] == "x" for d in days)
    assert all(d["status"] == "available" for d in days)
    assert sb.calendar_day(listing["id"], end)["price"] == 321
    assert sb.calendar_day(listing["id"], end + timedelta(days=1))["price"] != 321
    blocked = await api.put(
        f"/listings/{listing['id']}/calendar",
        json={"startDate": start.isoformat(), "endDate": start.isoformat(), "isAvailable": False},
    )
    assert blocked.json()["result"][0]["status"] == "blocked"
    fetched = await get_json(
        api, f"/listings/{listing['id']}/calendar", startDate=start.isoformat(), endDate=end.isoformat()
    )
    assert [(d["status"], d["isAvailable"], d["price"]) for d in fetched["result"]] == [
        ("blocked", 0, 321),
        ("available", 1, 321),
        ("available", 1, 321),
    ]


async def test_calendar_write_never_unreserves_a_booked_night(sb: Sandbox, api: httpx.AsyncClient) -> None:
    booking = next(r for r in sb.account.reservations if r["status"] == "new" and r["arrivalDate"] > TODAY.isoformat())
    night = booking["arrivalDate"]
    response = await api.put(
        f"/listings/{booking['listingMapId']}/calendar",
        json={"startDate": night, "endDate": night, "isAvailable": 1, "price": 99},
    )
    day = response.json()["result"][0]
    assert (day["status"], day["isAvailable"], day["price"]) == ("reserved", 0, 99)
    assert sb.calendar_day(booking["listingMapId"], date.fromisoformat(night))["status"] == "reserved"


async def test_calendar_put_can_reopen_an_owner_block(sb: Sandbox, api: httpx.AsyncClient) -> None:
    listing_id, (start, _, note) = next(
        (listing_id, block)
        for listing_id, blocks in sb.account.owner_blocks.items()
        for block in blocks
        if block[0] > TODAY
    )
    assert sb.calendar_day(listing_id, start)["status"] == "blocked"
    assert sb.calendar_day(listing_id, start)["note"] == note and note in catalog.OWNER_BLOCK_NOTES
    response = await api.put(
        f"/listings/{listing_id}/calendar",
        json={"startDate": start.isoformat(), "endDate": start.isoformat(), "isAvailable": 1},
    )
    assert response.json()["result"][0]["status"] == "available"


@pytest.mark.parametrize(
    "body",
    [
        {"startDate": "2026-12-01", "endDate": "2026-12-02"},
        {"startDate": "2026-12-02", "endDate": "2026-12-01", "price": 10},
        {"endDate": "2026-12-02", "price": 10},
        {"startDate": "2026-12-01", "endDate": "2026-12-02", "isAvailable": "no"},
        {"startDate": "2026-12-01", "endDate": "2026-12-02", "minimumStay": 0},
    ],
)
async def test_invalid_calendar_writes_are_rejected_and_change_nothing(
    sb: Sandbox, api: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    listing_id = sb.account.listings[0]["id"]
    before = sb.calendar_day(listing_id, date(2026, 12, 1))
    response = await api.put(f"/listings/{listing_id}/calendar", json=body)
    assert response.status_code == 400 and response.json()["status"] == "fail"
    assert sb.calendar_day(listing_id, date(2026, 12, 1)) == before


async def test_calendar_of_unknown_listing_is_404(api: httpx.AsyncClient) -> None:
    assert (await api.get("/listings/1/calendar")).status_code == 404
    put = await api.put("/listings/1/calendar", json={"startDate": "2026-12-01", "endDate": "2026-12-01", "price": 1})
    assert put.status_code == 404
