"""What the server itself costs per call, and how much of the API payload reaches the model.

Both run against a zero-latency sandbox with its limits off (and the server's limiter wide open),
so nothing waits: the time left over is the server's own work.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from bench.common import (
    NOW,
    TODAY,
    MeteredTransport,
    Table,
    bench_settings,
    connected,
    make_sandbox,
    median,
    percentile,
    premint_token,
    scratch_dir,
    text_of,
)
from bench.scenarios import NOT_FROM_HOSTAWAY, arguments_for, tool_arguments


def read_tools() -> list[str]:
    from hostaway_mcp.tools import catalogue

    return [spec.name for spec in catalogue() if spec.kind == "read"]


async def _open(listings: int = 24, result_text: str = "json") -> tuple[Any, MeteredTransport, Any]:
    from hostaway_mcp.server import build_server

    sandbox = make_sandbox(listings, enforce_rate_limits=False, token_not_before_s=0.0)
    metered = MeteredTransport(sandbox.transport())
    settings = bench_settings(
        scratch_dir("costs"),
        shared_rate_limit=False,
        rate_limit_account="1000000000/10",
        rate_limit_ip="1000000000/10",
        toolsets=("all",),
        result_text=result_text,
    )
    await premint_token(settings, sandbox.transport())
    server = build_server(settings, transport=metered, token_not_before_s=0.0, now=lambda: NOW)
    return sandbox, metered, server


async def overhead(calls: int) -> Table:
    sandbox, metered, server = await _open()
    scripted = tool_arguments(sandbox.account, TODAY)
    tools = [t for t in read_tools() if t in scripted]
    totals: dict[str, list[float]] = defaultdict(list)
    own: dict[str, list[float]] = defaultdict(list)
    async with connected(server) as client:
        await client.list_tools()
        for tool in tools:  # warm-up: first calls build caches on both sides
            await client.call_tool(tool, scripted[tool])
        for i in range(calls):
            tool = tools[i % len(tools)]
            metered.reset()
            started = time.perf_counter()
            result = await client.call_tool(tool, scripted[tool])
            elapsed = time.perf_counter() - started
            if result.is_error:
                raise RuntimeError(f"{tool} failed: {text_of(result)}")
            totals[tool].append(elapsed * 1e3)
            own[tool].append((elapsed - metered.seconds) * 1e3)

    table = Table(
        "Server overhead per tool call (zero-latency sandbox)",
        ["tool", "calls", "p50 total ms", "p50 in sandbox ms", "p50 overhead ms", "p95 overhead ms"],
    )
    every_total = [v for values in totals.values() for v in values]
    every_own = [v for values in own.values() for v in values]
    for tool in tools:
        in_sandbox = [t - o for t, o in zip(totals[tool], own[tool], strict=True)]
        table.rows.append(
            [
                tool,
                len(totals[tool]),
                median(totals[tool]),
                median(in_sandbox),
                median(own[tool]),
                percentile(own[tool], 95),
            ]
        )
    in_sandbox_all = [t - o for t, o in zip(every_total, every_own, strict=True)]
    table.rows.append(
        [
            "all",
            len(every_total),
            median(every_total),
            median(in_sandbox_all),
            median(every_own),
            percentile(every_own, 95),
        ]
    )
    table.figures["overhead_p50_ms"] = median(every_own)
    table.figures["overhead_p95_ms"] = percentile(every_own, 95)
    table.notes.append(
        "total: call_tool through an in-memory mcp.Client; in sandbox: time inside the HTTP transport "
        "(the fake Hostaway building its answers); overhead = total - in sandbox: validation, the "
        "gateway, the tool's own work, result models and the MCP layer."
    )
    table.notes.append(
        "The client's re-validation of each result against the output schema is left out: it is the "
        "client's cost (jsonschema in the Python SDK, tens of ms for the largest results)."
    )
    return table


async def _standard_answers(result_text: str) -> dict[str, tuple[int, int, int, int]]:
    """Every tool on its standard question: name -> (API calls, raw bytes, text bytes, structured bytes).

    Writes are previews (nothing is changed); unblock_dates gets blocked nights to preview first.
    """
    from hostaway_mcp.tools import catalogue
    from hostaway_mcp.tools._budget import compact_json

    sandbox, metered, server = await _open(result_text=result_text)
    answers: dict[str, tuple[int, int, int, int]] = {}
    async with connected(server) as client:
        schemas = {tool.name: tool.input_schema for tool in (await client.list_tools()).tools}
        for spec in catalogue():
            if spec.name in NOT_FROM_HOSTAWAY:
                continue
            arguments = arguments_for(spec.name, schemas[spec.name], sandbox.account, TODAY)
            if spec.name == "unblock_dates":
                await client.call_tool("block_dates", {**arguments, "confirm": True})
            metered.reset()
            result = await client.call_tool(spec.name, arguments)
            if result.is_error:
                raise RuntimeError(f"{spec.name} failed: {text_of(result)}")
            structured = len(compact_json(result.structured_content).encode())
            answers[spec.name] = (metered.calls, metered.bytes, len(text_of(result).encode()), structured)
    return answers


async def context_bytes() -> Table:
    plain, summarised = await _standard_answers("json"), await _standard_answers("summary")
    table = Table(
        "Bytes the model sees per tool vs the raw API bytes behind them",
        ["tool", "API calls", "raw API bytes", "result bytes", "one block", "both (json)", "both (summary)"],
    )
    totals = [0, 0, 0]
    for name, (calls, raw, text, structured) in plain.items():
        summary_text = summarised[name][2]
        both_summary = summary_text + summarised[name][3]
        table.rows.append(
            [name, calls, raw, structured, _share(text, raw), _share(text + structured, raw), _share(both_summary, raw)]
        )
        table.figures[f"{name}:share"] = text / raw
        table.figures[f"{name}:both_json_share"] = (text + structured) / raw
        table.figures[f"{name}:both_summary_share"] = both_summary / raw
        totals = [totals[0] + raw, totals[1] + structured, totals[2] + both_summary]
    table.rows.append(["all", "", totals[0], totals[1], _share(totals[1], totals[0]), "", _share(totals[2], totals[0])])
    table.figures["share_all"] = totals[1] / totals[0]
    table.figures["max_share"] = max(text / raw for _, raw, text, _ in plain.values())
    table.figures["max_both_summary_share"] = max(
        (summarised[name][2] + summarised[name][3]) / plain[name][1] for name in plain
    )
    table.notes.append(
        "raw: response bodies Hostaway (the sandbox) sent for the call; result: the structured content as "
        "compact JSON. one block: what a host that shows the model only the text (Claude Desktop) or only "
        "the structured content (Claude Code, VS Code) gives it, with the default HOSTAWAY_RESULT_TEXT=json; "
        "both: a host that shows both, with json and with summary (a one-line text for a large result). "
        "Standard questions from bench/scenarios.py (writes are previews), 24-listing portfolio. Target 15%."
    )
    return table


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}"


async def tool_definitions() -> Table:
    """What `tools/list` costs in the context: each tool of the default set, and every tool."""
    from hostaway_mcp.tools._budget import compact_json

    def wire(value: Any) -> int:
        return len(compact_json(value.model_dump(mode="json", by_alias=True, exclude_none=True)).encode())

    sizes: dict[str, dict[str, int]] = {}
    for toolsets in ("default", "all"):
        from hostaway_mcp.server import build_server

        server = build_server(bench_settings(scratch_dir("defs"), toolsets=(toolsets,)))
        async with connected(server) as client:
            listed = await client.list_tools()
        sizes[toolsets] = {tool.name: wire(tool) for tool in listed.tools}
        sizes[toolsets]["(tools/list)"] = wire(listed)
    table = Table(
        "Tool definitions in the context (tools/list)",
        ["tool", "bytes", "in the default set"],
    )
    default = sizes["default"]
    for name, size in sizes["all"].items():
        if name != "(tools/list)":
            table.rows.append([name, size, "yes" if name in default else ""])
    count = len(default) - 1
    table.rows.append(["default set: tools/list", default["(tools/list)"], f"{count} tools"])
    table.rows.append(["default set: per tool", round(default["(tools/list)"] / count), ""])
    table.rows.append(["all tools: tools/list", sizes["all"]["(tools/list)"], f"{len(sizes['all']) - 1} tools"])
    table.figures["default_bytes"] = default["(tools/list)"]
    table.figures["default_tools"] = count
    table.figures["default_per_tool"] = default["(tools/list)"] / count
    table.figures["all_bytes"] = sizes["all"]["(tools/list)"]
    table.notes.append(
        "The tools/list result as compact JSON (names, titles, descriptions, input and output schemas, "
        "annotations). Targets for the default set: at most 40 KB and 1.6 KB per tool on average."
    )
    return table
