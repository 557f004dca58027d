"""Write tools against the sandbox through a real MCP client: confirmation, at-most-once, guards.

Expected values come from `sandbox.account` / `sandbox.calendar_day` (the raw Hostaway data), and
every "nothing happened" claim is checked on the sandbox state AND its request log.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from mcp import Client
from mcp.types import ElicitRequestParams, ElicitResult

from hostaway_mcp.errors import ReadOnlyError
from hostaway_mcp.gateway import HostawayGateway
from tests.conftest import (
    TEXT,
    TODAY,
    FakeClock,
    accept_when_all_asked,
    booking_with_thread,
    calendar,
    call_error,
    call_ok,
    free_range,
    future_booking,
    message_posts,
    path_of,
    thread,
    writes,
)
from tests.faults import Fault, faults_of

WRITE_TOOLS = {"send_guest_message", "block_dates", "unblock_dates", "update_nightly_rates"}


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Any]) -> Any:
    """A small demo account (6 properties): every case below exists in it, and it builds fast."""
    return sandbox_factory(listings=6)


# -- send_guest_message: preview and confirmed sends ------------------------------------------------


async def test_preview_sends_nothing_and_shows_exactly_what_would_be_sent(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        reservation, conversation = booking_with_thread(sandbox, direct=False)
        before = copy.deepcopy(sandbox.account.messages)

        result = await call_ok(client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT})

        assert result["status"] == "preview"
        assert result["text"] == TEXT
        assert result["characters"] == len(TEXT)
        assert result["channel"] == "channel"
        assert result["recipient_name"] == conversation["recipientName"]
        assert result["conversation_id"] == conversation["id"]
        assert result["message_id"] is None
        assert "confirm=true" in result["next_step"]
        assert sandbox.account.messages == before
        assert writes(sandbox) == []


@pytest.mark.parametrize(("direct", "expected_channel"), [(False, "channel"), (True, "email")])
async def test_confirmed_send_creates_exactly_one_message_on_the_right_channel(
    server_factory: Callable[..., Any], sandbox: Any, direct: bool, expected_channel: str
) -> None:
    async with Client(server_factory(sandbox)) as client:
        reservation, conversation = booking_with_thread(sandbox, direct=direct)
        before = thread(sandbox, conversation["id"])

        result = await call_ok(
            client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
        )

        after = thread(sandbox, conversation["id"])
        assert len(after) == len(before) + 1
        created = after[-1]
        assert created["body"] == TEXT
        assert created["communicationType"] == expected_channel
        assert created["isIncoming"] == 0
        assert result["status"] == "sent"
        assert result["message_id"] == created["id"]
        assert result["channel"] == expected_channel
        assert result["confirmed_by"] == "confirm"
        posts = message_posts(sandbox, conversation["id"])
        assert len(posts) == 1 and len(writes(sandbox)) == 1
        assert posts[0].body == {"body": TEXT, "communicationType": expected_channel}


async def test_explicit_channel_is_used(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        reservation, conversation = booking_with_thread(sandbox, direct=False)
        await call_ok(
            client,
            "send_guest_message",
            {"booking_id": reservation["id"], "message": TEXT, "channel": "email", "confirm": True},
        )
        assert thread(sandbox, conversation["id"])[-1]["communicationType"] == "email"


async def test_platform_thread_on_a_direct_booking_is_refused_before_sending(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        reservation, _ = booking_with_thread(sandbox, direct=True)
        error = await call_error(
            client,
            "send_guest_message",
            {"booking_id": reservation["id"], "message": TEXT, "channel": "channel", "confirm": True},
        )
        assert "booked directly" in error and "Nothing was sent" in error
        assert writes(sandbox) == []


@pytest.mark.parametrize("message", ["   \n\t ", ""])
async def test_blank_message_is_refused_before_any_request(
    server_factory: Callable[..., Any], sandbox: Any, message: str
) -> None:
    async with Client(server_factory(sandbox)) as client:
        reservation, _ = booking_with_thread(sandbox, direct=False)
        error = await call_error(
            client, "send_guest_message", {"booking_id": reservation["id"], "message": message, "confirm": True}
        )
        assert "message" in error
        assert sandbox.request_log == []


async def test_too_long_message_is_refused_before_any_request(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        reservation, _ = booking_with_thread(sandbox, direct=False)
        await call_error(
            client, "send_guest_message", {"booking_id": reservation["id"], "message": "x" * 5001, "confirm": True}
        )
        assert sandbox.request_log == []


async def test_unknown_booking_says_how_to_find_one(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "send_guest_message", {"booking_id": 999_999_999, "message": TEXT})
        assert "Booking 999999999 not found" in error and "search_bookings" in error
        assert writes(sandbox) == []


# -- confirmation through a form (elicitation), in both protocol eras -------------------------------


def form_answer(action: str, asked: list[ElicitRequestParams]) -> Callable[..., Any]:
    async def callback(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params)
        return ElicitResult(action=action, content={"confirm": True} if action == "accept" else None)

    return callback


@pytest.fixture(params=["auto", "legacy"], ids=["2026-07-28", "2025-11-25"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def form_client(server: Any, mode: str, action: str, asked: list[ElicitRequestParams]) -> Client:
    return Client(server, mode=mode, elicitation_callback=form_answer(action, asked))


@pytest.mark.parametrize("confirm", [False, True])
async def test_form_accept_sends_once(
    sandbox: Any, server_factory: Callable[..., Any], mode: str, confirm: bool
) -> None:
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    asked: list[ElicitRequestParams] = []
    before = thread(sandbox, conversation["id"])
    async with await form_client(server_factory(sandbox), mode, "accept", asked) as client:
        result = await call_ok(
            client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT, "confirm": confirm}
        )
    assert result["status"] == "sent" and result["confirmed_by"] == "form"
    assert len(asked) == 1
    question = asked[0].message
    assert TEXT in question and conversation["recipientName"] in question and str(reservation["id"]) in question
    after = thread(sandbox, conversation["id"])
    assert len(after) == len(before) + 1 and after[-1]["body"] == TEXT
    assert len(message_posts(sandbox, conversation["id"])) == 1


@pytest.mark.parametrize("action", ["decline", "cancel"])
async def test_form_decline_or_cancel_sends_nothing_even_with_confirm(
    sandbox: Any, server_factory: Callable[..., Any], mode: str, action: str
) -> None:
    reservation, _ = booking_with_thread(sandbox, direct=False)
    asked: list[ElicitRequestParams] = []
    before = copy.deepcopy(sandbox.account.messages)
    async with await form_client(server_factory(sandbox), mode, action, asked) as client:
        result = await call_ok(
            client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
        )
    assert len(asked) == 1
    assert result["status"] == ("declined" if action == "decline" else "cancelled")
    assert "nothing was sent" in result["next_step"]
    assert result["message_id"] is None
    assert sandbox.account.messages == before
    assert writes(sandbox) == []


async def test_form_accept_blocks_dates(sandbox: Any, server_factory: Callable[..., Any], mode: str) -> None:
    listing_id, start, end = free_range(sandbox, 3)
    asked: list[ElicitRequestParams] = []
    async with await form_client(server_factory(sandbox), mode, "accept", asked) as client:
        result = await call_ok(
            client,
            "block_dates",
            {"property_id": listing_id, "start_date": start.isoformat(), "end_date": end.isoformat()},
        )
    assert result["status"] == "updated" and result["confirmed_by"] == "form"
    assert start.isoformat() in asked[0].message
    assert all(day["status"] == "blocked" for day in calendar(sandbox, listing_id, start, end))


# -- at most once: faults on the write ------------------------------------------------------------


async def test_read_timeout_on_send_is_outcome_unknown_and_never_retried(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        reservation, conversation = booking_with_thread(sandbox, direct=False)
        faults_of(sandbox).script(Fault("read_timeout", method="POST", path="/conversations"))

        error = await call_error(
            client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
        )

        assert "Outcome unknown" in error and "get_conversation_history" in error and "is safe" in error
        assert len(message_posts(sandbox, conversation["id"])) == 1
        # The sandbox processed it before the answer was lost: the same call finds it in the thread.
        again = await call_ok(
            client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
        )
        assert again["status"] == "already_sent"
        assert again["message_id"] == thread(sandbox, conversation["id"])[-1]["id"]
        assert "found in the thread" in again["next_step"]
        assert len(message_posts(sandbox, conversation["id"])) == 1


async def test_server_error_on_send_is_not_retried(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        reservation, conversation = booking_with_thread(sandbox, direct=False)
        before = thread(sandbox, conversation["id"])
        faults_of(sandbox).script(Fault("status", status=500, method="POST", path="/conversations"))

        error = await call_error(
            client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
        )

        assert "Outcome unknown" in error and "get_conversation_history" in error
        assert len(message_posts(sandbox, conversation["id"])) == 1
        assert thread(sandbox, conversation["id"]) == before


async def test_refused_connection_is_retried_safely(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        reservation, conversation = booking_with_thread(sandbox, direct=False)
        before = thread(sandbox, conversation["id"])
        faults_of(sandbox).script(Fault("connect_error", method="POST", path="/conversations"))

        result = await call_ok(
            client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
        )

        assert result["status"] == "sent"
        after = thread(sandbox, conversation["id"])
        assert len(after) == len(before) + 1
        assert len(message_posts(sandbox, conversation["id"])) == 1  # the refused attempt never arrived
        assert faults_of(sandbox).pending == ()


async def test_timeout_on_calendar_write_is_outcome_unknown_and_never_retried(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        listing_id, start, end = free_range(sandbox, 2)
        faults_of(sandbox).script(Fault("read_timeout", method="PUT", path="/listings"))
        error = await call_error(
            client,
            "block_dates",
            {"property_id": listing_id, "start_date": start.isoformat(), "end_date": end.isoformat(), "confirm": True},
        )
        assert "Outcome unknown" in error and "check_property_availability" in error
        assert [r.method for r in writes(sandbox)] == ["PUT"]


# -- duplicate guard --------------------------------------------------------------------------------


async def test_duplicate_within_ten_minutes_is_refused_unless_confirmed_again(
    server_factory: Callable[..., Any], sandbox: Any, clock: FakeClock
) -> None:
    async with Client(server_factory(sandbox)) as client:
        reservation, conversation = booking_with_thread(sandbox, direct=False)
        args = {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
        await call_ok(client, "send_guest_message", args)

        clock.advance(9 * 60)
        error = await call_error(client, "send_guest_message", args)
        assert "Refused" in error and "allow_duplicate=true" in error
        assert len(message_posts(sandbox, conversation["id"])) == 1

        preview = await call_ok(client, "send_guest_message", {**args, "confirm": False, "allow_duplicate": True})
        assert preview["status"] == "preview" and any("already sent" in w for w in preview["warnings"])
        assert len(message_posts(sandbox, conversation["id"])) == 1

        sent = await call_ok(client, "send_guest_message", {**args, "allow_duplicate": True})
        assert sent["status"] == "sent"
        assert len(message_posts(sandbox, conversation["id"])) == 2


async def test_same_text_is_allowed_after_the_window(
    server_factory: Callable[..., Any], sandbox: Any, clock: FakeClock
) -> None:
    async with Client(server_factory(sandbox)) as client:
        reservation, conversation = booking_with_thread(sandbox, direct=False)
        args = {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
        await call_ok(client, "send_guest_message", args)
        clock.advance(10 * 60 + 1)
        assert (await call_ok(client, "send_guest_message", args))["status"] == "sent"
        assert len(message_posts(sandbox, conversation["id"])) == 2


async def test_other_text_or_other_guest_is_not_a_duplicate(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        first, _ = booking_with_thread(sandbox, direct=False)
        second, _ = booking_with_thread(sandbox, direct=True)
        await call_ok(client, "send_guest_message", {"booking_id": first["id"], "message": TEXT, "confirm": True})
        for args in (
            {"booking_id": first["id"], "message": TEXT + " Thanks!"},
            {"booking_id": second["id"], "message": TEXT},
        ):
            assert (await call_ok(client, "send_guest_message", {**args, "confirm": True}))["status"] == "sent"


# -- read-only mode ---------------------------------------------------------------------------------


async def test_read_only_hides_write_tools(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox, read_only=True)) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert names.isdisjoint(WRITE_TOOLS)
    assert "list_properties" in names


async def test_write_tools_are_listed_with_destructive_annotations(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    async with Client(server_factory(sandbox)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert tools.keys() >= WRITE_TOOLS
        for name in WRITE_TOOLS:
            hints = tools[name].annotations
            assert hints is not None
            assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint, hints.open_world_hint) == (
                False,
                True,
                False,
                True,
            )
            schema = tools[name].input_schema["properties"]
            assert "confirm" in schema and not {"state", "plan", "answer"} & schema.keys()


async def test_read_only_gateway_refuses_a_post_before_sending_anything(
    sandbox: Any, settings_factory: Callable[..., Any], clock: FakeClock
) -> None:
    settings = settings_factory(read_only=True)
    async with HostawayGateway(
        settings, transport=sandbox.transport(), clock=clock, wall_clock=clock, sleep=clock.sleep
    ) as gateway:
        with pytest.raises(ReadOnlyError):
            await gateway.post("conversations/1/messages", {"body": "hi", "communicationType": "email"})
        with pytest.raises(ReadOnlyError):
            await gateway.put("listings/1/calendar", {"startDate": "2026-12-01", "endDate": "2026-12-01"})
    assert sandbox.request_log == []


# -- calendar writes -------------------------------------------------------------------------------


def block_args(listing_id: int, start: date, end: date, **extra: Any) -> dict[str, Any]:
    return {"property_id": listing_id, "start_date": start.isoformat(), "end_date": end.isoformat(), **extra}


async def test_block_preview_changes_nothing(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        listing_id, start, end = free_range(sandbox, 4)
        before = calendar(sandbox, listing_id, start, end + timedelta(days=1))

        result = await call_ok(client, "block_dates", block_args(listing_id, start, end))

        assert result["status"] == "preview"
        assert (result["first_night"], result["last_night"], result["nights"]) == (
            start.isoformat(),
            (end - timedelta(days=1)).isoformat(),
            4,
        )
        assert {run["status"] for run in result["after"]} == {"blocked"}
        assert sum(run["nights"] for run in result["after"]) == 4
        assert {run["status"] for run in result["before"]} == {"available"}
        assert calendar(sandbox, listing_id, start, end + timedelta(days=1)) == before
        assert writes(sandbox) == []


async def test_block_over_a_booked_night_is_refused_naming_the_booking(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        booking = future_booking(sandbox)
        arrival = date.fromisoformat(booking["arrivalDate"])
        error = await call_error(
            client,
            "block_dates",
            block_args(booking["listingMapId"], arrival - timedelta(days=1), arrival + timedelta(days=1), confirm=True),
        )
        assert f"booking {booking['id']}" in error and "Nothing was changed" in error
        assert writes(sandbox) == []
        assert sandbox.calendar_day(booking["listingMapId"], arrival)["status"] == "reserved"


async def test_unblock_over_a_booked_night_is_refused_too(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        booking = future_booking(sandbox)
        arrival = date.fromisoformat(booking["arrivalDate"])
        error = await call_error(
            client,
            "unblock_dates",
            block_args(booking["listingMapId"], arrival, arrival + timedelta(days=2), confirm=True),
        )
        assert f"booking {booking['id']}" in error
        assert writes(sandbox) == []


async def test_block_then_unblock_restores_the_calendar(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        listing_id, start, end = free_range(sandbox, 5)
        window_end = end + timedelta(days=1)
        before = calendar(sandbox, listing_id, start - timedelta(days=1), window_end)

        blocked = await call_ok(client, "block_dates", block_args(listing_id, start, end, confirm=True))
        assert blocked["status"] == "updated"
        assert all(day["status"] == "blocked" for day in calendar(sandbox, listing_id, start, end))
        assert sandbox.calendar_day(listing_id, end)["status"] == "available"  # the check-out day is untouched
        put = writes(sandbox)[-1]
        assert put.method == "PUT" and path_of(put) == f"listings/{listing_id}/calendar"
        assert put.body == {
            "startDate": start.isoformat(),
            "endDate": (end - timedelta(days=1)).isoformat(),  # the last night: safe whether inclusive or not
            "isAvailable": 0,
        }

        reopened = await call_ok(client, "unblock_dates", block_args(listing_id, start, end, confirm=True))
        assert reopened["status"] == "updated"
        assert calendar(sandbox, listing_id, start - timedelta(days=1), window_end) == before
        assert len(writes(sandbox)) == 2


async def test_update_rates_preview_then_confirm(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        listing_id, start, end = free_range(sandbox, 3)
        old = [day["price"] for day in calendar(sandbox, listing_id, start, end)]
        checkout_price = sandbox.calendar_day(listing_id, end)["price"]
        args = block_args(listing_id, start, end, nightly_price=123.45, minimum_stay=2)

        preview = await call_ok(client, "update_nightly_rates", args)
        assert preview["status"] == "preview"
        assert [run["price"] for run in preview["before"] for _ in range(run["nights"])] == old
        assert [(run["price"], run["minimum_stay"]) for run in preview["after"]] == [(123.45, 2)]
        assert writes(sandbox) == []

        done = await call_ok(client, "update_nightly_rates", {**args, "confirm": True})
        assert done["status"] == "updated"
        assert [(d["price"], d["minimumStay"]) for d in calendar(sandbox, listing_id, start, end)] == [(123.45, 2)] * 3
        assert sandbox.calendar_day(listing_id, end)["price"] == checkout_price
        assert writes(sandbox)[-1].body == {
            "startDate": start.isoformat(),
            "endDate": (end - timedelta(days=1)).isoformat(),
            "price": 123.45,
            "minimumStay": 2,
        }


@pytest.mark.parametrize(
    ("tool", "extra", "start_offset", "nights", "expected"),
    [
        ("update_nightly_rates", {"nightly_price": 0}, 10, 2, "greater than 0"),
        ("update_nightly_rates", {"nightly_price": -5}, 10, 2, "greater than 0"),
        ("block_dates", {}, 10, 367, "maximum is 366"),
        ("block_dates", {}, -3, 2, "in the past"),
        ("unblock_dates", {}, 10, 0, "must be after"),
    ],
)
async def test_bad_calendar_arguments_are_refused_before_any_request(
    server_factory: Callable[..., Any],
    sandbox: Any,
    tool: str,
    extra: dict[str, Any],
    start_offset: int,
    nights: int,
    expected: str,
) -> None:
    async with Client(server_factory(sandbox)) as client:
        start = TODAY + timedelta(days=start_offset)
        error = await call_error(
            client, tool, block_args(1, start, start + timedelta(days=nights), confirm=True, **extra)
        )
        assert expected in error
        assert sandbox.request_log == []


async def test_rate_limited_send_is_not_retried_and_says_nothing_was_sent(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    before = thread(sandbox, conversation["id"])
    faults_of(sandbox).script(Fault("status", status=429, method="POST", path="/conversations"))
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(
            client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
        )
    assert "NOT sent" in error
    assert len(message_posts(sandbox, conversation["id"])) == 1
    assert thread(sandbox, conversation["id"]) == before


async def test_expired_token_during_a_send_is_refreshed_and_sent_once(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    before = thread(sandbox, conversation["id"])
    async with Client(server_factory(sandbox)) as client:
        await call_ok(client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT})
        sandbox.expire_tokens()  # Hostaway answers 403 without processing: safe to send again
        result = await call_ok(
            client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
        )
    assert result["status"] == "sent"
    assert len(thread(sandbox, conversation["id"])) == len(before) + 1


async def test_a_year_long_preview_collapses_into_runs(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    listing_id = sandbox.account.listings[0]["id"]
    start = TODAY + timedelta(days=1)
    end = start + timedelta(days=366)
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(client, "update_nightly_rates", block_args(listing_id, start, end, nightly_price=99))
    days = calendar(sandbox, listing_id, start, end)
    words = {"reserved": "booked", "pending": "pending booking"}
    keys = [(words.get(day["status"], day["status"]), day["note"]) for day in days]
    segments = 1 + sum(1 for a, b in itertools.pairwise(keys) if a != b)
    assert len(preview["before"]) == segments < 366
    offset = 0
    for run in preview["before"]:
        prices = [day["price"] for day in days[offset : offset + run["nights"]]]
        assert run["first_night"] == (start + timedelta(days=offset)).isoformat()
        if run["price"] is None:
            assert (run["lowest_price"], run["highest_price"]) == (min(prices), max(prices))
        else:
            assert set(prices) == {run["price"]}
        offset += run["nights"]
    assert offset == 366
    assert {run["price"] for run in preview["after"]} == {99}
    assert writes(sandbox) == []


async def test_two_identical_sends_at_once_create_one_message(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    """Both calls plan (and are confirmed) before either sends: the send itself re-checks the guard."""
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    before = thread(sandbox, conversation["id"])
    args = {"booking_id": reservation["id"], "message": TEXT}
    accept_when_both_asked, asked = accept_when_all_asked(2)

    server = server_factory(sandbox)
    async with Client(server, mode="legacy", elicitation_callback=accept_when_both_asked) as client:
        results = await asyncio.gather(
            client.call_tool("send_guest_message", args), client.call_tool("send_guest_message", args)
        )
    assert len(asked) == 2
    assert sorted(result.is_error for result in results) == [False, True]
    refused = next(result for result in results if result.is_error)
    assert "Refused" in refused.content[0].text  # type: ignore[union-attr]
    assert len(thread(sandbox, conversation["id"])) == len(before) + 1
    assert len(message_posts(sandbox, conversation["id"])) == 1
