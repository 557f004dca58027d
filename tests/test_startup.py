"""Start-up does nothing slow before it answers: tools listed from precomputed definitions, built on
first call; the gateway's stack imported on the first request; the demo account generated aside.

Timings live in bench/startup.py; these tests hold what makes them (what is imported, what is built,
what waits for what).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from hostaway_mcp import server as server_module
from hostaway_mcp.server import build_server
from hostaway_mcp.tools import CATALOGUE, definitions
from tests.conftest import call_ok

# What a served `initialize` and a first `tools/list` must not have imported: the HTTP stack, the
# gateway and what it opens, the demo account, and every tool's own module.
NOT_AT_START_UP = (
    "httpx",
    "hostaway_mcp.gateway",
    "hostaway_mcp.ledger",
    "hostaway_mcp.ratelimit.coordination",
    "hostaway_mcp.sandbox",
    "hostaway_mcp.surface.resource_reads",
    *sorted({f"hostaway_mcp.tools.{spec.ref.rpartition('.')[0]}" for spec in CATALOGUE}),
)


async def test_the_precomputed_definitions_are_the_live_ones() -> None:
    stored = definitions.load()
    assert stored is not None, f"tools/definitions.json is missing or out of date: {definitions.REBUILD}"
    assert stored == await definitions.live(), f"tools/definitions.json differs from the tools: {definitions.REBUILD}"
    assert set(stored) == {spec.name for spec in CATALOGUE}


@pytest.mark.parametrize("damage", ["stale", "garbled"])
async def test_without_usable_definitions_the_tools_are_built_at_start_up(
    settings_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, damage: str
) -> None:
    if damage == "stale":
        monkeypatch.setattr(definitions, "fingerprint", lambda: "a source file changed")
    else:
        garbled = tmp_path / "definitions.json"
        garbled.write_text('{"fingerprint": ', encoding="utf-8")
        monkeypatch.setattr(definitions, "FILE", garbled)
    assert definitions.load() is None
    server = build_server(settings_factory())
    assert server._tool_manager.get_tool("list_properties") is not None  # built, as before
    async with Client(server) as client:
        listed = {
            t.name: t.model_dump(mode="json", by_alias=True, exclude_none=True)
            for t in (await client.list_tools()).tools
        }
    monkeypatch.undo()
    assert listed == definitions.load()


async def test_a_tool_is_built_on_its_first_call_and_only_that_tool(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    server = server_factory(sandbox)
    assert server._tool_manager.list_tools() == []  # listed from the definitions, none built
    async with Client(server) as client:
        assert len((await client.list_tools()).tools) == len(CATALOGUE)
        assert server._tool_manager.list_tools() == []
        result = await call_ok(client, "list_properties", {"limit": 2})
        again = await call_ok(client, "list_properties", {"limit": 2})
    assert result == again and result["total"] == len(sandbox.account.listings)
    assert [tool.name for tool in server._tool_manager.list_tools()] == ["list_properties"]


def test_initialize_and_the_first_tools_list_import_none_of_the_heavy_modules(tmp_path: Path) -> None:
    env = {
        "HOSTAWAY_ACCOUNT_ID": "10001",
        "HOSTAWAY_SECRET_KEY": "start-up-test",
        "HOSTAWAY_BASE_URL": "http://127.0.0.1:9/v1",  # never contacted: no tool is called
        "HOSTAWAY_CACHE_DIR": str(tmp_path / "cache"),
        "PATH": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "hostaway_mcp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert process.stdin is not None and process.stdout is not None
    hello = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}}
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": hello},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
    ]
    try:
        process.stdin.write(b"".join(json.dumps(m).encode() + b"\n" for m in messages))
        process.stdin.flush()
        answers = [json.loads(process.stdout.readline()) for _ in range(2)]
    finally:
        process.kill()
        _, imports = process.communicate(timeout=30)
    assert [a["id"] for a in answers] == [1, 2] and answers[1]["result"]["tools"]
    imported = {
        line.split("|")[-1].strip() for line in imports.decode().splitlines() if line.startswith("import time:")
    }
    assert "mcp.server" in imported and "hostaway_mcp.server" in imported  # the log is what it claims to be
    assert sorted(imported & set(NOT_AT_START_UP)) == []


async def test_demo_mode_answers_before_its_account_exists_and_the_first_call_waits_for_it(
    settings_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    generate = server_module._demo_sandbox

    def slow_generation(*args: Any) -> Any:
        assert release.wait(30), "the test never let the demo account be generated"
        return generate(*args)

    monkeypatch.setattr(server_module, "_demo_sandbox", slow_generation)
    server = build_server(settings_factory(demo=True, account_id=None, secret_key=None))
    async with Client(server) as client:  # initialize answered while the account is still being made
        assert len((await client.list_tools()).tools) == len(CATALOGUE)
        call = asyncio.ensure_future(client.call_tool("list_properties", {"limit": 1}))
        await asyncio.sleep(0.05)
        assert not call.done()  # waiting for the account
        release.set()
        result = await asyncio.wait_for(call, 30)
    assert not result.is_error and result.structured_content and result.structured_content["total"] > 0
