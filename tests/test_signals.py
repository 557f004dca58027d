"""SIGINT and SIGTERM stop the real server process cleanly, with stdin still open.

The console script runs as a subprocess against the sandbox over loopback HTTP, spoken to with
raw JSON-RPC lines (the SDK's stdio client owns its process and cannot signal it). After a
signal the process must exit by itself while its stdin stays open, with status 0, no traceback,
nothing but JSON-RPC on stdout, and every write it started accounted for in the audit log.
Piping the command line's output into `head` ends quietly too.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import pytest

from tests.conftest import ACCOUNT_ID, PLANTED_SECRET, TODAY
from tests.faults import Fault, faults_of

CONSOLE_SCRIPT = Path(sys.executable).with_name("hostaway-mcp")
WATCHDOG_S = 20.0  # only a hang gets near this; the server promises to be gone 2 s after a signal


@pytest.fixture
def loopback() -> Iterator[tuple[Any, str]]:
    from hostaway_mcp.sandbox import Sandbox
    from hostaway_mcp.sandbox.http_server import serve_sandbox

    sandbox = Sandbox(seed=7, today=TODAY, listings=4, token_not_before_s=0.0)
    with serve_sandbox(sandbox) as base_url:
        yield sandbox, base_url


@pytest.fixture
def start(tmp_path: Path, loopback: tuple[Any, str]) -> Iterator[Callable[[], ServerProcess]]:
    """Start the server process; whatever happens in the test, it is gone afterwards."""
    started: list[ServerProcess] = []

    def make() -> ServerProcess:
        started.append(ServerProcess(tmp_path, loopback[1]))
        return started[-1]

    yield make
    for server in started:
        server.close()


class ServerProcess:
    """`hostaway-mcp` over stdio, driven line by line."""

    def __init__(self, tmp_path: Path, base_url: str) -> None:
        self.cache = tmp_path / "cache"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "HOSTAWAY_ACCOUNT_ID": ACCOUNT_ID,
            "HOSTAWAY_SECRET_KEY": PLANTED_SECRET,
            "HOSTAWAY_BASE_URL": base_url,
            "HOSTAWAY_CACHE_DIR": str(self.cache),
            "HOSTAWAY_TOOLSETS": "all",
            "HOSTAWAY_LOG_LEVEL": "DEBUG",
        }
        self.stderr_path = tmp_path / "stderr.log"
        self._stderr = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            [str(CONSOLE_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            cwd=tmp_path,
        )
        self.lines: list[bytes] = []
        self._next_id = 0
        self.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t"}})
        self.read_answer()
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    @property
    def stdin(self) -> IO[bytes]:
        assert self.process.stdin is not None
        return self.process.stdin

    def send(self, message: dict[str, Any]) -> None:
        self.stdin.write(json.dumps(message).encode() + b"\n")
        self.stdin.flush()

    def request(self, method: str, params: dict[str, Any]) -> int:
        self._next_id += 1
        self.send({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params})
        return self._next_id

    def read_answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the server closed stdout"
        self.lines.append(line)
        answer: dict[str, Any] = json.loads(line)
        return answer

    def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        self.request("tools/call", {"name": tool, "arguments": arguments})
        return self.read_answer()

    def stop_with(self, signum: int) -> int:
        """Send `signum` with stdin left open; the exit status (or a failure if it never exits)."""
        self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout=WATCHDOG_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"still running {WATCHDOG_S:.0f} s after {signal.Signals(signum).name} (stdin open)")
        assert not self.stdin.closed, "stdin was never closed by the test"
        assert self.process.stdout is not None
        self.lines.extend(self.process.stdout.read().splitlines(keepends=True))
        self.close()
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self._stderr):
            if stream is not None:
                stream.close()

    def audit_lines(self) -> list[dict[str, Any]]:
        path = self.cache / "audit.jsonl"
        raw = path.read_bytes()
        assert raw.endswith(b"\n"), "the audit log ends with a whole line"
        return [json.loads(line) for line in raw.splitlines()]


def nights(sandbox: Any) -> dict[str, Any]:
    start = TODAY + timedelta(days=250)
    return {
        "property_id": sandbox.account.listings[0]["id"],
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=2)).isoformat(),
    }


def assert_clean_exit(server: ServerProcess, code: int) -> str:
    stderr = server.stderr_path.read_text()
    assert code == 0, stderr[-2000:]
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr[-2000:]
    for line in server.lines:
        assert json.loads(line)["jsonrpc"] == "2.0", line[:200]
    assert PLANTED_SECRET not in stderr
    return stderr


@pytest.mark.timeout(90)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_an_idle_server_with_stdin_open(
    signum: int, loopback: tuple[Any, str], start: Callable[[], ServerProcess]
) -> None:
    sandbox, server = loopback[0], start()
    listed = server.call("list_properties", {"limit": 2})
    assert not listed["result"].get("isError"), listed
    preview = server.call("block_dates", nights(sandbox))  # a write preview: one audit line
    assert preview["result"]["structuredContent"]["status"] == "preview"

    stderr = assert_clean_exit(server, server.stop_with(signum))

    assert f"{signal.Signals(signum).name}: stopping the server" in stderr
    assert [line["outcome"] for line in server.audit_lines()] == ["previewed"]


@pytest.mark.timeout(90)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_write_cut_off_by_a_signal_is_left_in_the_audit_log_as_unknown(
    signum: int, loopback: tuple[Any, str], start: Callable[[], ServerProcess]
) -> None:

    sandbox, server = loopback[0], start()
    # Hostaway takes the change, then never answers: the write is in flight when the signal comes.
    faults_of(sandbox).script(Fault("read_timeout", method="PUT", path="/listings"))
    server.request("tools/call", {"name": "block_dates", "arguments": {**nights(sandbox), "confirm": True}})
    deadline = time.monotonic() + WATCHDOG_S
    while not any(r.method == "PUT" for r in sandbox.request_log):
        assert time.monotonic() < deadline, "the write never reached the sandbox"
        time.sleep(0.02)

    stderr = assert_clean_exit(server, server.stop_with(signum))

    assert "abandoning running requests" in stderr
    outcomes = [(line["outcome"], line.get("detail")) for line in server.audit_lines()]
    assert outcomes == [("attempt", None), ("unknown", "interrupted while sending")], outcomes
    puts = [r for r in sandbox.request_log if r.method == "PUT"]
    assert len(puts) == 1, "sent once, never retried on the way out"


@pytest.mark.timeout(90)
def test_a_second_signal_ends_the_process_at_once(
    loopback: tuple[Any, str], start: Callable[[], ServerProcess]
) -> None:

    sandbox, server = loopback[0], start()
    faults_of(sandbox).script(Fault("read_timeout", method="GET", path="/listings"))
    server.request("tools/call", {"name": "list_properties", "arguments": {}})
    deadline = time.monotonic() + WATCHDOG_S
    while not any(r.path.endswith("/listings") for r in sandbox.request_log):
        assert time.monotonic() < deadline, "the read never reached the sandbox"
        time.sleep(0.02)
    server.process.send_signal(signal.SIGINT)
    stderr = assert_clean_exit(server, server.stop_with(signal.SIGINT))
    assert "stopped (a second signal)" in stderr or "stopped (SIGINT)" in stderr


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "argv", [["tools"], ["tools", "--markdown"], ["--help"], ["call", "list_properties", "--demo"]]
)
def test_piping_the_output_into_head_ends_quietly(argv: list[str], tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "HOSTAWAY_DEMO": "1"}
    command = " ".join([str(CONSOLE_SCRIPT), *argv])
    # `head -n 0` exits before the command has started writing, so its first write meets a closed pipe.
    completed = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command} | head -n 0"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert "BrokenPipeError" not in completed.stderr and "Traceback" not in completed.stderr, completed.stderr
    assert "Exception ignored" not in completed.stderr, completed.stderr
    assert completed.returncode == 0, completed.stderr
