""" "Today" is the property's own date: Honolulu and Auckland against a server clock in UTC.

The demo account has listings in Pacific/Honolulu (UTC-10) and Pacific/Auckland (UTC+13 in
November). At the default test instant (2026-11-21 09:00 UTC) it is 23:00 on the 20th in Honolulu
and 22:00 on the 21st in Auckland; at 12:00 UTC it is already the 22nd in Auckland. A server that
used its own date (the 21st) would refuse tonight in Honolulu and allow yesterday in Auckland.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mcp import Client

from tests.conftest import NOW, TODAY, call_error, call_ok

HONOLULU, AUCKLAND = "Pacific/Honolulu", "Pacific/Auckland"
# 12:00 UTC on TODAY: 01:00 on the 22nd in Auckland, 02:00 on the 21st in Honolulu.
NOON = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def listing_in(sandbox: Any, zone: str) -> dict[str, Any]:
    return next(listing for listing in sandbox.account.listings if listing["timeZoneName"] == zone)


def nights(start: date, count: int) -> dict[str, str]:
    return {"start_date": start.isoformat(), "end_date": (start + timedelta(days=count)).isoformat()}


async def test_tonight_in_honolulu_is_not_in_the_past(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    honolulu = listing_in(sandbox, HONOLULU)
    tonight = TODAY - timedelta(days=1)  # the 20th: still this evening in Honolulu at 09:00 UTC
    async with Client(server_factory(sandbox)) as client:
        rates = await call_ok(
            client, "update_nightly_rates", {"property_id": honolulu["id"], **nights(tonight, 2), "nightly_price": 321}
        )
        availability = await call_ok(
            client, "check_property_availability", {"property_id": honolulu["id"], **nights(tonight, 2)}
        )

    assert rates["status"] == "preview" and rates["first_night"] == tonight.isoformat()
    assert not any("in the past" in reason for reason in availability["reasons"])
    assert availability["local_today"] == f"{tonight.isoformat()} in {HONOLULU}"


async def test_yesterday_in_auckland_is_refused(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    auckland = listing_in(sandbox, AUCKLAND)
    async with Client(server_factory(sandbox, now=NOON)) as client:
        error = await call_error(client, "block_dates", {"property_id": auckland["id"], **nights(TODAY, 2)})
        # Refused on the listing alone: no calendar, no bookings read, nothing written.
        assert [r.path for r in sandbox.request_log if "accessTokens" not in r.path] == [f"/listings/{auckland['id']}"]
        availability = await call_ok(
            client, "check_property_availability", {"property_id": auckland["id"], **nights(TODAY, 2)}
        )

    assert f"start_date {TODAY.isoformat()} is in the past at this property" in error
    assert f"2026-11-22 in {AUCKLAND}" in error
    assert availability["bookable"] is False
    assert availability["reasons"][0].startswith(f"start_date {TODAY.isoformat()} is in the past")
    assert availability["local_today"] == f"2026-11-22 in {AUCKLAND}"


async def test_search_judges_each_property_by_its_own_date(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    tonight = TODAY - timedelta(days=1)
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(
            client,
            "search_available_properties",
            {"check_in": tonight.isoformat(), "check_out": (tonight + timedelta(days=3)).isoformat(), "limit": 25},
        )
    zone_of = {listing["id"]: listing["timeZoneName"] for listing in sandbox.account.listings}
    honolulu = {i for i, zone in zone_of.items() if zone == HONOLULU}
    days = {row["time_zone"]: row for row in result["local_today"]}
    # Which local date was used, per property: the 20th in Honolulu, the 21st everywhere else.
    assert days[HONOLULU]["today"] == tonight.isoformat()
    assert set(days[HONOLULU]["property_ids"]) <= honolulu
    assert all(row["today"] == TODAY.isoformat() for zone, row in days.items() if zone != HONOLULU)
    # The demo keeps tonight free at one Honolulu property: bookable there, by its own date.
    assert {item["id"] for item in result["items"]} & honolulu
    past = [miss for miss in result["near_misses"] if any("in the past" in r for r in miss["reasons"])]
    assert past and all(zone_of[miss["id"]] != HONOLULU for miss in past)
    # Every property outside Honolulu is turned down for the past, without a calendar call.
    judged_elsewhere = {i for zone, row in days.items() if zone != HONOLULU for i in row["property_ids"]}
    assert not {item["id"] for item in result["items"]} & judged_elsewhere
    calendar_reads = {r.path.split("/")[2] for r in sandbox.request_log if r.path.endswith("/calendar")}
    assert {int(i) for i in calendar_reads} <= honolulu


async def test_a_date_past_everywhere_is_refused_before_any_request(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    two_days_ago = TODAY - timedelta(days=2)
    async with Client(server_factory(sandbox)) as client:
        search = await call_error(
            client,
            "search_available_properties",
            {"check_in": two_days_ago.isoformat(), "check_out": TODAY.isoformat()},
        )
        block = await call_error(client, "block_dates", {"property_id": 1, **nights(two_days_ago, 1)})
    assert "in the past at every property" in search and "in the past at every property" in block
    assert sandbox.request_log == []


async def test_a_property_without_a_time_zone_uses_utc_and_says_so(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    listing = listing_in(sandbox, HONOLULU)
    listing["timeZoneName"] = None  # an account that never set it
    async with Client(server_factory(sandbox)) as client:
        honolulu_tonight = await call_ok(
            client, "check_property_availability", {"property_id": listing["id"], **nights(TODAY - timedelta(1), 1)}
        )
    assert honolulu_tonight["local_today"] == f"{NOW.date().isoformat()} (UTC: the property has no known time zone)"
    assert any("in the past" in reason for reason in honolulu_tonight["reasons"])
