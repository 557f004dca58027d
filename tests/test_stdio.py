"""The real process over stdio: the console script, spoken to by the SDK's stdio client.

The fake Hostaway is the sandbox served over loopback HTTP, so the server process uses its real
gateway and network stack, configured only through environment variables as a desktop host would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import ACCOUNT_ID, PLANTED_SECRET, TODAY

TEE = Path(__file__).with_name("stdio_tee.py")
CONSOLE_SCRIPT = Path(sys.executable).with_name("hostaway-mcp")


@pytest.fixture
def loopback_sandbox() -> Iterator[tuple[Any, str]]:
    from hostaway_mcp.sandbox import Sandbox
    from hostaway_mcp.sandbox.http_server import serve_sandbox

    sandbox = Sandbox(seed=7, today=TODAY)
    with serve_sandbox(sandbox) as base_url:
        yield sandbox, base_url


def tee_args(tmp_path: Path, *command: str) -> list[str]:
    return [str(TEE), str(tmp_path / "stdout.log"), str(tmp_path / "stderr.log"), "--", *command]


def server_params(tmp_path: Path, base_url: str, *extra_args: str, **extra_env: str) -> StdioServerParameters:
    env = {
        "HOSTAWAY_ACCOUNT_ID": ACCOUNT_ID,
        "HOSTAWAY_SECRET_KEY": PLANTED_SECRET,
        "HOSTAWAY_BASE_URL": base_url,
        "HOSTAWAY_CACHE_DIR": str(tmp_path / "cache"),
        "HOSTAWAY_LOG_LEVEL": "DEBUG",
        **extra_env,
    }
    return StdioServerParameters(
        command=sys.executable,
        args=[
            str(TEE),
            str(tmp_path / "stdout.log"),
            str(tmp_path / "stderr.log"),
            "--",
            str(CONSOLE_SCRIPT),
            *extra_args,
        ],
        env=env,
        cwd=str(tmp_path),  # no stray .env from the checkout
    )


def assert_stdout_is_only_json_rpc(tmp_path: Path) -> int:
    lines = (tmp_path / "stdout.log").read_bytes().splitlines()
    assert lines, "the server wrote nothing to stdout"
    for line in lines:
        message = json.loads(line)
        assert message.get("jsonrpc") == "2.0", line[:200]
    return len(lines)


@pytest.mark.timeout(90)
async def test_console_script_serves_tools_over_stdio_with_a_clean_wire(
    tmp_path: Path, loopback_sandbox: tuple[Any, str]
) -> None:
    sandbox, base_url = loopback_sandbox
    async with Client(server_params(tmp_path, base_url)) as client:
        assert client.server_info is not None
        assert client.server_info.name == "hostaway-mcp"
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert "list_properties" in tools
        result = await client.call_tool("list_properties", {"limit": 5})
        assert not result.is_error, result.content
        assert result.structured_content is not None
        assert result.structured_content["total"] == len(sandbox.account.listings)
        assert len(result.structured_content["items"]) == 5
    assert assert_stdout_is_only_json_rpc(tmp_path) >= 3
    stderr = (tmp_path / "stderr.log").read_text()
    assert PLANTED_SECRET not in stderr
    assert "GET /listings -> 200" in stderr  # logs go to stderr, at the configured level
    paths = [entry.path for entry in sandbox.request_log]
    assert paths.count("/accessTokens") == 1 and "/listings" in paths


@pytest.mark.timeout(60)
def test_without_credentials_the_process_exits_with_a_fix_it_message(tmp_path: Path) -> None:
    completed = subprocess.run(
        [str(CONSOLE_SCRIPT)],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "HOSTAWAY_ACCOUNT_ID" in completed.stderr and "--demo" in completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.timeout(90)
async def test_demo_flag_serves_with_no_credentials(tmp_path: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=[
            str(TEE),
            str(tmp_path / "stdout.log"),
            str(tmp_path / "stderr.log"),
            "--",
            str(CONSOLE_SCRIPT),
            "--demo",
        ],
        env={"HOSTAWAY_CACHE_DIR": str(tmp_path / "cache")},
        cwd=str(tmp_path),
    )
    async with Client(params) as client:
        assert "DEMO MODE" in (client.instructions or "")
        result = await client.call_tool("list_properties", {})
        assert not result.is_error
        assert result.structured_content is not None and result.structured_content["total"] >= 20
    assert_stdout_is_only_json_rpc(tmp_path)
