"""The tool surface as a contract: names, annotations, toolsets, schemas, and their size in the context."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

import pytest
from mcp import Client
from pydantic import ValidationError

from hostaway_mcp.config import Settings
from hostaway_mcp.tools import MAX_DEFAULT_TOOLS, TOOLSETS, catalogue

READ = (True, False, True, True)  # read_only, destructive, idempotent, open_world
WRITE = (False, True, False, True)
# What hosts put in front of the model (names, descriptions, input schemas) for all tools, and
# everything including output schemas, measured for the whole catalogue: 23 tools (quotes and the
# booking lifecycle included) 35.3 KB and 120.1 KB; with the four operations tools (27) 42.5 KB and
# 143.4 KB; with the seven payment and finance tools (34) 52.6 KB and 178.4 KB; with search_messages
# (35) 54.1 KB and 183.5 KB, about 1.5 KB and 5.2 KB a tool. Raise it only with a new tool, by
# what it costs.
MODEL_FACING_BUDGET_BYTES = 55_800
TOTAL_BUDGET_BYTES = 186_500


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


async def test_the_whole_surface_fits_a_small_context_budget(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    tools = await _tools(server_factory(sandbox))
    facing = sum(len(t.name) + len(t.description or "") + len(json.dumps(t.input_schema)) for t in tools.values())
    total = sum(len(json.dumps(t.model_dump(mode="json", exclude_none=True))) for t in tools.values())
    assert facing <= MODEL_FACING_BUDGET_BYTES, f"the model sees {facing} bytes of tool definitions"
    assert total <= TOTAL_BUDGET_BYTES, f"tool definitions take {total} bytes"


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
