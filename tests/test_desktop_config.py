"""`claude_desktop_config.example.json` works as written, once its placeholders are filled in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from hostaway_mcp.config import PLACEHOLDER_PREFIX, Settings

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = "/ABSOLUTE/PATH/TO/hostaway-mcp"
UV_PLACEHOLDER, UVX_PLACEHOLDER = "/ABSOLUTE/PATH/TO/uv", "/ABSOLUTE/PATH/TO/uvx"
HOST_PATH = "/usr/bin:/bin"  # what a desktop app started by the OS typically has, not the shell's PATH


def entries() -> dict[str, Any]:
    config = json.loads((ROOT / "claude_desktop_config.example.json").read_text())
    servers: dict[str, Any] = config["mcpServers"]
    return servers


def test_every_entry_starts_this_package_and_keeps_secrets_placeholders() -> None:
    for name, entry in entries().items():
        assert entry["command"] in (UV_PLACEHOLDER, UVX_PLACEHOLDER), f"{name}: a host needs uv's absolute path"
        assert PLACEHOLDER in entry["args"], name
        assert "hostaway-mcp" in entry["args"], name
        for key, value in entry.get("env", {}).items():
            assert key.startswith("HOSTAWAY_") and key[len("HOSTAWAY_") :].lower() in Settings.model_fields, key
            if key in ("HOSTAWAY_ACCOUNT_ID", "HOSTAWAY_SECRET_KEY"):
                assert value.startswith(PLACEHOLDER_PREFIX), f"{name}: {key} must be marked as a placeholder"


@pytest.mark.timeout(120)
def test_an_entry_copied_without_filling_in_the_credentials_says_what_to_replace(tmp_path: Path) -> None:
    entry = entries()["hostaway"]
    env = {**os.environ, **entry["env"], "HOSTAWAY_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "hostaway_mcp"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=100,
    )
    assert done.returncode == 2, done.stderr
    for key in ("HOSTAWAY_ACCOUNT_ID", "HOSTAWAY_SECRET_KEY"):
        assert f"{key} still holds the example's placeholder" in done.stderr
    assert "--demo" in done.stderr and "Traceback" not in done.stderr


def uv_binaries() -> dict[str, str]:
    """The real uv and uvx executables, as `which uv` shows a person (not a version manager's shim)."""
    found = os.environ.get("UV") or shutil.which("uv")  # `uv run` names itself in $UV
    if found is None:
        pytest.skip("uv is not on PATH (CI installs it; see .ci/run)")
    uv = Path(found).resolve()
    uvx = uv.with_name("uvx" + uv.suffix)
    if not uvx.exists():
        pytest.skip(f"no uvx next to {uv}")
    return {UV_PLACEHOLDER: str(uv), UVX_PLACEHOLDER: str(uvx)}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", ["hostaway-demo", "hostaway-via-uvx"])
async def test_the_entry_serves_the_demo_account_with_a_desktop_hosts_path(name: str, tmp_path: Path) -> None:
    # A desktop host starts the command with its own short PATH, not the shell's: the absolute
    # path to uv/uvx that the README asks for is what makes the entry work.
    entry = entries()[name]
    command = uv_binaries()[entry["command"]]
    args = [str(ROOT) if arg == PLACEHOLDER else arg for arg in entry["args"]]
    if "--demo" not in args:
        args.append("--demo")  # the example's credentials are placeholders; the demo needs none
    env = {
        **_network_env(),
        "PATH": HOST_PATH,
        "HOSTAWAY_CACHE_DIR": str(tmp_path / "cache"),
        "UV_CACHE_DIR": str(_uv_cache()),
    }
    params = StdioServerParameters(command=command, args=args, env=env, cwd=str(tmp_path))
    async with Client(params) as client:
        result = await client.call_tool("list_properties", {"limit": 1})
        assert not result.is_error, result.content
        assert result.structured_content is not None and result.structured_content["total"] > 0


_NETWORK_PREFIXES = ("UV_", "PIP_", "SSL_CERT_", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY")


def _network_env() -> dict[str, str]:
    """The package-index, proxy and certificate settings a desktop host's environment would carry.

    The stdio client starts the child with a minimal environment; uvx needs these to install.
    """
    return {k: v for k, v in os.environ.items() if k.upper().startswith(_NETWORK_PREFIXES) or k == "NO_PROXY"}


def _uv_cache() -> Path:
    """Reuse the developer's or CI's uv cache: the stdio child gets a minimal environment."""
    if "UV_CACHE_DIR" in os.environ:
        return Path(os.environ["UV_CACHE_DIR"])
    found = subprocess.run([uv_binaries()[UV_PLACEHOLDER], "cache", "dir"], capture_output=True, text=True, check=True)
    return Path(found.stdout.strip())
