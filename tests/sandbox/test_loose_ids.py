"""The demo serves some listing and reservation ids as strings, everywhere they appear."""

from __future__ import annotations

from typing import Any

from hostaway_mcp.sandbox import Sandbox
from tests.sandbox.helpers import TODAY, FakeClock, authorized_client, get_json


def demo() -> Sandbox:
    return Sandbox(seed=7, today=TODAY, clock=FakeClock(), token_not_before_s=0.0, enforce_rate_limits=False)


async def test_loose_listing_and_reservation_ids_are_strings_on_every_endpoint() -> None:
    sb = demo()
    loose = sb.account.loose_ids
    assert loose.listings and loose.reservations  # the generator emits the shape by default
    async with authorized_client(sb) as api:
        listings = (await get_json(api, "/listings", limit=100))["result"]
        served_ids = {listing["id"] for listing in listings}
        assert {str(i) for i in loose.listings} <= served_ids
        assert {i for i in served_ids if isinstance(i, int)} == {x["id"] for x in sb.account.listings} - loose.listings

        reservation = next(r for r in sb.account.reservations if r["id"] in loose.reservations)
        one = (await get_json(api, f"/reservations/{reservation['id']}"))["result"]
        assert one["id"] == str(reservation["id"])
        listed: list[Any] = (await get_json(api, "/reservations", listingId=reservation["listingMapId"]))["result"]
        mine = next(r for r in listed if str(r["id"]) == str(reservation["id"]))
        assert mine["id"] == str(reservation["id"])
        on_loose_listing = next(r for r in sb.account.reservations if r["listingMapId"] in loose.listings)
        served = (await get_json(api, f"/reservations/{on_loose_listing['id']}"))["result"]
        assert served["listingMapId"] == str(on_loose_listing["listingMapId"])

        conversation = next(c for c in sb.account.conversations if c["reservationId"] in loose.reservations)
        page = (await get_json(api, "/conversations", reservationId=conversation["reservationId"]))["result"]
        assert page[0]["reservationId"] == str(conversation["reservationId"])
        assert page[0]["Reservation"]["id"] == str(conversation["reservationId"])
        messages = (await get_json(api, f"/conversations/{conversation['id']}/messages"))["result"]
        assert {m["reservationId"] for m in messages} == {str(conversation["reservationId"])}


async def test_string_ids_can_be_switched_off_for_raw_comparisons() -> None:
    sb = Sandbox(seed=7, today=TODAY, clock=FakeClock(), token_not_before_s=0.0, string_ids=False)
    async with authorized_client(sb) as api:
        listings = (await get_json(api, "/listings", limit=100))["result"]
    assert all(isinstance(listing["id"], int) for listing in listings)
