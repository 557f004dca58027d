"""The tool surface as a contract: names, annotations, toolsets, schemas, and their size in the context."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from mcp import Client
from pydantic import ValidationError

from bench.common import MeteredTransport
from bench.scenarios import NOT_FROM_HOSTAWAY, arguments_for
from hostaway_mcp.config import Settings
from hostaway_mcp.tools import MAX_DEFAULT_TOOLS, TOOLSETS, catalogue
from hostaway_mcp.tools._budget import compact_json
from tests.conftest import TODAY, call_ok, result_text

READ = (True, False, True, True)  # read_only, destructive, idempotent, open_world
WRITE = (False, True, False, True)
# The context budget (issue 21): what `tools/list` of the default set may take, in all and per
# tool on average, and what any one definition may take; and a result's share of the raw API
# bytes behind it (design §7).
DEFAULT_SET_BUDGET_BYTES = 40_000
PER_TOOL_AVERAGE_BYTES = 1_600
ONE_TOOL_BYTES = 3_000
RESULT_SHARE_OF_RAW = 0.15
# Tools whose answer is not a summary of Hostaway data, so its share is not something a tool can
# fold away: a transcript (each item of the answer is one of Hostaway's) or the preview of a
# change to one small object (it shows the exact change, which comes from the caller). Each has
# its own cap and the reason; a tool is added here only with one.
TRANSCRIPT_SHARE_OF_RAW = {
    "get_booking_history": 0.25,  # a change log: when, what, before, after, who; ~105 of ~365 bytes a change
    "reply_to_review": 0.60,  # the preview shows the exact public text; what it reads is one review (~1 KB)
    # A task board: each item is one of Hostaway's tasks (title, property, assignee, window, status),
    # ~300 of the ~1,100 raw bytes a task, plus the team whose ids the task writes take; 22.5% measured.
    "list_tasks": 0.25,
    "update_task": 0.70,  # the preview shows the task before and after; what it reads is that one task (~0.9 KB)
    # An owner statement is a ledger the owner is paid by: one row per booking and per expense, every
    # amount kept; already a compact table (named columns once). 25.2% measured on the standard statement.
    "get_owner_statement": 0.30,
}


async def _tools(server: Any) -> dict[str, Any]:
    async with Client(server) as client:
        return {tool.name: tool for tool in (await client.list_tools()).tools}


async def test_every_tool_is_annotated_for_what_it_does(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    tools = await _tools(server_factory(sandbox))
    kinds = {spec.name: spec.kind for spec in catalogue()}
    assert set(tools) == set(kinds)
    for name, tool in tools.items():
        hints = tool.annotations
        assert hints is not None, name
        observed = (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint, hints.open_world_hint)
        assert observed == (READ if kinds[name] == "read" else WRITE), name
        assert tool.description and not tool.description.startswith((" ", "\n")), name
        assert "    " not in tool.description.split("\n", 1)[0], name
        assert tool.output_schema is not None, f"{name} has no output schema (no structured content)"


async def test_read_only_mode_lists_exactly_the_read_tools(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    tools = await _tools(server_factory(sandbox, read_only=True))
    assert set(tools) == {spec.name for spec in catalogue() if spec.kind == "read"}


def _wire_bytes(value: Any) -> int:
    """Bytes of a value as JSON on the wire (compact, as the SDK sends it)."""
    return len(compact_json(value).encode())


async def test_the_default_set_fits_the_context_budget(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox, toolsets="default")) as client:
        listed = await client.list_tools()
    size = _wire_bytes(listed.model_dump(mode="json", by_alias=True, exclude_none=True))
    count = len(listed.tools)
    assert size <= DEFAULT_SET_BUDGET_BYTES, f"tools/list of the default set is {size} bytes"
    assert size <= PER_TOOL_AVERAGE_BYTES * count, f"{size / count:.0f} bytes per tool on average"


async def test_no_definition_carries_what_the_model_does_not_need(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    """Slim schemas (`tools/_budget.py`): no titles, no output prose, optional inputs as one type."""
    tools = await _tools(server_factory(sandbox, toolsets="all"))
    for name, tool in tools.items():
        size = _wire_bytes(tool.model_dump(mode="json", by_alias=True, exclude_none=True))
        assert size <= ONE_TOOL_BYTES, f"{name} takes {size} bytes of tools/list"
        assert tool.title is None and tool.annotations is not None and tool.annotations.title is None, name
        assert not _keywords(tool.input_schema, "title"), f"{name}: titles in the input schema"
        for param, schema in tool.input_schema.get("properties", {}).items():
            assert {"type": "null"} not in schema.get("anyOf", []), f"{name}.{param}: optional as anyOf null"
        assert tool.output_schema is not None and tool.output_schema.get("type") == "object", name
        for keyword in ("title", "required"):
            assert not _keywords(tool.output_schema, keyword), f"{name}: {keyword} in the output schema"
        prose = set(_keywords(tool.output_schema, "description"))
        assert prose <= {"guest-written"}, f"{name}: prose in the output schema: {prose}"


def _keywords(schema: Any, keyword: str, in_map: bool = False) -> list[Any]:
    """Every use of a schema keyword (not a property that happens to have its name)."""
    if isinstance(schema, list):
        return [found for item in schema for found in _keywords(item, keyword)]
    if not isinstance(schema, dict):
        return []
    found = [schema[keyword]] if keyword in schema and not in_map else []
    for key, value in schema.items():
        found += _keywords(value, keyword, in_map=key in ("properties", "$defs") and not in_map)
    return found


# -- toolsets ---------------------------------------------------------------------------------


def test_every_catalogue_line_names_a_documented_tool_in_a_known_toolset() -> None:
    names = [spec.name for spec in catalogue()]
    assert len(names) == len(set(names)), "tool names are unique"
    for spec in catalogue():
        assert spec.toolset in TOOLSETS, f"{spec.name}: unknown toolset {spec.toolset!r}"
        assert spec.kind in ("read", "write"), spec.name
        assert inspect.iscoroutinefunction(spec.fn), f"{spec.ref} is not an async function"
        assert spec.fn.__name__ == spec.name, spec.ref
        assert inspect.getdoc(spec.fn), f"{spec.name} has no docstring (its description for the model)"


async def test_the_default_set_is_the_tools_marked_default_and_stays_small(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    tools = await _tools(server_factory(sandbox, toolsets="default"))
    assert list(tools) == [spec.name for spec in catalogue() if spec.default]
    assert len(tools) <= MAX_DEFAULT_TOOLS


async def test_all_lists_every_tool_in_catalogue_order(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    tools = await _tools(server_factory(sandbox, toolsets="all"))
    assert list(tools) == [spec.name for spec in catalogue()]


async def test_toolsets_and_single_tools_add_up(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    tools = await _tools(server_factory(sandbox, toolsets="Calendar, finance", tools="get_booking_details"))
    expected = [s.name for s in catalogue() if s.toolset in ("calendar", "finance") or s.name == "get_booking_details"]
    assert list(tools) == expected
    only = await _tools(server_factory(sandbox, toolsets="none", tools="list_properties get_revenue_report"))
    assert list(only) == ["list_properties", "get_revenue_report"]


async def test_read_only_hides_a_write_even_when_it_is_asked_for_by_name(
    sandbox: Any, server_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    writes = [spec.name for spec in catalogue() if spec.kind == "write"]
    server = server_factory(sandbox, toolsets="none", tools=["list_properties", *writes], read_only=True)
    assert "read-only mode hides every write tool" in caplog.text
    assert list(await _tools(server)) == ["list_properties"]
    async with Client(server) as client:
        refused = await client.call_tool(writes[0], {})
    assert refused.is_error, "a hidden write cannot be called either"
    assert [entry.path for entry in sandbox.request_log if entry.path != "/accessTokens"] == [], "nothing was sent"


@pytest.mark.parametrize(
    ("field", "value", "needles"),
    [
        ("toolsets", "default, bookngs", ["'bookngs'", "did you mean bookings", *TOOLSETS, "default", "all", "none"]),
        ("tools", "list_property", ["'list_property'", "did you mean list_properties", "get_revenue_report"]),
    ],
)
def test_an_unknown_name_is_refused_with_the_valid_ones(field: str, value: str, needles: list[str]) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings.model_validate({"demo": True, field: value})
    message = str(refused.value)
    for needle in needles:
        assert needle in message


def test_blank_toolsets_mean_the_default_set() -> None:
    assert Settings(_env_file=None, demo=True, toolsets=" ").toolsets == ("default",)
    assert Settings(_env_file=None, demo=True).toolsets == ("default",)


# -- results: compact, and a small share of the raw API bytes behind them -------------------------


async def _standard_answers(sandbox: Any, server_factory: Callable[..., Any], mode: str) -> dict[str, Any]:
    """Every tool on its standard question (bench/scenarios.py): name -> (result, raw API bytes).

    Writes are previews. unblock_dates needs blocked nights, so its range is blocked first.
    """
    metered = MeteredTransport(sandbox.transport())
    server = server_factory(sandbox, toolsets="all", result_text=mode, transport=metered)
    answers: dict[str, Any] = {}
    async with Client(server) as client:
        schemas = {tool.name: tool.input_schema for tool in (await client.list_tools()).tools}
        for spec in catalogue():
            if spec.name in NOT_FROM_HOSTAWAY:
                continue
            arguments = arguments_for(spec.name, schemas[spec.name], sandbox.account, TODAY)
            if spec.name == "unblock_dates":
                await call_ok(client, "block_dates", {**arguments, "confirm": True})
            metered.reset()
            result = await client.call_tool(spec.name, arguments)
            assert not result.is_error, (
                f"{spec.name} fails on its standard question: {result.content} "
                "(a new tool? give it arguments in bench/scenarios.py)"
            )
            answers[spec.name] = (result, metered.bytes)
    return answers


@pytest.mark.parametrize("mode", ["json", "summary"])
async def test_every_result_is_a_small_share_of_the_raw_api_bytes(
    mode: str, sandbox_factory: Callable[..., Any], server_factory: Callable[..., Any]
) -> None:
    """What the model sees, per kind of host, against the Hostaway bytes behind it (design §7).

    Default (json): the text block is the structured content as compact JSON, so a host that
    shows the model one of them sees that much. summary: a host that shows both sees the
    structured content plus a one-line text.
    """
    sandbox = sandbox_factory(enforce_rate_limits=False)  # bytes are measured here, not limits
    for name, (result, raw) in (await _standard_answers(sandbox, server_factory, mode)).items():
        structured = compact_json(result.structured_content)
        text = result_text(result)
        if mode == "json":
            assert text == structured, f"{name}: the text block is not the compact structured content"
            shown = len(text.encode())
        else:
            assert "\n" not in text and (text == structured or len(text) < 120), f"{name}: {text[:200]}"
            shown = len(text.encode()) + len(structured.encode())
        assert raw > 0, f"{name} read nothing from Hostaway"
        share, cap = shown / raw, TRANSCRIPT_SHARE_OF_RAW.get(name, RESULT_SHARE_OF_RAW)
        assert share <= cap, f"{mode}: {name} shows {shown} bytes of {raw} raw ({share:.1%}, cap {cap:.0%})"
