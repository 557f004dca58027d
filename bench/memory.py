"""Peak memory of a server process after many tool calls on a 200-listing account.

The server is the real `hostaway-mcp` command over stdio with its default settings (the shared
file limiter, the local mirror, every toolset on), run from a production-like install as
bench/startup.py makes it: what `uvx hostaway-mcp` users get, without the development tools (some
libraries import others when present: httpx loads its command-line client, rich and pygments,
7 MB, whenever they are installed). It talks to a loopback sandbox (zero latency, limits off) in
this process, so its memory is the server's alone. A bare SDK hello-world server run by the same
interpreter is the floor: what any server on this SDK holds after `initialize`. Our gates are
raised so that the run measures memory, not waiting: 1,000 calls on 200 listings make some 20,000
API calls. Linux only (it reads /proc/PID/status); elsewhere the table says so.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

from bench.common import ROOT, TODAY, Table, child_env, make_sandbox, production_python, scratch_dir, text_of
from bench.scenarios import tool_arguments
from bench.server_costs import read_tools

UNLIMITED = "1000000/10"  # our general gates, raised: the run measures memory, not waiting


def _find_pid(cwd: Path) -> int | None:
    """The process whose working directory is `cwd` (each server gets a unique one)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")) == cwd:
                    return int(entry.name)
            except OSError:
                continue
    return None


def _has_proc() -> bool:
    return Path("/proc/self/status").exists()


def _status_mb(pid: int) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


async def run(quick: bool) -> Table:
    from mcp import Client, StdioServerParameters

    from hostaway_mcp.sandbox.http_server import serve_sandbox

    calls, listings = (60, 24) if quick else (1000, 200)
    table = Table(
        f"Server memory over {calls:,} tool calls on {listings} listings", ["moment", "RSS MB", "peak RSS MB"]
    )
    if not _has_proc():
        table.notes.append("Not measured: needs Linux /proc.")
        return table
    workdir = scratch_dir("memory").resolve()
    python, install = production_python(workdir) if not quick else (sys.executable, "the development environment")
    floor = await _bare_sdk_rss(python, workdir)
    if floor is not None:
        table.rows.append(["hello-world (bare SDK) after initialize", *_pair(floor)])
    sandbox = make_sandbox(listings, enforce_rate_limits=False, token_not_before_s=0.0)
    scripted = tool_arguments(sandbox.account, TODAY)
    tools = [t for t in read_tools() if t in scripted]
    with serve_sandbox(sandbox) as base_url:
        env = child_env(
            HOSTAWAY_ACCOUNT_ID="10001",
            HOSTAWAY_SECRET_KEY="bench-secret",
            HOSTAWAY_BASE_URL=base_url,
            HOSTAWAY_CACHE_DIR=str(workdir),
            HOSTAWAY_RATE_LIMIT_ACCOUNT=UNLIMITED,
            HOSTAWAY_RATE_LIMIT_IP=UNLIMITED,
            HOSTAWAY_LOG_LEVEL="WARNING",
            HOSTAWAY_TOOLSETS="all",  # the calls cycle through every read tool
        )
        params = StdioServerParameters(command=python, args=["-m", "hostaway_mcp"], env=env, cwd=str(workdir))
        async with Client(params) as client:
            pid = _find_pid(workdir)
            if pid is None:
                table.notes.append("Not measured: the server process was not found.")
                return table
            table.rows.append(["hostaway-mcp after start-up", *_pair(_status_mb(pid))])
            for tool in tools:
                await client.call_tool(tool, scripted[tool])
            table.rows.append([f"after one call of each of {len(tools)} read tools", *_pair(_status_mb(pid))])
            errors = 0
            for i in range(calls):
                tool = tools[i % len(tools)]
                result = await client.call_tool(tool, scripted[tool])
                if result.is_error:
                    errors += 1
                    print(f"  {tool} failed: {text_of(result)[:200]}", file=sys.stderr)
                if (i + 1) % max(1, calls // 4) == 0:
                    await asyncio.sleep(0)
            final = _status_mb(pid)
            table.rows.append([f"after {calls:,} more calls", *_pair(final)])
    table.figures["peak_rss_mb"] = final["VmHWM"]
    table.figures["errors"] = errors
    if floor is not None:
        table.figures["bare_sdk_rss_mb"] = floor["VmHWM"]
    table.notes.append(
        f"Calls cycle through the {len(tools)} read tools with scripted arguments ({errors} errors), on a "
        f"{listings}-listing account (a quarter's revenue report reads every property's calendar); RSS and "
        "peak RSS (VmRSS, VmHWM) of the server process only. Default settings (shared file limiter) but "
        f"for our general gates, raised to {UNLIMITED} so that the run measures memory, not waiting. "
        f"Installed with {install}."
    )
    return table


def _pair(values: dict[str, float]) -> list[float]:
    return [round(values["VmRSS"], 1), round(values["VmHWM"], 1)]


async def _bare_sdk_rss(python: str, workdir: Path) -> dict[str, float] | None:
    """RSS of the SDK's hello-world server after `initialize`, run by `python` (None: not found)."""
    from mcp import Client, StdioServerParameters

    folder = workdir / "hello"
    folder.mkdir()
    hello = folder / "hello_server.py"
    shutil.copyfile(ROOT / "bench" / "hello_server.py", hello)
    params = StdioServerParameters(command=python, args=[str(hello)], env=child_env(), cwd=str(folder.resolve()))
    async with Client(params):
        pid = _find_pid(folder.resolve())
        return None if pid is None else _status_mb(pid)
