"""The MCP Python SDK's own stdio client, as Claude Desktop or an agent framework starts the server.

The SDK's client is in the product's own environment (the server is built on the same SDK), so it
runs in-process here: it spawns the console script, uses tools, resources and prompts, and the
README's Python SDK snippet runs as written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from hostaway_mcp.tools import catalogue
from tests.clients.conftest import CONSOLE_SCRIPT, DEFAULT_TOOLS, runnable_snippet, snippet_env


@pytest.mark.timeout(120)
async def test_the_sdk_stdio_client_uses_the_console_script_on_the_demo_account(tmp_path: Path) -> None:
    params = StdioServerParameters(
        command=str(CONSOLE_SCRIPT),
        args=["--demo"],
        env={"HOSTAWAY_CACHE_DIR": str(tmp_path / "cache")},
        cwd=str(tmp_path),  # no stray .env from the checkout
    )
    async with Client(params) as client:
        assert client.server_info is not None and client.server_info.name == "hostaway-mcp"
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert tools == DEFAULT_TOOLS

        result = await client.call_tool("list_properties", {"limit": 2})
        assert not result.is_error, result.content
        assert result.structured_content is not None
        assert result.structured_content["total"] == 24 and len(result.structured_content["items"]) == 2

        status = json.loads(getattr((await client.read_resource("hostaway://status")).contents[0], "text", ""))
        assert status["mode"] == "demo"
        assert status["requests"]["by_path"]["/listings"] == 1

        prompt = await client.get_prompt("reply_to_guest", {"booking_id": "7"})
        assert "get_conversation_history(booking_id=7)" in getattr(prompt.messages[0].content, "text", "")


@pytest.mark.timeout(180)
def test_the_readme_python_sdk_snippet_runs_as_written(tmp_path: Path) -> None:
    script = runnable_snippet("from mcp import Client, StdioServerParameters", tmp_path)
    done = subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, **snippet_env(tmp_path)},
        capture_output=True,
        text=True,
        timeout=170,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    reads = [spec for spec in catalogue() if spec.kind == "read" and spec.default]  # the snippet is read-only
    assert f"{len(reads)} tools; 24 properties" in done.stdout, done.stdout
