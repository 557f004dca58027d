"""The morning question ("what happens today?") for a portfolio: one tool call, or the tools before it.

`get_operations_day` answers it in one call. Before it, a model had to assemble the same answer:
every property (for the empty ones), the day's arrivals, departures and stays (search_bookings,
confirmed bookings only, page after page), and each arrival's booking for its balance due; it
could not see tasks at all, and had one date for every property instead of each one's own. Both
run here against the same sandbox (80-200 ms per call, Hostaway's limits), each on a fresh
server whose token was minted beforehand, tool calls one after another as a model makes them.
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

HELD = ["confirmed", "owner stay", "request to book", "awaiting payment"]


async def _measure(listings: int, script: Any) -> dict[str, Any]:
    from hostaway_mcp.server import build_server

    sandbox = make_sandbox(listings, latency=REALISTIC_LATENCY, token_not_before_s=0.0)
    settings = bench_settings(scratch_dir("operations"), toolsets=("all",))
    await premint_token(settings, sandbox.transport())
    server = build_server(settings, transport=sandbox.transport(), token_not_before_s=0.0, now=lambda: NOW)
    async with connected(server) as client:
        await client.list_tools()
        before, rejected = len(sandbox.request_log), sandbox.rate_limit_rejections
        started = time.perf_counter()
        tool_calls, read = await script(client)
        wall = time.perf_counter() - started
    calls = [r for r in sandbox.request_log[before:] if r.path != "/accessTokens"]
    return {
        "tool_calls": tool_calls,
        "calls": len(calls),
        "wall": wall,
        "rejected": sandbox.rate_limit_rejections - rejected,
        "bytes": read,
    }


async def _call(client: Any, tool: str, arguments: dict[str, Any]) -> tuple[dict[str, Any], int]:
    result = await client.call_tool(tool, arguments)
    if result.is_error:
        raise RuntimeError(f"{tool} failed in the benchmark: {text_of(result)}")
    return result.structured_content or {}, len(text_of(result).encode())


async def one_call(client: Any) -> tuple[int, int]:
    _, read = await _call(client, "get_operations_day", {})
    return 1, read


async def existing_tools(client: Any) -> tuple[int, int]:
    """The same answer from the tools that came before: every page, then each arrival's booking."""
    day = TODAY.isoformat()
    tool_calls = read = 0

    async def pages(tool: str, arguments: dict[str, Any]) -> list[dict[str, Any]]:
        nonlocal tool_calls, read
        items: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            page, size = await _call(client, tool, {**arguments, "offset": offset, "limit": 100})
            tool_calls, read = tool_calls + 1, read + size
            items += page.get("items", [])
            offset = page.get("next_offset")
        return items

    await pages("list_properties", {})
    arrivals = await pages("search_bookings", {"arrival_from": day, "arrival_to": day, "statuses": HELD})
    await pages("search_bookings", {"departure_from": day, "departure_to": day, "statuses": HELD})
    await pages("search_bookings", {"staying_on": day, "statuses": HELD})
    for booking in arrivals:  # the balance due is only in a booking's details
        _, size = await _call(client, "get_booking_details", {"booking_id": booking["id"]})
        tool_calls, read = tool_calls + 1, read + size
    return tool_calls, read


async def run(quick: bool) -> Table:
    table = Table(
        "The morning question: one call against the tools before it",
        ["listings", "how", "tool calls", "API calls", "wall s", "429s", "bytes read", "tasks", "local dates"],
    )
    sizes = (24,) if quick else (24, 200)
    for listings in sizes:
        for how, script, tasks, local in (
            ("get_operations_day", one_call, "yes", "each property's own"),
            ("list_properties + search_bookings x3 + get_booking_details per arrival", existing_tools, "no", "one"),
        ):
            figures = await _measure(listings, script)
            table.rows.append(
                [
                    listings,
                    how,
                    figures["tool_calls"],
                    figures["calls"],
                    figures["wall"],
                    figures["rejected"],
                    figures["bytes"],
                    tasks,
                    local,
                ]
            )
            key = "one" if script is one_call else "existing"
            for name in ("tool_calls", "calls", "wall", "rejected", "bytes"):
                table.figures[f"{key}:{listings}:{name}"] = figures[name]
    table.notes.append(
        f"Sandbox latency {REALISTIC_LATENCY[0] * 1000:.0f}-{REALISTIC_LATENCY[1] * 1000:.0f} ms per call, "
        "Hostaway's current limits enforced, token minted before each run; tool calls made one after another "
        "(a model's own thinking time between them is not counted)."
    )
    table.notes.append(
        "The older tools cannot show tasks (open, unassigned or late cleans) at all, and take one date for "
        "every property, so Honolulu's arrivals of its 'today' (still the 20th at 09:00 UTC) are missed; "
        "'bytes read' is what the model has to read to answer."
    )
    if quick:
        table.notes.append("--quick: the 200-listing portfolio is skipped.")
    return table
