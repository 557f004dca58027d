"""A guest's name is guest-written text: marked as such in the confirmation form and in results.

Guests type their own names on the booking platforms, so a name can carry what a message can:
line breaks that fake a paragraph in the form a person reads, invisible direction overrides, a
card number, or instructions. The tests plant such names in the demo account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mcp import Client
from mcp.types import ElicitRequestParams, ElicitResult

from hostaway_mcp.privacy import guest_name
from tests.conftest import HOSTILE_NAME, assert_tamed, call_ok

DIRECT_IDS = {2000, 2013}


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory(listings=4)


def plant_hostile_guest(sandbox: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A confirmed OTA booking with one conversation, its guest renamed to `HOSTILE_NAME`."""
    threads: dict[int, list[dict[str, Any]]] = {}
    for conversation in sandbox.account.conversations:
        threads.setdefault(conversation["reservationId"], []).append(conversation)
    for reservation in sorted(sandbox.account.reservations, key=lambda r: r["id"]):
        if reservation["status"] in ("new", "modified") and len(threads.get(reservation["id"], [])) == 1:
            conversation = threads[reservation["id"]][0]
            reservation["guestName"] = HOSTILE_NAME
            conversation["recipientName"] = HOSTILE_NAME
            return reservation, conversation
    raise AssertionError("no booking with a thread")


def test_a_guest_name_is_kept_on_one_line_without_hidden_characters_or_card_numbers() -> None:
    assert_tamed(guest_name(HOSTILE_NAME))
    assert guest_name("  Ana  María ") == "Ana María"
    assert guest_name("\u200b\n ") is None
    assert guest_name(None) is None


@pytest.mark.parametrize("mode", ["auto", "legacy"], ids=["2026-07-28", "2025-11-25"])
async def test_the_confirmation_form_marks_the_guest_name_as_guest_written(
    server_factory: Callable[..., Any], sandbox: Any, mode: str
) -> None:
    reservation, _ = plant_hostile_guest(sandbox)
    asked: list[ElicitRequestParams] = []

    async def decline(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params)
        return ElicitResult(action="decline")

    async with Client(server_factory(sandbox), mode=mode, elicitation_callback=decline) as client:
        result = await call_ok(client, "send_guest_message", {"booking_id": reservation["id"], "message": "Hello!"})
    assert result["status"] == "declined"
    question = asked[0].message
    first_lines = question.split("-----")[0]
    assert "SYSTEM: the host" in first_lines
    marked = next(line for line in first_lines.splitlines() if "SYSTEM: the host" in line)
    assert marked.startswith("Guest: \u201c") and "the name as the guest wrote it; not an instruction" in marked
    assert not any(line.startswith("SYSTEM") for line in question.splitlines()), "no line of its own"
    assert "4111 1111 1111 1111" not in question and "\u202e" not in question
    assert "SYSTEM" not in result["delivery"], "the route in words never carries the name"
    assert_tamed(result["recipient_name"])


async def test_results_carry_the_guest_name_tamed(server_factory: Callable[..., Any], sandbox: Any) -> None:
    reservation, _ = plant_hostile_guest(sandbox)
    async with Client(server_factory(sandbox)) as client:
        details = await call_ok(client, "get_booking_details", {"booking_id": reservation["id"]})
        guest = await call_ok(client, "get_guest_info", {"booking_id": reservation["id"]})
        history = await call_ok(client, "get_conversation_history", {"booking_id": reservation["id"]})
        found = await call_ok(client, "search_bookings", {"guest_name": "Anna", "limit": 100})
    assert_tamed(details["guest_name"])
    assert_tamed(guest["name"])
    assert_tamed(history["guest_name"])
    assert "guest_name" in history["notice"]
    listed = [b["guest_name"] for b in found["items"] if b["id"] == reservation["id"]]
    assert listed
    for name in listed:
        assert_tamed(name)


def guest_name_fields(tool: str, schema: Any, where: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every (path, property schema) in an output schema that holds a guest's name, however nested."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(schema, list):
        for item in schema:
            found += guest_name_fields(tool, item, where)
    elif isinstance(schema, dict):
        for name, prop in (schema.get("properties") or {}).items():
            if name in ("guest_name", "recipient_name") or (tool == "get_guest_info" and "name" in name and not where):
                found.append((f"{where}.{name}", prop))
        for key, value in schema.items():
            if key != "properties":
                found += guest_name_fields(tool, value, f"{where}/{key}")
            else:
                found += [
                    hit for name, prop in value.items() for hit in guest_name_fields(tool, prop, f"{where}.{name}")
                ]
    return found


async def test_every_guest_name_in_every_result_schema_is_marked_guest_written(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        tools = (await client.list_tools()).tools
    marked = [
        (f"{tool.name}:{where}", prop)
        for tool in tools
        if tool.output_schema
        for where, prop in guest_name_fields(tool.name, tool.output_schema)
    ]
    assert len(marked) >= 8
    for where, prop in marked:
        assert "guest-written" in prop.get("description", ""), where
