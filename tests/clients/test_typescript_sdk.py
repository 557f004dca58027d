"""The TypeScript SDK (`@modelcontextprotocol/sdk`, from npm) against the server over stdio.

The server runs against the demo account served on loopback, so this process sees every request
that reaches "Hostaway": previews must send none, confirmed writes exactly one each.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.clients import tool_calls
from tests.clients.conftest import ALL_TOOLS, Loopback, run_node


def run_plan(node_modules: Path, tmp_path: Path, plan: dict[str, Any]) -> dict[str, Any]:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    done = run_node(node_modules, "typescript_sdk.mjs", str(plan_file))
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    verdict: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return verdict


@pytest.mark.timeout(900)
def test_every_tool_output_passes_its_schema_and_a_preview_changes_nothing(
    node_modules: Path, loopback: Loopback, tmp_path: Path
) -> None:
    sandbox = loopback.sandbox
    server = loopback.server(tmp_path / "cache")
    # search_messages answers from the local mirror only: build it first, as `hostaway-mcp sync` does.
    built = subprocess.run(
        [server["command"], "sync"], env={**os.environ, **server["env"]}, capture_output=True, text=True, timeout=600
    )
    assert built.returncode == 0, built.stderr[-2000:]
    plan = {
        "server": server,
        "calls": tool_calls.read_calls(sandbox) + tool_calls.write_calls(sandbox, confirm=False),
        "every_tool": True,
        "unchanged": tool_calls.preview_changes_nothing(sandbox),
    }
    verdict = run_plan(node_modules, tmp_path, plan)

    assert verdict["problems"] == []
    assert verdict["server"]["name"] == "hostaway-mcp"
    assert set(verdict["checked"]) == ALL_TOOLS == set(verdict["tools"])  # every toolset is on
    assert verdict["unchanged"]["same"] is True, "the nights read differently after a block_dates preview"
    assert verdict["unchanged"]["preview"]["status"] == "preview"
    assert loopback.writes() == [], "a preview (a write without confirm) sent a change to Hostaway"


@pytest.mark.timeout(900)
def test_confirmed_writes_pass_their_schema_and_each_reaches_hostaway_once(
    node_modules: Path, loopback: Loopback, tmp_path: Path
) -> None:
    calls = tool_calls.write_calls(loopback.sandbox, confirm=True)
    verdict = run_plan(node_modules, tmp_path, {"server": loopback.server(tmp_path / "cache"), "calls": calls})

    assert verdict["problems"] == []
    assert set(verdict["checked"]) == {call["tool"] for call in calls}
    sent = [(r.method, str(r.path).strip("/").split("/")[0]) for r in loopback.writes()]
    # one message, one review reply, one calendar update each for block, unblock and the new rates,
    # one new booking, one change to a booking and one cancellation, one expense, a payment and a
    # refund (both guest charges), one new task and one change to a task
    assert sorted(sent) == [
        ("POST", "conversations"),
        ("POST", "expenses"),
        ("POST", "guestPayments"),
        ("POST", "guestPayments"),
        ("POST", "reservations"),
        ("POST", "reviews"),
        ("POST", "tasks"),
        ("PUT", "listings"),
        ("PUT", "listings"),
        ("PUT", "listings"),
        ("PUT", "reservations"),
        ("PUT", "reservations"),
        ("PUT", "tasks"),
    ]
