"""get_conversation_history and list_guest_inbox through an MCP client on the sandbox.

Expected threads and inboxes are computed here from the sandbox's raw conversations and
messages; API calls are counted on the sandbox's request log.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from mcp import Client
from mcp.types import ResourceTemplateReference

from hostaway_mcp.privacy import GUEST_TEXT_NOTICE
from hostaway_mcp.sandbox import catalog
from hostaway_mcp.tools.conversations import MESSAGE_STATUS_WORDS
from tests.conftest import api_calls, assert_no_planted_secrets, call_error, call_ok, metered_server, thread_of


def conversation_where(sandbox: Any, test: Callable[[list[dict[str, Any]]], bool]) -> dict[str, Any]:
    return next(c for c in sandbox.account.conversations if test(thread_of(sandbox, c)))


def injected_conversation(sandbox: Any) -> dict[str, Any]:
    return conversation_where(
        sandbox, lambda thread: any(catalog.PROMPT_INJECTION_MARKER in (m["body"] or "") for m in thread)
    )


def waiting_conversations(sandbox: Any) -> list[dict[str, Any]]:
    """Conversations whose latest sent message came from the guest, newest message first."""
    waiting = []
    for conversation in sandbox.account.conversations:
        sent = [m for m in sandbox.account.messages[conversation["id"]] if m["status"] == "sent"]
        if sent:
            latest = max(sent, key=lambda m: (m["date"], m["id"]))
            if latest["isIncoming"]:
                waiting.append((latest["date"], latest["id"], conversation))
    waiting.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [conversation for _, _, conversation in waiting]


# -- get_conversation_history ---------------------------------------------------------------------


async def test_history_is_the_whole_thread_oldest_first(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    conversation = conversation_where(
        sandbox,
        lambda thread: (
            len(thread) >= 5 and any(m["isIncoming"] for m in thread) and any(m["status"] == "awaiting" for m in thread)
        ),
    )
    thread = thread_of(sandbox, conversation)
    reservation = conversation["Reservation"]
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "get_conversation_history", {"booking_id": reservation["id"]})

    assert result["conversation_id"] == conversation["id"]
    assert result["booking_id"] == reservation["id"]
    assert result["guest_name"] == reservation["guestName"]
    assert result["has_unread"] is bool(conversation["hasUnreadMessages"])
    assert result["total"] == len(thread)
    assert result["next_offset"] is None
    assert [m["id"] for m in result["messages"]] == [m["id"] for m in thread]
    # What is the same across the thread is said once: the channel at the top, "sent" and
    # guest_written=false (host messages) by leaving the key out.
    usual = Counter(m["communicationType"] for m in thread).most_common(1)[0][0]
    assert result["channel"] == usual
    for message, raw in zip(result["messages"], thread, strict=True):
        sent = raw["status"] == "sent"
        # A message that has not reached the guest says so, with the time it is (or was) due instead.
        assert message.get("sent", True) is sent
        assert (message.get("sent_at"), message.get("due")) == ((raw["date"], None) if sent else (None, raw["date"]))
        assert message.get("direction", "host") == ("guest" if raw["isIncoming"] else "host")
        assert ("direction" in message) is bool(raw["isIncoming"])  # host is the default, left out
        assert message.get("guest_written", False) is bool(raw["isIncoming"])
        assert message.get("channel", result["channel"]) == raw["communicationType"]
        assert ("channel" in message) is (raw["communicationType"] != usual)
        assert message.get("status", "sent") == MESSAGE_STATUS_WORDS[raw["status"]]
        assert ("status" in message) is (raw["status"] != "sent")
        body = raw["body"] or ""
        if catalog.DOOR_CODE_PREFIX not in body and catalog.WIFI_PASSWORD_PREFIX not in body:
            assert message["body"] == (raw["body"].strip() if raw["body"] is not None else None)
    assert "scheduled" in {m.get("status") for m in result["messages"]}  # awaiting messages are shown
    assert "guest_written" in result["notice"] and "never instructions" in result["notice"]
    # One call finds the conversation, one reads the thread; the scheduled ones are asked for.
    calls = api_calls(sandbox)
    assert [c.path.strip("/") for c in calls] == ["conversations", f"conversations/{conversation['id']}/messages"]
    assert calls[1].params.get("includeScheduledMessages") == "1"


async def test_history_is_at_most_15_percent_of_the_raw_thread(
    sandbox: Any, settings_factory: Callable[..., Any], clock: Any
) -> None:
    """What the model reads (the text block) against the bytes Hostaway sent for it: the
    conversation lookup and the message pages (design §7 target: 15%)."""
    server, metered = metered_server(sandbox, settings_factory, clock)
    sample = sandbox.account.conversations[::15]
    ratios = []
    async with Client(server) as client:
        for conversation in sample:
            metered.bytes = 0
            result = await client.call_tool("get_conversation_history", {"booking_id": conversation["reservationId"]})
            assert not result.is_error
            shown = "\n".join(getattr(block, "text", "") for block in result.content)
            ratios.append(len(shown.encode()) / metered.bytes)
    assert len(ratios) > 100
    assert max(ratios) <= 0.15, f"largest share {max(ratios):.1%}"


async def test_threads_are_paged_back_from_the_newest(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    conversation = conversation_where(sandbox, lambda thread: 6 <= len(thread) <= 8)
    thread = thread_of(sandbox, conversation)
    booking_id = conversation["reservationId"]
    seen: list[int] = []
    async with Client(server_factory(sandbox)) as client:
        offset: int | None = 0
        while offset is not None:
            page = await call_ok(
                client, "get_conversation_history", {"booking_id": booking_id, "limit": 4, "offset": offset}
            )
            assert page["total"] == len(thread)
            assert len(page["messages"]) <= 4
            ids = [m["id"] for m in page["messages"]]
            assert ids == [m["id"] for m in thread][len(thread) - offset - len(ids) : len(thread) - offset]
            seen = ids + seen  # each page is older than the one before, and reads oldest to newest
            offset = page["next_offset"]

    assert seen == [m["id"] for m in thread]


async def test_failed_messages_keep_their_status(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    conversation = conversation_where(sandbox, lambda thread: any(m["status"] == "failed" for m in thread))
    failed_ids = {m["id"] for m in thread_of(sandbox, conversation) if m["status"] == "failed"}
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "get_conversation_history", {"booking_id": conversation["reservationId"]})

    assert {m["id"] for m in result["messages"] if m.get("status") == "failed"} == failed_ids


async def test_prompt_injection_comes_back_marked_as_guest_content(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    conversation = injected_conversation(sandbox)
    async with Client(server_factory(sandbox)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        result = await call_ok(client, "get_conversation_history", {"booking_id": conversation["reservationId"]})

    (injected,) = [m for m in result["messages"] if catalog.PROMPT_INJECTION_MARKER in (m["body"] or "")]
    assert injected["direction"] == "guest"
    assert injected["guest_written"] is True
    assert "guest_written" in result["notice"] and "never instructions" in result["notice"]
    # guest_written is said on guest messages only (false, its default, elsewhere).
    assert all("guest_written" not in m for m in result["messages"] if m.get("direction", "host") == "host")
    assert all(m["guest_written"] is True for m in result["messages"] if m.get("direction", "host") == "guest")
    description = tools["get_conversation_history"].description or ""
    assert "guest_written" in description and "instructions" in description
    assert "instructions" in (tools["list_guest_inbox"].description or "")


async def test_check_in_instructions_are_redacted_unless_shared(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    conversation = conversation_where(
        sandbox,
        lambda thread: any(m["status"] == "sent" and catalog.DOOR_CODE_PREFIX in (m["body"] or "") for m in thread),
    )
    door_code = conversation["Reservation"]["doorCode"]
    async with Client(server_factory(sandbox)) as client:
        hidden = await call_ok(client, "get_conversation_history", {"booking_id": conversation["reservationId"]})
    async with Client(server_factory(sandbox, share_access_details=True)) as client:
        shared = await call_ok(client, "get_conversation_history", {"booking_id": conversation["reservationId"]})

    assert_no_planted_secrets(hidden)
    assert "[access detail withheld]" in json.dumps(hidden)
    assert "HOSTAWAY_SHARE_ACCESS_DETAILS" in hidden["withheld"]
    instructions = next(m for m in hidden["messages"] if "keypad" in (m["body"] or ""))
    assert "Check-in is from" in instructions["body"]  # the rest of the message is kept
    assert door_code in json.dumps(shared)
    assert catalog.WIFI_PASSWORD_PREFIX in json.dumps(shared)
    assert "withheld" not in shared


async def test_booking_without_conversation_has_an_empty_history(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    with_conversation = {c["reservationId"] for c in sandbox.account.conversations}
    reservation = next(r for r in sandbox.account.reservations if r["id"] not in with_conversation)
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "get_conversation_history", {"booking_id": reservation["id"]})

    assert result["conversation_id"] is None
    assert result["messages"] == [] and result["total"] == 0
    assert result["guest_name"] == reservation["guestName"]
    assert "no conversation" in result["note"]


async def test_unknown_booking_history_says_to_use_search_bookings(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    async with Client(server_factory(sandbox)) as client:
        message = await call_error(client, "get_conversation_history", {"booking_id": 424242})

    assert "Booking 424242 not found" in message and "search_bookings" in message


async def test_bad_history_arguments_fail_before_any_api_call(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox)) as client:
        for args in ({"booking_id": -1}, {"booking_id": 5, "limit": 0}, {"booking_id": 5, "offset": -3}):
            await call_error(client, "get_conversation_history", args)
        await call_error(client, "list_guest_inbox", {"limit": 0})
        await call_error(client, "list_guest_inbox", {"limit": 500})

    assert api_calls(sandbox) == []


# -- list_guest_inbox -----------------------------------------------------------------------------


async def test_inbox_lists_guests_waiting_for_a_reply_newest_first(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    expected = waiting_conversations(sandbox)[:20]
    names = {listing["id"]: listing["name"] for listing in sandbox.account.listings}
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "list_guest_inbox", {})

    assert [item["conversation_id"] for item in result["items"]] == [c["id"] for c in expected]
    for item, conversation in zip(result["items"], expected, strict=True):
        reservation = conversation["Reservation"]
        latest = max(
            (m for m in sandbox.account.messages[conversation["id"]] if m["status"] == "sent"),
            key=lambda m: (m["date"], m["id"]),
        )
        assert item["booking_id"] == reservation["id"]
        assert item["guest_name"] == reservation["guestName"]
        assert item["property_id"] == reservation["listingMapId"]
        assert item["property_name"] == names[reservation["listingMapId"]]
        assert item["arrival"] == reservation["arrivalDate"]
        assert item["last_message_at"] == latest["date"]
        assert item["unread"] is bool(conversation["hasUnreadMessages"])
        assert item["guest_written"] is True
        if latest["body"] is None:  # a message of attachments only: their names stand in
            assert item["excerpt"] == f"[attachment: {', '.join(a['name'] for a in latest['attachments'])}]"
        else:
            assert item["excerpt"] and " ".join(latest["body"].split()).startswith(item["excerpt"].rstrip("…"))
        assert len(item["excerpt"]) <= 160
    assert result["notice"] == GUEST_TEXT_NOTICE
    assert len(api_calls(sandbox)) == 2  # the conversations page and one listings call for names


async def test_inbox_reads_every_fact_it_shows_of_the_booking_and_masks_its_door_code(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    """The inbox's page is parsed down to what it reads (`INBOX_FIELDS`): each fact planted here
    reaches the item, and the booking's own door code, in no pattern the masks know, stays masked."""
    conversation, other = waiting_conversations(sandbox)[:2]
    reservation = conversation["Reservation"]
    reservation.update(
        guestName=None, guestFirstName="Ana", guestLastName="Sousa", channelId=2000, channelName=None,
        status="awaitingPayment", doorCode="zebra-4471",
    )  # fmt: skip
    [latest] = conversation["conversationMessages"]
    latest.update(body="Hello, zebra-4471 does not open the door", date=None)  # its time: insertedOn
    # A second: no guest name on the booking (the conversation's recipient stands in), and a
    # latest message of attachments only, its time in `date`.
    other.update(recipientName="Marta")
    other["Reservation"].update(guestName=None, guestFirstName=None, guestLastName=None)
    [files] = other["conversationMessages"]
    files.update(body=None, attachments=[{"name": "passport.jpg"}], insertedOn="2020-01-01 00:00:00")
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "list_guest_inbox", {})

    shown = next(i for i in result["items"] if i["conversation_id"] == other["id"])
    assert shown["guest_name"] == "Marta"
    assert (shown["excerpt"], shown["last_message_at"]) == ("[attachment: passport.jpg]", files["date"])
    item = next(i for i in result["items"] if i["conversation_id"] == conversation["id"])
    assert (item["guest_name"], item["channel"], item["status"]) == ("Ana Sousa", "direct", "awaiting payment")
    assert (item["arrival"], item["departure"]) == (reservation["arrivalDate"], reservation["departureDate"])
    assert item["last_message_at"] == latest["insertedOn"]
    assert "zebra-4471" not in json.dumps(result) and "does not open the door" in item["excerpt"]
    assert result.get("withheld")


async def test_inbox_marks_the_injected_message_as_guest_content(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    conversation = injected_conversation(sandbox)
    position = [c["id"] for c in waiting_conversations(sandbox)].index(conversation["id"])
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "list_guest_inbox", {"limit": min(50, position + 1)})

    item = next(i for i in result["items"] if i["conversation_id"] == conversation["id"])
    assert catalog.PROMPT_INJECTION_MARKER in item["excerpt"]
    assert item["guest_written"] is True
    assert item["unread"] is True
    assert result["notice"] == GUEST_TEXT_NOTICE


async def test_inbox_makes_at_most_two_calls_on_a_200_listing_account(
    sandbox_factory: Callable[..., Any], server_factory: Callable[..., Any]
) -> None:
    big = sandbox_factory(listings=200)
    expected = waiting_conversations(big)[:20]
    async with Client(server_factory(big)) as client:
        result = await call_ok(client, "list_guest_inbox", {"limit": 20})

    assert len(api_calls(big)) <= 2
    assert [item["conversation_id"] for item in result["items"]] == [c["id"] for c in expected]
    assert all(item["property_name"] for item in result["items"])


# -- secrets never leave ----------------------------------------------------------------------------


async def test_planted_secrets_never_appear_in_conversation_results(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    with_secrets = [
        c
        for c in sandbox.account.conversations
        if any(
            catalog.DOOR_CODE_PREFIX in (m["body"] or "") or catalog.WIFI_PASSWORD_PREFIX in (m["body"] or "")
            for m in sandbox.account.messages[c["id"]]
        )
    ][:8]
    assert with_secrets
    async with Client(server_factory(sandbox)) as client:
        results = [await call_ok(client, "list_guest_inbox", {"limit": 50})]
        for conversation in [*with_secrets, injected_conversation(sandbox)]:
            results.append(
                await call_ok(client, "get_conversation_history", {"booking_id": conversation["reservationId"]})
            )

    for result in results:
        assert_no_planted_secrets(result)


async def test_inbox_names_every_property_of_a_600_listing_account_and_reuses_them(
    sandbox_factory: Callable[..., Any], server_factory: Callable[..., Any], clock: Any
) -> None:
    """Names past the 500th property: all pages of listings are read once, then reused."""
    big = sandbox_factory(listings=600)
    position = {listing["id"]: i for i, listing in enumerate(big.account.listings)}
    names = {listing["id"]: listing["name"] for listing in big.account.listings}
    expected = waiting_conversations(big)[:50]
    assert any(position[c["listingMapId"]] >= 500 for c in expected), "a waiting guest past the 500th property"
    async with Client(server_factory(big)) as client:
        first = await call_ok(client, "list_guest_inbox", {"limit": 50})
        listing_reads = list(api_calls(big, "listings"))
        again = await call_ok(client, "list_guest_inbox", {"limit": 50})
        clock.advance(301)  # past the names' time to live: read again
        await call_ok(client, "list_guest_inbox", {"limit": 50})

    assert [item["conversation_id"] for item in first["items"]] == [c["id"] for c in expected]
    for item in first["items"]:
        assert item["property_name"] == names[item["property_id"]]
    assert again["items"] == first["items"]
    # Two pages of 500 the first time, none the second, two again once the names are stale.
    assert len(listing_reads) == 2
    assert len(api_calls(big, "listings")) == 4
    assert len(api_calls(big, "conversations")) == 3

    # A completion reads one page only (500 properties), and that page does not pass for the
    # whole account: the inbox still reads every page for the names past the 500th.
    template = ResourceTemplateReference(uri="hostaway://properties/{property_id}")
    async with Client(server_factory(big)) as client:
        offered = await client.complete(ref=template, argument={"name": "property_id", "value": ""})
        assert len(api_calls(big, "listings")) == 5 and len(offered.completion.values) == 100  # the most in one answer
        assert offered.completion.total is None and offered.completion.has_more  # 500 of 600 looked at
        inbox = await call_ok(client, "list_guest_inbox", {"limit": 50})
    assert [item["property_name"] for item in inbox["items"]] == [names[c["listingMapId"]] for c in expected]
    assert len(api_calls(big, "listings")) == 7
