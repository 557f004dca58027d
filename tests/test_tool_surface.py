"""The tool surface as a contract: names, annotations, schemas, and their size in the context."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mcp import Client

from hostaway_mcp.tools import catalogue

READ = (True, False, True, True)  # read_only, destructive, idempotent, open_world
WRITE = (False, True, False, True)
# What hosts put in front of the model (names, descriptions, input schemas) for all tools, and
# everything including output schemas; today about 22 KB and 74 KB.
MODEL_FACING_BUDGET_BYTES = 30_000
TOTAL_BUDGET_BYTES = 100_000


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
