"""Quotes, coupons and the booking lifecycle: priceDetails, reservationCoupons, POST/PUT/cancel reservations.

Expected prices are worked out here from the calendar's nightly prices and the listing's own
fees and tax rates, not through the sandbox's pricing code, so a wrong calculation cannot agree
with itself.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from hostaway_mcp.sandbox import Sandbox, catalog
from tests.sandbox.helpers import TODAY, get_json

Json = dict[str, Any]
VAT = {city.name: city.vat_rate for city in catalog.CITIES}


def nights(start: date, count: int) -> list[date]:
    return [start + timedelta(days=n) for n in range(count)]


def free_stay(sb: Sandbox, count: int, *, weekend: bool = False, not_before: int = 10) -> tuple[Json, date, date]:
    """A listing and `count` free nights (the check-out day free too), over a Friday and Saturday if asked."""
    for listing in sb.account.listings:
        for offset in range(not_before, not_before + 150):
            start = TODAY + timedelta(days=offset)
            days = nights(start, count + 1)
            if weekend and not {4, 5} <= {day.weekday() for day in days[:-1]}:
                continue
            if all(sb.calendar_day(listing["id"], day)["isAvailable"] == 1 for day in days):
                return listing, start, start + timedelta(days=count)
    raise AssertionError("no free stay in the demo account")


def listing_of(sb: Sandbox, reservation: Json) -> Json:
    return next(x for x in sb.account.listings if x["id"] == reservation["listingMapId"])


def expected_total(sb: Sandbox, listing: Json, start: date, end: date, guests: int) -> float:
    """A short stay for no more than the included guests: nights, cleaning, VAT on both, city tax."""
    assert guests <= listing["guestsIncluded"] and (end - start).days < 7
    base = sum(sb.calendar_day(listing["id"], day)["price"] for day in nights(start, (end - start).days))
    cleaning = listing["cleaningFee"]
    vat = round((base + cleaning) * VAT[listing["city"]], 2)
    city_tax = round(listing["guestPerPersonPerNightTax"] * guests * (end - start).days, 2)
    return float(round(base + cleaning + vat + city_tax, 2))


async def quote(api: httpx.AsyncClient, listing_id: int, start: date, end: date, **extra: Any) -> httpx.Response:
    body = {"startingDate": start.isoformat(), "endingDate": end.isoformat(), "numberOfGuests": 2, "version": 2}
    return await api.post(f"/listings/{listing_id}/calendar/priceDetails", json={**body, **extra})


def booking_body(listing: Json, start: date, end: date, **extra: Any) -> Json:
    return {
        "channelId": 2000,
        "listingMapId": listing["id"],
        "arrivalDate": start.isoformat(),
        "departureDate": end.isoformat(),
        "guestName": "Test Guest",
        "numberOfGuests": 2,
        **extra,
    }


# -- priceDetails ---------------------------------------------------------------------------------


async def test_a_quote_is_the_calendar_price_with_fees_and_taxes_over_a_weekend(
    sb: Sandbox, api: httpx.AsyncClient
) -> None:
    listing, start, end = free_stay(sb, 3, weekend=True)
    response = await quote(api, listing["id"], start, end)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert set(result) >= {"totalPrice", "components", "extraComponents", "selectedComponents"}
    assert result["totalPrice"] == expected_total(sb, listing, start, end, 2)
    components = result["components"]
    assert {c["type"] for c in components} <= {"price", "discount", "fee", "tax"}
    included = round(sum(c["total"] for c in components if c["isIncludedInTotalPrice"]), 2)
    assert included == result["totalPrice"]
    prices = [sb.calendar_day(listing["id"], day)["price"] for day in nights(start, 3)]
    assert len(set(prices)) > 1, "the weekend nights cost more"
    assert next(c for c in components if c["name"] == "baseRate")["total"] == sum(prices)


async def test_a_written_price_changes_the_quote(sb: Sandbox, api: httpx.AsyncClient) -> None:
    listing, start, end = free_stay(sb, 2)
    before = (await quote(api, listing["id"], start, end)).json()["result"]["totalPrice"]
    body = {"startDate": start.isoformat(), "endDate": start.isoformat(), "price": 333.5}
    assert (await api.put(f"/listings/{listing['id']}/calendar", json=body)).status_code == 200
    after = (await quote(api, listing["id"], start, end)).json()["result"]["totalPrice"]
    assert after == expected_total(sb, listing, start, end, 2) != before


async def test_a_week_gets_the_weekly_discount_as_a_negative_component(sb: Sandbox, api: httpx.AsyncClient) -> None:
    listing, start, end = free_stay(sb, 7)
    result = (await quote(api, listing["id"], start, end)).json()["result"]
    base = next(c for c in result["components"] if c["name"] == "baseRate")["total"]
    discount = next(c for c in result["components"] if c["type"] == "discount")
    assert discount["name"] == "weeklyDiscount" and discount["total"] < 0
    assert discount["total"] == round(-base * (1 - listing["weeklyDiscount"]), 2)


async def test_a_damage_deposit_is_quoted_but_not_in_the_total(sb: Sandbox, api: httpx.AsyncClient) -> None:
    listing = next(x for x in sb.account.listings if x["refundableDamageDeposit"])
    start = TODAY + timedelta(days=200)
    result = (await quote(api, listing["id"], start, start + timedelta(days=2))).json()["result"]
    deposit = next(c for c in result["components"] if c["name"] == "damageDeposit")
    assert deposit["total"] == listing["refundableDamageDeposit"] and deposit["isIncludedInTotalPrice"] == 0
    assert (
        round(sum(c["total"] for c in result["components"] if c["isIncludedInTotalPrice"]), 2) == result["totalPrice"]
    )


async def test_a_quote_of_a_generated_booking_costs_what_the_booking_did(sb: Sandbox, api: httpx.AsyncClient) -> None:
    checked = 0
    for reservation in sb.account.reservations:
        money = sb.account.money.get(reservation["id"])
        if money is None or reservation["pets"] or reservation["children"] or reservation["status"] != "new":
            continue
        listing = listing_of(sb, reservation)
        body = {
            "startingDate": reservation["arrivalDate"],
            "endingDate": reservation["departureDate"],
            "numberOfGuests": reservation["numberOfGuests"],
            "version": 2,
        }
        result = (await api.post(f"/listings/{listing['id']}/calendar/priceDetails", json=body)).json()["result"]
        assert result["totalPrice"] == reservation["totalPrice"], reservation["id"]
        checked += 1
        if checked == 10:
            break
    assert checked == 10


@pytest.mark.parametrize(
    ("change", "status", "needle"),
    [
        ({"version": 1}, 400, "version 2"),
        ({"version": None}, 400, "version 2"),
        ({"numberOfGuests": None}, 400, "numberOfGuests"),
        ({"endingDate": "2026-12-01", "startingDate": "2026-12-03"}, 400, "after"),
        ({"startingDate": "tomorrow"}, 400, "Y-m-d"),
        ({"markup": 0.5}, 400, "markup"),
        ({"reservationCouponId": 99}, 404, "coupon"),
    ],
)
async def test_a_bad_quote_request_is_refused(
    sb: Sandbox, api: httpx.AsyncClient, change: Json, status: int, needle: str
) -> None:
    listing, start, end = free_stay(sb, 2)
    body = {"startingDate": start.isoformat(), "endingDate": end.isoformat(), "numberOfGuests": 2, "version": 2}
    body.update(change)
    body = {key: value for key, value in body.items() if value is not None}
    response = await api.post(f"/listings/{listing['id']}/calendar/priceDetails", json=body)
    assert response.status_code == status and needle in response.json()["result"]
    assert (await api.post("/listings/1/calendar/priceDetails", json=body)).status_code == 404


# -- coupons --------------------------------------------------------------------------------------


async def test_a_coupon_applies_through_a_reservation_coupon(sb: Sandbox, api: httpx.AsyncClient) -> None:
    listing, start, end = free_stay(sb, 3)
    coupons = await get_json(api, "/coupons")
    assert {c["name"] for c in coupons["result"]} == {"WELCOME10", "STAY3SAVE50", "SUMMER25", "EARLYBIRD15"}
    made = await api.post(
        "/reservationCoupons",
        json={"couponName": "WELCOME10", "listingMapId": listing["id"], "startingDate": start.isoformat(),
              "endingDate": end.isoformat()},
    )  # fmt: skip
    assert made.status_code == 200, made.text
    relation_id = made.json()["result"]["reservationCouponId"]
    plain = (await quote(api, listing["id"], start, end)).json()["result"]
    with_coupon = (await quote(api, listing["id"], start, end, reservationCouponId=relation_id)).json()["result"]
    base = next(c for c in plain["components"] if c["name"] == "baseRate")["total"]
    coupon = next(c for c in with_coupon["components"] if c["name"] == "couponDiscount")
    assert coupon["type"] == "discount" and coupon["total"] == round(-base * 0.10, 2)
    assert with_coupon["totalPrice"] < plain["totalPrice"]
    assert [r["id"] for r in (await get_json(api, "/reservationCoupons"))["result"]] == [relation_id]
    other_dates = await quote(api, listing["id"], start, end + timedelta(days=1), reservationCouponId=relation_id)
    assert other_dates.status_code == 400


@pytest.mark.parametrize(
    ("name", "nights_", "needle"),
    [
        ("NOSUCH", 3, "not found"),
        ("SUMMER25", 3, "no uses left"),
        ("EARLYBIRD15", 3, "not valid for this check-in"),
        ("STAY3SAVE50", 2, "at least 3 nights"),
    ],
)
async def test_a_coupon_that_does_not_apply_is_refused(
    sb: Sandbox, api: httpx.AsyncClient, name: str, nights_: int, needle: str
) -> None:
    listing, start, end = free_stay(sb, nights_)
    body = {"couponName": name, "listingMapId": listing["id"], "startingDate": start.isoformat(),
            "endingDate": end.isoformat()}  # fmt: skip
    response = await api.post("/reservationCoupons", json=body)
    assert response.status_code == 400 and needle in response.json()["result"]
    assert (await get_json(api, "/reservationCoupons"))["result"] == []


# -- POST /reservations ----------------------------------------------------------------------------


async def test_a_new_booking_holds_its_nights_and_keeps_its_price_as_sent(sb: Sandbox, api: httpx.AsyncClient) -> None:
    listing, start, end = free_stay(sb, 3)
    components = (await quote(api, listing["id"], start, end)).json()["result"]["components"]
    total = round(sum(c["total"] for c in components if c["isIncludedInTotalPrice"]), 2)
    response = await api.post(
        "/reservations",
        params={"provider": "p" * 50},
        json=booking_body(listing, start, end, financeField=components, totalPrice=total, guestEmail="t@example.com"),
    )
    assert response.status_code == 200, response.text
    made = response.json()["result"]
    assert made["status"] == "new" and made["source"] == "p" * 50 and made["channelName"] == "direct"
    assert made["totalPrice"] == total and made["nights"] == 3 and made["currency"] == listing["currencyCode"]
    stored = await get_json(api, f"/reservations/{made['id']}")
    assert stored["result"]["guestName"] == "Test Guest"
    fields = (await get_json(api, f"/financeField/{made['id']}"))["result"]
    assert [(f["name"], f["total"]) for f in fields] == [(c["name"], c["total"]) for c in components]
    for day in nights(start, 3):
        assert sb.calendar_day(listing["id"], day)["status"] == "reserved"
    assert sb.calendar_day(listing["id"], end)["status"] == "available"
    found = await get_json(api, "/reservations", listingId=listing["id"], arrivalStartDate=start.isoformat(),
                           arrivalEndDate=start.isoformat())  # fmt: skip
    assert [r["id"] for r in found["result"]] == [made["id"]]


@pytest.mark.parametrize(
    ("change", "params", "needle"),
    [
        ({"channelId": 2018}, {}, "2000 (direct), 2002 (homeaway) or 2020 (partner)"),
        ({"channelId": 2017}, {}, "2000 (direct)"),
        ({"channelId": None}, {}, "channelId"),
        ({"listingMapId": None}, {}, "listingMapId"),
        ({"departureDate": None}, {}, "departureDate"),
        ({}, {"provider": "p" * 51}, "at most 50 characters"),
        ({"financeField": "baseRate"}, {}, "financeField"),
        ({"totalPrice": "lots"}, {}, "totalPrice"),
    ],
)
async def test_a_bad_booking_is_refused_and_nothing_is_made(
    sb: Sandbox, api: httpx.AsyncClient, change: Json, params: Json, needle: str
) -> None:
    listing, start, end = free_stay(sb, 2)
    body = {key: value for key, value in {**booking_body(listing, start, end), **change}.items() if value is not None}
    count = len(sb.account.reservations)
    response = await api.post("/reservations", params=params, json=body)
    assert response.status_code == 400 and needle in response.json()["result"], response.text
    assert len(sb.account.reservations) == count
    assert sb.calendar_day(listing["id"], start)["status"] == "available"


async def test_taken_nights_are_refused_unless_overbooking_is_forced(sb: Sandbox, api: httpx.AsyncClient) -> None:
    held = next(r for r in sb.account.reservations if r["status"] == "new" and r["arrivalDate"] > TODAY.isoformat())
    listing = listing_of(sb, held)
    start = date.fromisoformat(held["arrivalDate"])
    body = booking_body(listing, start, start + timedelta(days=1))
    refused = await api.post("/reservations", json=body)
    assert refused.status_code == 400 and "not available" in refused.json()["result"]
    blocked_start = TODAY + timedelta(days=300)
    block = {"startDate": blocked_start.isoformat(), "endDate": blocked_start.isoformat(), "isAvailable": 0}
    await api.put(f"/listings/{listing['id']}/calendar", json=block)
    on_block = await api.post(
        "/reservations", json=booking_body(listing, blocked_start, blocked_start + timedelta(days=2))
    )
    assert on_block.status_code == 400
    forced = await api.post("/reservations", params={"forceOverbooking": 1}, json=body)
    assert forced.status_code == 200


# -- PUT /reservations/{id} and cancelling ------------------------------------------------------------


async def made_booking(sb: Sandbox, api: httpx.AsyncClient, count: int = 3) -> tuple[Json, Json, date, date]:
    listing, start, end = free_stay(sb, count)
    components = (await quote(api, listing["id"], start, end)).json()["result"]["components"]
    response = await api.post("/reservations", json=booking_body(listing, start, end, financeField=components))
    assert response.status_code == 200, response.text
    return response.json()["result"], listing, start, end


async def test_a_finance_field_left_out_of_a_put_is_deleted(sb: Sandbox, api: httpx.AsyncClient) -> None:
    booking, *_ = await made_booking(sb, api)
    fields = (await get_json(api, f"/financeField/{booking['id']}"))["result"]
    assert len(fields) >= 3
    notes = await api.put(f"/reservations/{booking['id']}", json={"hostNote": "late arrival"})
    assert notes.status_code == 200 and notes.json()["result"]["hostNote"] == "late arrival"
    assert len((await get_json(api, f"/financeField/{booking['id']}"))["result"]) == len(fields)
    partial = await api.put(f"/reservations/{booking['id']}", json={"financeField": fields[:1], "totalPrice": 10})
    assert partial.status_code == 200
    assert [f["name"] for f in (await get_json(api, f"/financeField/{booking['id']}"))["result"]] == [fields[0]["name"]]


async def test_moving_a_booking_moves_its_nights(sb: Sandbox, api: httpx.AsyncClient) -> None:
    booking, listing, start, end = await made_booking(sb, api, 2)
    later = end + timedelta(days=1)
    if sb.calendar_day(listing["id"], later)["isAvailable"] != 1:
        pytest.skip("the night after the stay is taken in this account")
    moved = await api.put(f"/reservations/{booking['id']}", json={"departureDate": later.isoformat()})
    assert moved.status_code == 200, moved.text
    assert moved.json()["result"]["nights"] == 3 and moved.json()["result"]["status"] == "modified"
    assert [sb.calendar_day(listing["id"], day)["status"] for day in nights(start, 3)] == ["reserved"] * 3
    back = await api.put(
        f"/reservations/{booking['id']}", json={"arrivalDate": (start + timedelta(days=1)).isoformat()}
    )
    assert back.status_code == 200
    assert sb.calendar_day(listing["id"], start)["status"] == "available"


async def test_a_put_cannot_move_a_booking_to_another_listing_or_onto_taken_nights(
    sb: Sandbox, api: httpx.AsyncClient
) -> None:
    booking, listing, start, _ = await made_booking(sb, api, 2)
    other = next(x for x in sb.account.listings if x["id"] != listing["id"])
    moved = await api.put(f"/reservations/{booking['id']}", json={"listingMapId": other["id"]})
    assert moved.status_code == 400 and "cannot be changed" in moved.json()["result"]
    held = next(
        r
        for r in sb.account.reservations
        if r["listingMapId"] == listing["id"] and r["status"] == "new" and r["arrivalDate"] > TODAY.isoformat()
    )
    clash = await api.put(
        f"/reservations/{booking['id']}",
        json={"arrivalDate": held["arrivalDate"], "departureDate": held["departureDate"]},
    )
    assert clash.status_code == 400 and "not available" in clash.json()["result"]
    assert [sb.calendar_day(listing["id"], day)["status"] for day in nights(start, 2)] == ["reserved"] * 2


@pytest.mark.parametrize("channel", [catalog.CHANNEL_AIRBNB, catalog.CHANNEL_BOOKINGCOM])
async def test_a_channel_managed_booking_refuses_changes_with_403(
    sb: Sandbox, api: httpx.AsyncClient, channel: int
) -> None:
    booking = next(r for r in sb.account.reservations if r["channelId"] == channel and r["status"] == "new")
    response = await api.put(f"/reservations/{booking['id']}", json={"hostNote": "x"})
    assert response.status_code == 403 and "managed by" in response.json()["result"]
    assert booking["hostNote"] != "x"  # the account's own object, which a PUT would have changed


async def test_cancelling_frees_the_nights_once(sb: Sandbox, api: httpx.AsyncClient) -> None:
    booking, listing, start, _ = await made_booking(sb, api, 2)
    path = f"/reservations/{booking['id']}/statuses/cancelled"
    assert (await api.put(path, json={})).status_code == 400
    assert (await api.put(path, json={"cancelledBy": "owner"})).status_code == 400
    cancelled = await api.put(path, json={"cancelledBy": "guest"})
    assert cancelled.status_code == 200, cancelled.text
    result = cancelled.json()["result"]
    assert result["status"] == "cancelled" and result["cancelledBy"] == "guest" and result["cancellationDate"]
    assert [sb.calendar_day(listing["id"], day)["status"] for day in nights(start, 2)] == ["available"] * 2
    again = await api.put(path, json={"cancelledBy": "host"})
    assert again.status_code == 400 and "already cancelled" in again.json()["result"]
    assert (await api.put("/reservations/1/statuses/cancelled", json={"cancelledBy": "host"})).status_code == 404
