"""The README works as written: its demo command, its `mcp run` commands and its tables.

The commands are taken from the README text itself and run as they stand (from the repository
root, after the set-up command), with only a private cache folder added to the environment.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from hostaway_mcp.config import Settings
from hostaway_mcp.sandbox import Sandbox
from hostaway_mcp.server import build_server
from hostaway_mcp.tools import catalogue

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_lines() -> list[str]:
    """Every line inside a fenced code block of the README."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", README, re.M | re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def readme_command(prefix: str) -> str:
    matches = [line for line in code_lines() if line.startswith(prefix)]
    assert len(matches) == 1, f"the README should show exactly one command starting {prefix!r}: {matches}"
    return matches[0]


def section(title: str) -> str:
    start = README.index(f"\n{title}\n")
    end = README.find("\n## ", start + len(title) + 2)
    return README[start : end if end != -1 else len(README)]


def table_rows(text: str) -> list[list[str]]:
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in text.splitlines()]
    return [row for row in rows if len(row) > 1 and not set("".join(row)) <= set("-: ")]


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("HOSTAWAY_")}
    env["HOSTAWAY_CACHE_DIR"] = str(tmp_path / "cache")
    return env


@pytest.fixture(scope="module")
def uv() -> str:
    found = shutil.which("uv")
    assert found, "uv is not on PATH: install it as the README's Quick start says"
    return found


# -- the one-command demo -----------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_the_readme_demo_command_prints_bookable_properties(tmp_path: Path, uv: str) -> None:
    command = readme_command("uv run hostaway-mcp call ")
    argv = shlex.split(command)
    assert "--demo" in argv
    arguments = json.loads(next(arg for arg in argv if arg.startswith("{")))
    check_in, check_out = date.fromisoformat(arguments["check_in"]), date.fromisoformat(arguments["check_out"])
    assert check_in > date.today(), "the README's demo dates have passed: move them into the future"

    done = subprocess.run(argv, cwd=ROOT, env=clean_env(tmp_path), capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    ids = [int(found) for found in re.findall(r"^  - id: (\d+)\n    name: ", done.stdout, re.M)]
    assert ids and f"items ({len(re.findall(r'total_price: ', done.stdout))}):" in done.stdout, done.stdout

    demo = Sandbox(seed=7, today=date.today(), listings=24)  # what the demo account holds, independently
    by_id = {listing["id"]: listing for listing in demo.account.listings}
    offered = [i for i in ids if f"name: {by_id[i]['name']}\n    city:" in done.stdout]
    assert offered, "the answer lists properties of the demo account by name"
    for listing_id in offered:
        listing = by_id[listing_id]
        assert listing["city"] == arguments.get("city", listing["city"])
        assert listing["personCapacity"] >= arguments["guests"]
        for night in range((check_out - check_in).days):
            assert demo.calendar_day(listing_id, check_in + timedelta(days=night))["isAvailable"] == 1


# -- mcp run / mcp dev ------------------------------------------------------------------------------


def stdio_params(command: str, tmp_path: Path) -> StdioServerParameters:
    words = shlex.split(command)
    env = {"HOSTAWAY_CACHE_DIR": str(tmp_path / "cache")}
    while "=" in words[0]:
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    return StdioServerParameters(command=words[0], args=words[1:], env=env, cwd=str(ROOT))


async def assert_serves_the_demo(params: StdioServerParameters) -> None:
    async with Client(params) as client:
        assert client.server_info is not None and client.server_info.name == "hostaway-mcp"
        result = await client.call_tool("list_properties", {"limit": 1})
        assert not result.is_error, result.content
        assert result.structured_content is not None and result.structured_content["total"] == 24
        status = json.loads(getattr((await client.read_resource("hostaway://status")).contents[0], "text", ""))
        assert status["mode"] == "demo"


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_the_readme_mcp_run_command_serves_the_demo_over_stdio(tmp_path: Path, uv: str) -> None:
    command = readme_command("HOSTAWAY_DEMO=1 uv run mcp run ")
    await assert_serves_the_demo(stdio_params(command, tmp_path))


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_the_object_mcp_dev_loads_serves_the_demo_without_any_environment(tmp_path: Path, uv: str) -> None:
    # `mcp dev FILE` starts the Inspector, which runs `uv run ... mcp run FILE` with a bare
    # environment; the same loader and object, over stdio:
    file_spec = readme_command("uv run mcp dev ").split()[-1]
    assert file_spec.endswith(":demo")
    await assert_serves_the_demo(stdio_params(f"uv run mcp run {file_spec}", tmp_path))


def test_dev_py_without_credentials_says_what_to_set(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "HOSTAWAY_CACHE_DIR": str(tmp_path / "c")}
    mcp = Path(sys.executable).with_name("mcp")  # the SDK's CLI, installed with the dev dependencies
    done = subprocess.run(
        [str(mcp), "run", str(ROOT / "hostaway_mcp" / "dev.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 1
    assert "HOSTAWAY_ACCOUNT_ID" in done.stderr and "dev.py:demo" in done.stderr
    assert "Traceback" not in done.stderr


def test_importing_dev_py_builds_nothing_until_the_loader_asks_for_a_server() -> None:
    import importlib

    from mcp.server import MCPServer

    dev = importlib.import_module("hostaway_mcp.dev")
    assert "demo" not in vars(dev) and "server" not in vars(dev), "no server at import time"
    assert isinstance(dev.demo, MCPServer)
    with pytest.raises(AttributeError):
        _ = dev.mcp  # the loader's first guess must fall through to `server`


# -- the tables ---------------------------------------------------------------------------------------


async def listed(toolsets: str = "default") -> dict[str, Any]:
    async with Client(build_server(Settings(_env_file=None, demo=True, toolsets=toolsets))) as client:
        return {
            "tools": (await client.list_tools()).tools,
            "resources": [str(r.uri) for r in (await client.list_resources()).resources],
            "templates": [t.uri_template for t in (await client.list_resource_templates()).resource_templates],
            "prompts": [p.name for p in (await client.list_prompts()).prompts],
        }


async def test_the_readme_tool_table_matches_list_tools() -> None:
    """Every tool (toolsets=all), its toolset and kind, and whether a default server offers it."""
    tools = (await listed("all"))["tools"]
    in_default = {tool.name for tool in (await listed("default"))["tools"]}
    toolset_of = {spec.name: spec.toolset for spec in catalogue()}
    rows = table_rows(section("## Tools").split("### ")[0])
    assert rows[0] == ["tool", "toolset", "kind", "default", "what it does"]
    expected = [
        [
            f"`{tool.name}`",
            toolset_of[tool.name],
            "read" if tool.annotations and tool.annotations.read_only_hint else "write",
            "yes" if tool.name in in_default else "no",
            (tool.description or "").strip().splitlines()[0],
        ]
        for tool in tools
    ]
    assert rows[1:] == expected, "regenerate the table with: uv run hostaway-mcp tools --markdown"


async def test_the_readme_lists_every_resource_and_prompt() -> None:
    surface = await listed()
    rows = table_rows(section("### Resources and prompts"))
    first_cells = {row[0].strip("`") for row in rows}
    for uri in surface["resources"] + surface["templates"]:
        assert uri in first_cells, uri
    prompt_names = {cell.split("(")[0] for cell in first_cells}
    assert set(surface["prompts"]) <= prompt_names
