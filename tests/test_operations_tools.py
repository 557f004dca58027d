"""get_operations_day through a real MCP client on the demo account.

Expected values are computed here from the raw account (`sandbox.account`) with each property's
own date taken from its zone with zoneinfo: independent of the tool's code, so a wrong date, a
leaked cancelled booking or a missed turnover cannot agree with itself. The server's "now" is
09:00 UTC on 2026-11-21: still the 20th in Honolulu, the 21st everywhere else.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from mcp import Client

from hostaway_mcp.sandbox import catalog
from tests.conftest import NOW, api_calls, assert_no_planted_secrets, call_error, call_ok

HELD = catalog.BLOCKING_STATUSES
TODAY_BY_ZONE = {"Pacific/Honolulu": date(2026, 11, 20)}


def local_today(listing: dict[str, Any]) -> date:
    return NOW.astimezone(ZoneInfo(listing["timeZoneName"])).date()


def held(sandbox: Any) -> list[dict[str, Any]]:
    return [r for r in sandbox.account.reservations if r["status"] in HELD]


def expected_day(sandbox: Any, offset: int = 0, first: date | None = None) -> dict[str, Any]:
    """What one day is at every property, from the raw account."""
    arrivals, departures, staying, vacant, turnovers = set(), set(), set(), set(), set()
    for listing in sandbox.account.listings:
        day = (first or local_today(listing)) + timedelta(days=offset)
        here = [r for r in held(sandbox) if r["listingMapId"] == listing["id"]]
        arriving = [r for r in here if r["arrivalDate"] == day.isoformat()]
        leaving = [r for r in here if r["departureDate"] == day.isoformat()]
        arrivals |= {(r["id"], day) for r in arriving}
        departures |= {(r["id"], day) for r in leaving}
        staying |= {r["id"] for r in here if r["arrivalDate"] < day.isoformat() < r["departureDate"]}
        if not any(r["arrivalDate"] <= day.isoformat() < r["departureDate"] for r in here):
            vacant.add(listing["id"])
        if arriving and leaving:
            gap = float(arriving[0]["checkInTime"] - leaving[0]["checkOutTime"])
            turnovers.add((listing["id"], day, leaving[0]["id"], arriving[0]["id"], gap))
    return {
        "arrivals": arrivals,
        "departures": departures,
        "staying": staying,
        "vacant": vacant,
        "turnovers": turnovers,
    }


def seen(day: dict[str, Any]) -> dict[str, Any]:
    return {
        "arrivals": {(a["booking_id"], date.fromisoformat(a["day"])) for a in day["arrivals"]},
        "departures": {(d["booking_id"], date.fromisoformat(d["day"])) for d in day["departures"]},
        "staying": {s["booking_id"] for s in day["staying"]},
        "vacant": {v["property_id"] for v in day["vacant"]},
        "turnovers": {
            (t["property_id"], date.fromisoformat(t["day"]), t["departing_booking_id"], t["arriving_booking_id"],
             t.get("gap_hours"))
            for t in day["turnovers"]
        },
    }  # fmt: skip


def plant(sandbox: Any, like: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of a reservation with `changes`, added to the account (a new id)."""
    booking = copy.deepcopy(like)
    booking.update(id=max(r["id"] for r in sandbox.account.reservations) + 1, **changes)
    sandbox.account.reservations.append(booking)
    sandbox._state.reservations_by_id[booking["id"]] = booking
    return booking


# -- exactly the day, in each property's own date --------------------------------------------------------


async def test_the_day_is_exactly_each_propertys_own_date_across_time_zones(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    async with Client(server_factory(sandbox)) as client:
        view = await call_ok(client, "get_operations_day", {})
    [day] = view["days"]
    assert day["dates"] == ["2026-11-20", "2026-11-21"], "Honolulu is still on the 20th"
    zones = {z["time_zone"]: z["today"] for z in view["local_today"]}
    assert zones["Pacific/Honolulu"] == "2026-11-20" and zones["Pacific/Auckland"] == "2026-11-21"
    expected = expected_day(sandbox)
    assert seen(day) == expected
    assert expected["arrivals"] and expected["departures"] and expected["staying"] and expected["vacant"]
    counts = day["counts"]
    assert (counts["arrivals"], counts["departures"], counts["turnovers"], counts["staying"], counts["vacant"]) == (
        len(expected["arrivals"]),
        len(expected["departures"]),
        len(expected["turnovers"]),
        len(expected["staying"]),
        len(expected["vacant"]),
    )
    honolulu = {x["id"] for x in sandbox.account.listings if x["timeZoneName"] == "Pacific/Honolulu"}
    assert {a["day"] for a in day["arrivals"] + day["departures"] if a["property_id"] in honolulu} <= {"2026-11-20"}
    assert_no_planted_secrets(view)


async def test_a_known_day_across_two_zones_with_turnovers_and_balances(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    """Plants a same-day turnover in Honolulu (on its 20th) and one in Lisbon (on the 21st), the Lisbon
    arrival owing money; the view returns exactly those, with their gaps and balances."""
    listings = {x["timeZoneName"]: x for x in sandbox.account.listings}
    honolulu, lisbon = listings["Pacific/Honolulu"], listings["Europe/Lisbon"]
    template = next(r for r in sandbox.account.reservations if r["status"] == "new" and r["channelId"] == 2000)
    planted = []
    for listing, day in ((honolulu, "2026-11-20"), (lisbon, "2026-11-21")):
        for r in [r for r in sandbox.account.reservations if r["listingMapId"] == listing["id"]]:
            r["status"] = "cancelled"  # clear the property: only the planted stays hold it
        for task in [t for t in sandbox.account.tasks if t["listingMapId"] == listing["id"]]:
            sandbox._state.tasks.delete(task["id"])
        out = plant(sandbox, template, listingMapId=listing["id"], arrivalDate="2026-11-15", departureDate=day,
                    checkOutTime=10, remainingBalance=0.0, status="modified")  # fmt: skip
        arrive = plant(sandbox, template, listingMapId=listing["id"], arrivalDate=day, departureDate="2026-11-25",
                       checkInTime=13 if listing is lisbon else 16, status="new", remainingBalance=0.0)  # fmt: skip
        planted.append((listing, out, arrive))
    owing = planted[1][2]
    # A guest named only in parts, and a channel known by id but sent with another name.
    owing.update(remainingBalance=321.5, currency="EUR", numberOfGuests=3, guestName=None,
                 guestFirstName="Ana", guestLastName="Sousa", channelName="a stale label")  # fmt: skip
    async with Client(server_factory(sandbox)) as client:
        view = await call_ok(client, "get_operations_day", {"property_ids": [honolulu["id"], lisbon["id"]]})
    [day] = view["days"]
    assert {(t["property_id"], t["day"], t["gap_hours"], t.get("tight", False)) for t in day["turnovers"]} == {
        (honolulu["id"], "2026-11-20", 6.0, False),
        (lisbon["id"], "2026-11-21", 3.0, True),
    }
    assert {(a["booking_id"], a["day"]) for a in day["arrivals"]} == {
        (p[2]["id"], p[2]["arrivalDate"]) for p in planted
    }
    arrival = next(a for a in day["arrivals"] if a["booking_id"] == owing["id"])
    assert (arrival["balance_due"], arrival["currency"], arrival["check_in"]) == (321.5, "EUR", "13:00")
    assert (arrival["guests"], arrival["guest_name"], arrival["channel"]) == (3, "Ana Sousa", "direct")
    assert [(b["booking_id"], b["balance_due"]) for b in view["balances"]] == [(owing["id"], 321.5)]
    assert day["vacant"] == [] and day["staying"] == []
    assert {t["clean"] for t in day["turnovers"]} == {"none"}, "planted stays have no cleaning task"


async def test_cancelled_inquiry_and_declined_bookings_never_arrive(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    async with Client(server_factory(sandbox)) as client:
        before = await call_ok(client, "get_operations_day", {})
    vacant = before["days"][0]["vacant"][0]["property_id"]
    listing = next(x for x in sandbox.account.listings if x["id"] == vacant)
    today = local_today(listing).isoformat()
    template = next(r for r in sandbox.account.reservations if r["status"] == "new")
    ghosts = [
        plant(sandbox, template, listingMapId=vacant, arrivalDate=today, departureDate="2026-11-30", status=status)
        for status in ("cancelled", "inquiry", "declined", "expired", "inquiryPreapproved")
    ]
    async with Client(server_factory(sandbox)) as client:
        view = await call_ok(client, "get_operations_day", {})
    day = view["days"][0]
    ids = {g["id"] for g in ghosts}
    assert not ids & {a["booking_id"] for a in day["arrivals"]}
    assert not ids & {b["booking_id"] for b in view["balances"]}
    assert vacant in {v["property_id"] for v in day["vacant"]}


async def test_several_days_and_a_given_date_are_the_same_date_everywhere(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    async with Client(server_factory(sandbox)) as client:
        view = await call_ok(client, "get_operations_day", {"date": "2026-11-24", "days": 3})
    assert [d["dates"] for d in view["days"]] == [["2026-11-24"], ["2026-11-25"], ["2026-11-26"]]
    for offset, day in enumerate(view["days"]):
        expected = expected_day(sandbox, offset, first=date(2026, 11, 24))
        got = seen(day)
        assert got["turnovers"] == expected["turnovers"]
        assert {b for b, _ in got["arrivals"]} <= {b for b, _ in expected["arrivals"]}
        assert day["counts"]["arrivals"] == len(expected["arrivals"])


# -- the cost bound ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big() -> Any:
    from hostaway_mcp.sandbox import Sandbox
    from tests.conftest import TODAY

    return Sandbox(seed=7, today=TODAY, listings=200, token_not_before_s=0.0, enforce_rate_limits=False)


@pytest.mark.parametrize("days", [1, 7, 14])
async def test_at_most_four_calls_plus_pages_on_200_listings_whatever_the_days(
    big: Any, server_factory: Callable[..., Any], days: int
) -> None:
    since = len(api_calls(big))
    async with Client(server_factory(big)) as client:
        view = await call_ok(client, "get_operations_day", {"days": days})
    calls = api_calls(big)[since:]
    by_endpoint: dict[str, list[Any]] = {}
    for call in calls:
        by_endpoint.setdefault(call.path, []).append(call)
    assert set(by_endpoint) == {"/listings", "/reservations", "/tasks", "/guestPayments/charges"}
    firsts = [c for c in calls if "afterId" not in c.params and c.params.get("offset") in (None, "0")]
    assert len(firsts) == 4, "one first page per read: listings, reservations, tasks, charges"
    assert len(by_endpoint["/listings"]) == 1 and len(by_endpoint["/guestPayments/charges"]) == 1
    # Further calls are pages of long lists only: exactly as many as the lists need.
    first_res = by_endpoint["/reservations"][0].params
    overlapping = [
        r for r in big.account.reservations
        if r["arrivalDate"] <= first_res["arrivalEndDate"] and r["departureDate"] >= first_res["departureStartDate"]
    ]  # fmt: skip
    assert len(by_endpoint["/reservations"]) == math.ceil(len(overlapping) / 100)
    task_params = by_endpoint["/tasks"][0].params
    window = [
        t for t in big.account.tasks
        if t["shouldEndBy"] and t["shouldEndBy"][:10] >= task_params["shouldEndByStart"]
        and t["canStartFrom"] and t["canStartFrom"][:10] <= task_params["canStartFromEnd"]
    ]  # fmt: skip
    assert len(by_endpoint["/tasks"]) == len(window) // 100 + 1
    assert view["properties"] == 200 and len(view["days"]) == days


async def test_long_lists_are_cut_but_the_counts_stay_exact(big: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(big)) as client:
        view = await call_ok(client, "get_operations_day", {"days": 14})
    assert any("cut" in note for note in view["notes"])
    assert len(view["days"][0]["staying"]) == 25 < view["days"][0]["counts"]["staying"]
    for day in view["days"][1:]:
        assert day["staying"] == [] and day["vacant"] == [] and day["counts"]["staying"] > 25
        assert all(len(day[name]) <= 2 for name in ("arrivals", "departures", "turnovers", "tasks"))
    first = expected_day(big, 0)
    assert view["days"][0]["counts"]["arrivals"] == len(first["arrivals"])


# -- tasks and balances in the view ---------------------------------------------------------------------


async def test_open_unassigned_and_late_tasks(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox)) as client:
        view = await call_ok(client, "get_operations_day", {})
    listings = {x["id"]: x for x in sandbox.account.listings}
    now = NOW.replace(tzinfo=None).isoformat(" ")
    expected_late = set()
    expected_today = set()
    for task in sandbox.account.tasks:
        if task["status"] not in ("pending", "confirmed", "inProgress"):
            continue
        listing = listings.get(task["listingMapId"])
        today = local_today(listing) if listing else NOW.date() - timedelta(days=1)
        start, end = task["canStartFromListingTime"][:10], task["shouldEndByListingTime"][:10]
        if task["shouldEndBy"] < now and end < today.isoformat():
            expected_late.add(task["id"])
        if start <= today.isoformat() <= end:
            expected_today.add(task["id"])
    tasks = view["days"][0]["tasks"]
    assert {t["task_id"] for t in view["late_tasks"]} == expected_late and expected_late
    assert {t["task_id"] for t in tasks} == expected_today
    flags = [t.get("unassigned", False) for t in tasks]
    assert flags == sorted(flags, reverse=True), "unassigned first"
    assert view["days"][0]["counts"]["unassigned_tasks"] == sum(flags)


async def test_a_balance_hostaway_leaves_out_comes_from_the_open_charges(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    owing = next(
        c for c in sandbox.account.charges
        if c["status"] == "awaiting" and c["scheduledDate"]
        and sandbox._state.reservations_by_id[c["reservationId"]]["arrivalDate"] >= "2026-11-22"
    )  # fmt: skip
    booking = sandbox._state.reservations_by_id[owing["reservationId"]]
    arrival = booking["arrivalDate"]
    booking["remainingBalance"] = None  # an account whose list does not carry it
    open_charges = [
        c
        for c in sandbox.account.charges
        if c["reservationId"] == booking["id"] and c["status"] in ("awaiting", "failed")
    ]
    async with Client(server_factory(sandbox)) as client:
        view = await call_ok(client, "get_operations_day", {"date": arrival, "property_ids": [booking["listingMapId"]]})
    [row] = [b for b in view["balances"] if b["booking_id"] == booking["id"]]
    assert row["balance_due"] == pytest.approx(sum(c["amount"] for c in open_charges))
    assert row.get("failed_charges", 0) == sum(1 for c in open_charges if c["status"] == "failed")
    scheduled = [c["scheduledDate"][:10] for c in open_charges if c["status"] == "awaiting" and c["scheduledDate"]]
    assert scheduled and row.get("next_charge") == min(scheduled)


async def test_only_the_asked_properties_and_unknown_ones_refused(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    two = [x["id"] for x in sandbox.account.listings[:2]]
    async with Client(server_factory(sandbox)) as client:
        view = await call_ok(client, "get_operations_day", {"property_ids": two, "days": 2})
        error = await call_error(client, "get_operations_day", {"property_ids": [two[0], 999_999_999]})
    assert view["properties"] == 2
    for day in view["days"]:
        for section in ("arrivals", "departures", "staying", "vacant", "turnovers", "tasks"):
            assert {row["property_id"] for row in day[section]} <= set(two)
    charges = [r for r in sandbox.request_log if r.path == "/guestPayments/charges"]
    assert charges[0].params["listingMapIds"] == ",".join(map(str, two))
    assert "999999999 not found" in error and "list_properties" in error


@pytest.mark.parametrize("arguments", [{"days": 0}, {"days": 15}, {"date": "2026-02-30"}, {"property_ids": []}])
async def test_bad_arguments_are_refused_before_any_call(
    sandbox: Any, server_factory: Callable[..., Any], arguments: dict[str, Any]
) -> None:
    async with Client(server_factory(sandbox)) as client:
        await call_error(client, "get_operations_day", arguments)
    assert api_calls(sandbox) == []


async def test_a_hostile_guest_name_is_tamed_in_the_view(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    from tests.conftest import HOSTILE_NAME, assert_tamed

    arriving = sorted(expected_day(sandbox)["arrivals"])[0][0]
    sandbox._state.reservations_by_id[arriving]["guestName"] = HOSTILE_NAME
    async with Client(server_factory(sandbox)) as client:
        view = await call_ok(client, "get_operations_day", {})
    [row] = [a for a in view["days"][0]["arrivals"] if a["booking_id"] == arriving]
    assert_tamed(row["guest_name"])
    assert_no_planted_secrets(view)
