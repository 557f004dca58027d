"""What every client test shares: the server command, the client toolchains, the demo account.

The clients run in environments of their own, installed by the suite and cached between runs:

- Node packages (the TypeScript SDK, the MCP Inspector), pinned in `node/package-lock.json`, go
  into the suite's cache folder with `npm ci`, once per lock file;
- the Python agent frameworks, pinned in `uv.lock` beside this file, go into their own uv project
  environment with `uv sync --locked` (uv's cache makes a fresh clone's sync take seconds).

Without Node.js, uv, or a reachable registry, the tests that need them skip and say why.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from platformdirs import user_cache_dir

from hostaway_mcp.gateway import reads_only
from hostaway_mcp.sandbox import Sandbox
from hostaway_mcp.sandbox.http_server import serve_sandbox
from hostaway_mcp.tools import catalogue

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CHECKOUT_PLACEHOLDER = "/ABSOLUTE/PATH/TO/hostaway-mcp"
CONSOLE_SCRIPT = Path(sys.executable).with_name("hostaway-mcp")  # this checkout's, in its own venv
NODE_DIR = HERE / "node"
ALL_TOOLS = frozenset(spec.name for spec in catalogue())  # what HOSTAWAY_TOOLSETS=all offers
DEFAULT_TOOLS = frozenset(spec.name for spec in catalogue() if spec.default)  # what a plain start offers


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here drives a real client over stdio: marked `clients` and `slow`, so
    `-m 'not slow'` leaves them out of a quick loop (plain `uv run pytest` still runs them)."""
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.clients)
            item.add_marker(pytest.mark.slow)


# Failures that mean "the registry cannot be reached" (skip), not "the install is wrong" (fail).
OFFLINE = re.compile(
    r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|ENETUNREACH|network|dns error|"
    r"failed to fetch|Failed to download|Could not connect|connection (refused|reset|timed out)",
    re.I,
)


def suite_cache() -> Path:
    """The client suite's own cache folder (kept between runs; `HOSTAWAY_TEST_CACHE_DIR` moves it)."""
    folder = Path(os.environ.get("HOSTAWAY_TEST_CACHE_DIR") or user_cache_dir("hostaway-mcp-tests", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def install_failed(what: str, done: subprocess.CompletedProcess[str]) -> None:
    """Skip when the registry is out of reach, fail on anything else."""
    output = (done.stdout or "") + (done.stderr or "")
    if OFFLINE.search(output):
        pytest.skip(f"{what}: the package registry cannot be reached ({output.strip().splitlines()[-1][:200]})")
    pytest.fail(f"{what} failed (exit {done.returncode}):\n{output[-3000:]}")


# -- Node: the TypeScript SDK and the Inspector ---------------------------------------------------


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """A folder holding `node_modules` as pinned by `node/package-lock.json` (installed once per lock)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js (node and npm) is not installed: the TypeScript SDK and Inspector clients cannot run")
    lock = (NODE_DIR / "package-lock.json").read_bytes()
    prefix = suite_cache() / f"node-{hashlib.sha256(lock).hexdigest()[:12]}"
    prefix.mkdir(parents=True, exist_ok=True)
    stamp = prefix / ".installed"
    with FileLock(str(prefix) + ".lock"):
        if not stamp.exists():
            for name in ("package.json", "package-lock.json"):
                shutil.copyfile(NODE_DIR / name, prefix / name)
            done = subprocess.run(
                [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=prefix,
                capture_output=True,
                text=True,
                timeout=540,
            )
            if done.returncode != 0:
                install_failed("npm ci (TypeScript SDK, MCP Inspector)", done)
            stamp.write_text("ok\n")
    return prefix


def run_node(node_modules: Path, script: str, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run one of this folder's .mjs drivers next to the installed packages (ESM resolves from there)."""
    target = node_modules / script
    shutil.copyfile(NODE_DIR / script, target)
    return subprocess.run(
        [shutil.which("node") or "node", str(target), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


# -- Python agent frameworks --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def frameworks_python() -> Path:
    """The interpreter of the frameworks' own environment (`uv sync --locked` in this folder)."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH: the agent frameworks' environment cannot be built")
    env = {k: v for k, v in os.environ.items() if k not in ("UV_PROJECT_ENVIRONMENT", "VIRTUAL_ENV")}
    with FileLock(str(suite_cache() / "frameworks-sync.lock")):
        done = subprocess.run(
            [uv, "sync", "--locked", "--quiet", "--project", str(HERE)],
            env=env,
            capture_output=True,
            text=True,
            timeout=540,
        )
    if done.returncode != 0:
        install_failed("uv sync of the agent frameworks (tests/clients/pyproject.toml)", done)
    bin_dir = "Scripts" if sys.platform == "win32" else "bin"
    python = HERE / ".venv" / bin_dir / ("python.exe" if sys.platform == "win32" else "python")
    assert python.exists(), f"uv sync made no interpreter at {python}"
    return python


def run_framework(
    python: Path, script: Path, spec: dict[str, Any] | None = None, *, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a driver (or a README snippet) in the frameworks' environment; `spec` goes in as JSON."""
    argv = [str(python), str(script)] + ([json.dumps(spec)] if spec is not None else [])
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HOSTAWAY_", "OPENAI_", "ANTHROPIC_"))}
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=240,
        env={**clean, **(env or {})},
        cwd=script.parent,
        stdin=subprocess.DEVNULL,
    )


def last_json(done: subprocess.CompletedProcess[str]) -> Any:
    """A driver's verdict: the last stdout line, as JSON."""
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the server and the demo account ------------------------------------------------------------------


def demo_server(cache: Path, *, every_tool: bool = True) -> dict[str, Any]:
    """How a client starts this checkout's server on the demo account (stdio params as JSON).

    `every_tool` turns every toolset on (HOSTAWAY_TOOLSETS=all), so a client sees all the tools.
    """
    env = {"HOSTAWAY_CACHE_DIR": str(cache)} | ({"HOSTAWAY_TOOLSETS": "all"} if every_tool else {})
    return {"command": str(CONSOLE_SCRIPT), "args": ["--demo"], "env": env}


@dataclass
class Loopback:
    """The demo account served on 127.0.0.1, so several server processes share one account.

    Rate limits are lifted on both sides: these tests are about what clients make of the answers,
    and the limiter's own tests live elsewhere; at Hostaway's 15 requests per 10 s, calling every
    tool once would spend most of its time waiting.
    """

    sandbox: Sandbox
    base_url: str

    def server(self, cache: Path) -> dict[str, Any]:
        env = {
            "HOSTAWAY_BASE_URL": self.base_url,
            "HOSTAWAY_ACCOUNT_ID": str(self.sandbox.account.account_id),
            "HOSTAWAY_SECRET_KEY": "client-suite-secret",
            "HOSTAWAY_CACHE_DIR": str(cache),
            "HOSTAWAY_RATE_LIMIT_REQUESTS": "1000",
            "HOSTAWAY_ACCOUNT_RATE_LIMIT_REQUESTS": "1000",
            "HOSTAWAY_TOOLSETS": "all",
        }
        return {"command": str(CONSOLE_SCRIPT), "args": [], "env": env}

    def writes(self) -> list[Any]:
        """Requests that may change the account: not reads (GETs, price quotes), not the token exchange."""
        return [
            r
            for r in self.sandbox.request_log
            if not reads_only(r.method, str(r.path)) and not str(r.path).strip("/").startswith("accessTokens")
        ]


@contextmanager
def loopback_account(listings: int = 8) -> Iterator[Loopback]:
    sandbox = Sandbox(seed=7, today=date.today(), listings=listings, enforce_rate_limits=False)
    with serve_sandbox(sandbox) as base_url:
        yield Loopback(sandbox, base_url)


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    with loopback_account() as served:
        yield served


# -- README snippets ----------------------------------------------------------------------------------


def readme_snippet(marker: str) -> str:
    """The one fenced Python block of the README that contains `marker`, as written there."""
    blocks = re.findall(r"^```python\n(.*?)^```", README, re.M | re.S)
    found = [block for block in blocks if marker in block]
    assert len(found) == 1, f"the README should have exactly one Python snippet with {marker!r}, found {len(found)}"
    snippet: str = found[0]
    return snippet


def runnable_snippet(marker: str, folder: Path) -> Path:
    """The README snippet with the checkout's path filled in, written to `folder` as a script."""
    code = readme_snippet(marker)
    assert CHECKOUT_PLACEHOLDER in code, "the snippet starts the server from a checkout path"
    script = folder / "snippet.py"
    script.write_text(code.replace(CHECKOUT_PLACEHOLDER, str(ROOT)), encoding="utf-8")
    return script


def snippet_env(tmp_path: Path) -> dict[str, str]:
    """A private HOME for a snippet's run: the server it starts keeps its demo state out of yours.

    Stdio clients pass only HOME, PATH and a few others to the server, so HOME is what moves the
    server's cache folder; `uv run` inside a synced checkout needs nothing from its own cache.
    """
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"HOME": str(home)}
