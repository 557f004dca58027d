"""Real MCP clients against the installed console script on the demo account.

1. The MCP Python SDK's stdio client spawns `hostaway-mcp --demo`, as Claude Desktop or an agent
   framework would, and uses tools, resources and prompts.
2. The MCP Inspector CLI (`@modelcontextprotocol/inspector`, from npm) lists the tools with
   `--strict`, which fails on tool schemas that other clients cannot use, and calls a tool.
   It is installed once into the pytest cache folder; without Node.js the test is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from mcp import Client, StdioServerParameters

from hostaway_mcp.tools import catalogue

CONSOLE_SCRIPT = Path(sys.executable).with_name("hostaway-mcp")
INSPECTOR_PACKAGE = "@modelcontextprotocol/inspector@2.12.0"  # 2.x has `--cli ... --strict`
INSPECTOR_TIMEOUT_S = 120


def demo_params(tmp_path: Path) -> StdioServerParameters:
    return StdioServerParameters(
        command=str(CONSOLE_SCRIPT),
        args=["--demo"],
        env={"HOSTAWAY_CACHE_DIR": str(tmp_path / "cache")},
        cwd=str(tmp_path),  # no stray .env from the checkout
    )


# -- 1. the SDK's stdio client ----------------------------------------------------------------


@pytest.mark.timeout(120)
async def test_the_sdk_stdio_client_uses_the_console_script_on_the_demo_account(tmp_path: Path) -> None:
    async with Client(demo_params(tmp_path)) as client:
        assert client.server_info is not None and client.server_info.name == "hostaway-mcp"
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert tools == {spec.name for spec in catalogue() if spec.default}

        result = await client.call_tool("list_properties", {"limit": 2})
        assert not result.is_error, result.content
        assert result.structured_content is not None
        assert result.structured_content["total"] == 24 and len(result.structured_content["items"]) == 2

        status = json.loads(getattr((await client.read_resource("hostaway://status")).contents[0], "text", ""))
        assert status["mode"] == "demo"
        assert status["requests"]["by_path"]["/listings"] == 1

        prompt = await client.get_prompt("reply_to_guest", {"booking_id": "7"})
        assert "get_conversation_history(booking_id=7)" in getattr(prompt.messages[0].content, "text", "")


# -- 2. the MCP Inspector CLI -----------------------------------------------------------------


@pytest.fixture(scope="session")
def inspector(request: pytest.FixtureRequest) -> Path:
    """The Inspector's launcher, installed from npm into the pytest cache folder once."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js (node and npm) is not installed: the MCP Inspector CLI cannot run")
    cache = getattr(request.config, "cache", None)  # None with `-p no:cacheprovider`
    prefix = (
        Path(cache.mkdir("mcp-inspector"))
        if cache is not None
        else Path(tempfile.gettempdir()) / "hostaway-mcp-tests" / "mcp-inspector"
    )
    prefix.mkdir(parents=True, exist_ok=True)
    launcher = prefix / "node_modules" / ".bin" / "mcp-inspector"
    with FileLock(str(prefix / ".install.lock")):
        if not launcher.exists():
            installed = subprocess.run(
                [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", INSPECTOR_PACKAGE],
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert installed.returncode == 0, f"npm install {INSPECTOR_PACKAGE} failed:\n{installed.stderr[-2000:]}"
    assert launcher.exists(), f"{INSPECTOR_PACKAGE} installed no mcp-inspector launcher"
    return launcher


def run_inspector(inspector: Path, tmp_path: Path, *method_args: str) -> subprocess.CompletedProcess[str]:
    command = [str(inspector), "--cli", *method_args, "-e", f"HOSTAWAY_CACHE_DIR={tmp_path / 'cache'}"]
    command += ["--", str(CONSOLE_SCRIPT), "--demo"]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "HOME": str(tmp_path)},  # the Inspector keeps its catalog under $HOME
        timeout=INSPECTOR_TIMEOUT_S,
    )


@pytest.fixture
def inspected(inspector: Path, tmp_path: Path) -> Iterator[Any]:
    def run(*method_args: str) -> subprocess.CompletedProcess[str]:
        return run_inspector(inspector, tmp_path, *method_args)

    yield run


@pytest.mark.timeout(INSPECTOR_TIMEOUT_S * 2 + 300)
def test_inspector_strict_tools_list_finds_no_schema_portability_errors(inspected: Any) -> None:
    done = inspected("--method", "tools/list", "--strict")
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-4000:]}"
    assert "Error: tool" not in done.stderr, done.stderr
    listed = json.loads(done.stdout)["tools"]
    assert {tool["name"] for tool in listed} == {spec.name for spec in catalogue() if spec.default}
    assert all(tool.get("outputSchema") for tool in listed), "every tool returns a typed, structured result"


@pytest.mark.timeout(INSPECTOR_TIMEOUT_S + 300)
def test_inspector_calls_a_tool_on_the_demo_account(inspected: Any) -> None:
    done = inspected("--method", "tools/call", "--tool-name", "list_properties", "--tool-arg", "limit=2")
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-4000:]}"
    result = json.loads(done.stdout)
    assert result["isError"] is False
    assert result["structuredContent"]["total"] == 24
    assert len(result["structuredContent"]["items"]) == 2
