"""API calls and wall time per question a property manager asks, on a realistic sandbox.

Each question runs on a fresh sandbox (80-200 ms per call, Hostaway's limits enforced) and a fresh
server whose token was minted beforehand, so the figure is the question alone, from idle.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import (
    NOW,
    REALISTIC_LATENCY,
    TODAY,
    Table,
    bench_settings,
    connected,
    make_sandbox,
    premint_token,
    scratch_dir,
    text_of,
)
from bench.scenarios import tool_arguments


def questions(include_large: bool) -> list[tuple[str, int, str, str]]:
    """(question, portfolio size, tool, design target)."""
    rows = [
        ("Which properties are free for 2 guests, 3 nights?", 20, "search_available_properties", "<= 1 + results"),
        ("Which properties are free for 2 guests, 3 nights?", 200, "search_available_properties", "<= 1 + results"),
        ("Who arrives this week?", 24, "search_bookings", ""),
        ("Which guests are waiting for a reply?", 24, "list_guest_inbox", ""),
        ("How did last quarter go? (revenue)", 24, "get_revenue_report", "<= pages + 1"),
        ("Reply to a guest (preview, nothing sent)", 24, "send_guest_message", ""),
    ]
    return [row for row in rows if include_large or row[1] <= 24]


async def ask(listings: int, tool: str) -> dict[str, Any]:
    from hostaway_mcp.server import build_server

    sandbox = make_sandbox(listings, latency=REALISTIC_LATENCY, token_not_before_s=0.0)
    settings = bench_settings(scratch_dir("question"))
    await premint_token(settings, sandbox.transport())
    arguments = tool_arguments(sandbox.account, TODAY)[tool]
    server = build_server(settings, transport=sandbox.transport(), token_not_before_s=0.0, now=lambda: NOW)
    async with connected(server) as client:
        await client.list_tools()  # what a host does on connect; not part of the question
        before, rejected = len(sandbox.request_log), sandbox.rate_limit_rejections
        started = time.perf_counter()
        result = await client.call_tool(tool, arguments)
        wall = time.perf_counter() - started
    if result.is_error:
        raise RuntimeError(f"{tool} failed in the benchmark: {text_of(result)}")
    calls = [r for r in sandbox.request_log[before:] if r.path != "/accessTokens"]
    content = result.structured_content or {}
    returned = content.get("items") if isinstance(content.get("items"), list) else None
    return {
        "calls": len(calls),
        "wall": wall,
        "rejected": sandbox.rate_limit_rejections - rejected,
        "results": len(returned) if returned is not None else None,
        "bytes": len(text_of(result).encode()),
    }


async def run(quick: bool) -> Table:
    table = Table(
        "API calls and wall time per question",
        ["question", "listings", "tool", "API calls", "results", "wall s", "429s", "target"],
    )
    for question, listings, tool, target in questions(include_large=not quick):
        figures = await ask(listings, tool)
        results = "" if figures["results"] is None else figures["results"]
        table.rows.append(
            [question, listings, tool, figures["calls"], results, figures["wall"], figures["rejected"], target]
        )
        table.figures[f"{tool}:{listings}:calls"] = figures["calls"]
        table.figures[f"{tool}:{listings}:wall"] = figures["wall"]
    table.notes.append(
        f"Sandbox latency {REALISTIC_LATENCY[0] * 1000:.0f}-{REALISTIC_LATENCY[1] * 1000:.0f} ms per call, "
        "Hostaway's current limits enforced (200/10 s per account and per IP); token minted before each question."
    )
    table.notes.append("API calls exclude the token exchange; 'results' is the number of items returned.")
    if quick:
        table.notes.append("--quick: the 200-listing portfolio is skipped (generating it takes ~30 s).")
    return table
