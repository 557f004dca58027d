"""Arguments are taken strictly: unknown names, guessed types and extreme values are refused cleanly.

Every check runs over every tool the server lists (so a new tool is covered without editing this
file), through a real `mcp.Client`, and asserts that a refused call sent nothing to Hostaway.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, ElicitRequestParams, ElicitResult

from tests.conftest import TODAY, call_error, call_ok

INTERNAL = ("failed unexpectedly", "OverflowError", "InvalidURL", "Traceback")


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory(listings=4)


async def input_schemas(client: Client) -> dict[str, dict[str, Any]]:
    return {tool.name: tool.input_schema for tool in (await client.list_tools()).tools}


def id_arguments(schema: dict[str, Any]) -> list[str]:
    return [name for name in schema.get("properties", {}) if name.endswith(("_id", "_ids"))]


def string_properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each string-typed property (or list item) that is free text: no enum, no date format."""
    found: dict[str, dict[str, Any]] = {}
    for name, prop in schema.get("properties", {}).items():
        for variant in [prop, *prop.get("anyOf", [])]:
            for candidate, label in ((variant, name), (variant.get("items", {}), f"{name}[]")):
                is_text = candidate.get("type") == "string" and "enum" not in candidate and "format" not in candidate
                if is_text and "const" not in candidate:
                    found[label] = candidate | {"description": prop.get("description", "")}
    return found


async def test_every_tool_refuses_an_unknown_argument_naming_it_and_the_accepted_ones(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        schemas = await input_schemas(client)
        assert len(schemas) >= 15
        for tool, schema in schemas.items():
            assert schema.get("additionalProperties") is False, f"{tool} does not say it takes no other names"
            error = await call_error(client, tool, {"no_such_argument": 1})
            assert "no_such_argument" in error, tool
            for accepted in schema.get("properties", {}):
                assert accepted in error, f"{tool}'s error does not list {accepted}"
            assert not any(marker in error for marker in INTERNAL), error
    assert sandbox.request_log == [], "a refused call sent nothing"


async def test_search_bookings_with_status_is_refused_and_points_at_statuses(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "search_bookings", {"status": "cancelled"})
        assert "has no argument 'status'" in error
        assert "did you mean 'statuses'" in error
        assert "cancelled" not in error, "the rejected value is not echoed"
        everything = await call_ok(client, "search_bookings", {})
        cancelled = await call_ok(client, "search_bookings", {"statuses": ["cancelled"]})
    assert cancelled["total"] is None or cancelled["total"] < everything["total"]


@pytest.mark.parametrize(
    "value",
    [True, False, "١٢٣", "²", "12a", 3.5, "1_000", " ", -4, 0, 2**60],
    ids=[
        "true",
        "false",
        "arabic-digits",
        "superscript",
        "12a",
        "fraction",
        "underscored",
        "blank",
        "negative",
        "zero",
        "huge",
    ],
)
async def test_ids_are_whole_numbers_only(server_factory: Callable[..., Any], sandbox: Any, value: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        schemas = await input_schemas(client)
        checked = 0
        for tool, schema in schemas.items():
            for name in id_arguments(schema):
                argument = [value] if name.endswith("_ids") else value
                error = await call_error(client, tool, {name: argument})
                assert name in error, (tool, name, error)
                assert not any(marker in error for marker in INTERNAL), error
                checked += 1
        assert checked >= 12
    assert sandbox.request_log == []


async def test_an_id_written_as_ascii_digits_is_that_id(server_factory: Callable[..., Any], sandbox: Any) -> None:
    listing_id = sandbox.account.listings[0]["id"]
    async with Client(server_factory(sandbox)) as client:
        details = await call_ok(client, "get_property_details", {"property_id": str(listing_id)})
    assert details["id"] == listing_id


def every_write(sandbox: Any) -> list[Any]:
    return [r for r in sandbox.request_log if r.method != "GET" and "accessTokens" not in str(r.path)]


def write_calls(sandbox: Any) -> dict[str, dict[str, Any]]:
    """A valid call of each write tool; each would change something if confirmed."""
    reservation = next(r for r in sandbox.account.reservations if r["status"] in ("new", "modified"))
    listing_id = sandbox.account.listings[0]["id"]
    start = TODAY + timedelta(days=300)
    nights = {
        "property_id": listing_id,
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(2)).isoformat(),
    }
    return {
        "send_guest_message": {"booking_id": reservation["id"], "message": "See you soon!"},
        "block_dates": nights,
        "unblock_dates": nights,
        "update_nightly_rates": nights | {"nightly_price": 123.0},
    }


@pytest.mark.parametrize("answer", ["yes", "true", 1, "1", "on"])
async def test_confirm_is_a_json_true_never_a_word_or_a_number(
    server_factory: Callable[..., Any], sandbox: Any, answer: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        calls = write_calls(sandbox)
        for tool, arguments in calls.items():
            error = await call_error(client, tool, arguments | {"confirm": answer})
            assert "confirm" in error and "valid boolean" in error, error
        error = await call_error(
            client, "send_guest_message", calls["send_guest_message"] | {"allow_duplicate": answer}
        )
        assert "allow_duplicate" in error
    assert every_write(sandbox) == []


@pytest.mark.parametrize("mode", ["auto", "legacy"], ids=["2026-07-28", "2025-11-25"])
@pytest.mark.parametrize("ticked", ["yes", "true", 1, "on"])
async def test_a_form_answered_with_a_word_does_not_confirm(
    server_factory: Callable[..., Any], sandbox: Any, mode: str, ticked: Any
) -> None:
    asked: list[ElicitRequestParams] = []

    async def answer(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params)
        return ElicitResult(action="accept", content={"confirm": ticked})

    async with Client(server_factory(sandbox), mode=mode, elicitation_callback=answer) as client:
        for tool, arguments in write_calls(sandbox).items():
            result = await client.call_tool(tool, arguments | {"confirm": True})
            assert result.is_error, f"{tool} carried out a change on the form answer {ticked!r}"
    assert asked, "the form was shown"
    assert every_write(sandbox) == []


async def test_far_dates_are_refused_with_the_range_never_an_overflow(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "get_revenue_report", {"start_date": "2026-01-01", "end_date": "9999-12-31"})
        assert "end_date" in error and "2099-12-31" in error
        schemas = await input_schemas(client)
        checked = 0
        for tool, schema in schemas.items():
            for name, prop in schema.get("properties", {}).items():
                variants = [prop, *prop.get("anyOf", [])]
                if any(v.get("format") == "date" for v in variants):
                    for far in ("9999-12-31", "0001-01-01"):
                        error = await call_error(client, tool, {name: far})
                        assert name in error and not any(m in error for m in INTERNAL), (tool, name, error)
                        checked += 1
        assert checked >= 30
    assert sandbox.request_log == []


async def test_every_free_text_argument_has_a_stated_maximum_and_keeps_it(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        schemas = await input_schemas(client)
        checked = 0
        for tool, schema in schemas.items():
            for label, prop in string_properties(schema).items():
                limit = prop.get("maxLength")
                # Stated once, by the schema (maxLength); the description does not repeat it (issue 21).
                assert isinstance(limit, int), f"{tool}.{label} has no maximum length"
                name = label.removesuffix("[]")
                value: Any = "x" * 100_000
                error = await call_error(client, tool, {name: [value] if label.endswith("[]") else value})
                assert name in error and f"at most {limit} characters" in error, (tool, name, error)
                assert "x" * 200 not in error, "the long value is not echoed back"
                checked += 1
        assert checked >= 9
    assert sandbox.request_log == []


async def test_a_huge_city_is_a_clear_error_not_an_invalid_url(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        for tool, extra in (
            ("list_properties", {}),
            ("search_available_properties", {"check_in": "2027-01-10", "check_out": "2027-01-12"}),
        ):
            error = await call_error(client, tool, {"city": "Lisbon" * 20_000, **extra})
            assert "city" in error and "at most 100 characters" in error
            assert not any(marker in error for marker in INTERNAL)
    assert sandbox.request_log == []


@pytest.mark.parametrize("property_id", ["١٢٣", "²", "12a", "0", "-1", "9" * 40])
async def test_the_property_template_refuses_anything_but_ascii_digits(
    server_factory: Callable[..., Any], sandbox: Any, property_id: str
) -> None:
    async with Client(server_factory(sandbox)) as client:
        with pytest.raises(MCPError) as caught:
            await client.read_resource(f"hostaway://properties/{property_id}")
    assert caught.value.error.code == INVALID_PARAMS
    assert "digits 0-9" in caught.value.error.message
    assert sandbox.request_log == []


@pytest.mark.parametrize(
    ("prompt", "arguments", "named"),
    [
        ("weekly_performance_review", {"week_start": "next monday"}, "week_start"),
        ("weekly_performance_review", {"week_start": "9999-12-31"}, "week_start"),
        ("reply_to_guest", {"booking_id": "true"}, "booking_id"),
        ("reply_to_guest", {"booking_id": "١٢٣"}, "booking_id"),
        ("reply_to_guest", {}, "booking_id"),
        ("reply_to_guest", {"booking_id": "12", "tone": "warm"}, "tone"),
        ("find_a_stay", {"check_in": "2027-01-10", "check_out": "2027-01-12", "guests": "0"}, "guests"),
    ],
)
async def test_bad_prompt_arguments_are_invalid_params_naming_the_argument(
    server_factory: Callable[..., Any], sandbox: Any, prompt: str, arguments: dict[str, str], named: str
) -> None:
    async with Client(server_factory(sandbox)) as client:
        with pytest.raises(MCPError) as caught:
            await client.get_prompt(prompt, arguments)
    assert caught.value.error.code == INVALID_PARAMS
    assert f"'{named}'" in caught.value.error.message
    assert caught.value.error.data == {"arguments": [named]}
