"""Real processes on one mirror: two `hostaway-mcp sync` at once build it once; a third reads it.

The sandbox runs on loopback HTTP in this process; each command is its own `hostaway-mcp`
process sharing only the cache folder, as on a real machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ACCOUNT_ID, PLANTED_SECRET, TODAY

CONSOLE_SCRIPT = Path(sys.executable).with_name("hostaway-mcp")
pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
LISTINGS = 3


@pytest.fixture
def loopback() -> Iterator[tuple[Any, str]]:
    from hostaway_mcp.sandbox import Sandbox
    from hostaway_mcp.sandbox.http_server import serve_sandbox

    sandbox = Sandbox(seed=7, today=TODAY, listings=LISTINGS, token_not_before_s=0.0, enforce_rate_limits=False)
    with serve_sandbox(sandbox, hang_s=8.0) as base_url:
        yield sandbox, base_url


def command(tmp_path: Path, base_url: str, *args: str) -> subprocess.Popen[str]:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "HOSTAWAY_ACCOUNT_ID": ACCOUNT_ID,
        "HOSTAWAY_SECRET_KEY": PLANTED_SECRET,
        "HOSTAWAY_BASE_URL": base_url,
        "HOSTAWAY_CACHE_DIR": str(tmp_path / "cache"),
        "HOSTAWAY_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [str(CONSOLE_SCRIPT), *args],
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=150)
    return process.returncode, out, err


def calls(sandbox: Any, prefix: str) -> int:
    return sum(1 for r in sandbox.request_log if r.path.startswith(prefix))


def message_pages(sandbox: Any) -> dict[str, list[str]]:
    """The message pages read, per thread: the offsets asked for."""
    pages: dict[str, list[str]] = {}
    for r in sandbox.request_log:
        if r.path.startswith("/conversations/") and r.path.endswith("/messages"):
            pages.setdefault(r.path, []).append(str(r.params.get("offset")))
    return pages


def test_two_syncs_at_once_build_the_mirror_once_and_another_process_reads_it(
    tmp_path: Path, loopback: tuple[Any, str]
) -> None:
    sandbox, base_url = loopback
    first, second = command(tmp_path, base_url, "sync"), command(tmp_path, base_url, "sync")
    outcomes = [finished(first), finished(second)]
    for code, out, err in outcomes:
        assert code == 0, err[-2000:]
        assert "After:" in out and "reservations" in out
    threads = len(sandbox.account.conversations)
    pages = message_pages(sandbox)
    assert len(pages) == threads  # every thread's messages read, by one process, once:
    assert all(len(offsets) == len(set(offsets)) for offsets in pages.values())  # no page twice
    assert calls(sandbox, "/reviews") == -(-len(sandbox.account.reviews) // 100)

    before = len(sandbox.request_log)
    reader = command(tmp_path, base_url, "call", "search_messages", json.dumps({"query": "check in"}), "--json")
    code, out, err = finished(reader)
    assert code == 0, err[-2000:]
    found = json.loads(out)
    assert found["total"] >= 1 and found["as_of"]
    made = [r.path for r in sandbox.request_log[before:] if "accessTokens" not in r.path]
    assert made == []  # within the max age: the mirror another process built, no request at all

    code, out, _ = finished(command(tmp_path, base_url, "sync", "--status"))
    assert code == 0 and "reservations" in out
    mirror = next((tmp_path / "cache").glob("mirror-*.sqlite3"))
    assert oct(mirror.stat().st_mode & 0o777) == "0o600"
    code, out, _ = finished(command(tmp_path, base_url, "sync", "--purge"))
    assert code == 0 and "Deleted the mirror" in out and not mirror.exists()
