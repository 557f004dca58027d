"""The operations side of the demo account: users, groups and tasks (guest charges: test_guest_payments_api.py).

Generated data is checked against the reservations it must agree with (a turnover clean per
departure); the endpoints against the documented filters and limits, with expected values computed
here from `sandbox.account`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from hostaway_mcp.sandbox import Sandbox, catalog
from hostaway_mcp.sandbox.feedback_catalog import TEAM_EMAIL_DOMAIN
from hostaway_mcp.sandbox.tasks import FUTURE_DAYS, PAST_DAYS
from tests.sandbox.helpers import TODAY, get_json

NOW = datetime(2026, 11, 21, 9, 0)  # the account's generation time (naive UTC)
OPEN = {"pending", "confirmed", "inProgress"}


def held_departures(sandbox: Sandbox) -> list[dict[str, Any]]:
    first, last = TODAY - timedelta(days=PAST_DAYS), TODAY + timedelta(days=FUTURE_DAYS)
    return [
        r
        for r in sandbox.account.reservations
        if r["status"] in catalog.RESERVED_STATUSES and first <= date.fromisoformat(r["departureDate"]) <= last
    ]


# -- generation: consistent with the bookings ----------------------------------------------------------


def test_every_departure_has_one_turnover_clean_from_check_out_to_the_next_check_in(shared_sb: Sandbox) -> None:
    cleans = {
        t["reservationId"]: t
        for t in shared_sb.account.tasks
        if t["categoriesMap"] == [1] and t["status"] != "cancelled"
    }
    listings = {listing["id"]: listing for listing in shared_sb.account.listings}
    departures = held_departures(shared_sb)
    assert len(departures) > 50
    for stay in departures:
        task = cleans[stay["id"]]
        zone = ZoneInfo(listings[stay["listingMapId"]]["timeZoneName"])
        local_start = datetime.fromisoformat(task["canStartFromListingTime"])
        assert local_start == datetime.fromisoformat(f"{stay['departureDate']} {stay['checkOutTime']:02d}:00:00")
        utc = datetime.fromisoformat(task["canStartFrom"]).replace(tzinfo=ZoneInfo("UTC"))
        assert utc.astimezone(zone).replace(tzinfo=None) == local_start
        assert task["listingMapId"] == stay["listingMapId"] and task["channelId"] == stay["channelId"]
        assert task["shouldEndByListingTime"][:10] == stay["departureDate"]
        nxt = [
            r
            for r in shared_sb.account.reservations
            if r["listingMapId"] == stay["listingMapId"]
            and r["arrivalDate"] == stay["departureDate"]
            and r["status"] in catalog.BLOCKING_STATUSES
        ]
        if nxt:  # a same-day turnover: done by the next guest's check-in
            assert task["shouldEndByListingTime"][11:13] == f"{nxt[0]['checkInTime']:02d}"


def test_the_board_has_unassigned_late_and_cancelled_tasks_and_every_category_but_check_out(
    shared_sb: Sandbox,
) -> None:
    tasks = shared_sb.account.tasks
    now = NOW.isoformat(" ")
    unassigned = [t for t in tasks if t["assigneeUserId"] is None and t["status"] in OPEN]
    late = [t for t in tasks if t["status"] in OPEN and t["shouldEndBy"] < now]
    assert len(unassigned) >= 5 and all(t["canBePickedByGroupId"] for t in unassigned)
    assert len(late) >= 2
    assert any(t["status"] == "cancelled" for t in tasks)
    assert {t["categoriesMap"][0] for t in tasks} == {1, 2, 3, 5}
    future = [t for t in tasks if t["canStartFrom"] > now]
    assert not any(t["status"] == "completed" for t in future), "nothing ahead is done yet"
    users = {u["id"] for u in shared_sb.account.users}
    assert all(t["assigneeUserId"] in users for t in tasks if t["assigneeUserId"] is not None)
    assert [t["id"] for t in tasks] == sorted(t["id"] for t in tasks)


def test_check_in_tasks_carry_the_door_code_as_real_hand_over_notes_do(shared_sb: Sandbox) -> None:
    check_ins = [t for t in shared_sb.account.tasks if t["categoriesMap"] == [3]]
    assert check_ins and all(catalog.DOOR_CODE_PREFIX in (t["description"] or "") for t in check_ins)


def test_users_and_groups_have_the_documented_shape(shared_sb: Sandbox) -> None:
    groups = {g["id"]: g for g in shared_sb.account.user_groups}
    assert {g["name"] for g in groups.values()} == {
        "Admins", "Operations", "Guest care", "Finance", "Cleaning crew", "Maintenance", "Guest experience"
    }  # fmt: skip
    for user in shared_sb.account.users:
        assert groups[user["userGroupId"]]["name"] == user["userGroupName"]
        assert user["email"].endswith("@" + TEAM_EMAIL_DOMAIN)
        assert user["firstName"] and user["lastName"] and user["isAdmin"] in (0, 1)


# -- the endpoints -------------------------------------------------------------------------------------


async def test_users_user_and_groups(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    users = await get_json(shared_api, "/users")
    assert users["result"] == shared_sb.account.users
    cleaner = next(u for u in shared_sb.account.users if u["userGroupName"] == "Cleaning crew")
    plain = (await get_json(shared_api, f"/user/{cleaner['id']}"))["result"]
    rich = (await get_json(shared_api, f"/user/{cleaner['id']}", includeResources=1))["result"]
    assert plain["listingMapIds"] is None and rich["listingMapIds"]
    assert set(rich["listingMapIds"]) <= {listing["id"] for listing in shared_sb.account.listings}
    assert (await shared_api.get("/user/1")).status_code == 404
    groups = await get_json(shared_api, "/userGroups")
    assert groups["result"] == shared_sb.account.user_groups


async def test_tasks_list_pages_without_a_count(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    everything = await get_json(shared_api, "/tasks")
    assert set(everything) == {"status", "result"}
    assert [t["id"] for t in everything["result"]] == [t["id"] for t in shared_sb.account.tasks]
    page = await get_json(shared_api, "/tasks", limit=50, offset=50)
    assert [t["id"] for t in page["result"]] == [t["id"] for t in shared_sb.account.tasks[50:100]]


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"status": "pending"}, lambda t: t["status"] == "pending"),
        ({"match": "turnover"}, lambda t: "turnover" in t["title"].lower()),
        ({"channelId": 2000}, lambda t: t["channelId"] == 2000),
        (
            {"shouldEndByStart": "2026-11-21", "shouldEndByEnd": "2026-11-22"},
            lambda t: "2026-11-21" <= (t["shouldEndBy"] or "")[:10] <= "2026-11-22",
        ),
        ({"canStartFromEnd": "2026-11-20"}, lambda t: (t["canStartFrom"] or "9")[:10] <= "2026-11-20"),
        ({"canStartFromEvent": "departure"}, lambda t: t["canStartFromEvent"] == "departure"),
    ],
)
async def test_tasks_list_filters(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient, params: dict[str, Any], keep: Any
) -> None:
    expected = [t["id"] for t in shared_sb.account.tasks if keep(t)]
    assert 0 < len(expected) < len(shared_sb.account.tasks)
    assert [t["id"] for t in (await get_json(shared_api, "/tasks", **params))["result"]] == expected


async def test_tasks_list_has_no_listing_or_assignee_filter(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    task = next(t for t in shared_sb.account.tasks if t["assigneeUserId"] and t["listingMapId"])
    invented = {"listingMapId": task["listingMapId"], "assigneeUserId": task["assigneeUserId"]}
    ignored = await get_json(shared_api, "/tasks", **invented)
    assert len(ignored["result"]) == len(shared_sb.account.tasks)


async def test_tasks_by_reservation_and_a_bad_status(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    task = next(t for t in shared_sb.account.tasks if t["reservationId"])
    found = (await get_json(shared_api, "/tasks", reservationId=task["reservationId"]))["result"]
    assert task["id"] in {t["id"] for t in found} and {t["reservationId"] for t in found} == {task["reservationId"]}
    bad = await shared_api.get("/tasks", params={"status": "done"})
    assert bad.status_code == 400 and "status" in bad.json()["result"]


async def test_create_get_update_and_delete_a_task(sb: Sandbox, api: httpx.AsyncClient) -> None:
    stay = next(r for r in held_departures(sb) if r["departureDate"] > "2026-11-25")
    listing = next(x for x in sb.account.listings if x["id"] == stay["listingMapId"])
    cleaner = next(u for u in sb.account.users if u["userGroupName"] == "Cleaning crew")
    body = {
        "title": "Deep clean",
        "categoriesMap": [1],
        "reservationId": stay["id"],
        "assigneeUserId": cleaner["id"],
        "canStartFrom": f"{stay['departureDate']} 10:00:00",
        "shouldEndBy": f"{stay['departureDate']} 14:00:00",
    }
    created = (await api.post("/tasks", json=body)).json()["result"]
    assert created["id"] > max(t["id"] for t in sb.account.tasks if t["id"] != created["id"])
    assert created["listingMapId"] == listing["id"] and created["status"] == "pending"
    assert created["channelId"] == stay["channelId"] and created["canStartFromListingTime"] != created["canStartFrom"]
    fetched = (await get_json(api, f"/tasks/{created['id']}"))["result"]
    assert fetched == created
    updated = (await api.put(f"/tasks/{created['id']}", json={"status": "completed"})).json()["result"]
    assert updated["status"] == "completed" and updated["completedAt"] and updated["title"] == "Deep clean"
    assert (await api.delete(f"/tasks/{created['id']}")).json() == {"status": "success", "result": []}
    assert (await api.get(f"/tasks/{created['id']}")).status_code == 404


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"categoriesMap": [1]}, '"title" parameter is required'),
        ({"title": "x", "categoriesMap": [9]}, "unknown category"),
        ({"title": "x", "status": "done"}, '"status" parameter'),
        ({"title": "x", "assigneeUserId": 1}, '"assigneeUserId" parameter does not match'),
        ({"title": "x", "canStartFrom": "tomorrow"}, '"canStartFrom" parameter must be'),
        ({"title": "x", "canStartFrom": "2026-11-22 10:00:00", "shouldEndBy": "2026-11-22 09:00:00"}, "before"),
    ],
)
async def test_bad_task_writes_are_refused_and_change_nothing(
    sb: Sandbox, api: httpx.AsyncClient, body: dict[str, Any], words: str
) -> None:
    before = len(sb.account.tasks)
    response = await api.post("/tasks", json=body)
    assert response.status_code == 400 and words in response.json()["result"]
    assert len(sb.account.tasks) == before


async def test_a_task_of_another_listings_booking_is_refused(sb: Sandbox, api: httpx.AsyncClient) -> None:
    stay = held_departures(sb)[0]
    other = next(x["id"] for x in sb.account.listings if x["id"] != stay["listingMapId"])
    response = await api.post("/tasks", json={"title": "x", "reservationId": stay["id"], "listingMapId": other})
    assert response.status_code == 400 and "does not belong" in response.json()["result"]


async def test_a_task_of_a_loose_id_booking_is_served_with_string_ids() -> None:
    sandbox = Sandbox(seed=7, today=TODAY, listings=24, token_not_before_s=0.0, enforce_rate_limits=False)
    from tests.sandbox.helpers import authorized_client

    loose = sandbox.account.loose_ids.reservations
    task = next(t for t in sandbox.account.tasks if t["reservationId"] in loose)
    async with authorized_client(sandbox) as client:
        served_task = (await get_json(client, f"/tasks/{task['id']}"))["result"]
    assert served_task["reservationId"] == str(task["reservationId"])
