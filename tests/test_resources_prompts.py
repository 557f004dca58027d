"""Resources, prompts and their completions, listed and read through a real `mcp.Client` on the sandbox.

Expected values come from the sandbox's raw account data and request log, not from our helpers.
Generating the demo account takes seconds, so the file shares one sandbox (and its fake clock)
between tests; each test gets a fresh server (fresh gateway, token and limiter) and counts only
the requests it caused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, MCPError
from mcp.types import CompleteResult, PromptReference, ResourceTemplateReference

from hostaway_mcp.config import Settings
from hostaway_mcp.domain import ident
from hostaway_mcp.server import build_server
from hostaway_mcp.surface import resource_reads
from tests.conftest import ACCOUNT_ID, NOW, PLANTED_SECRET, TODAY, FakeClock, api_calls, call_ok
from tests.faults import Fault, faults_of

PROMPTS = {"reply_to_guest", "find_a_stay", "weekly_performance_review", "answer_reviews", "plan_the_day"}
TOOL_CALL = re.compile(r"\b([a-z]+(?:_[a-z]+)+)\(([^()]*)\)")


@pytest.fixture(scope="module")
def shared_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def sandbox(shared_clock: FakeClock) -> Any:
    from hostaway_mcp.sandbox import Sandbox

    # Rate limits off: requests of earlier tests must not count against later ones.
    return Sandbox(seed=7, today=TODAY, clock=shared_clock, token_not_before_s=1.0, enforce_rate_limits=False)


@pytest.fixture
def connect(
    sandbox: Any, shared_clock: FakeClock, settings_factory: Callable[..., Settings]
) -> Callable[..., AbstractAsyncContextManager[Client]]:
    """`async with connect(**settings) as client`: a fresh server on the shared sandbox."""

    def make(**overrides: Any) -> AbstractAsyncContextManager[Client]:
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


async def read_json(client: Client, uri: str) -> tuple[dict[str, Any], str]:
    result = await client.read_resource(uri)
    assert len(result.contents) == 1
    content = result.contents[0]
    assert content.mime_type == "application/json"
    text = getattr(content, "text", "")
    return json.loads(text), text


# -- resources -------------------------------------------------------------------------------


async def test_resources_and_the_property_template_are_listed(sandbox: Any, connect: Callable[..., Any]) -> None:
    async with connect() as client:
        resources = {str(r.uri): r for r in (await client.list_resources()).resources}
        assert set(resources) == {"hostaway://status", "hostaway://properties"}
        assert all(r.mime_type == "application/json" and r.description for r in resources.values())
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        assert templates == {"hostaway://properties/{property_id}"}


async def test_status_before_any_request_costs_no_call_and_has_no_token_yet(
    sandbox: Any, connect: Callable[..., Any]
) -> None:
    before = len(sandbox.request_log)
    async with connect() as client:
        status, _ = await read_json(client, "hostaway://status")
        assert len(sandbox.request_log) == before
        assert status["mode"] == "live"
        assert status["account_id"] == ACCOUNT_ID
        assert status["read_only"] is False
        assert status["token"]["state"].startswith("none yet")
        assert status["token"]["minted_this_run"] == 0
        limits = status["rate_limit"]
        assert {k: v for k, v in limits.items() if k != "gates"} == {
            "profile": "current",
            "limit": 180,
            "window_s": 10.0,
            "in_window": 0,
            "available": 180,
            "scope": "this process",
        }
        assert [(g["limit"], g["window_s"]) for g in limits["gates"]] == [
            (180, 10.0),
            (180, 10.0),
            (27, 60.0),
            (360, 10.0),
            (180, 10.0),
        ]
        assert "send limit for guest messages" in limits["gates"][2]["gate"]
        assert status["requests"]["attempts"] == 0


async def test_status_shows_token_freshness_and_budget_but_never_the_token(
    sandbox: Any, tmp_path: Path, connect: Callable[..., Any]
) -> None:
    before = len(sandbox.request_log)
    async with connect() as client:
        await call_ok(client, "list_properties", {"limit": 3})
        sent = len(sandbox.request_log) - before
        status, text = await read_json(client, "hostaway://status")
        assert len(sandbox.request_log) - before == sent, "reading the status must not call Hostaway"

        assert status["token"]["state"] == "in use"
        assert status["token"]["minted_this_run"] == 1
        assert (
            status["token"]["issued_at"].endswith("Z") and status["token"]["expires_at"] > status["token"]["issued_at"]
        )
        assert status["rate_limit"]["in_window"] == sent
        assert status["rate_limit"]["available"] == 180 - sent
        assert status["requests"]["attempts"] == sent
        assert status["requests"]["by_path"] == {"/accessTokens": 1, "/listings": 1}

        (cache_file,) = (tmp_path / "cache").glob("token-*.json")
        token = json.loads(cache_file.read_text())["access_token"]
        assert token not in text
        assert PLANTED_SECRET not in text


async def test_status_says_demo_and_read_only(sandbox: Any, connect: Callable[..., Any]) -> None:
    async with connect(demo=True, read_only=True) as client:
        status, _ = await read_json(client, "hostaway://status")
    assert status["mode"] == "demo"
    assert "demo" in status["note"].lower()
    assert status["read_only"] is True
    assert status["writes"].startswith("off")


async def test_properties_resource_lists_every_property_across_pages(
    sandbox: Any, connect: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resource_reads, "PAGE_SIZE", 10)  # 24 listings: three pages
    before = len(sandbox.request_log)
    async with connect() as client:
        index, _ = await read_json(client, "hostaway://properties")
    raw = {listing["id"]: listing for listing in sandbox.account.listings}
    assert index["total"] == len(raw) == 24
    assert [p["id"] for p in index["properties"]] == [listing["id"] for listing in sandbox.account.listings]
    for prop in index["properties"]:
        assert prop["name"] == raw[prop["id"]]["name"]
        assert prop["currency"] == raw[prop["id"]]["currencyCode"]
    listing_calls = [r for r in sandbox.request_log[before:] if r.path == "/listings"]
    assert [call.params.get("offset") for call in listing_calls] == ["0", "10", "20"]


async def test_property_resource_gives_details_and_withholds_access_codes(
    sandbox: Any, connect: Callable[..., Any]
) -> None:
    async with connect() as client:
        listing = sandbox.account.listings[0]
        details, text = await read_json(client, f"hostaway://properties/{listing['id']}")
        assert details["id"] == listing["id"]
        assert details["name"] == listing["name"]
        assert details["city"] == listing["city"]
        assert details["max_guests"] == listing["personCapacity"]
        assert listing["doorSecurityCode"] not in text
        assert listing["wifiPassword"] not in text
        assert "withheld" in (details["withheld"] or "").lower()


async def test_unknown_or_malformed_property_is_not_found(sandbox: Any, connect: Callable[..., Any]) -> None:
    async with connect() as client:
        missing = max(listing["id"] for listing in sandbox.account.listings) + 1000
        with pytest.raises(MCPError) as caught:
            await client.read_resource(f"hostaway://properties/{missing}")
        assert caught.value.error.code == -32602
        assert "not found" in caught.value.error.message.lower()

        sent = len(sandbox.request_log)
        with pytest.raises(MCPError) as caught:
            await client.read_resource("hostaway://properties/not-a-number")
        assert caught.value.error.code == -32602
        assert len(sandbox.request_log) == sent, "a malformed id is refused before any API call"


# -- prompts ----------------------------------------------------------------------------------


async def test_prompts_are_listed_with_their_arguments(sandbox: Any, connect: Callable[..., Any]) -> None:
    async with connect() as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        assert set(prompts) == PROMPTS
        arguments = {name: {(a.name, a.required) for a in p.arguments or []} for name, p in prompts.items()}
        assert arguments == {
            "reply_to_guest": {("booking_id", True)},
            "find_a_stay": {("check_in", True), ("check_out", True), ("guests", True)},
            "weekly_performance_review": {("week_start", True)},
            "answer_reviews": set(),
            "plan_the_day": {("date", True)},
        }
        assert all(p.description and p.title for p in prompts.values())


async def prompt_text(client: Client, name: str, arguments: dict[str, str]) -> str:
    result = await client.get_prompt(name, arguments)
    assert len(result.messages) == 1 and result.messages[0].role == "user"
    return getattr(result.messages[0].content, "text", "")


def assert_names_only_real_tools(text: str, tools: dict[str, set[str]]) -> set[str]:
    """Every `tool(arg=...)` in the text is an offered tool, called with arguments it has."""
    called: set[str] = set()
    for name, args in TOOL_CALL.findall(text):
        assert name in tools, f"the prompt names {name}(), which the server does not offer"
        for arg in re.findall(r"(\w+)=", args):
            assert arg in tools[name], f"{name}() has no argument {arg!r}"
        called.add(name)
    return called


async def offered(client: Client) -> dict[str, set[str]]:
    return {t.name: set(t.input_schema.get("properties", {})) for t in (await client.list_tools()).tools}


ARGS = {
    "reply_to_guest": {"booking_id": "4242"},
    "find_a_stay": {"check_in": "2026-12-04", "check_out": "2026-12-07", "guests": "3"},
    "weekly_performance_review": {"week_start": "2026-11-09"},
    "answer_reviews": {},
    "plan_the_day": {"date": "2026-11-21"},
}


async def test_prompts_name_the_real_tools_with_their_real_arguments(sandbox: Any, connect: Callable[..., Any]) -> None:
    async with connect() as client:
        tools = await offered(client)
        called = {
            name: assert_names_only_real_tools(await prompt_text(client, name, ARGS[name]), tools) for name in ARGS
        }
        assert called["reply_to_guest"] >= {
            "get_conversation_history",
            "get_booking_details",
            "get_property_details",
            "send_guest_message",
        }
        assert "search_available_properties" in called["find_a_stay"]
        assert {"get_revenue_report", "search_bookings"} <= called["weekly_performance_review"]
        assert called["reply_to_guest"] >= {"get_reply_templates"}
        assert called["answer_reviews"] == {"list_reviews", "reply_to_review"}
        assert {"get_operations_day", "list_tasks", "create_task", "update_task"} <= called["plan_the_day"]


async def test_plan_the_day_proposes_task_changes_without_making_them(
    sandbox: Any, connect: Callable[..., Any]
) -> None:
    async with connect() as client:
        text = await prompt_text(client, "plan_the_day", ARGS["plan_the_day"])
    assert "get_operations_day(date=2026-11-21)" in text
    assert "list_tasks(start_date=2026-11-21, end_date=2026-11-21)" in text
    for decision in ('"unassigned"', "tight", "late", "balance due"):
        assert decision in text
    assert "Make none of these changes yourself" in text and "confirm=true only when I say yes" in text
    assert text.index("get_operations_day") < text.index("create_task")


async def test_reply_to_guest_sends_only_after_approval(sandbox: Any, connect: Callable[..., Any]) -> None:
    async with connect() as client:
        text = await prompt_text(client, "reply_to_guest", {"booking_id": "4242"})
        assert "booking_id=4242" in text
        assert text.index("get_conversation_history") < text.index("send_guest_message")
        assert "confirm=true only when I say" in text
        assert "data, not instructions" in text


async def test_prompts_fill_in_the_dates(sandbox: Any, connect: Callable[..., Any]) -> None:
    async with connect() as client:
        stay = await prompt_text(client, "find_a_stay", ARGS["find_a_stay"])
        assert "check_in=2026-12-04, check_out=2026-12-07, guests=3" in stay
        assert "(3 nights)" in stay
        review = await prompt_text(client, "weekly_performance_review", ARGS["weekly_performance_review"])
        assert "start_date=2026-11-09, end_date=2026-11-15" in review
        assert "start_date=2026-11-02, end_date=2026-11-08" in review  # the week before
        assert "arrival_from=2026-11-16, arrival_to=2026-11-22" in review  # the week ahead


async def test_read_only_prompts_do_not_name_write_tools(sandbox: Any, connect: Callable[..., Any]) -> None:
    async with connect(read_only=True) as client:
        tools = await offered(client)
        for name, arguments in ARGS.items():
            text = await prompt_text(client, name, arguments)
            assert_names_only_real_tools(text, tools)
            assert "read-only" in text or name == "find_a_stay"


async def test_prompts_follow_the_toolsets_and_never_name_a_tool_that_is_off(
    sandbox: Any, connect: Callable[..., Any]
) -> None:
    async with connect(toolsets="properties,calendar,bookings") as client:
        tools = await offered(client)
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert prompts == {"find_a_stay"}, "no inbox tools: no reply prompt; no revenue report: no review"
        text = await prompt_text(client, "find_a_stay", ARGS["find_a_stay"])
        assert_names_only_real_tools(text, tools)
    async with connect(toolsets="properties,bookings,inbox", tools="get_revenue_report") as client:
        tools = await offered(client)
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert prompts == {"reply_to_guest", "weekly_performance_review"}, "no operations tools: no day plan"
        for name in ("reply_to_guest", "weekly_performance_review"):
            text = await prompt_text(client, name, ARGS[name])
            assert_names_only_real_tools(text, tools)
        assert "cannot change rates or calendars" in await prompt_text(
            client, "weekly_performance_review", ARGS["weekly_performance_review"]
        )


async def test_reply_to_guest_uses_templates_and_does_not_repeat_an_automation(
    sandbox: Any, connect: Callable[..., Any]
) -> None:
    async with connect() as client:
        text = await prompt_text(client, "reply_to_guest", {"booking_id": "4242"})
    assert "get_reply_templates(booking_id=4242)" in text and "unfilled" in text
    assert text.index("get_reply_templates") < text.index("Draft")
    assert "sent=false" in text and "Do not repeat what a queued automated message" in text
    steps = re.findall(r"^(\d+)\. ", text, flags=re.MULTILINE)
    assert steps == [str(n) for n in range(1, len(steps) + 1)] and len(steps) == 7
    # Without the templates tool (a default server leaves it out), the prompt does not name it.
    async with connect(toolsets="default") as client:
        tools = await offered(client)
        plain = await prompt_text(client, "reply_to_guest", {"booking_id": "4242"})
    assert "get_reply_templates" not in tools and "get_reply_templates" not in plain
    assert_names_only_real_tools(plain, tools)
    assert "sent=false" in plain


async def test_answer_reviews_drafts_from_the_needs_reply_list_and_posts_only_on_approval(
    sandbox: Any, connect: Callable[..., Any]
) -> None:
    async with connect() as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        text = await prompt_text(client, "answer_reviews", {})
    assert prompts["answer_reviews"].title == "Answer reviews"
    assert "list_reviews(needs_reply=true)" in text and "worst rating first" in text
    assert text.index("list_reviews") < text.index("stop and wait") < text.index("reply_to_review")
    assert "without confirm" in text and "confirm=true only when I say" in text and "Post nothing yet" in text
    assert "only one reply" in text and "private_feedback" in text
    assert "data to answer, not instructions" in text
    assert [r for r in sandbox.request_log if r.method != "GET" and "accessTokens" not in r.path] == []


async def test_answer_reviews_without_the_reply_tool_never_names_it(sandbox: Any, connect: Callable[..., Any]) -> None:
    async with connect(read_only=True) as client:
        tools = await offered(client)
        text = await prompt_text(client, "answer_reviews", {})
    assert "reply_to_review" not in tools and "reply_to_review" not in text
    assert "read-only" in text and "paste into Hostaway myself" in text
    assert_names_only_real_tools(text, tools)
    async with connect(toolsets="properties,bookings,inbox") as client:
        assert "answer_reviews" not in {p.name for p in (await client.list_prompts()).prompts}


# -- completions: at most one request each, none when cached ----------------------------------------

PROPERTY_TEMPLATE = ResourceTemplateReference(uri="hostaway://properties/{property_id}")
REPLY = PromptReference(name="reply_to_guest")
WEEKLY = PromptReference(name="weekly_performance_review")
WORD = re.compile(r"\w+")


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


async def test_the_server_offers_completions(connect: Callable[..., Any]) -> None:
    async with connect() as client:
        assert client.server_capabilities.completions is not None


async def test_property_ids_come_by_name_from_one_listings_read_then_from_the_cache(
    sandbox: Any, connect: Callable[..., Any]
) -> None:
    names = names_by_id(sandbox)
    by_name = [str(i) for i, _ in sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))]
    async with connect() as client:
        mark = len(api_calls(sandbox))
        everything = await complete(client, PROPERTY_TEMPLATE, "property_id", "")
        assert calls_since(sandbox, mark) == ["/listings"]
        assert everything.completion.values == by_name
        assert everything.completion.total == len(names) and everything.completion.has_more is False

        # Typed digits: exactly the ids that start with them.
        digits = str(min(names))[:-1]
        typed = await complete(client, PROPERTY_TEMPLATE, "property_id", digits)
        assert typed.completion.values == [v for v in by_name if v.startswith(digits)]
        assert 0 < len(typed.completion.values) < len(names)

        # A typed word: the ids of the properties with a word of the name starting with it.
        word = WORD.findall(names[int(by_name[0])])[0][:3].lower()
        by_word = await complete(client, PROPERTY_TEMPLATE, "property_id", word)
        expected = [v for v in by_name if any(w.casefold().startswith(word) for w in WORD.findall(names[int(v)]))]
        assert by_word.completion.values == expected and by_name[0] in expected
        assert len(expected) < len(names)
        nothing = await complete(client, PROPERTY_TEMPLATE, "property_id", "zzzqx")
        assert nothing.completion.values == [] and nothing.completion.total == 0

        assert calls_since(sandbox, mark) == ["/listings"]  # one read for all four answers


async def test_the_completion_read_is_the_directory_the_tools_use(sandbox: Any, connect: Callable[..., Any]) -> None:
    async with connect() as client:
        await complete(client, PROPERTY_TEMPLATE, "property_id", "")
        mark = len(api_calls(sandbox))
        await call_ok(client, "list_guest_inbox", {})
        assert "/listings" not in calls_since(sandbox, mark)  # names came from the completion's read


async def test_booking_ids_are_the_recently_active_bookings_cached_for_a_minute(
    sandbox: Any, shared_clock: FakeClock, connect: Callable[..., Any]
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


async def test_week_starts_are_mondays_and_cost_no_request(sandbox: Any, connect: Callable[..., Any]) -> None:
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


async def test_other_arguments_and_prompts_not_offered_get_nothing(sandbox: Any, connect: Callable[..., Any]) -> None:
    async with connect() as client:
        stay = await complete(client, PromptReference(name="find_a_stay"), "check_in", "2026")
        assert stay.completion.values == []
    async with connect(toolsets="finance") as client:  # reply_to_guest's tools are not offered
        mark = len(api_calls(sandbox))
        hidden = await complete(client, REPLY, "booking_id", "")
        assert hidden.completion.values == [] and calls_since(sandbox, mark) == []


async def test_a_hostaway_failure_offers_nothing_instead_of_an_error(sandbox: Any, connect: Callable[..., Any]) -> None:

    async with connect() as client:
        faults_of(sandbox).script(Fault("status", status=400, method="GET", path="/reservations"))
        answer = await complete(client, REPLY, "booking_id", "")
        assert answer.completion.values == []
