"""Revenue lines that add up to the totals, and occupancy as revenue managers read it.

On the demo account: cancelled bookings in the period (Airbnb ones under a strict policy keep half
the payout, which Hostaway reports as airbnbListingCancellationPayout), owner stays, and owner
blocks on the calendar.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from mcp import Client

from tests.conftest import call_ok

QUARTER = (date(2026, 7, 1), date(2026, 9, 30))
CENT = 0.011


def in_quarter(r: dict[str, Any]) -> bool:
    start, end = QUARTER
    return bool(r["arrivalDate"] <= end.isoformat() and r["departureDate"] > start.isoformat())


def nights_in_quarter(first: date, end_exclusive: date) -> int:
    start, end = QUARTER
    return sum(1 for n in range((end_exclusive - first).days) if start <= first + timedelta(days=n) <= end)


async def all_lines(client: Any, property_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    start, end = QUARTER
    lines: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = await call_ok(
            client,
            "get_property_financials",
            {
                "property_id": property_id,
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "offset": offset,
            },
        )
        lines += page["bookings"]
        offset = page["next_offset"]
    return page, lines


async def test_booking_lines_add_up_to_the_totals(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    fee_listing = next(
        r["listingMapId"]
        for r in sandbox.account.reservations
        if r["status"] == "cancelled" and (r["airbnbListingCancellationPayout"] or 0) > 0 and in_quarter(r)
    )
    raw = {r["id"]: r for r in sandbox.account.reservations if r["listingMapId"] == fee_listing}
    async with Client(server_factory(sandbox)) as client:
        page, lines = await all_lines(client, fee_listing)

    (total,) = page["totals"]
    cancelled = [line for line in lines if raw[line["booking_id"]]["status"] == "cancelled"]
    assert cancelled
    # Every money column of the lines sums to its total.
    assert sum(line["revenue_in_period"] for line in lines) == pytest.approx(total["revenue"], abs=CENT * len(lines))
    assert sum(line.get("cancelled_value", 0) for line in lines) == pytest.approx(
        total["cancelled_value"], abs=CENT * len(lines)
    )
    assert sum(line.get("cancellation_fee", 0) for line in lines) == pytest.approx(
        total["cancellation_fees"], abs=CENT * len(lines)
    )
    assert total["cancellation_fees"] > 0
    for line in cancelled:
        booking = raw[line["booking_id"]]
        assert line["revenue"] == 0 and line["revenue_in_period"] == 0  # a cancellation earns no revenue
        assert line["cancelled_value"] > 0
        reported = (booking["airbnbListingCancellationPayout"] or 0) > 0
        assert ("cancellation_fee" in line) is reported  # shown only where Hostaway reports one
        if reported:
            share = line["nights_in_period"] / line["nights"]
            assert line["cancellation_fee"] == pytest.approx(
                booking["airbnbListingCancellationPayout"] * share, abs=CENT
            )


async def test_occupancy_is_booked_nights_over_nights_available_to_rent(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    start, end = QUARTER
    days = (end - start).days + 1
    owner_nights: dict[int, int] = {}
    for r in sandbox.account.reservations:
        if r["status"] == "ownerStay" and in_quarter(r):
            first = date.fromisoformat(r["arrivalDate"])
            count = nights_in_quarter(first, date.fromisoformat(r["departureDate"]))
            owner_nights[r["listingMapId"]] = owner_nights.get(r["listingMapId"], 0) + count
    blocked_nights = {
        listing_id: sum(nights_in_quarter(a, b) for a, b, _ in blocks)
        for listing_id, blocks in sandbox.account.owner_blocks.items()
    }
    listing_id = next(i for i in owner_nights if blocked_nights.get(i))  # both an owner stay and a block
    async with Client(server_factory(sandbox)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        page, _ = await all_lines(client, listing_id)

    (total,) = page["totals"]
    assert total["owner_stay_nights"] == owner_nights[listing_id]
    assert total["blocked_nights"] == blocked_nights[listing_id]
    assert total["available_nights"] == days - owner_nights[listing_id] - blocked_nights[listing_id]
    assert total["occupancy"] == pytest.approx(total["booked_nights"] / total["available_nights"], abs=1e-4)
    assert total["revpar"] == pytest.approx(total["revenue"] / total["available_nights"], abs=CENT)
    for name in ("get_revenue_report", "get_property_financials"):
        description = tools[name].description or ""
        assert "nights available to rent" in description and "owner" in description, name
    assert "neither occupied nor available" in page["definitions"]["occupancy"]
