"""Revenue and financials from the local mirror: the live figures exactly, in at most two calls."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from hostaway_mcp.config import Settings
from hostaway_mcp.mirror.sync import MirrorSync
from hostaway_mcp.sandbox import Sandbox
from hostaway_mcp.server import build_server
from hostaway_mcp.tools._runtime import app_state
from tests.conftest import ACCOUNT_ID, NOW, PLANTED_SECRET, TODAY, FakeClock, api_calls, call_ok

YEAR = {"start_date": "2025-11-01", "end_date": "2026-10-31"}  # wholly past at every property


@dataclass
class Account:
    clock: FakeClock
    sandbox: Sandbox
    cache: Path

    def server(self, **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "account_id": ACCOUNT_ID,
            "secret_key": PLANTED_SECRET,
            "cache_dir": self.cache,
            "shared_rate_limit": False,
            "toolsets": ("all",),
            "_env_file": None,
        }
        values.update(overrides)
        return build_server(
            Settings(**values),
            transport=self.sandbox.transport(),
            sleep=self.clock.sleep,
            clock=self.clock,
            wall_clock=self.clock,
            now=lambda: NOW,
        )


async def _fill_for_reports(account: Account) -> None:
    """The backfill's parts a report reads (properties, bookings, past calendars)."""
    server = account.server()
    lifespan = server.settings.lifespan
    async with lifespan(server) as context:
        state = await app_state(context)  # opened on first use
        assert state.mirror is not None
        sync = MirrorSync(state.gateway, state.mirror.store, now=state.now, wall_clock=account.clock)
        async with state.mirror.writer():
            await sync.listings_full()
            await sync.reservations_backfill()
            await sync.calendars_backfill()


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    clock = FakeClock()
    sandbox = Sandbox(seed=7, today=TODAY, listings=200, clock=clock, token_not_before_s=1.0)
    yield Account(clock, sandbox, tmp_path_factory.mktemp("mirror-reports"))


@pytest.fixture(scope="module")
def filled(big: Account) -> Account:
    asyncio.run(_fill_for_reports(big))
    return big


def _figures(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if key not in ("source", "as_of")}


async def _call(account: Account, tool: str, arguments: dict[str, Any], **settings: Any) -> tuple[dict[str, Any], int]:
    async with Client(account.server(**settings)) as client:
        before = len(api_calls(account.sandbox))
        result = await call_ok(client, tool, arguments)
        return result, len(api_calls(account.sandbox)) - before


@pytest.mark.slow
async def test_a_years_revenue_on_200_listings_costs_two_calls_then_none_and_equals_live(filled: Account) -> None:
    live, live_calls = await _call(filled, "get_revenue_report", YEAR, mirror=False)
    filled.clock.advance(61)  # past the max age: one watermark check
    async with Client(filled.server()) as client:
        before = len(api_calls(filled.sandbox))
        first = await call_ok(client, "get_revenue_report", YEAR)
        first_calls = len(api_calls(filled.sandbox)) - before
        again = await call_ok(client, "get_revenue_report", YEAR)
        again_calls = len(api_calls(filled.sandbox)) - before - first_calls
    assert live_calls > 300  # what the mirror saves: listings, ~126 reservation pages, 200 calendars
    assert first_calls <= 2 and again_calls == 0
    assert _figures(first) == _figures(live) and _figures(again) == _figures(live)
    assert live["as_of"] is None and first["as_of"].endswith("Z") and "local mirror" in first["source"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "arguments",
    [
        {**YEAR, "group_by": "month", "basis": "arrival"},
        {**YEAR, "group_by": "channel"},
        {"start_date": "2026-09-01", "end_date": "2027-02-28", "property_ids": [0, 1]},  # partly future
    ],
    ids=["months-arrival", "channels", "partly-future"],
)
async def test_every_shape_of_report_from_the_mirror_equals_live(filled: Account, arguments: dict[str, Any]) -> None:
    if arguments.get("property_ids") == [0, 1]:
        ids = sorted(listing["id"] for listing in filled.sandbox.account.listings)[:2]
        arguments = {**arguments, "property_ids": ids}
    live, _ = await _call(filled, "get_revenue_report", arguments, mirror=False)
    mirrored, calls = await _call(filled, "get_revenue_report", arguments)
    assert _figures(mirrored) == _figures(live)
    if "property_ids" in arguments:
        assert calls == 2 and "read live (2 calendar read(s))" in mirrored["source"]  # the future nights only
    else:
        assert calls == 0


@pytest.mark.slow
async def test_property_financials_from_the_mirror_equal_live(filled: Account) -> None:
    listing_id = sorted(listing["id"] for listing in filled.sandbox.account.listings)[7]
    arguments = {"property_id": listing_id, **YEAR, "limit": 200}
    live, _ = await _call(filled, "get_property_financials", arguments, mirror=False)
    mirrored, calls = await _call(filled, "get_property_financials", arguments)
    assert calls == 0 and _figures(mirrored) == _figures(live) and mirrored["bookings"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "arguments",
    [
        {"arrival_from": "2026-11-23", "arrival_to": "2026-11-29"},
        {"staying_on": "2026-10-10", "sort": "arrival_desc", "limit": 100},
        {"guest_name": "an", "arrival_from": "2026-06-01", "limit": 50, "offset": 10},
        {"channel": "airbnb", "departure_from": "2026-12-01", "departure_to": "2026-12-31"},
        {"statuses": ["cancelled"], "property": 3},
    ],
    ids=["week", "staying-desc", "guest-paged", "channel", "status-one-property"],
)
async def test_search_bookings_from_the_mirror_equals_live(filled: Account, arguments: dict[str, Any]) -> None:
    if "property" in arguments:
        ids = sorted(listing["id"] for listing in filled.sandbox.account.listings)
        arguments = {
            **{k: v for k, v in arguments.items() if k != "property"},
            "property_id": ids[arguments["property"]],
        }
    live, _ = await _call(filled, "search_bookings", arguments, mirror=False)
    mirrored, calls = await _call(filled, "search_bookings", arguments)
    assert calls == 0 and mirrored["as_of"].endswith("Z")
    assert mirrored["items"] == live["items"] and mirrored["items"]
    if live["total"] is not None:
        assert mirrored["total"] == live["total"] and mirrored["next_offset"] == live["next_offset"]


@pytest.mark.slow
async def test_an_email_search_or_newest_activity_order_goes_live(filled: Account) -> None:
    email = next(r["guestEmail"] for r in filled.sandbox.account.reservations if r.get("guestEmail"))
    by_email, email_calls = await _call(filled, "search_bookings", {"guest_email": email})
    by_activity, activity_calls = await _call(filled, "search_bookings", {"sort": "latest_activity", "limit": 5})
    assert email_calls >= 1 and by_email["as_of"] is None and by_email["items"]
    assert activity_calls >= 1 and by_activity["as_of"] is None


PHRASE = "the turquoise kettle whistles a sea shanty at midnight"


@pytest.fixture(scope="module")
def with_messages(filled: Account) -> tuple[Account, dict[str, Any]]:
    """The 200-listing mirror with every thread's messages, one guest message saying PHRASE."""
    conversation = filled.sandbox.account.conversations[len(filled.sandbox.account.conversations) // 2]
    message = next(
        m for m in filled.sandbox.account.messages[conversation["id"]] if m["status"] == "sent" and m["isIncoming"]
    )
    message["body"] = f"Hi, {PHRASE}. The door code is DOOR-8642 and my card is 4111 1111 1111 1111."

    async def fill() -> None:
        server = filled.server()
        lifespan = server.settings.lifespan
        async with lifespan(server) as context:
            state = await app_state(context)  # opened on first use
            assert state.mirror is not None
            sync = MirrorSync(state.gateway, state.mirror.store, now=state.now, wall_clock=filled.clock)
            async with state.mirror.writer():
                await sync.conversations_backfill()
                await sync.reviews_backfill()

    asyncio.run(fill())
    return filled, conversation


@pytest.mark.slow
@pytest.mark.timeout(300)  # the fixture reads every one of ~15,000 threads once (about a minute)
async def test_search_messages_finds_a_planted_phrase_in_200_listings_in_one_call(
    with_messages: tuple[Account, dict[str, Any]],
) -> None:
    from tests.conftest import assert_no_planted_secrets

    account, conversation = with_messages
    threads = len(account.sandbox.account.conversations)
    assert threads > 10_000
    found, calls = await _call(account, "search_messages", {"query": "turquoise kettle shanty"})
    assert calls == 0  # one tool call, within the max age: no request to Hostaway
    assert found["total"] == 1
    top = found["items"][0]
    assert (top["booking_id"], top["conversation_id"]) == (conversation["reservationId"], conversation["id"])
    assert top["guest_written"] is True
    for words in ("turquoise kettle door code", "card", "wifi password", "door code"):
        result, _ = await _call(account, "search_messages", {"query": words, "limit": 50})
        assert_no_planted_secrets(result)
