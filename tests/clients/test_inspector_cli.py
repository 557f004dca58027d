"""The MCP Inspector's command line (`--cli`) against the server on the demo account.

`--strict` fails on tool schemas that other clients cannot use. The Inspector comes from npm,
pinned in `node/package-lock.json` (its CLI runs on Node 20; its web UI, `mcp dev`, needs
Node >= 22.19), and the README's quick check runs here as written.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.clients.conftest import CHECKOUT_PLACEHOLDER, CONSOLE_SCRIPT, DEFAULT_TOOLS, NODE_DIR, README, ROOT

INSPECTOR_TIMEOUT_S = 120
PINNED = json.loads((NODE_DIR / "package.json").read_text())["dependencies"]["@modelcontextprotocol/inspector"]


def inspector(node_modules: Path) -> Path:
    launcher = node_modules / "node_modules" / ".bin" / "mcp-inspector"
    assert launcher.exists(), "the pinned Inspector installed no mcp-inspector launcher"
    return launcher


def run(command: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    home = tmp_path / "home"  # the Inspector keeps a catalog under $HOME; the demo server its cache
    home.mkdir(exist_ok=True)
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "HOME": str(home)},
        timeout=INSPECTOR_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )


def inspect(node_modules: Path, tmp_path: Path, *method_args: str) -> subprocess.CompletedProcess[str]:
    command = [str(inspector(node_modules)), "--cli", *method_args, "-e", f"HOSTAWAY_CACHE_DIR={tmp_path / 'cache'}"]
    return run([*command, "--", str(CONSOLE_SCRIPT), "--demo"], tmp_path)


@pytest.mark.timeout(INSPECTOR_TIMEOUT_S + 600)
def test_inspector_strict_tools_list_finds_no_schema_portability_errors(node_modules: Path, tmp_path: Path) -> None:
    done = inspect(node_modules, tmp_path, "--method", "tools/list", "--strict")
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-4000:]}"
    assert "Error: tool" not in done.stderr, done.stderr
    listed = json.loads(done.stdout)["tools"]
    assert {tool["name"] for tool in listed} == DEFAULT_TOOLS
    assert all(tool.get("outputSchema") for tool in listed), "every tool returns a typed, structured result"


@pytest.mark.timeout(INSPECTOR_TIMEOUT_S + 600)
def test_inspector_calls_a_tool_on_the_demo_account(node_modules: Path, tmp_path: Path) -> None:
    done = inspect(
        node_modules, tmp_path, "--method", "tools/call", "--tool-name", "list_properties", "--tool-arg", "limit=2"
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-4000:]}"
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["isError"] is False
    assert result["structuredContent"]["total"] == 24
    assert len(result["structuredContent"]["items"]) == 2


@pytest.mark.timeout(INSPECTOR_TIMEOUT_S + 600)
def test_the_readme_inspector_quick_check_runs_as_written(node_modules: Path, tmp_path: Path) -> None:
    lines = [
        line.strip() for line in re.findall(r"^\s*(npx @modelcontextprotocol/inspector@\S+ --cli .+)$", README, re.M)
    ]
    assert len(lines) == 1, f"the README should show one Inspector CLI command: {lines}"
    words = shlex.split(lines[0].replace(CHECKOUT_PLACEHOLDER, str(ROOT)))
    assert words[1] == f"@modelcontextprotocol/inspector@{PINNED}", "the README pins the Inspector the suite tests"
    assert "--strict" in words
    done = run([str(inspector(node_modules)), *words[2:]], tmp_path)  # the launcher `npx` would fetch
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-4000:]}"
    assert {tool["name"] for tool in json.loads(done.stdout)["tools"]} == DEFAULT_TOOLS


def test_the_readme_names_the_node_version_the_pinned_inspector_needs() -> None:
    lock = json.loads((NODE_DIR / "package-lock.json").read_text())
    engines = lock["packages"]["node_modules/@modelcontextprotocol/inspector"]["engines"]["node"]
    minimum = re.fullmatch(r">=(\d+)\.(\d+)\.\d+", engines)
    assert minimum, engines
    assert f"Inspector {PINNED.rsplit('.', 1)[0]} needs **Node.js {minimum[1]}.{minimum[2]} or later**" in README
