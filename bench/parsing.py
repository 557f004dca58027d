"""How long parsing Hostaway's JSON takes, and the memory it briefly needs, with the standard library and msgspec.

The bodies are the ones each read tool really receives (recorded from a zero-latency sandbox
while the tool answers its scripted question), parsed again here with each parser: best of
several passes, so the figure is the parser's, not the machine's noise; the memory is the parse's
traced peak over the objects it returns (tracemalloc), the largest body of the tool's. The gateway
parses response bodies with msgspec because of this table (`gateway.parse_body`): orjson was as
fast but briefly needed ~14 times a body's size on top, which set the server's peak RSS.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import httpx

from bench.common import NOW, TODAY, Table, bench_settings, connected, make_sandbox, premint_token, scratch_dir, text_of
from bench.scenarios import tool_arguments
from bench.server_costs import read_tools


class RecordingTransport(httpx.AsyncBaseTransport):
    """Keeps every response body the server receives (token exchange left out)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.bodies: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        if not request.url.path.endswith("/accessTokens"):
            self.bodies.append(content)
        return response


async def record_bodies() -> dict[str, list[bytes]]:
    from hostaway_mcp.server import build_server

    sandbox = make_sandbox(24, enforce_rate_limits=False, token_not_before_s=0.0)
    recorder = RecordingTransport(sandbox.transport())
    settings = bench_settings(
        scratch_dir("parsing"), shared_rate_limit=False, rate_limit_requests=10**9, toolsets=("all",)
    )
    await premint_token(settings, sandbox.transport())
    server = build_server(settings, transport=recorder, token_not_before_s=0.0, now=lambda: NOW)
    scripted = tool_arguments(sandbox.account, TODAY)
    bodies: dict[str, list[bytes]] = {}
    async with connected(server) as client:
        for tool in read_tools():
            if tool not in scripted:
                continue
            recorder.bodies = []
            result = await client.call_tool(tool, scripted[tool])
            if result.is_error:
                raise RuntimeError(f"{tool} failed: {text_of(result)}")
            bodies[tool] = recorder.bodies
    return bodies


def best_ms(parse: Callable[[bytes], Any], bodies: list[bytes], passes: int) -> float:
    best = float("inf")
    for _ in range(passes):
        started = time.perf_counter()
        for body in bodies:
            parse(body)
        best = min(best, time.perf_counter() - started)
    return best * 1e3


def overhead_mb(parse: Callable[[bytes], Any], body: bytes) -> float:
    """Memory the parse needs beyond the objects it returns, at its peak (MB)."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        parsed = parse(body)
        held, peak = tracemalloc.get_traced_memory()
        del parsed
    finally:
        tracemalloc.stop()
    return round((peak - held) / 1e6, 2) if peak > before else 0.0


async def run(quick: bool) -> Table:
    import msgspec

    passes = 10 if quick else 20
    recorded = await record_bodies()
    table = Table(
        "Parsing Hostaway's response bodies: json vs msgspec",
        ["tool", "bodies", "KB", "json ms", "msgspec ms", "speed-up", "json extra MB", "msgspec extra MB"],
    )
    fast_parse = msgspec.json.decode
    every: list[bytes] = []
    for tool, bodies in recorded.items():
        every.extend(bodies)
        assert all(fast_parse(b) == json.loads(b) for b in bodies), f"the parsers disagree on {tool}"
        standard, fast = best_ms(json.loads, bodies, passes), best_ms(fast_parse, bodies, passes)
        size = sum(len(b) for b in bodies) / 1024
        largest = max(bodies, key=len, default=b"[]")
        table.rows.append(
            [
                tool,
                len(bodies),
                round(size, 1),
                standard,
                fast,
                f"{standard / fast:.1f}x",
                overhead_mb(json.loads, largest),
                overhead_mb(fast_parse, largest),
            ]
        )
    standard, fast = best_ms(json.loads, every, passes), best_ms(fast_parse, every, passes)
    largest = max(every, key=len)
    table.rows.append(
        [
            "all",
            len(every),
            round(sum(len(b) for b in every) / 1024, 1),
            standard,
            fast,
            f"{standard / fast:.1f}x",
            overhead_mb(json.loads, largest),
            overhead_mb(fast_parse, largest),
        ]
    )
    table.figures["speedup_all"] = standard / fast
    table.figures["json_ms_all"] = standard
    table.figures["msgspec_ms_all"] = fast
    table.figures["msgspec_extra_mb"] = overhead_mb(fast_parse, largest)
    table.notes.append(
        f"The bodies each read tool receives for its scripted question (24-listing sandbox), parsed again "
        f"by each parser; best of {passes} passes. Both parsers give equal objects for every body. 'extra MB': "
        "what parsing the tool's largest body needs on top of the objects it returns, at its peak (orjson, "
        "used before, needed ~14x the body's size: 19 MB for a 1.3 MB page of 100 listings)."
    )
    return table
