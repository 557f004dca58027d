"""Cold start: from spawning the process to the answer to `initialize`, and to the first `tools/list`.

Measured in a production-like install: `uv sync --no-dev --no-editable --compile-bytecode` into
an environment of its own (the runtime dependencies from the lock, the package built and
installed as a wheel, every module compiled to bytecode), for hostaway-mcp (live configuration:
credentials set, nothing contacted before the first tool call; and demo mode) and for a bare SDK
hello-world server run by the same interpreter. Runs alternate, after one warm-up run each, so
all three see the same machine state. Without uv on PATH the development environment is measured
instead, and the table says so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT, Table, child_env, median, production_python, scratch_dir


def _message(message_id: int | None, method: str, params: dict[str, object] | None = None) -> bytes:
    body: dict[str, object] = {"jsonrpc": "2.0", "method": method}
    if message_id is not None:
        body["id"] = message_id
    if params is not None:
        body["params"] = params
    return (json.dumps(body) + "\n").encode()


INITIALIZE = _message(
    1,
    "initialize",
    {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}},
)
INITIALIZED = _message(None, "notifications/initialized")
LIST_TOOLS = _message(2, "tools/list", {})


def time_to_answers(command: list[str], env: dict[str, str], cwd: Path, timeout: float = 60.0) -> tuple[float, float]:
    """Seconds from spawn to the `initialize` answer, and to the first `tools/list` answer."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=cwd
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(INITIALIZE)
        process.stdin.flush()
        initialized = _answer(process.stdout.readline(), "initialize")
        initialize_s = time.perf_counter() - started
        process.stdin.write(INITIALIZED + LIST_TOOLS)
        process.stdin.flush()
        tools = _answer(process.stdout.readline(), "tools/list")
        tools_s = time.perf_counter() - started
        if not initialized or not tools.get("tools"):
            raise RuntimeError("a server answered without a result")
        return initialize_s, tools_s
    finally:
        process.kill()
        process.wait(timeout=timeout)


def _answer(line: bytes, method: str) -> dict[str, object]:
    answer = json.loads(line)
    if "result" not in answer:
        raise RuntimeError(f"{method} failed: {line[:300]!r}")
    result: dict[str, object] = answer["result"]
    return result


MEDIAN_COLUMNS = (
    "server",
    "runs",
    "initialize median s",
    "vs hello-world",
    "first tools/list median s",
    "vs hello-world",
)
BEST_COLUMNS = ("initialize best s", "vs hello-world", "first tools/list best s", "vs hello-world")


def run(quick: bool) -> Table:
    rounds = 1 if quick else 15
    workdir = scratch_dir("startup")
    python, install = production_python(workdir) if not quick else (sys.executable, "the development environment")
    hello = workdir / "hello_server.py"
    shutil.copyfile(ROOT / "bench" / "hello_server.py", hello)
    live_env = child_env(
        HOSTAWAY_ACCOUNT_ID="10001",
        HOSTAWAY_SECRET_KEY="bench-secret",
        HOSTAWAY_BASE_URL="http://127.0.0.1:9/v1",  # never contacted before the first tool call
        HOSTAWAY_CACHE_DIR=str(workdir / "cache"),
    )
    servers = {
        "hello-world (bare SDK)": ([python, str(hello)], child_env()),
        "hostaway-mcp": ([python, "-m", "hostaway_mcp"], live_env),
        "hostaway-mcp --demo": (
            [python, "-m", "hostaway_mcp", "--demo"],
            child_env(HOSTAWAY_CACHE_DIR=str(workdir / "cache")),
        ),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in servers}
    if not quick:
        for command, env in servers.values():  # warm the OS file cache once
            time_to_answers(command, env, workdir)
    for _ in range(rounds):
        for name, (command, env) in servers.items():
            times[name].append(time_to_answers(command, env, workdir))

    bare = times["hello-world (bare SDK)"]
    hello_init, hello_tools = median([i for i, _ in bare]), median([t for _, t in bare])
    best_init, best_tools = min(i for i, _ in bare), min(t for _, t in bare)
    table = Table(
        "Cold start to a served initialize and the first tools/list over stdio",
        [*MEDIAN_COLUMNS, *BEST_COLUMNS],
    )
    for name, values in times.items():
        init, tools = median([i for i, _ in values]), median([t for _, t in values])
        fastest_init, fastest_tools = min(i for i, _ in values), min(t for _, t in values)
        typical = [init, f"{init / hello_init:.2f}x", tools, f"{tools / hello_tools:.2f}x"]
        best = [fastest_init, f"{fastest_init / best_init:.2f}x", fastest_tools, f"{fastest_tools / best_tools:.2f}x"]
        table.rows.append([name, len(values), *typical, *best])
        key = {"hostaway-mcp": "live", "hostaway-mcp --demo": "demo"}.get(name)
        if key:
            table.figures[f"{key}:initialize_ratio"] = init / hello_init
            table.figures[f"{key}:tools_list_ratio"] = tools / hello_tools
            table.figures[f"{key}:initialize_best_ratio"] = fastest_init / best_init
            table.figures[f"{key}:tools_list_best_ratio"] = fastest_tools / best_tools
    table.figures["cold_start_s"] = median([i for i, _ in times["hostaway-mcp"]])
    table.figures["hello_world_s"] = hello_init
    table.figures["cold_start_ratio"] = table.figures["live:initialize_ratio"]
    table.notes.append(
        f"Installed with {install}; every server run by that environment's Python. Spawn to the JSON-RPC "
        "answer to `initialize` (2025-11-25 handshake), then `notifications/initialized` and `tools/list` "
        "(hostaway-mcp's default toolsets), runs alternating, after one warm-up run each. Demo mode "
        "generates its account in a worker thread after start-up; the first tool call waits for it."
    )
    table.notes.append(
        "best: the fastest run of each, the usual estimate of a start-up's own cost on a shared machine (other "
        "work only ever adds time); median: the typical run here."
    )
    return table
