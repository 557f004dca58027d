"""list_guest_inbox from the local mirror: the live answer exactly, with `as_of`, at no call or one check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mcp import Client

from hostaway_mcp.privacy import ACCESS_MASK
from hostaway_mcp.sandbox import catalog as sandbox_catalog
from hostaway_mcp.sandbox.conversations import refresh_conversation
from hostaway_mcp.sandbox.rand import fmt_datetime
from hostaway_mcp.tools._runtime import app_state
from tests.conftest import SECRET_TEXT, FakeClock, api_calls, call_ok, card_numbers_in

LISTINGS = 4
SECRETS = SECRET_TEXT + " Is my card 4111 1111 1111 1111 charged yet?"


@pytest.fixture
def small(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory(listings=LISTINGS)


async def backfill(server_factory: Callable[..., Any], sandbox: Any, **settings: Any) -> None:
    server = server_factory(sandbox, mirror=True, **settings)
    async with server.settings.lifespan(server) as context:
        state = await app_state(context)  # the server opens its state on first use
        assert state.mirror is not None
        await state.mirror.backfill()


async def inbox(server_factory: Callable[..., Any], sandbox: Any, **settings: Any) -> tuple[dict[str, Any], int]:
    """The inbox (limit 20, then 50) from a fresh server, and the API calls both cost."""
    async with Client(server_factory(sandbox, **settings)) as client:
        before = len(api_calls(sandbox))
        short = await call_ok(client, "list_guest_inbox", {"limit": 20})
        long = await call_ok(client, "list_guest_inbox", {"limit": 50})
        return {"short": short, "long": long}, len(api_calls(sandbox)) - before


def without_as_of(answers: dict[str, Any]) -> dict[str, Any]:
    return {name: {k: v for k, v in answer.items() if k != "as_of"} for name, answer in answers.items()}


def guest_writes(sandbox: Any, body: str) -> dict[str, Any]:
    """A guest writes in the most recently active thread whose last word is the host's."""
    account = sandbox.account
    for conversation in sorted(account.conversations, key=lambda c: c["messageSentOn"] or "", reverse=True):
        thread = account.messages.get(conversation["id"], [])
        sent = [m for m in thread if m["status"] == "sent"]
        if sent and not max(sent, key=lambda m: (m["date"], m["id"]))["isIncoming"]:
            guest = next((m for m in sent if m["isIncoming"]), None)
            if guest is None:
                continue
            moment = fmt_datetime(sandbox.now().replace(microsecond=0))
            ids = [m["id"] for t in account.messages.values() for m in t]
            thread.append({**guest, "id": max(ids) + 1, "body": body, "date": moment, "insertedOn": moment})
            refresh_conversation(conversation, thread)
            conversation["hasUnreadMessages"] = 1
            found: dict[str, Any] = conversation
            return found
    raise AssertionError("no thread where the host spoke last")


async def test_the_mirrored_inbox_equals_the_live_one_with_no_call_then_one_check(
    server_factory: Callable[..., Any], small: Any, clock: FakeClock
) -> None:
    await backfill(server_factory, small)
    live, live_calls = await inbox(server_factory, small, mirror=False)
    mirrored, mirrored_calls = await inbox(server_factory, small, mirror=True)
    assert live["short"]["items"], "the sandbox has guests waiting for a reply"
    assert live["short"]["note"], "and more conversations than one inbox call checks"
    assert without_as_of(mirrored) == without_as_of(live)
    assert all(answer.get("as_of") is None for answer in live.values())
    assert mirrored["short"]["as_of"].endswith("Z") and mirrored["long"]["as_of"] == mirrored["short"]["as_of"]
    assert (mirrored_calls, live_calls) == (0, 3)  # live: two conversation pages and the property names

    clock.advance(61)
    conversation = guest_writes(small, "Hello again: the heating makes a clicking noise at night.")
    live, _ = await inbox(server_factory, small, mirror=False)
    mirrored, mirrored_calls = await inbox(server_factory, small, mirror=True)
    assert live["short"]["items"][0]["conversation_id"] == conversation["id"]
    assert without_as_of(mirrored) == without_as_of(live)
    # The watermark check: a reservations page; per thread order (last received, last sent) a
    # reservations page and the stamps of each thread down to the first unchanged one (the changed
    # thread, then the next); and the changed thread's messages.
    assert mirrored_calls == 1 + 2 * (1 + 2) + 1


async def test_a_confirmed_reply_leaves_the_next_mirrored_inbox_without_waiting(
    server_factory: Callable[..., Any], small: Any
) -> None:
    await backfill(server_factory, small)
    async with Client(server_factory(small, mirror=True)) as client:
        before = await call_ok(client, "list_guest_inbox", {"limit": 20})
        waiting = before["items"][0]
        await call_ok(
            client,
            "send_guest_message",
            {"booking_id": waiting["booking_id"], "message": "We are on it, thank you!", "confirm": True},
        )
        after = await call_ok(client, "list_guest_inbox", {"limit": 20})  # well within the max age
    live, _ = await inbox(server_factory, small, mirror=False)
    assert after["as_of"] and waiting["conversation_id"] not in [i["conversation_id"] for i in after["items"]]
    assert without_as_of({"short": after}) == without_as_of({"short": live["short"]})


async def test_secrets_in_a_waiting_message_are_never_stored_and_show_as_live(
    server_factory: Callable[..., Any], small: Any, settings_factory: Callable[..., Any]
) -> None:
    guest_writes(small, SECRETS)
    await backfill(server_factory, small)
    path = settings_factory(mirror=True).mirror_path
    stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file()).decode(
        "utf-8", errors="replace"
    )
    for marker in (sandbox_catalog.DOOR_CODE_PREFIX, sandbox_catalog.WIFI_PASSWORD_PREFIX, "k9Q2xL7m", "4111 1111"):
        assert marker not in stored, marker
    assert card_numbers_in(stored) == [] and ACCESS_MASK in stored

    live, _ = await inbox(server_factory, small, mirror=False)
    mirrored, _ = await inbox(server_factory, small, mirror=True)
    assert without_as_of(mirrored) == without_as_of(live)
    top = mirrored["short"]["items"][0]
    assert ACCESS_MASK in top["excerpt"] and mirrored["short"]["withheld"] and mirrored["short"]["as_of"]


async def test_an_operator_sharing_access_details_gets_the_live_inbox(
    server_factory: Callable[..., Any], small: Any
) -> None:
    await backfill(server_factory, small)
    shared, calls = await inbox(server_factory, small, mirror=True, share_access_details=True)
    assert calls == 3 and shared["short"].get("as_of") is None
