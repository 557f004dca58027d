"""The rate limiter under Hostaway's current limits: bursts, the send limit, and a fleet.

Every figure comes from the sandbox's side (when requests arrived, how many it refused with 429),
not from what the servers believe. The sandbox plays Hostaway's current limits (200 per 10 s per
account and per IP, 30 guest messages per 60 s); our gates budget 90% of them. The fleet's server
processes are the real `hostaway-mcp` command over stdio, sharing the limiter through its state
file in one cache folder, as desktop hosts do.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import sys
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from bench.common import (
    Scale,
    Table,
    bench_settings,
    child_env,
    gate_settings,
    make_sandbox,
    premint_token,
    sandbox_limits,
    scratch_dir,
    text_of,
)

ALLOWED = 200  # Hostaway's general limit per 10 s (per account and per IP)
OURS = 180  # what our gate budgets of it
CALLERS_PER_PROCESS = 6  # concurrent tool calls each process is asked to make
TOOL = ("list_properties", {"limit": 1})


@dataclass
class FleetRun:
    processes: int
    duration_s: float
    sent: int
    rejected: int
    tool_errors: int


class Fleet:
    """N server processes on one loopback sandbox; `clients[i]` talks to process i over stdio."""

    def __init__(self, processes: int, scale: Scale) -> None:
        self.processes = processes
        self.scale = scale
        self.clients: list[Any] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Fleet:
        from mcp import StdioServerParameters

        from hostaway_mcp.sandbox.http_server import serve_sandbox

        self._stack = AsyncExitStack()
        self.sandbox = make_sandbox(24, latency=self.scale.latency, rate_limits=sandbox_limits(self.scale))
        base_url = self._stack.enter_context(serve_sandbox(self.sandbox))
        cache = scratch_dir("fleet")
        gates = {f"HOSTAWAY_{name.upper()}": value for name, value in gate_settings(self.scale).items()}
        env = child_env(
            HOSTAWAY_ACCOUNT_ID="10001",
            HOSTAWAY_SECRET_KEY="bench-secret",
            HOSTAWAY_BASE_URL=base_url,
            HOSTAWAY_CACHE_DIR=str(cache),
            HOSTAWAY_LOG_LEVEL="WARNING",
            **gates,
        )
        params = StdioServerParameters(command=sys.executable, args=["-m", "hostaway_mcp"], env=env, cwd=str(cache))
        # Each connection lives in its own task (anyio scopes must close where they opened), so the
        # processes start in parallel.
        ready = [asyncio.Event() for _ in range(self.processes)]
        self.clients = [None] * self.processes
        self._tasks = [asyncio.create_task(self._connect(i, params, ready[i])) for i in range(self.processes)]
        all_ready = asyncio.create_task(asyncio.wait([asyncio.create_task(e.wait()) for e in ready]))
        done, _ = await asyncio.wait([all_ready, *self._tasks], return_when=asyncio.FIRST_COMPLETED, timeout=120)
        if all_ready not in done:
            all_ready.cancel()
            failed = [t.exception() for t in self._tasks if t.done() and t.exception() is not None]
            raise RuntimeError(f"the server processes did not start: {failed or 'timed out'}")
        # Every process mints or loads its token, then the window empties: the runs start idle.
        await asyncio.gather(*(self.call(client) for client in self.clients))
        await self.idle()
        return self

    async def _connect(self, index: int, params: Any, ready: asyncio.Event) -> None:
        from mcp import Client

        async with Client(params) as client:
            self.clients[index] = client
            ready.set()
            await self._stop.wait()

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._stack.aclose()

    async def idle(self) -> None:
        """Wait until the window holds nothing: the next run starts from idle."""
        await asyncio.sleep(self.scale.window_s + 4 * self.scale.latency[1])

    async def call(self, client: Any) -> bool:
        result = await client.call_tool(*TOOL)
        if result.is_error:
            print(f"  tool error: {text_of(result)[:200]}", file=sys.stderr)
        return not result.is_error

    def arrivals_between(self, start: float, end: float) -> list[float]:
        """When the sandbox admitted each data request (its clock: time.monotonic), sorted."""
        return sorted(r.at for r in self.sandbox.request_log if r.path != "/accessTokens" and start <= r.at < end)


async def burst(fleet: Fleet, calls: int = 40) -> tuple[float, int]:
    """`calls` tool calls at once from idle on one process: when the last finished, and 429s."""
    rejected = fleet.sandbox.rate_limit_rejections
    started = time.monotonic()
    await asyncio.gather(*(fleet.call(fleet.clients[0]) for _ in range(calls)))
    took = time.monotonic() - started
    await fleet.idle()
    return took, fleet.sandbox.rate_limit_rejections - rejected


async def saturate(fleet: Fleet, processes: int, duration_s: float) -> FleetRun:
    """The first `processes` servers call as fast as their limiter lets them for `duration_s`."""
    rejected_before = fleet.sandbox.rate_limit_rejections
    errors = 0
    start = time.monotonic()  # the sandbox's clock (time.monotonic) stamps arrivals
    deadline = start + duration_s

    async def caller(client: Any) -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            if not await fleet.call(client):
                errors += 1

    await asyncio.gather(*(caller(c) for c in fleet.clients[:processes] for _ in range(CALLERS_PER_PROCESS)))
    outcome = FleetRun(
        processes=processes,
        duration_s=duration_s,
        sent=len(fleet.arrivals_between(start, deadline)),
        rejected=fleet.sandbox.rate_limit_rejections - rejected_before,
        tool_errors=errors,
    )
    await fleet.idle()
    return outcome


async def messages_in_a_row(scale: Scale, count: int = 35) -> tuple[float, int, float]:
    """`count` guest messages sent one after another through the gateway (each confirmed, as a
    person would): wall time, 429s, and the wait before the first one past the send limit."""
    from hostaway_mcp.gateway import HostawayGateway
    from hostaway_mcp.ratelimit.coordination import open_coordination

    sandbox = make_sandbox(24, latency=scale.latency, token_not_before_s=0.0, rate_limits=sandbox_limits(scale))
    settings = bench_settings(scratch_dir("messages"), shared_rate_limit=True, **gate_settings(scale))
    await premint_token(settings, sandbox.transport())
    conversation = sandbox.account.conversations[0]["id"]

    stamps: list[float] = []
    async with (
        open_coordination(settings) as shared,
        HostawayGateway(settings, transport=sandbox.transport(), limiter=shared.limiter) as gateway,
    ):
        started = time.perf_counter()
        for i in range(count):
            await gateway.post(
                f"conversations/{conversation}/messages", {"body": f"Note {i}", "communicationType": "email"}
            )
            stamps.append(time.perf_counter() - started)
    gaps = [later - earlier for earlier, later in itertools.pairwise(stamps)]
    return stamps[-1], sandbox.rate_limit_rejections, max(gaps)


async def bookkeeping_us(samples: int = 2000) -> tuple[float, float]:
    """A request's bookkeeping in the file backend on this disk, in steady state at the limit
    (180 requests in every 10 s of a stepped clock, so the state holds a full window): wall µs per
    request run inline (median), and µs of the event loop's own CPU when run in the worker thread."""
    from hostaway_mcp.ratelimit.file import FileStore
    from hostaway_mcp.ratelimit.gates import CURRENT, plan_gates
    from hostaway_mcp.ratelimit.limiter import GateLimiter

    folder = scratch_dir("bookkeeping")
    now = [1.8e9]

    def clock() -> float:
        return now[0]

    async def measure(offload: bool) -> list[float]:
        store = FileStore(folder / f"state-{offload}.json", clock, offload=offload)
        limiter = GateLimiter(store, plan_gates("a", "i", dict(CURRENT)), clock=clock)
        costs = []
        for _ in range(samples):
            now[0] += 10.0 / 175
            started = time.thread_time() if offload else time.perf_counter()
            async with limiter.slot("GET", "listings"):
                pass
            costs.append((time.thread_time() if offload else time.perf_counter()) - started)
        await limiter.aclose()
        return costs[samples // 5 :]

    inline = await measure(False)
    threaded = await measure(True)  # thread_time: CPU of the event loop's thread only
    return statistics.median(inline) * 1e6, statistics.median(threaded) * 1e6


async def run(quick: bool) -> Table:
    scale = Scale(10.0 if quick else 1.0)
    duration = scale.seconds(30.0 if quick else 60.0)
    allowed_per_s = ALLOWED / scale.window_s
    table = Table(
        f"Rate limiter: Hostaway's current limits, {ALLOWED} per {scale.window_s:g} s{scale.label}",
        ["measure", "result", "429s", "tool errors"],
    )
    async with Fleet(3, scale) as fleet:
        took, rejected = await burst(fleet)
        table.rows.append(["40 calls at once from idle, one process: done in (s)", took, rejected, 0])
        table.figures["burst40_s"], table.figures["burst40:429"] = took, rejected
        for processes in (1, 3):
            outcome = await saturate(fleet, processes, duration)
            fraction = outcome.sent / duration / allowed_per_s
            table.rows.append(
                [
                    f"{processes} process(es) saturating one account for {duration:g} s: share of Hostaway's "
                    f"{ALLOWED} per {scale.window_s:g} s ({outcome.sent} admitted)",
                    f"{fraction:.1%} ({outcome.sent / duration / (OURS / scale.window_s):.1%} of our {OURS})",
                    outcome.rejected,
                    outcome.tool_errors,
                ]
            )
            table.figures[f"{processes}p:fraction"] = fraction
            table.figures[f"{processes}p:429"] = outcome.rejected
            table.figures[f"{processes}p:errors"] = outcome.tool_errors
    wall, rejected, longest_gap = await messages_in_a_row(scale)
    table.rows.append(
        [f"35 guest messages in a row: wall time (s); longest wait {longest_gap:.1f} s", wall, rejected, 0]
    )
    table.figures["messages:wall"], table.figures["messages:429"] = wall, rejected
    table.figures["messages:longest_gap"] = longest_gap
    if not quick:  # generating 1,000 listings takes about 30 s
        from bench.questions import ask

        quarter = await ask(1000, "get_revenue_report")
        label = f"last quarter's revenue on 1,000 listings: wall time (s), {quarter['calls']} API calls"
        table.rows.append([label, quarter["wall"], quarter["rejected"], 0])
        table.figures["quarter1000:wall"], table.figures["quarter1000:calls"] = quarter["wall"], quarter["calls"]
        table.figures["quarter1000:429"] = quarter["rejected"]
    inline_us, loop_us = await bookkeeping_us(300 if quick else 2000)
    table.rows.append(["bookkeeping per request, file backend, full window (µs, median)", inline_us, "", ""])
    table.rows.append(["  of which the event loop does, the rest in a worker thread (µs CPU)", loop_us, "", ""])
    table.figures["bookkeeping_us"], table.figures["bookkeeping_loop_us"] = inline_us, loop_us
    table.notes.append(
        f"Each process is a real `hostaway-mcp` server over stdio with {CALLERS_PER_PROCESS} concurrent "
        f"{TOOL[0]} calls in flight; sandbox latency {scale.latency[0] * 1000:g}-{scale.latency[1] * 1000:g} ms, "
        "served on loopback HTTP (all processes are one IP). Our gates budget 180 of Hostaway's 200 per "
        "10 s and 27 of its 30 messages per 60 s."
    )
    table.notes.append(
        "A slot counts from its request until one window after the answer, so a burst of 180 goes out "
        "at once and sustained load runs at 180 per (window + latency)."
    )
    return table
