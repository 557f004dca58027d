"""`claude_desktop_config.example.json` works as written, once the checkout path is filled in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from hostaway_mcp.config import Settings

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = "/ABSOLUTE/PATH/TO/hostaway-mcp"


def entries() -> dict[str, Any]:
    config = json.loads((ROOT / "claude_desktop_config.example.json").read_text())
    servers: dict[str, Any] = config["mcpServers"]
    return servers


def test_every_entry_starts_this_package_and_keeps_secrets_placeholders() -> None:
    for name, entry in entries().items():
        assert entry["command"] in ("uv", "uvx"), name
        assert PLACEHOLDER in entry["args"], name
        assert "hostaway-mcp" in entry["args"], name
        for key in entry.get("env", {}):
            assert key.startswith("HOSTAWAY_") and key[len("HOSTAWAY_") :].lower() in Settings.model_fields, key


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", ["hostaway-demo", "hostaway-via-uvx"])
async def test_the_entry_serves_the_demo_account_over_stdio(name: str, tmp_path: Path) -> None:
    if shutil.which("uv") is None:
        pytest.skip("uv is not on PATH (CI installs it; see .ci/run)")
    entry = entries()[name]
    args = [str(ROOT) if arg == PLACEHOLDER else arg for arg in entry["args"]]
    if "--demo" not in args:
        args.append("--demo")  # the example's credentials are placeholders; the demo needs none
    env = {**_network_env(), "HOSTAWAY_CACHE_DIR": str(tmp_path / "cache"), "UV_CACHE_DIR": str(_uv_cache())}
    params = StdioServerParameters(command=shutil.which(entry["command"]) or entry["command"], args=args, env=env)
    async with Client(params) as client:
        result = await client.call_tool("list_properties", {"limit": 1})
        assert not result.is_error, result.content
        assert result.structured_content is not None and result.structured_content["total"] > 0


_NETWORK_PREFIXES = ("UV_", "PIP_", "SSL_CERT_", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY")


def _network_env() -> dict[str, str]:
    """The package-index, proxy and certificate settings a desktop host's environment would carry.

    The stdio client starts the child with a minimal environment; uvx needs these to install.
    """
    import os

    return {k: v for k, v in os.environ.items() if k.upper().startswith(_NETWORK_PREFIXES) or k == "NO_PROXY"}


def _uv_cache() -> Path:
    """Reuse the developer's or CI's uv cache: the stdio child gets a minimal environment."""
    import os
    import subprocess

    if "UV_CACHE_DIR" in os.environ:
        return Path(os.environ["UV_CACHE_DIR"])
    found = subprocess.run(["uv", "cache", "dir"], capture_output=True, text=True, check=True)
    return Path(found.stdout.strip())
