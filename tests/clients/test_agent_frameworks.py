"""Agent frameworks drive the server over stdio, each in the frameworks' own environment.

For each framework: the README's snippet runs as written (checkout path filled in, on the demo
account), and a driver in `frameworks/` checks what the framework itself makes of the server.
The framework runs in `tests/clients/.venv` (its own uv project); the server runs from this
checkout, as it would for a user.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from hostaway_mcp.config import Settings
from tests.clients import tool_calls
from tests.clients.conftest import (
    ALL_TOOLS,
    HERE,
    Loopback,
    demo_server,
    last_json,
    readme_snippet,
    run_framework,
    runnable_snippet,
    snippet_env,
)

TOOLS = sorted(ALL_TOOLS)  # the drivers start the server with every toolset on
FRAMEWORKS = HERE / "frameworks"


def run_snippet(python: Path, marker: str, tmp_path: Path) -> str:
    done = run_framework(python, runnable_snippet(marker, tmp_path), env=snippet_env(tmp_path))
    assert done.returncode == 0, f"the README snippet failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


# -- openai-agents ------------------------------------------------------------------------------------


@pytest.mark.timeout(600)
def test_openai_agents_readme_snippet_runs_and_outlasts_a_rate_limit_wait(
    frameworks_python: Path, tmp_path: Path
) -> None:
    marker = "from agents.mcp import MCPServerStdio"
    timeout = re.search(r"client_session_timeout_seconds=(\d+)", readme_snippet(marker))
    assert timeout, "the snippet must raise the 5 s default: a call can wait for Hostaway's rate limit"
    assert int(timeout[1]) > Settings(_env_file=None).max_retry_time_s
    assert "24 properties" in run_snippet(frameworks_python, marker, tmp_path)


@pytest.mark.timeout(600)
def test_openai_agents_offers_every_tool_with_a_strict_schema_and_runs_one(
    frameworks_python: Path, tmp_path: Path
) -> None:
    verdict = last_json(
        run_framework(frameworks_python, FRAMEWORKS / "openai_agents_check.py", {"server": demo_server(tmp_path)})
    )
    assert sorted(verdict["offered"]) == TOOLS
    not_strict = [name for name, strict in verdict["offered"].items() if not strict]
    assert not_strict == [], f"these tools fell back to non-strict schemas in openai-agents: {not_strict}"
    assert verdict["output"]["total"] == 24 and len(verdict["output"]["items"]) == 2


# -- pydantic-ai --------------------------------------------------------------------------------------


@pytest.mark.timeout(600)
def test_pydantic_ai_readme_snippet_runs_with_test_model(frameworks_python: Path, tmp_path: Path) -> None:
    output = run_snippet(frameworks_python, "from pydantic_ai.mcp import MCPToolset", tmp_path)
    answer: dict[str, Any] = json.loads(output.strip().splitlines()[-1])  # TestModel answers with the tool results
    assert answer["list_properties"]["total"] == 24


@pytest.mark.timeout(600)
def test_pydantic_ai_toolset_offers_every_tool_and_test_model_calls_one(
    frameworks_python: Path, tmp_path: Path
) -> None:
    verdict = last_json(
        run_framework(frameworks_python, FRAMEWORKS / "pydantic_ai_check.py", {"server": demo_server(tmp_path)})
    )
    assert verdict["offered"] == TOOLS
    assert verdict["called"] == ["list_properties"]
    assert verdict["returned"][0]["total"] == 24


# -- langchain-mcp-adapters ---------------------------------------------------------------------------


@pytest.mark.timeout(600)
def test_langchain_readme_snippet_runs_in_one_session(frameworks_python: Path, tmp_path: Path) -> None:
    output = run_snippet(frameworks_python, "from langchain_mcp_adapters.client import MultiServerMCPClient", tmp_path)
    assert re.search(r'"total": ?24\b', output), output[-2000:]  # the result text is compact JSON


@pytest.mark.timeout(600)
def test_langchain_loads_every_tool_and_calls_one(frameworks_python: Path, tmp_path: Path) -> None:
    verdict = last_json(
        run_framework(frameworks_python, FRAMEWORKS / "langchain_check.py", {"server": demo_server(tmp_path)})
    )
    assert verdict["tools"] == TOOLS
    assert verdict["listed"]["total"] == 24 and len(verdict["listed"]["items"]) == 2
    assert verdict["per_call_writes"] == []


@pytest.mark.timeout(600)
def test_langchain_per_call_sessions_cannot_send_a_message_twice(
    frameworks_python: Path, loopback: Loopback, tmp_path: Path
) -> None:
    # `get_tools()` starts a server process per call: the second process must know what the first
    # one sent (the durable write ledger in the cache folder), or the guest gets the text twice.
    writes = tool_calls.write_calls(loopback.sandbox, confirm=True)
    send = next(call for call in writes if call["tool"] == "send_guest_message")
    spec = {"server": loopback.server(tmp_path / "cache"), "write": send}
    verdict = last_json(run_framework(frameworks_python, FRAMEWORKS / "langchain_check.py", spec))

    first, second = verdict["per_call_writes"]
    assert first.get("ok", {}).get("status") == "sent", first
    posts = [r for r in loopback.writes() if r.method == "POST" and str(r.path).strip("/").startswith("conversations/")]
    assert len(posts) == 1, f"the guest got the message {len(posts)} times; the second process answered {second}"
    assert second.get("ok", {}).get("status") != "sent", second
