"""At most once across real processes: `hostaway-mcp call` per write, one fake Hostaway on loopback.

Each call is its own OS process (the way agent frameworks such as langchain-mcp-adapters spawn a
server per call), sharing only the cache folder, as they would on a real machine. The sandbox runs
in this test process, so its message threads and request log are the ground truth.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ACCOUNT_ID, PLANTED_SECRET, TEXT, TODAY, booking_with_thread, message_posts, thread
from tests.faults import Fault, faults_of

CONSOLE_SCRIPT = Path(sys.executable).with_name("hostaway-mcp")
pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def loopback() -> Iterator[tuple[Any, str]]:
    from hostaway_mcp.sandbox import Sandbox
    from hostaway_mcp.sandbox.http_server import serve_sandbox

    sandbox = Sandbox(seed=7, today=TODAY, listings=6, token_not_before_s=0.0, enforce_rate_limits=False)
    with serve_sandbox(sandbox, hang_s=8.0) as base_url:
        yield sandbox, base_url


def start_call(tmp_path: Path, base_url: str, arguments: dict[str, Any], **env: str) -> subprocess.Popen[str]:
    """One `hostaway-mcp call send_guest_message ... --json` process against the loopback sandbox."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "HOSTAWAY_ACCOUNT_ID": ACCOUNT_ID,
        "HOSTAWAY_SECRET_KEY": PLANTED_SECRET,
        "HOSTAWAY_BASE_URL": base_url,
        "HOSTAWAY_CACHE_DIR": str(tmp_path / "cache"),
        **env,
    }
    return subprocess.Popen(
        [str(CONSOLE_SCRIPT), "call", "send_guest_message", json.dumps(arguments), "--json"],
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def answer(process: subprocess.Popen[str]) -> tuple[int, dict[str, Any]]:
    out, err = process.communicate(timeout=60)
    assert out.strip(), f"no answer on stdout; stderr: {err[-2000:]}"
    return process.returncode, json.loads(out)


def ledger_outcomes(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "cache" / "ledger.sqlite3") as conn:
        return [row[0] for row in conn.execute("SELECT outcome FROM writes ORDER BY created_at")]


def test_two_processes_sending_the_same_message_at_once_send_one(tmp_path: Path, loopback: tuple[Any, str]) -> None:
    sandbox, base_url = loopback
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    before = thread(sandbox, conversation["id"])
    arguments = {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
    processes = [start_call(tmp_path, base_url, arguments) for _ in range(2)]
    outcomes = [answer(process) for process in processes]

    assert sorted(code for code, _ in outcomes) == [0, 1]
    sent = next(result for code, result in outcomes if code == 0)
    refused = next(result for code, result in outcomes if code == 1)
    assert sent["status"] == "sent"
    assert "Refused" in refused["error"]
    assert "being sent right now" in refused["error"] or "already sent" in refused["error"]
    assert len(thread(sandbox, conversation["id"])) == len(before) + 1
    assert len(message_posts(sandbox, conversation["id"])) == 1


def test_a_lost_answer_then_a_restart_finds_the_message_instead_of_sending_it_again(
    tmp_path: Path, loopback: tuple[Any, str]
) -> None:
    sandbox, base_url = loopback
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    before = thread(sandbox, conversation["id"])
    arguments = {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
    faults_of(sandbox).script(Fault("read_timeout", method="POST", path="/conversations"))  # posted, answer lost

    code, first = answer(start_call(tmp_path, base_url, arguments, HOSTAWAY_TIMEOUT_S="1.5"))
    assert code == 1 and "Outcome unknown" in first["error"]
    code, second = answer(start_call(tmp_path, base_url, arguments))

    assert code == 0 and second["status"] == "already_sent"
    assert "found in the thread" in second["next_step"]
    assert len(thread(sandbox, conversation["id"])) == len(before) + 1
    assert len(message_posts(sandbox, conversation["id"])) == 1
    assert ledger_outcomes(tmp_path) == ["sent"]


def test_kill_9_right_after_a_confirmed_send_leaves_an_attempt_the_next_call_reconciles(
    tmp_path: Path, loopback: tuple[Any, str]
) -> None:
    sandbox, base_url = loopback
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    before = thread(sandbox, conversation["id"])
    arguments = {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
    faults_of(sandbox).script(Fault("read_timeout", method="POST", path="/conversations"))  # held open, no answer

    doomed = start_call(tmp_path, base_url, arguments)
    deadline = time.monotonic() + 30
    while not message_posts(sandbox, conversation["id"]):
        assert time.monotonic() < deadline and doomed.poll() is None, "the POST never arrived"
        time.sleep(0.02)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.communicate(timeout=10)
    assert ledger_outcomes(tmp_path) == ["attempt"]  # recorded before the request left

    code, result = answer(start_call(tmp_path, base_url, arguments))
    assert code == 0 and result["status"] == "already_sent"
    assert len(thread(sandbox, conversation["id"])) == len(before) + 1
    assert len(message_posts(sandbox, conversation["id"])) == 1
    audit = [json.loads(line) for line in (tmp_path / "cache" / "audit.jsonl").read_text().splitlines()]
    assert [(line["outcome"], line.get("reconciled")) for line in audit] == [("attempt", None), ("sent", True)]


def test_per_call_processes_cannot_send_a_duplicate(tmp_path: Path, loopback: tuple[Any, str]) -> None:
    sandbox, base_url = loopback
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    arguments = {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
    first = answer(start_call(tmp_path, base_url, arguments))
    second = answer(start_call(tmp_path, base_url, arguments))
    assert first[0] == 0 and first[1]["status"] == "sent"
    assert second[0] == 1 and "already sent" in second[1]["error"] and "allow_duplicate=true" in second[1]["error"]
    assert len(message_posts(sandbox, conversation["id"])) == 1
