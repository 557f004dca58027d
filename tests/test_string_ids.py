"""Ids that arrive as strings ("305") mean the same as numbers (305), in every tool.

The demo account serves some listing and reservation ids as strings (`sandbox.account.loose_ids`),
as real accounts do; the raw account keeps ints, so expected values here are plain ints.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from mcp import Client

from hostaway_mcp.domain import CONFIRMED_STATUSES
from tests.conftest import call_ok
from tests.revenue_oracle import expected_report

QUARTER = (date(2026, 7, 1), date(2026, 9, 30))


def loose_listing(sandbox: Any) -> dict[str, Any]:
    """A listing served with a string id that has revenue bookings in the quarter."""
    loose = sandbox.account.loose_ids.listings
    start, end = QUARTER
    return next(
        listing
        for listing in sandbox.account.listings
        if listing["id"] in loose
        and any(
            r["listingMapId"] == listing["id"]
            and r["status"] in CONFIRMED_STATUSES
            and r["arrivalDate"] <= end.isoformat()
            and r["departureDate"] > start.isoformat()
            for r in sandbox.account.reservations
        )
    )


def loose_reservation_with_conversation(sandbox: Any) -> dict[str, Any]:
    loose = sandbox.account.loose_ids.reservations
    with_thread = {c["reservationId"] for c in sandbox.account.conversations}
    return next(r for r in sandbox.account.reservations if r["id"] in loose and r["id"] in with_thread)


async def test_revenue_report_and_financials_accept_a_string_listing_id(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    listing = loose_listing(sandbox)
    start, end = QUARTER
    expected = expected_report(sandbox.account, start, end, "stay", "property", [listing["id"]])
    revenue = expected.totals[listing["currencyCode"]].revenue
    assert revenue > 0
    period = {"start_date": start.isoformat(), "end_date": end.isoformat()}
    async with Client(server_factory(sandbox)) as client:
        report = await call_ok(client, "get_revenue_report", {**period, "property_ids": [listing["id"]]})
        financials = await call_ok(client, "get_property_financials", {**period, "property_id": listing["id"]})
        portfolio = await call_ok(client, "get_revenue_report", {**period, "limit": 500})

    (group,) = report["groups"]
    assert group["key"] == str(listing["id"])
    assert group["revenue"] == pytest.approx(revenue, abs=0.011)
    assert financials["totals"][0]["revenue"] == pytest.approx(revenue, abs=0.011)
    assert financials["bookings"], "the property's booking lines"
    # In the whole portfolio the string-id listing is one group, not a stray "0" or a duplicate.
    keys = [g["key"] for g in portfolio["groups"]]
    assert keys.count(str(listing["id"])) == 1 and "0" not in keys
    assert portfolio["properties_in_scope"] == len(sandbox.account.listings)


async def test_bookings_and_threads_of_string_id_reservations(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    reservation = loose_reservation_with_conversation(sandbox)
    conversation = next(c for c in sandbox.account.conversations if c["reservationId"] == reservation["id"])
    async with Client(server_factory(sandbox)) as client:
        found = await call_ok(
            client,
            "search_bookings",
            {
                "property_id": reservation["listingMapId"],
                "arrival_from": reservation["arrivalDate"],
                "arrival_to": reservation["arrivalDate"],
                "statuses": [reservation["status"]],
            },
        )
        details = await call_ok(client, "get_booking_details", {"booking_id": reservation["id"]})
        history = await call_ok(client, "get_conversation_history", {"booking_id": reservation["id"]})

    assert reservation["id"] in [item["id"] for item in found["items"]]
    assert details["property_id"] == reservation["listingMapId"]
    assert details["confirmation_code"] == (reservation["confirmationCode"] or reservation["channelReservationId"])
    assert history["conversation_id"] == conversation["id"]
    assert history["total"] == len(sandbox.account.messages[conversation["id"]])


async def test_properties_and_inbox_show_string_ids_as_numbers(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    loose = sandbox.account.loose_ids.listings
    async with Client(server_factory(sandbox)) as client:
        properties = await call_ok(client, "list_properties", {"limit": 100})
        inbox = await call_ok(client, "list_guest_inbox", {"limit": 50})

    assert {item["id"] for item in properties["items"]} == {x["id"] for x in sandbox.account.listings}
    assert loose & {item["id"] for item in properties["items"]}
    assert all(item["booking_id"] and item["property_id"] and item["property_name"] for item in inbox["items"])
