"""Cold start: from spawning the process to the answer to `initialize` over stdio.

Measured for hostaway-mcp (live configuration: credentials set, nothing contacted at start-up;
and demo mode, which also generates the demo account) and for a bare SDK hello-world server,
alternating runs in the same session so both see the same machine state.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from bench.common import ROOT, Table, child_env, median, python_command, scratch_dir

INITIALIZE = (
    json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "bench", "version": "0"},
            },
        }
    )
    + "\n"
)


def time_to_initialize(command: list[str], env: dict[str, str], cwd: Path, timeout: float = 60.0) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=cwd
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(INITIALIZE.encode())
        process.stdin.flush()
        line = process.stdout.readline()
        elapsed = time.perf_counter() - started
        answer = json.loads(line)
        if "result" not in answer:
            raise RuntimeError(f"initialize failed: {line[:300]!r}")
        return elapsed
    finally:
        process.kill()
        process.wait(timeout=timeout)


def run(quick: bool) -> Table:
    rounds = 1 if quick else 7
    workdir = scratch_dir("startup")
    live_env = child_env(
        HOSTAWAY_ACCOUNT_ID="10001",
        HOSTAWAY_SECRET_KEY="bench-secret",
        HOSTAWAY_BASE_URL="http://127.0.0.1:9/v1",  # never contacted before the first tool call
        HOSTAWAY_CACHE_DIR=str(workdir),
    )
    servers = {
        "hello-world (bare SDK)": (python_command(str(ROOT / "bench" / "hello_server.py")), child_env()),
        "hostaway-mcp": (python_command("-m", "hostaway_mcp"), live_env),
        "hostaway-mcp --demo": (
            python_command("-m", "hostaway_mcp", "--demo"),
            child_env(HOSTAWAY_CACHE_DIR=str(workdir)),
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in servers}
    if not quick:
        for command, env in servers.values():  # warm the OS file cache and .pyc files once
            time_to_initialize(command, env, workdir)
    for _ in range(rounds):
        for name, (command, env) in servers.items():
            times[name].append(time_to_initialize(command, env, workdir))

    baseline = median(times["hello-world (bare SDK)"])
    table = Table(
        "Cold start to a served initialize over stdio",
        ["server", "runs", "median s", "min s", "vs hello-world"],
    )
    for name, values in times.items():
        table.rows.append([name, len(values), median(values), min(values), f"{median(values) / baseline:.2f}x"])
    table.figures["cold_start_s"] = median(times["hostaway-mcp"])
    table.figures["hello_world_s"] = baseline
    table.figures["cold_start_ratio"] = median(times["hostaway-mcp"]) / baseline
    table.notes.append(
        "Spawn to the JSON-RPC answer to `initialize` (2025-11-25 handshake), runs alternating, after one "
        "warm-up run each. Demo mode generates its 24-listing account before it answers."
    )
    return table
