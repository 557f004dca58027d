"""The rate limiter under load: real server processes over stdio, one loopback sandbox account.

Every figure comes from the sandbox's side (when requests arrived, how many it refused with 429),
not from what the servers believe. Server processes are the real `hostaway-mcp` command; the
processes share the limiter through its state file in one cache folder, as desktop hosts do.
"""

from __future__ import annotations

import asyncio
import sys
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from bench.common import Scale, Table, child_env, make_sandbox, median, scratch_dir, set_sandbox_limits, text_of

PER_IP = 15
PER_ACCOUNT = 20
CALLERS_PER_PROCESS = 4  # concurrent tool calls each process is asked to make
TOOL = ("list_properties", {"limit": 1})


@dataclass
class FleetRun:
    processes: int
    duration_s: float
    sent: int
    cycle_s: float  # median time from a request to the one 15 later: how long a slot takes to recycle
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
        self.sandbox = make_sandbox(24, latency=self.scale.latency)
        set_sandbox_limits(self.sandbox, PER_IP, PER_ACCOUNT, self.scale.window_s)
        base_url = self._stack.enter_context(serve_sandbox(self.sandbox))
        cache = scratch_dir("fleet")
        env = child_env(
            HOSTAWAY_ACCOUNT_ID="10001",
            HOSTAWAY_SECRET_KEY="bench-secret",
            HOSTAWAY_BASE_URL=base_url,
            HOSTAWAY_CACHE_DIR=str(cache),
            HOSTAWAY_RATE_LIMIT_WINDOW_S=str(self.scale.window_s),
            HOSTAWAY_LOG_LEVEL="WARNING",
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


async def burst(fleet: Fleet) -> tuple[float, float]:
    """16 calls at once from idle: when the 15th and the 16th finished (seconds)."""
    client = fleet.clients[0]
    started = time.monotonic()
    done: list[float] = []

    async def one() -> None:
        await fleet.call(client)
        done.append(time.monotonic() - started)

    await asyncio.gather(*(one() for _ in range(16)))
    done.sort()
    await fleet.idle()
    return done[14], done[15]


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

    clients = fleet.clients[:processes]
    await asyncio.gather(*(caller(c) for c in clients for _ in range(CALLERS_PER_PROCESS)))
    arrivals = fleet.arrivals_between(start, deadline)
    outcome = FleetRun(
        processes=processes,
        duration_s=duration_s,
        sent=len(arrivals),
        cycle_s=median([later - first for first, later in zip(arrivals, arrivals[PER_IP:], strict=False)]),
        rejected=fleet.sandbox.rate_limit_rejections - rejected_before,
        tool_errors=errors,
    )
    await fleet.idle()
    return outcome


async def run(quick: bool) -> Table:
    scale = Scale(10.0 if quick else 1.0)
    duration = scale.seconds(40.0 if quick else 60.0)
    allowed = PER_IP / scale.window_s
    table = Table(
        f"Rate limiter: {PER_IP} per {scale.window_s:g} s per IP, {PER_ACCOUNT} per account{scale.label}",
        [
            "processes",
            "burst: 15 done (s)",
            "16th done (s)",
            "run (s)",
            "requests",
            "of allowed (count)",
            "slot cycle (s)",
            "sustained",
            "429s",
            "tool errors",
        ],
    )
    async with Fleet(3, scale) as fleet:
        burst_15, sixteenth = await burst(fleet)
        table.figures["burst15_s"], table.figures["sixteenth_s"] = burst_15, sixteenth
        for processes in (1, 3):
            outcome = await saturate(fleet, processes, duration)
            fraction = outcome.sent / duration / allowed
            sustained = scale.window_s / outcome.cycle_s
            first = processes == 1
            table.rows.append(
                [
                    processes,
                    burst_15 if first else "",
                    sixteenth if first else "",
                    duration,
                    outcome.sent,
                    f"{fraction:.1%}",
                    outcome.cycle_s,
                    f"{sustained:.1%}",
                    outcome.rejected,
                    outcome.tool_errors,
                ]
            )
            table.figures[f"{processes}p:fraction"] = fraction
            table.figures[f"{processes}p:sustained"] = sustained
            table.figures[f"{processes}p:429"] = outcome.rejected
            table.figures[f"{processes}p:errors"] = outcome.tool_errors
    table.notes.append(
        f"Each process is a real `hostaway-mcp` server over stdio with {CALLERS_PER_PROCESS} concurrent "
        f"{TOOL[0]} calls in flight; sandbox latency {scale.latency[0] * 1000:g}-{scale.latency[1] * 1000:g} ms, "
        "served on loopback HTTP (all processes are one IP)."
    )
    table.notes.append(
        "of allowed (count): requests the sandbox admitted during the run / (15 per window); it moves in "
        "steps of up to 15 because the limiter refills a window in bursts. slot cycle: median time from a "
        "request to the 15th after it, the period at which each of the 15 slots is reused; sustained = "
        "window / slot cycle (the window counts from each answer, so 100% is out of reach by one latency)."
    )
    return table
