"""list_tasks through a real MCP client: the window in local dates, filters Hostaway lacks, names, privacy.

Expected tasks are picked from the raw account with each task's listing-time fields (which the
sandbox derives from the listing's zone): independent of the tool's own zone conversion.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from mcp import Client

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox.feedback_catalog import TEAM_EMAIL_DOMAIN
from tests.conftest import api_calls, assert_no_planted_secrets, call_error, call_ok

OPEN = {"pending", "confirmed", "inProgress"}
EMAIL_DOMAIN = "@" + TEAM_EMAIL_DOMAIN


def in_window(task: dict[str, Any], first: date, last: date) -> bool:
    start = task["canStartFromListingTime"] or task["shouldEndByListingTime"]
    end = task["shouldEndByListingTime"] or task["canStartFromListingTime"]
    return bool(start and end and start[:10] <= last.isoformat() and end[:10] >= first.isoformat())


async def all_pages(client: Client, arguments: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    items: list[dict[str, Any]] = []
    offset: int | None = 0
    page: dict[str, Any] = {}
    while offset is not None:
        page = await call_ok(client, "list_tasks", {**arguments, "offset": offset, "limit": 100})
        items += page["items"]
        offset = page["next_offset"]
    return items, page


async def test_a_window_of_open_tasks_with_names_and_the_team(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    first, last = date(2026, 11, 21), date(2026, 11, 24)
    expected = [t for t in sandbox.account.tasks if t["status"] in OPEN and in_window(t, first, last)]
    users = {u["id"]: f"{u['firstName']} {u['lastName']}" for u in sandbox.account.users}
    async with Client(server_factory(sandbox)) as client:
        items, page = await all_pages(client, {"start_date": str(first), "end_date": str(last), "status": "open"})
    assert {i["id"] for i in items} == {t["id"] for t in expected} and len(items) == page["total"] > 5
    by_id = {t["id"]: t for t in expected}
    for item in items:
        raw = by_id[item["id"]]
        assert item.get("assignee", "") == (users[raw["assigneeUserId"]] if raw["assigneeUserId"] else "")
        assert item.get("due", "") == (raw["shouldEndByListingTime"] or "")[:16]
        if raw["assigneeUserId"] is None:
            assert item["group"] == "Cleaning crew" or item["group"] == "Maintenance"
    dues = [i.get("due", "") for i in items]
    assert dues == sorted(dues)
    assert {m["name"] for m in page["team"]} == set(users.values())
    dumped = json.dumps(page)
    assert EMAIL_DOMAIN not in dumped, "no email unless asked"
    assert_no_planted_secrets(page)


async def test_emails_only_when_asked(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox)) as client:
        plain = await call_ok(client, "list_tasks", {"status": "open"})
        asked = await call_ok(client, "list_tasks", {"status": "open", "show_emails": True})
    assert EMAIL_DOMAIN not in json.dumps(plain)
    emails = [i["assignee_email"] for i in asked["items"] if i.get("assignee")]
    assert emails and all(e.endswith(EMAIL_DOMAIN) for e in emails)
    assert all(EMAIL_DOMAIN not in json.dumps(m) for m in asked["team"])


async def test_property_category_and_assignee_are_filtered_here_and_said_so(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    first, last = date(2026, 11, 14), date(2026, 11, 28)
    listing = sandbox.account.listings[3]["id"]
    window = [t for t in sandbox.account.tasks if in_window(t, first, last)]
    cleaner = next(u for u in sandbox.account.users if any(t["assigneeUserId"] == u["id"] for t in window))
    dates = {"start_date": str(first), "end_date": str(last)}
    async with Client(server_factory(sandbox)) as client:
        here, page = await all_pages(client, {**dates, "property_id": listing})
        cleans, _ = await all_pages(client, {**dates, "category": "cleaning"})
        mine, _ = await all_pages(client, {**dates, "assignee": cleaner["firstName"] + " " + cleaner["lastName"]})
        nobody, _ = await all_pages(client, {**dates, "assignee": "unassigned"})
    assert {i["id"] for i in here} == {t["id"] for t in window if t["listingMapId"] == listing}
    assert "filtered by property on this server" in page["note"]
    assert {i["id"] for i in cleans} == {t["id"] for t in window if t["categoriesMap"] == [1]}
    assert {i["id"] for i in mine} == {t["id"] for t in window if t["assigneeUserId"] == cleaner["id"]}
    assert {i["id"] for i in nobody} == {t["id"] for t in window if t["assigneeUserId"] is None}
    sent = [r.params for r in api_calls(sandbox) if r.path == "/tasks"]
    assert not any("listingMapId" in p or "assigneeUserId" in p for p in sent), "Hostaway has no such filters"


async def test_a_bookings_tasks_and_a_single_status_are_asked_of_hostaway(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    task = next(t for t in sandbox.account.tasks if t["reservationId"] and t["status"] == "completed")
    async with Client(server_factory(sandbox)) as client:
        booking = await call_ok(client, "list_tasks", {"booking_id": task["reservationId"]})
        done = await call_ok(client, "list_tasks", {"status": "completed", "start_date": "2026-11-01"})
    assert task["id"] in {i["id"] for i in booking["items"]}
    sent = [r.params for r in api_calls(sandbox) if r.path == "/tasks"]
    assert any(p.get("reservationId") == str(task["reservationId"]) and "shouldEndByStart" not in p for p in sent)
    assert any(p.get("status") == "completed" for p in sent)
    assert {i["status"] for i in done["items"]} == {"completed"}


async def test_door_codes_in_descriptions_are_withheld_unless_shared(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    check_in = next(t for t in sandbox.account.tasks if t["categoriesMap"] == [3])
    arguments = {"booking_id": check_in["reservationId"], "category": "check-in"}
    async with Client(server_factory(sandbox)) as client:
        hidden = await call_ok(client, "list_tasks", arguments)
    async with Client(server_factory(sandbox, share_access_details=True)) as client:
        shared = await call_ok(client, "list_tasks", arguments)
    assert catalog.DOOR_CODE_PREFIX not in json.dumps(hidden) and "[access detail withheld]" in json.dumps(hidden)
    assert "withheld" in hidden["note"] or "shown as" in hidden["note"]
    assert catalog.DOOR_CODE_PREFIX in shared["items"][0]["description"]


async def test_an_unknown_assignee_names_the_team(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "list_tasks", {"assignee": "Zebedee"})
    some = sandbox.account.users[0]
    assert "Nobody called 'Zebedee'" in error and f"{some['firstName']} {some['lastName']}" in error


async def test_bad_windows_and_values_are_refused_before_any_call(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    async with Client(server_factory(sandbox)) as client:
        backwards = await call_error(client, "list_tasks", {"start_date": "2026-11-25", "end_date": "2026-11-21"})
        too_long = await call_error(client, "list_tasks", {"start_date": "2026-01-01", "end_date": "2026-12-31"})
        await call_error(client, "list_tasks", {"status": "done-ish"})
        await call_error(client, "list_tasks", {"category": "laundry"})
    assert "is before start_date" in backwards and "the maximum is 92" in too_long
    assert api_calls(sandbox) == []


async def test_the_default_window_is_a_week_from_the_earliest_local_today(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    async with Client(server_factory(sandbox)) as client:
        await call_ok(client, "list_tasks", {})
    [first] = [r.params for r in api_calls(sandbox) if r.path == "/tasks"][:1]
    earliest = date(2026, 11, 20)  # 09:00 UTC is still the 20th at UTC-12
    assert first["shouldEndByStart"] == str(earliest - timedelta(days=1))
    assert first["canStartFromEnd"] == str(earliest + timedelta(days=8))
