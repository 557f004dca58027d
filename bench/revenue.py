"""A big revenue report: a year on a 200-listing account, from idle, at realistic latency.

The server is the real `hostaway-mcp` command over stdio, talking to a loopback sandbox in this
process (80-200 ms per call, the sandbox's rate limits and the server's default limiter, both at
their current profile), so the figures are what a host would see: wall time of the call, the API
calls it made (from the sandbox's log), 429s, the progress notifications it sent, and the server
process's peak resident memory (VmHWM, Linux only).
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    REALISTIC_LATENCY,
    TODAY,
    Table,
    child_env,
    make_sandbox,
    scratch_dir,
    text_of,
)
from bench.memory import UNLIMITED, _find_pid, _has_proc, _status_mb

FULL_LISTINGS = 200
QUICK_LISTINGS = 24
WINDOW_S = 10.0
# (label, the sandbox's limits, the server's environment): Hostaway's current limits, the default
# of both, and the legacy ones (15 / 10 s per IP, 20 per account) that some accounts still see. The
# live rows turn the mirror off: they measure the report read from Hostaway.
LIVE = {"HOSTAWAY_MIRROR": "false"}
PROFILES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("current", "current", LIVE),
    ("legacy", "legacy", {**LIVE, "HOSTAWAY_RATE_LIMIT_PROFILE": "legacy"}),
)


async def from_the_mirror(
    listings: int, latency: tuple[float, float], start: date, end: date
) -> tuple[Outcome, list[tuple[str, int, float]]]:
    """The report by a server whose mirror is already filled (the default, once the first sync is
    done): the mirror is filled in process from a twin sandbox (same seed, so the same account) at
    zero latency, then a server process answers against the sandbox at `latency`, limits enforced."""
    from bench.mirror import VirtualClock, first_sync
    from hostaway_mcp.sandbox.http_server import serve_sandbox

    cache = scratch_dir("revenue-mirror")
    sandbox = make_sandbox(listings, latency=latency, token_not_before_s=0.0)
    with serve_sandbox(sandbox) as base_url:
        twin = make_sandbox(listings, enforce_rate_limits=False, token_not_before_s=0.0)
        limits = {"rate_limit_account": UNLIMITED, "rate_limit_ip": UNLIMITED}  # set-up, not the measurement
        # The mirror belongs to an account at a base URL: the twin fills the one the server will use.
        steps, _ = await first_sync(twin, cache, VirtualClock(), with_messages=True, base_url=base_url, **limits)
        del twin
        # The report comes ~10 s after the fill (the rate windows empty first): a max age shorter than
        # that makes its watermark check due, as for any question asked a minute after the last.
        due = {"HOSTAWAY_MIRROR_MAX_AGE_S": "5"}
        return await report_once(sandbox, base_url, latency, due, start, end, workdir=cache), steps


@dataclass
class Outcome:
    wall: float
    calls: int
    pages: int
    calendars: int
    rejected: int
    progress: list[tuple[float, str | None]]
    before_mb: float
    peak_mb: float


async def report_once(
    sandbox: Any,
    base_url: str,
    latency: tuple[float, float],
    extra_env: dict[str, str],
    start: date,
    end: date,
    workdir: Path | None = None,
) -> Outcome:
    """One report by a fresh server process whose cache folder is `workdir` (a new one if None)."""
    from mcp import Client, StdioServerParameters

    workdir = (workdir or scratch_dir("revenue")).resolve()
    env = child_env(
        HOSTAWAY_ACCOUNT_ID="10001",
        HOSTAWAY_SECRET_KEY="bench-secret",
        HOSTAWAY_BASE_URL=base_url,
        HOSTAWAY_CACHE_DIR=str(workdir),
        HOSTAWAY_TOOLSETS="all",  # get_revenue_report is in the opt-in finance toolset
        HOSTAWAY_LOG_LEVEL="WARNING",
        **extra_env,
    )
    params = StdioServerParameters(command=sys.executable, args=["-m", "hostaway_mcp"], env=env, cwd=str(workdir))
    async with Client(params) as client:
        pid = _find_pid(workdir)
        await client.call_tool("list_properties", {"limit": 1})  # mints the token
        await asyncio.sleep(WINDOW_S + 2 * latency[1])  # the rate windows empty: the report starts idle
        before_mb = _status_mb(pid)["VmHWM"] if pid is not None and _has_proc() else float("nan")
        before, rejected = len(sandbox.request_log), sandbox.rate_limit_rejections
        notes: list[tuple[float, str | None]] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            notes.append((progress, message))

        started = time.perf_counter()
        result = await client.call_tool(
            "get_revenue_report",
            {"start_date": start.isoformat(), "end_date": end.isoformat(), "limit": 1},
            progress_callback=on_progress,
        )
        wall = time.perf_counter() - started
        peak = _status_mb(pid)["VmHWM"] if pid is not None and _has_proc() else float("nan")
    if result.is_error:
        raise RuntimeError(f"get_revenue_report failed in the benchmark: {text_of(result)}")
    calls = [r for r in sandbox.request_log[before:] if r.path != "/accessTokens"]
    return Outcome(
        wall=wall,
        calls=len(calls),
        pages=sum(1 for r in calls if r.path == "/reservations"),
        calendars=sum(1 for r in calls if r.path.endswith("/calendar")),
        rejected=sandbox.rate_limit_rejections - rejected,
        progress=notes,
        before_mb=before_mb,
        peak_mb=peak,
    )


async def run(quick: bool) -> Table:
    from hostaway_mcp.sandbox.http_server import serve_sandbox

    listings = QUICK_LISTINGS if quick else FULL_LISTINGS
    latency = (REALISTIC_LATENCY[0] / 10, REALISTIC_LATENCY[1] / 10) if quick else REALISTIC_LATENCY
    start, end = TODAY - timedelta(days=365), TODAY - timedelta(days=1)
    table = Table(
        f"A year's revenue report on {listings} listings, from idle",
        [
            "rate limits",
            "period",
            "wall s",
            "API calls",
            "reservation pages",
            "calendar reads",
            "429s",
            "progress",
            "RSS before MB",
            "peak RSS MB",
        ],
    )
    period = f"{start.isoformat()} to {end.isoformat()}"

    def add(label: str, key: str, got: Outcome) -> None:
        progress = f"{len(got.progress)} ({got.progress[-1][1]})" if got.progress else "none"
        memory = [round(got.before_mb, 1), round(got.peak_mb, 1)]
        counts = [got.calls, got.pages, got.calendars, got.rejected]
        table.rows.append([label, period, got.wall, *counts, progress, *memory])
        table.figures.update(
            {
                f"{key}wall_s": got.wall,
                f"{key}calls": got.calls,
                f"{key}pages": got.pages,
                f"{key}rejected": got.rejected,
                f"{key}progress": len(got.progress),
                f"{key}peak_rss_mb": got.peak_mb,
            }
        )

    for label, limits, extra_env in PROFILES if not quick else PROFILES[:1]:
        sandbox = make_sandbox(listings, latency=latency, token_not_before_s=0.0, rate_limits=limits)
        with serve_sandbox(sandbox) as base_url:
            got = await report_once(sandbox, base_url, latency, extra_env, start, end)
        add(f"{label}, live (mirror off)", "" if label == "current" else f"{label}:", got)
    got, steps = await from_the_mirror(listings, latency, start, end)
    add("current, from the mirror (the default)", "mirror:", got)
    filled = "; ".join(f"{what}: {calls} calls" for what, calls, _ in steps)
    table.notes.append(
        f"from the mirror: the server's mirror already filled ({filled}; bench/mirror.py times that first "
        "sync at our rate budget), its watermark check due (HOSTAWAY_MIRROR_MAX_AGE_S=5, so that it is), as on a "
        "question asked a minute or more after the last. Its background sync runs meanwhile as in any session; "
        "calendar reads: the properties whose last night is not yet past at the property's own date."
    )
    table.notes.append(
        f"Sandbox latency {latency[0] * 1000:g}-{latency[1] * 1000:g} ms per call on loopback HTTP, its rate "
        "limits enforced; a fresh server process per row, with its default settings (shared limiter file) "
        "but for the limits named. The token is minted and the rate windows emptied before the call."
    )
    table.notes.append(
        "current: Hostaway's limits since 2026-08-20 (200 / 10 s per account and per IP), the default of the "
        "sandbox and of the server (which budgets 90% of them); legacy: the old 15 / 10 s per IP and 20 per "
        "account, on both sides (HOSTAWAY_RATE_LIMIT_PROFILE=legacy). A fresh sandbox per row."
    )
    table.notes.append(
        "RSS before / peak RSS: the server process's VmHWM before the call (start-up and one small call) "
        "and at its end; progress: notifications a progress-aware client received, and the last message."
    )
    if quick:
        table.notes.append("--quick: 24 listings and a tenth of the latency (generating 200 listings takes ~30 s).")
    return table
