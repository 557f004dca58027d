"""What the server itself costs per call, and how much of the API payload reaches the model.

Both run against a zero-latency sandbox with its limits off (and the server's limiter wide open),
so nothing waits: the time left over is the server's own work.
"""

from __future__ import annotations

import json
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
from bench.scenarios import tool_arguments


def read_tools() -> list[str]:
    from hostaway_mcp.tools import catalogue

    return [spec.name for spec in catalogue() if spec.kind == "read"]


async def _open(listings: int = 24) -> tuple[Any, MeteredTransport, Any]:
    from hostaway_mcp.server import build_server

    sandbox = make_sandbox(listings, enforce_rate_limits=False, token_not_before_s=0.0)
    metered = MeteredTransport(sandbox.transport())
    settings = bench_settings(
        scratch_dir("costs"),
        shared_rate_limit=False,
        rate_limit_account="1000000000/10",
        rate_limit_ip="1000000000/10",
        toolsets=("all",),
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


async def context_bytes() -> Table:
    sandbox, metered, server = await _open()
    scripted = tool_arguments(sandbox.account, TODAY)
    table = Table(
        "Bytes returned per tool vs the raw API bytes behind them",
        ["tool", "API calls", "raw API bytes", "result bytes", "share"],
    )
    raw_total = result_total = 0
    async with connected(server) as client:
        await client.list_tools()
        for tool in read_tools():
            if tool not in scripted:
                table.rows.append([tool, "", "", "", "no scripted arguments"])
                continue
            metered.reset()
            result = await client.call_tool(tool, scripted[tool])
            if result.is_error:
                raise RuntimeError(f"{tool} failed: {text_of(result)}")
            # What the model reads: the JSON text block (the structured content, serialised).
            shown = len(text_of(result).encode())
            compact = len(json.dumps(result.structured_content, separators=(",", ":")).encode())
            raw_total += metered.bytes
            result_total += shown
            table.rows.append([tool, metered.calls, metered.bytes, shown, f"{shown / metered.bytes:.1%}"])
            table.figures[f"{tool}:share"] = shown / metered.bytes
            table.figures[f"{tool}:compact_share"] = compact / metered.bytes
    table.rows.append(["all", "", raw_total, result_total, f"{result_total / raw_total:.1%}"])
    table.figures["share_all"] = result_total / raw_total
    table.notes.append(
        "raw: response bodies Hostaway (the sandbox) sent for the call; result: the text block the "
        "model reads (the structured content as indented JSON). Scripted arguments from bench/scenarios.py, "
        "24-listing portfolio."
    )
    return table
