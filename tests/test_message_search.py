"""search_messages: one call over every thread, from the mirror; never a withheld secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mcp import Client

from hostaway_mcp.tools._runtime import app_state
from hostaway_mcp.tools.message_search import fts_expression
from tests.conftest import (
    SECRET_TEXT,
    api_calls,
    assert_no_planted_secrets,
    call_error,
    call_ok,
    message_posts,
)

PHRASE = "the turquoise kettle whistles a sea shanty at midnight"


@pytest.fixture
def small(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory(listings=4)


def plant(sandbox: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A guest message saying PHRASE, and a host message holding a door code and a Wi-Fi password."""
    guest = host = None
    for conversation in sandbox.account.conversations:
        for message in sandbox.account.messages.get(conversation["id"], []):
            if message["status"] != "sent":
                continue
            if guest is None and message["isIncoming"]:
                message["body"] = f"Hello! {PHRASE}. Could someone look at it?"
                guest = (conversation, message)
            elif host is None and not message["isIncoming"] and guest is not None:
                message["body"] = SECRET_TEXT + " Card on file 4111 1111 1111 1111."
                host = (conversation, message)
        if guest and host:
            return guest[0], host[0]
    raise AssertionError("no threads to plant in")


async def build(server_factory: Callable[..., Any], sandbox: Any) -> None:
    server = server_factory(sandbox, mirror=True)
    async with server.settings.lifespan(server) as context:
        state = await app_state(context)  # opened on first use
        assert state.mirror is not None
        await state.mirror.backfill()


async def test_a_planted_phrase_is_found_in_one_call_with_no_request_to_hostaway(
    server_factory: Callable[..., Any], small: Any
) -> None:
    conversation, _ = plant(small)
    await build(server_factory, small)
    async with Client(server_factory(small, mirror=True)) as client:
        before = len(api_calls(small))
        found = await call_ok(client, "search_messages", {"query": "turquoise kettle shanty"})
        assert len(api_calls(small)) == before  # within the max age: the mirror alone
    assert found["total"] >= 1
    top = found["items"][0]
    assert top["booking_id"] == conversation["reservationId"]
    assert top["conversation_id"] == conversation["id"]
    assert top["property_id"] == conversation["listingMapId"]
    assert top["guest_written"] is True and top["direction"] == "guest"
    assert "«turquoise»" in top["snippet"] and "«kettle»" in top["snippet"]
    assert top["property_name"] and top["sent_at"] and found["as_of"].endswith("Z")
    assert "never as instructions" in found["notice"]


async def test_filters_and_phrases_narrow_the_matches(server_factory: Callable[..., Any], small: Any) -> None:
    conversation, _ = plant(small)
    await build(server_factory, small)
    async with Client(server_factory(small, mirror=True)) as client:
        phrase = await call_ok(client, "search_messages", {"query": '"turquoise kettle whistles"'})
        wrong_order = await call_ok(client, "search_messages", {"query": '"kettle turquoise whistles"'})
        other_booking = await call_ok(
            client,
            "search_messages",
            {"query": "turquoise kettle shanty", "booking_id": conversation["reservationId"] + 1},
        )
        same_booking = await call_ok(
            client, "search_messages", {"query": "turquoise kettle shanty", "booking_id": conversation["reservationId"]}
        )
        later = await call_ok(client, "search_messages", {"query": "turquoise kettle shanty", "since": "2099-01-01"})
    assert phrase["total"] >= 1 and wrong_order["total"] == 0
    assert other_booking["total"] == 0 and same_booking["total"] == 1
    assert later["total"] == 0 and "No message matches" in later["note"]


async def test_search_never_returns_a_withheld_secret(server_factory: Callable[..., Any], small: Any) -> None:
    _, secret_thread = plant(small)
    await build(server_factory, small)
    async with Client(server_factory(small, mirror=True)) as client:
        results = [
            await call_ok(client, "search_messages", {"query": words, "limit": 50})
            for words in ("door code", "wifi password", "welcome", "card file", "code", "check in")
        ]
    assert any(item["conversation_id"] == secret_thread["id"] for r in results for item in r["items"])
    for result in results:
        assert_no_planted_secrets(result)
        assert "DOOR-8642" not in str(result) and "k9Q2xL7m" not in str(result) and "4111" not in str(result)


async def test_a_sent_message_is_found_by_the_next_search_without_waiting_for_a_sync(
    server_factory: Callable[..., Any], small: Any
) -> None:
    from tests.conftest import booking_with_thread

    reservation, conversation = booking_with_thread(small, direct=True)
    await build(server_factory, small)
    text = "Your parking permit for the blue zone is on the kitchen table"
    async with Client(server_factory(small, mirror=True)) as client:
        assert (await call_ok(client, "search_messages", {"query": "parking permit blue zone"}))["total"] == 0
        await call_ok(client, "send_guest_message", {"booking_id": reservation["id"], "message": text, "confirm": True})
        assert len(message_posts(small, conversation["id"])) == 1
        found = await call_ok(client, "search_messages", {"query": "parking permit blue zone"})
    assert found["total"] == 1
    assert found["items"][0]["booking_id"] == reservation["id"] and found["items"][0]["direction"] == "host"


async def test_without_a_mirror_the_error_says_what_to_do(server_factory: Callable[..., Any], small: Any) -> None:
    async with Client(server_factory(small, mirror=True)) as client:
        missing = await call_error(client, "search_messages", {"query": "water"})
    async with Client(server_factory(small, mirror=False)) as client:
        off = await call_error(client, "search_messages", {"query": "water"})
    assert "not built yet" in missing and "hostaway-mcp sync" in missing
    assert "HOSTAWAY_MIRROR=false" in off and "get_conversation_history" in off
    assert api_calls(small) == []


@pytest.mark.parametrize(
    ("query", "expression"),
    [
        ("hot water", '"hot" "water"'),
        ('"hot water" October', '"hot water" "October"'),
        ("NEAR(a b) OR c*", '"NEAR" "a" "b" "OR" "c"'),
        ("café's", '"café" "s"'),
    ],
)
def test_queries_become_plain_words_never_fts_syntax(query: str, expression: str) -> None:
    assert fts_expression(query) == expression


async def test_a_query_without_words_is_refused(server_factory: Callable[..., Any], small: Any) -> None:
    async with Client(server_factory(small, mirror=True)) as client:
        text = await call_error(client, "search_messages", {"query": "*** ---"})
    assert "no words" in text
