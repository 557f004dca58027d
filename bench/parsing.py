"""How long parsing Hostaway's JSON takes, with the standard library and with orjson.

The bodies are the ones each read tool really receives (recorded from a zero-latency sandbox
while the tool answers its scripted question), parsed again here with each parser: best of
several passes, so the figure is the parser's, not the machine's noise. The gateway parses
response bodies with orjson because of this table (`gateway._parse_body`).
"""

from __future__ import annotations

import json
import time
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


async def run(quick: bool) -> Table:
    import orjson

    passes = 10 if quick else 20
    recorded = await record_bodies()
    table = Table(
        "Parsing Hostaway's response bodies: json vs orjson",
        ["tool", "bodies", "KB", "json ms", "orjson ms", "speed-up"],
    )
    every: list[bytes] = []
    for tool, bodies in recorded.items():
        every.extend(bodies)
        assert all(orjson.loads(b) == json.loads(b) for b in bodies), f"the parsers disagree on {tool}"
        standard, fast = best_ms(json.loads, bodies, passes), best_ms(orjson.loads, bodies, passes)
        size = sum(len(b) for b in bodies) / 1024
        table.rows.append([tool, len(bodies), round(size, 1), standard, fast, f"{standard / fast:.1f}x"])
    standard, fast = best_ms(json.loads, every, passes), best_ms(orjson.loads, every, passes)
    table.rows.append(
        ["all", len(every), round(sum(len(b) for b in every) / 1024, 1), standard, fast, f"{standard / fast:.1f}x"]
    )
    table.figures["speedup_all"] = standard / fast
    table.figures["json_ms_all"] = standard
    table.figures["orjson_ms_all"] = fast
    table.notes.append(
        f"The bodies each read tool receives for its scripted question (24-listing sandbox), parsed again "
        f"by each parser; best of {passes} passes. Both parsers give equal objects for every body."
    )
    return table
