"""create_task and update_task on the write path: confirmation, at most once, duplicates, lost answers.

Every "nothing happened" claim is checked on the sandbox's tasks AND its request log.
"""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import ElicitRequestParams, ElicitResult

from tests.conftest import accept_when_all_asked, call_error, call_ok
from tests.faults import Fault, faults_of

OPEN = {"pending", "confirmed", "inProgress"}


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory(listings=6)


def task_writes(sandbox: Any) -> list[Any]:
    return [r for r in sandbox.request_log if r.path.startswith("/tasks") and r.method != "GET"]


def listing_in(sandbox: Any, zone: str) -> dict[str, Any]:
    return next(x for x in sandbox.account.listings if x["timeZoneName"] == zone)


def a_cleaner(sandbox: Any) -> dict[str, Any]:
    return next(u for u in sandbox.account.users if u["userGroupName"] == "Cleaning crew")


def future_departure_without_clean(sandbox: Any) -> dict[str, Any]:
    """A held booking leaving next week whose clean is deleted, so a create is not a duplicate."""
    stay = next(
        r for r in sorted(sandbox.account.reservations, key=lambda r: r["id"])
        if r["status"] in ("new", "modified") and "2026-11-26" <= r["departureDate"] <= "2026-12-10"
    )  # fmt: skip
    for task in [t for t in sandbox.account.tasks if t["reservationId"] == stay["id"]]:
        sandbox._state.tasks.delete(task["id"])
    return dict(stay)


MAINTENANCE = {
    "title": "Fix the porch light",
    "category": "maintenance",
    "start": "2026-11-23T10:00",
    "due": "2026-11-23T12:00",
}


# -- create ------------------------------------------------------------------------------------------


async def test_a_create_preview_changes_nothing_and_shows_everything(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    listing = listing_in(sandbox, "Pacific/Honolulu")
    cleaner = a_cleaner(sandbox)
    before = copy.deepcopy(sandbox.account.tasks)
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(
            client, "create_task", {**MAINTENANCE, "property_id": listing["id"], "assignee_user_id": cleaner["id"]}
        )
    assert preview["status"] == "preview" and preview["task_id"] is None
    assert (preview["title"], preview["category"], preview["property_id"]) == (
        "Fix the porch light", "maintenance", listing["id"]
    )  # fmt: skip
    assert (preview["starts"], preview["due"]) == ("2026-11-23 10:00", "2026-11-23 12:00")
    assert preview["assignee"] == f"{cleaner['firstName']} {cleaner['lastName']}"
    assert "confirm=true" in preview["next_step"]
    assert sandbox.account.tasks == before and task_writes(sandbox) == []


async def test_confirm_creates_exactly_once_in_utc_from_the_propertys_local_time(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    listing = listing_in(sandbox, "Pacific/Honolulu")  # UTC-10
    async with Client(server_factory(sandbox)) as client:
        done = await call_ok(client, "create_task", {**MAINTENANCE, "property_id": listing["id"], "confirm": True})
    assert done["status"] == "created" and done["confirmed_by"] == "confirm"
    [post] = task_writes(sandbox)
    assert post.method == "POST"
    created = sandbox._state.tasks.get(done["task_id"])
    assert (created["canStartFrom"], created["shouldEndBy"]) == ("2026-11-23 20:00:00", "2026-11-23 22:00:00")
    assert created["canStartFromListingTime"] == "2026-11-23 10:00:00"
    assert (created["title"], created["categoriesMap"], created["listingMapId"], created["status"]) == (
        "Fix the porch light", [2], listing["id"], "pending"
    )  # fmt: skip


async def test_a_bookings_turnover_clean_gets_its_property_and_window(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    stay = future_departure_without_clean(sandbox)
    listing = next(x for x in sandbox.account.listings if x["id"] == stay["listingMapId"])
    async with Client(server_factory(sandbox)) as client:
        done = await call_ok(
            client, "create_task", {"title": "Turnover clean", "category": "cleaning", "booking_id": stay["id"],
                                    "confirm": True}
        )  # fmt: skip
    created = sandbox._state.tasks.get(done["task_id"])
    assert created["listingMapId"] == stay["listingMapId"] and created["reservationId"] == stay["id"]
    assert created["canStartFromListingTime"] == f"{stay['departureDate']} {stay['checkOutTime']:02d}:00:00"
    assert created["shouldEndByListingTime"] == f"{stay['departureDate']} {listing['checkInTimeStart']:02d}:00:00"
    assert any("usual window" in change for change in done["changes"])


async def test_a_task_hostaway_already_has_is_refused_unless_asked_twice(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    clean = next(t for t in sandbox.account.tasks if t["categoriesMap"] == [1] and t["status"] == "pending")
    arguments = {"title": "Turnover clean", "category": "cleaning", "booking_id": clean["reservationId"]}
    async with Client(server_factory(sandbox)) as client:
        refused = await call_error(client, "create_task", {**arguments, "confirm": True})
        second = await call_ok(client, "create_task", {**arguments, "confirm": True, "allow_duplicate": True})
    assert f"already has this task (task {clean['id']}" in refused and "update_task" in refused
    assert second["status"] == "created" and any("second one" in w for w in second["warnings"])
    assert len(task_writes(sandbox)) == 1


async def test_the_same_create_twice_is_refused_by_the_ledger(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    listing = sandbox.account.listings[0]
    arguments = {**MAINTENANCE, "title": "Replace the doormat", "property_id": listing["id"], "confirm": True}
    async with Client(server_factory(sandbox)) as client:
        await call_ok(client, "create_task", arguments)
        sandbox._state.tasks.delete(sandbox.account.tasks[-1]["id"])  # Hostaway shows none: only the ledger knows
        again = await call_error(client, "create_task", arguments)
    assert "Refused" in again and "already sent" in again and "allow_duplicate" in again
    assert len(task_writes(sandbox)) == 1


async def test_decline_and_read_only_send_nothing(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    asked: list[str] = []

    async def decline(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="decline")

    arguments = {**MAINTENANCE, "property_id": sandbox.account.listings[0]["id"]}
    async with Client(server_factory(sandbox), elicitation_callback=decline) as client:
        declined = await call_ok(client, "create_task", arguments)
    async with Client(server_factory(sandbox, read_only=True)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        hidden = await client.call_tool("create_task", {**arguments, "confirm": True})
    assert declined["status"] == "declined" and "Fix the porch light" in asked[0]
    assert "create_task" not in names and "update_task" not in names and "list_tasks" in names
    assert hidden.is_error
    assert task_writes(sandbox) == []


async def test_a_form_confirms_the_create(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    accept, asked = accept_when_all_asked(1)
    async with Client(server_factory(sandbox), elicitation_callback=accept) as client:
        done = await call_ok(client, "create_task", {**MAINTENANCE, "property_id": sandbox.account.listings[1]["id"]})
    assert done["status"] == "created" and done["confirmed_by"] == "form"
    assert "Create this maintenance task" in asked[0] and "2026-11-23 10:00" in asked[0]


async def test_a_timed_out_create_is_found_by_reading_the_tasks_back(
    sandbox: Any, server_factory: Callable[..., Any], tmp_path: Path
) -> None:
    arguments = {**MAINTENANCE, "property_id": sandbox.account.listings[2]["id"], "confirm": True}
    faults_of(sandbox).script(Fault("read_timeout", method="POST", path="/tasks"))  # made, the answer lost
    async with Client(server_factory(sandbox)) as client:
        lost = await call_error(client, "create_task", arguments)
    async with Client(server_factory(sandbox)) as client:  # a restart: the same ledger
        found = await call_ok(client, "create_task", arguments)
    made = [t for t in sandbox.account.tasks if t["title"] == "Fix the porch light"]
    assert "Outcome unknown" in lost
    assert found["status"] == "already_done" and found["task_id"] == made[0]["id"]
    assert len(made) == 1 and len(task_writes(sandbox)) == 1
    with sqlite3.connect(tmp_path / "cache" / "ledger.sqlite3") as conn:
        assert [row[0] for row in conn.execute("SELECT outcome FROM writes")] == ["sent"]


async def test_a_create_that_never_arrived_is_sent_once_more(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    arguments = {**MAINTENANCE, "property_id": sandbox.account.listings[2]["id"], "confirm": True}
    faults_of(sandbox).script(Fault("status", status=502, method="POST", path="/tasks"))  # not processed
    async with Client(server_factory(sandbox)) as client:
        await call_error(client, "create_task", arguments)
        done = await call_ok(client, "create_task", arguments)
    assert done["status"] == "created"
    assert len([t for t in sandbox.account.tasks if t["title"] == "Fix the porch light"]) == 1
    assert len(task_writes(sandbox)) == 2


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"start": "2026-11-23T12:00", "due": "2026-11-23T10:00"}, "must be after start"),
        ({"assignee_user_id": 424242}, "not in the team"),
        ({"booking_id": 1}, "Booking 1 not found"),
        ({"property_id": 999_999_999}, "Property 999999999 not found"),
        ({"title": "   "}, "title is blank"),
    ],
)
async def test_bad_creates_are_refused_and_send_nothing(
    sandbox: Any, server_factory: Callable[..., Any], arguments: dict[str, Any], words: str
) -> None:
    base = {**MAINTENANCE, "property_id": sandbox.account.listings[0]["id"], "confirm": True}
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "create_task", {**base, **arguments})
    assert words in error and ("Nothing was" in error or "not found" in error)
    assert task_writes(sandbox) == []


# -- update ------------------------------------------------------------------------------------------


def open_task(sandbox: Any) -> dict[str, Any]:
    return next(
        t for t in sandbox.account.tasks
        if t["status"] == "pending" and t["assigneeUserId"] and t["canStartFrom"] > "2026-11-22"
    )  # fmt: skip


async def test_an_update_preview_shows_before_and_after_and_changes_nothing(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    task = open_task(sandbox)
    other = next(
        u for u in sandbox.account.users if u["id"] != task["assigneeUserId"] and u["userGroupName"] == "Cleaning crew"
    )
    before = copy.deepcopy(task)
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(
            client, "update_task", {"task_id": task["id"], "status": "confirmed", "assignee_user_id": other["id"]}
        )
    names = {u["id"]: f"{u['firstName']} {u['lastName']}" for u in sandbox.account.users}
    assert preview["status"] == "preview"
    assert set(preview["changes"]) == {
        "status: pending -> confirmed",
        f"assignee: {names[task['assigneeUserId']]} -> {names[other['id']]}",
    }
    assert preview["assignee"] == names[other["id"]] and preview["task_status"] == "confirmed"
    assert sandbox._state.tasks.get(task["id"]) == before and task_writes(sandbox) == []


async def test_confirm_updates_once_and_the_same_change_again_is_nothing_to_do(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    task = open_task(sandbox)
    untouched = {k: task[k] for k in ("title", "categoriesMap", "listingMapId", "reservationId", "canStartFrom")}
    args = {"task_id": task["id"], "status": "completed", "unassign": True, "confirm": True}
    async with Client(server_factory(sandbox)) as client:
        done = await call_ok(client, "update_task", args)
        again = await call_error(client, "update_task", args)
    after = sandbox._state.tasks.get(task["id"])
    assert done["status"] == "updated" and after["status"] == "completed" and after["assigneeUserId"] is None
    assert after["completedAt"] and {k: after[k] for k in untouched} == untouched
    [put] = task_writes(sandbox)
    assert put.method == "PUT" and put.body["title"] == task["title"] and put.body["status"] == "completed"
    assert "checklistItems" not in put.body, "never sent back: how they are written is not documented"
    assert "already has these values" in again


async def test_a_reschedule_is_in_the_propertys_time_and_a_due_before_the_start_is_refused(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    task = open_task(sandbox)
    start = task["canStartFromListingTime"][:10]
    async with Client(server_factory(sandbox)) as client:
        refused = await call_error(client, "update_task", {"task_id": task["id"], "due": f"{start}T00:30"})
        done = await call_ok(client, "update_task", {"task_id": task["id"], "due": f"{start}T18:30", "confirm": True})
    assert "before the start" in refused
    assert sandbox._state.tasks.get(task["id"])["shouldEndByListingTime"] == f"{start} 18:30:00"
    assert done["due"] == f"{start} 18:30" and len(task_writes(sandbox)) == 1


async def test_a_timed_out_update_is_checked_on_the_task_and_not_sent_again(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    task = open_task(sandbox)
    args = {"task_id": task["id"], "status": "inProgress" if False else "in progress", "confirm": True}
    faults_of(sandbox).script(Fault("read_timeout", method="PUT", path="/tasks"))
    async with Client(server_factory(sandbox)) as client:
        lost = await call_error(client, "update_task", args)
        found = await call_ok(client, "update_task", args)
    assert "Outcome unknown" in lost
    assert found["status"] == "already_done" and sandbox._state.tasks.get(task["id"])["status"] == "inProgress"
    assert len(task_writes(sandbox)) == 1


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"task_id": 1, "status": "completed"}, "Task 1 not found"),
        ({"status": None}, "Nothing to change"),
        ({"unassign": True, "assignee_user_id": 5}, "not both"),
        ({"assignee_user_id": 424242}, "not in the team"),
    ],
)
async def test_bad_updates_are_refused_and_send_nothing(
    sandbox: Any, server_factory: Callable[..., Any], arguments: dict[str, Any], words: str
) -> None:
    task = open_task(sandbox)
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "update_task", {"task_id": task["id"], "confirm": True, **arguments})
    assert words in error
    assert task_writes(sandbox) == []


async def test_two_servers_confirming_the_same_create_at_once_create_it_once(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    import asyncio

    accept, asked = accept_when_all_asked(2)
    arguments = {**MAINTENANCE, "property_id": sandbox.account.listings[3]["id"]}
    one, two = server_factory(sandbox), server_factory(sandbox)
    async with (
        Client(one, mode="legacy", elicitation_callback=accept) as first,
        Client(two, mode="legacy", elicitation_callback=accept) as second,
    ):
        results = await asyncio.gather(
            first.call_tool("create_task", arguments), second.call_tool("create_task", arguments)
        )
    assert len(asked) == 2
    assert sorted(result.is_error for result in results) == [False, True]
    assert len([t for t in sandbox.account.tasks if t["title"] == "Fix the porch light"]) == 1
    assert len(task_writes(sandbox)) == 1
