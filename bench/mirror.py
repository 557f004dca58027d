"""The local mirror: what the first sync costs, then what a year's revenue and a search cost.

In process, against a zero-latency sandbox with its rate limits off and the server's limiter on a
virtual clock (its waits take no time), so the wall times are this machine's CPU and SQLite work;
the time the same calls take at Hostaway's rate budget (180 requests per 10 s, our default) is
shown beside them, since a real first sync is bound by that, not by CPU. Figures: API calls (from
the sandbox's log), wall time, and the mirror file's size on disk.

- first sync for reports: properties, every booking, and each property's past calendar;
- first sync of messages: every thread's messages once (the one per-thread cost; on 200 listings,
  and on the largest account `MESSAGE_SIZES` names, which a full run measures too);
- a year's revenue: live, from the mirror past its max age (the watermark check), and again
  within it;
- the inbox: live (one call, two on a long inbox), then from the mirror past its max age and
  within it; search_messages for a phrase, within the max age and past it.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bench.common import TODAY, Table, bench_settings, make_sandbox, scratch_dir

YEAR = {"start_date": "2025-11-01", "end_date": "2026-10-31"}
BUDGET_PER_S = 18.0  # 180 requests per 10 s


class VirtualClock:
    """Time that the limiter's waits advance instantly (so a 16,000-call sync is not 15 minutes)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def _server(sandbox: Any, cache: Path, clock: VirtualClock, **settings: Any) -> Any:
    from datetime import UTC, datetime

    from hostaway_mcp.server import build_server

    now = datetime(TODAY.year, TODAY.month, TODAY.day, 9, tzinfo=UTC)
    return build_server(
        bench_settings(cache, shared_rate_limit=False, toolsets=("all",), **settings),
        transport=sandbox.transport(),
        sleep=clock.sleep,
        clock=clock,
        wall_clock=clock,
        now=lambda: now,
        token_not_before_s=0.0,
    )


def _calls(sandbox: Any) -> int:
    return sum(1 for r in sandbox.request_log if "accessTokens" not in r.path)


async def _timed_call(sandbox: Any, server: Any, tool: str, arguments: dict[str, Any]) -> tuple[float, int, Any]:
    from mcp import Client

    async with Client(server) as client:
        before = _calls(sandbox)
        started = time.perf_counter()
        result = await client.call_tool(tool, arguments)
        return time.perf_counter() - started, _calls(sandbox) - before, result


async def first_sync(
    sandbox: Any, cache: Path, clock: VirtualClock, *, with_messages: bool, **settings: Any
) -> tuple[list[tuple[str, int, float]], int]:
    """Fill the mirror in `cache` as a server's first sync does: what reports read, then (with
    `with_messages`) every thread and review. Each step's (what, API calls, wall s), and the
    mirror's size on disk."""
    from hostaway_mcp.mirror.sync import MirrorSync
    from hostaway_mcp.tools._runtime import app_state

    steps: list[tuple[str, int, float]] = []
    server = _server(sandbox, cache, clock, **settings)
    async with server.settings.lifespan(server) as context:
        state = await app_state(context)  # the server opens its state on first use
        mirror = state.mirror
        assert mirror is not None, "the bench's settings turn the mirror on"
        sync = MirrorSync(state.gateway, mirror.store, now=state.now, wall_clock=clock, say=lambda _: None)
        started, before = time.perf_counter(), _calls(sandbox)
        async with mirror.writer():
            await sync.backfill(only=("listings", "reservations", "calendars"))
        steps.append(("first sync for reports", _calls(sandbox) - before, time.perf_counter() - started))
        if with_messages:
            started, before = time.perf_counter(), _calls(sandbox)
            async with mirror.writer():
                await sync.backfill(only=("conversations", "reviews"))
            steps.append(("first sync of messages", _calls(sandbox) - before, time.perf_counter() - started))
        return steps, mirror.store.size_bytes()


async def one_size(listings: int, with_messages: bool) -> list[list[Any]]:
    clock = VirtualClock()
    sandbox = make_sandbox(listings, enforce_rate_limits=False, token_not_before_s=0.0)
    cache = scratch_dir(f"mirror-{listings}")
    steps, size = await first_sync(sandbox, cache, clock, with_messages=with_messages)
    rows: list[list[Any]] = [[listings, what, calls, wall, calls / BUDGET_PER_S] for what, calls, wall in steps]

    wall, calls, result = await _timed_call(
        sandbox, _server(sandbox, cache, clock, mirror=False), "get_revenue_report", YEAR
    )
    verdict = "refused (too many bookings)" if result.is_error else "answered"
    rows.append([listings, f"year's revenue, live: {verdict}", calls, wall, calls / BUDGET_PER_S])
    clock.now += 61
    wall, calls, _ = await _timed_call(sandbox, _server(sandbox, cache, clock), "get_revenue_report", YEAR)
    rows.append([listings, "year's revenue from the mirror (watermark check)", calls, wall, ""])
    wall, calls, _ = await _timed_call(sandbox, _server(sandbox, cache, clock), "get_revenue_report", YEAR)
    rows.append([listings, "same, within the max age", calls, wall, ""])
    inbox = {"limit": 50}  # the long inbox: the 250 most recently active threads checked
    wall, calls, _ = await _timed_call(sandbox, _server(sandbox, cache, clock, mirror=False), "list_guest_inbox", inbox)
    rows.append([listings, "list_guest_inbox, live", calls, wall, ""])
    if with_messages:
        rows.extend(await _mirrored_inbox_and_search(sandbox, cache, clock, listings))
    rows.append([listings, f"mirror size on disk: {size / 1_048_576:.1f} MB", "", "", ""])
    return rows


async def _mirrored_inbox_and_search(sandbox: Any, cache: Path, clock: VirtualClock, listings: int) -> list[list[Any]]:
    """The inbox and a search from a mirror that holds every thread: past the max age, then within it."""
    rows: list[list[Any]] = []
    steps: list[tuple[str, dict[str, Any], str]] = [
        ("list_guest_inbox", {"limit": 50}, "list_guest_inbox from the mirror (watermark check)"),
        ("list_guest_inbox", {"limit": 50}, "same, within the max age"),
        ("search_messages", {"query": "hot water"}, "search_messages 'hot water', within the max age"),
    ]
    for tool, arguments, what in steps:
        wall, calls, result = await _timed_call(sandbox, _server(sandbox, cache, clock), tool, arguments)
        assert not result.is_error and (result.structured_content or {}).get("as_of"), what
        rows.append([listings, what, calls, wall, ""])
    clock.now += 61
    search = {"query": "hot water"}
    wall, calls, _ = await _timed_call(sandbox, _server(sandbox, cache, clock), "search_messages", search)
    rows.append([listings, "search_messages 'hot water' (watermark check)", calls, wall, ""])
    return rows


async def run(quick: bool) -> Table:
    table = Table(
        "The local mirror: first sync, then a year's revenue and a message search",
        ["listings", "what", "API calls", "wall s (this machine)", "s at 180 / 10 s"],
        notes=[
            "In process, zero-latency sandbox, the limiter on a virtual clock: wall time is CPU and SQLite work; "
            "the last column is the time the calls need at our default share of Hostaway's limit.",
            "The live report on 1,000 listings is refused after its first page (more bookings than one report "
            "reads); the mirror answers it.",
        ],
    )
    sizes = ((24, True),) if quick else ((200, True), (1000, True))
    for listings, with_messages in sizes:
        table.rows.extend(await one_size(listings, with_messages))
    return table
