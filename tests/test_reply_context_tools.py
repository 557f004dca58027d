"""The context for a good reply: get_reply_templates, get_booking_history, and the queued automated
messages get_conversation_history shows (include_scheduled), through an MCP client on the sandbox.

Expected values come from the sandbox's raw reservations, listings, users and messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from mcp import Client

from hostaway_mcp.sandbox.feedback_catalog import TEAM_EMAIL_DOMAIN
from tests.conftest import assert_no_planted_secrets, call_error, call_ok

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def api_paths(sandbox: Any) -> list[str]:
    return [r.path.strip("/") for r in sandbox.request_log if "accessTokens" not in r.path]


def upcoming_airbnb_booking(sandbox: Any) -> dict[str, Any]:
    return next(r for r in sandbox.account.reservations if r["status"] == "new" and r["channelId"] == 2018)


# -- get_reply_templates --------------------------------------------------------------------------


async def test_templates_come_filled_for_the_booking_with_access_details_withheld(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    reservation = upcoming_airbnb_booking(sandbox)
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "get_reply_templates", {"booking_id": reservation["id"]})

    names = [t["name"] for t in result["templates"]]
    assert {"Booking confirmation", "Check-in instructions", "Airbnb house rules reminder"} <= set(names)
    assert result["total"] == len(names) and result["guest_name"] == reservation["guestName"]
    confirmation = next(t for t in result["templates"] if t["name"] == "Booking confirmation")
    assert reservation["guestFirstName"] in confirmation["text"] and reservation["arrivalDate"] in confirmation["text"]
    assert "{{" not in confirmation["text"] and "unfilled" not in confirmation
    parking = next(t for t in result["templates"] if t["name"] == "Parking")
    assert parking["unfilled"] == ["{{listing_custom_field_parking_spot}}"]
    airbnb_only = next(t for t in result["templates"] if t["name"] == "Airbnb house rules reminder")
    assert airbnb_only["only_for"] == "airbnb bookings"
    # The filled check-in template holds the door code and Wi-Fi password: both withheld.
    assert_no_planted_secrets(result)
    checkin = next(t for t in result["templates"] if t["name"] == "Check-in instructions")
    assert "[access detail withheld]" in checkin["text"] and result["withheld"]
    assert api_paths(sandbox).count(f"reservations/{reservation['id']}/messageTemplates") == 1
    assert len(api_paths(sandbox)) == 3  # the booking, its templates, its property (for its access values)


async def test_templates_show_access_details_only_when_the_operator_shares_them(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    reservation = upcoming_airbnb_booking(sandbox)
    async with Client(server_factory(sandbox, share_access_details=True)) as client:
        result = await call_ok(client, "get_reply_templates", {"booking_id": reservation["id"]})
    checkin = next(t for t in result["templates"] if t["name"] == "Check-in instructions")
    assert reservation["doorCode"] in checkin["text"] and "withheld" not in result


async def test_templates_of_an_unknown_booking(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox)) as client:
        text = await call_error(client, "get_reply_templates", {"booking_id": 999_999_999})
    assert "Booking 999999999 not found" in text and "search_bookings" in text


# -- get_booking_history --------------------------------------------------------------------------


def booking_with_team_changes(sandbox: Any) -> dict[str, Any]:
    return next(
        r
        for r in sandbox.account.reservations
        if r["channelId"] == 2000 and r["status"] == "modified" and r["previousArrivalDate"] and r["doorCode"]
    )


async def test_history_names_people_and_never_shows_an_email_address(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    names = {u["id"]: f"{u['firstName']} {u['lastName']}" for u in sandbox.account.users}
    emails = [u["email"] for u in sandbox.account.users]
    checked = 0
    async with Client(server_factory(sandbox)) as client:
        for reservation in [r for r in sandbox.account.reservations if r["channelId"] == 2000][:60]:
            result = await call_ok(client, "get_booking_history", {"booking_id": reservation["id"]})
            dumped = json.dumps(result)
            # Planted: every team member's address (and any other) stays out of the result.
            assert TEAM_EMAIL_DOMAIN not in dumped and not EMAIL.search(dumped), dumped
            assert not any(email in dumped for email in emails)
            assert_no_planted_secrets(result)
            checked += sum(1 for c in result["changes"] if c["by"] in names.values())
    assert checked > 20


async def test_history_says_what_changed_from_what_to_what_and_by_whom(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    reservation = booking_with_team_changes(sandbox)
    names = {f"{u['firstName']} {u['lastName']}" for u in sandbox.account.users}
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "get_booking_history", {"booking_id": reservation["id"]})

    changes = {c["field"]: c for c in result["changes"]}
    moved = changes["Check-in date"]
    assert (moved["before"], moved["after"]) == (reservation["previousArrivalDate"], reservation["arrivalDate"])
    assert moved["by"] in names or moved["by"].startswith("team member #")
    assert changes["Door code"]["after"] == "[access detail withheld]" and "HOSTAWAY_SHARE" in result["withheld"]
    assert changes["Door code"]["by"] == "the channel or Hostaway (no team member)"
    assert changes["Door code"]["before"] is None  # it was empty
    stamps = [c["at"] for c in result["changes"]]
    assert stamps == sorted(stamps, reverse=True) and result["total"] == len(stamps)
    assert api_paths(sandbox) == [f"reservations/{reservation['id']}/logs", "users"]


async def test_history_tells_apart_a_member_who_left_and_formulas(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    former = sandbox.account.former_user_id
    seen = {"former": False, "formula": False, "finance": False}
    async with Client(server_factory(sandbox)) as client:
        for reservation in sandbox.account.reservations[:400]:
            result = await call_ok(client, "get_booking_history", {"booking_id": reservation["id"]})
            for change in result["changes"]:
                seen["former"] |= change["by"] == f"team member #{former} (no longer in the account's user list)"
                seen["formula"] |= (
                    change["by"] == "a finance formula (automatic)" and change["area"] == "finance formula"
                )
                seen["finance"] |= change.get("area") == "finance field" and change["field"] == "Cleaning fee"
            if all(seen.values()):
                break
    assert seen == {"former": True, "formula": True, "finance": True}


async def test_history_shares_the_door_code_only_when_allowed(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    reservation = booking_with_team_changes(sandbox)
    async with Client(server_factory(sandbox, share_access_details=True)) as client:
        result = await call_ok(client, "get_booking_history", {"booking_id": reservation["id"]})
    door = next(c for c in result["changes"] if c["field"] == "Door code")
    assert door["after"] == reservation["doorCode"] and "withheld" not in result


async def test_history_of_unknown_and_unchanged_bookings(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox)) as client:
        text = await call_error(client, "get_booking_history", {"booking_id": 999_999_999})
        assert "Booking 999999999 not found" in text and "search_bookings" in text
        quiet = None
        for reservation in sandbox.account.reservations:
            if reservation["status"] in ("inquiry", "expired") and not reservation["doorCode"]:
                result = await call_ok(client, "get_booking_history", {"booking_id": reservation["id"]})
                if not result["changes"]:
                    quiet = result
                    break
    assert quiet is not None and quiet["total"] == 0 and "No change" in quiet["note"]


# -- get_conversation_history: queued automated messages -----------------------------------------


def conversation_with(sandbox: Any, *statuses: str) -> dict[str, Any]:
    return next(
        c
        for c in sandbox.account.conversations
        if set(statuses) <= {m["status"] for m in sandbox.account.messages[c["id"]]}
    )


async def test_queued_automated_messages_are_shown_as_not_sent(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    words = {"awaiting": "scheduled", "paused": "paused", "cancelled_by_user": "cancelled"}
    conversation = conversation_with(sandbox, "awaiting", "paused")
    thread = sorted(sandbox.account.messages[conversation["id"]], key=lambda m: (m["date"], m["id"]))
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "get_conversation_history", {"booking_id": conversation["reservationId"]})
    unsent = [m for m in result["messages"] if m.get("sent", True) is False]
    raw_unsent = [m for m in thread if m["status"] != "sent"]
    assert [m["id"] for m in unsent] == [m["id"] for m in raw_unsent] and len(unsent) >= 2
    for shown, raw in zip(unsent, raw_unsent, strict=True):
        assert shown["status"] == words.get(raw["status"], shown["status"])
        assert shown["due"] == raw["date"] and "sent_at" not in shown
    assert {"scheduled", "paused"} <= {m["status"] for m in unsent}
    assert_no_planted_secrets(result)


async def test_include_scheduled_false_shows_only_what_was_sent(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    conversation = conversation_with(sandbox, "awaiting")
    sent = [m for m in sandbox.account.messages[conversation["id"]] if m["status"] == "sent"]
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(
            client,
            "get_conversation_history",
            {"booking_id": conversation["reservationId"], "include_scheduled": False},
        )
    assert {m["id"] for m in result["messages"]} == {m["id"] for m in sent} and result["total"] == len(sent)
    assert all(m.get("sent", True) and "due" not in m for m in result["messages"])
    request = next(r for r in sandbox.request_log if r.path.endswith("/messages"))
    assert "includeScheduledMessages" not in request.params
