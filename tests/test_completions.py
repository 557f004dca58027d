"""Completions for prompt arguments and the property template, through a real `mcp.Client`.

Expected values come from the sandbox's raw account (names, latest activity), and the cost of
each answer from its request log: at most one request per completion, none when cached.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from mcp import Client
from mcp.types import CompleteResult, PromptReference, ResourceTemplateReference

from hostaway_mcp.domain import ident
from tests.conftest import FakeClock, api_calls, call_ok
from tests.faults import Fault, faults_of

PROPERTY = ResourceTemplateReference(uri="hostaway://properties/{property_id}")
REPLY = PromptReference(name="reply_to_guest")
WEEKLY = PromptReference(name="weekly_performance_review")
WORD = re.compile(r"\w+")


@pytest.fixture(scope="module")
def shared_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def sandbox(shared_clock: FakeClock) -> Any:
    from hostaway_mcp.sandbox import Sandbox
    from tests.conftest import TODAY

    return Sandbox(seed=7, today=TODAY, clock=shared_clock, token_not_before_s=1.0, enforce_rate_limits=False)


@pytest.fixture
def connect(sandbox: Any, shared_clock: FakeClock, settings_factory: Callable[..., Any]) -> Callable[..., Client]:
    """A fresh server (fresh name directory and caches) on the shared sandbox."""
    from hostaway_mcp.server import build_server
    from tests.conftest import NOW

    def make(**overrides: Any) -> Client:
        server = build_server(
            settings_factory(**overrides),
            transport=sandbox.transport(),
            sleep=shared_clock.sleep,
            clock=shared_clock,
            wall_clock=shared_clock,
            now=lambda: NOW,
        )
        return Client(server)

    return make


def names_by_id(sandbox: Any) -> dict[int, str]:
    names = {}
    for listing in sandbox.account.listings:
        listing_id = ident(listing["id"])
        assert listing_id is not None
        names[listing_id] = listing["name"] or listing["internalListingName"]
    return names


async def complete(client: Client, ref: Any, name: str, value: str) -> CompleteResult:
    return await client.complete(ref=ref, argument={"name": name, "value": value})


def calls_since(sandbox: Any, mark: int) -> list[str]:
    return [entry.path for entry in api_calls(sandbox)[mark:]]


async def test_the_server_offers_completions(connect: Callable[..., Client]) -> None:
    async with connect() as client:
        assert client.server_capabilities.completions is not None


async def test_property_ids_come_by_name_from_one_listings_read_then_from_the_cache(
    sandbox: Any, connect: Callable[..., Client]
) -> None:
    names = names_by_id(sandbox)
    by_name = [str(i) for i, _ in sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))]
    async with connect() as client:
        mark = len(api_calls(sandbox))
        everything = await complete(client, PROPERTY, "property_id", "")
        assert calls_since(sandbox, mark) == ["/listings"]
        assert everything.completion.values == by_name
        assert everything.completion.total == len(names) and everything.completion.has_more is False

        # Typed digits: exactly the ids that start with them.
        digits = str(min(names))[:-1]
        typed = await complete(client, PROPERTY, "property_id", digits)
        assert typed.completion.values == [v for v in by_name if v.startswith(digits)]
        assert 0 < len(typed.completion.values) < len(names)

        # A typed word: the ids of the properties with a word of the name starting with it.
        word = WORD.findall(names[int(by_name[0])])[0][:3].lower()
        by_word = await complete(client, PROPERTY, "property_id", word)
        expected = [v for v in by_name if any(w.casefold().startswith(word) for w in WORD.findall(names[int(v)]))]
        assert by_word.completion.values == expected and by_name[0] in expected
        assert len(expected) < len(names)
        nothing = await complete(client, PROPERTY, "property_id", "zzzqx")
        assert nothing.completion.values == [] and nothing.completion.total == 0

        assert calls_since(sandbox, mark) == ["/listings"]  # one read for all four answers


async def test_the_completion_read_is_the_directory_the_tools_use(sandbox: Any, connect: Callable[..., Client]) -> None:
    async with connect() as client:
        await complete(client, PROPERTY, "property_id", "")
        mark = len(api_calls(sandbox))
        await call_ok(client, "list_guest_inbox", {})
        assert "/listings" not in calls_since(sandbox, mark)  # names came from the completion's read


async def test_booking_ids_are_the_recently_active_bookings_cached_for_a_minute(
    sandbox: Any, shared_clock: FakeClock, connect: Callable[..., Client]
) -> None:
    recent = sorted(sandbox.account.reservations, key=lambda r: (r["latestActivityOn"] or "", r["id"]), reverse=True)
    expected = [str(ident(r["id"])) for r in recent[:100]]
    async with connect() as client:
        mark = len(api_calls(sandbox))
        answer = await complete(client, REPLY, "booking_id", "")
        assert calls_since(sandbox, mark) == ["/reservations"]
        request = api_calls(sandbox)[-1]
        assert request.params["sortOrder"] == "latestActivityDesc" and request.params["limit"] == "100"
        assert answer.completion.values == expected

        prefix = expected[0][:3]
        typed = await complete(client, REPLY, "booking_id", prefix)
        assert typed.completion.values == [v for v in expected if v.startswith(prefix)]
        guest = recent[0]["guestName"].split()[0]
        by_guest = await complete(client, REPLY, "booking_id", guest[:3].upper())
        assert expected[0] in by_guest.completion.values
        named = {str(ident(r["id"])): WORD.findall(f"{r['guestName']} {r['listingName']}") for r in recent[:100]}
        start = guest[:3].casefold()
        assert by_guest.completion.values == [
            v for v in expected if any(w.casefold().startswith(start) for w in named[v])
        ]
        assert calls_since(sandbox, mark) == ["/reservations"]

        shared_clock.now += 61.0  # the cache is a minute old: one fresh read
        await complete(client, REPLY, "booking_id", "")
        assert calls_since(sandbox, mark) == ["/reservations", "/reservations"]


async def test_week_starts_are_mondays_and_cost_no_request(sandbox: Any, connect: Callable[..., Client]) -> None:
    async with connect() as client:
        mark = len(api_calls(sandbox))
        recent = await complete(client, WEEKLY, "week_start", "")
        # NOW is Saturday 2026-11-21: this week began on Monday the 16th.
        assert recent.completion.values == [(date(2026, 11, 16) - timedelta(weeks=n)).isoformat() for n in range(8)]
        october = await complete(client, WEEKLY, "week_start", "2026-10")
        assert october.completion.values == ["2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"]
        typed = await complete(client, WEEKLY, "week_start", "2026-11-0")
        assert typed.completion.values == ["2026-11-02", "2026-11-09"]
        assert calls_since(sandbox, mark) == []


async def test_other_arguments_and_prompts_not_offered_get_nothing(
    sandbox: Any, connect: Callable[..., Client]
) -> None:
    async with connect() as client:
        stay = await complete(client, PromptReference(name="find_a_stay"), "check_in", "2026")
        assert stay.completion.values == []
    async with connect(toolsets="finance") as client:  # reply_to_guest's tools are not offered
        mark = len(api_calls(sandbox))
        hidden = await complete(client, REPLY, "booking_id", "")
        assert hidden.completion.values == [] and calls_since(sandbox, mark) == []


async def test_a_hostaway_failure_offers_nothing_instead_of_an_error(
    sandbox: Any, connect: Callable[..., Client]
) -> None:

    async with connect() as client:
        faults_of(sandbox).script(Fault("status", status=400, method="GET", path="/reservations"))
        answer = await complete(client, REPLY, "booking_id", "")
        assert answer.completion.values == []
