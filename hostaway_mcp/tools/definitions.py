"""Every tool's definition as `tools/list` sends it, built once ahead of time: a start-up imports no tool.

Building the definitions means importing every tool module and its result models and having
pydantic generate their JSON schemas: about a quarter of a second, which a server spent before it
could answer `initialize`. `definitions.json` holds them as the live server lists them; the
server lists tools from it and imports a tool's module on the tool's first call.

The file records a fingerprint of the source files its definitions come from. When they change
and the file was not rebuilt (a development checkout), the fingerprint no longer matches and the
server builds its definitions live, as before: a stale file costs start-up time, never a wrong
definition. A test holds the file equal to the live definitions; rebuild it with

    uv run python -m hostaway_mcp.tools.definitions
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

FILE = Path(__file__).with_name("definitions.json")
PACKAGE = Path(__file__).resolve().parent.parent
# The sources a definition depends on: the tools and their argument types, the result models, and
# the server module that registers them.
SOURCES = ("tools/*.py", "models/*.py", "server.py")
REBUILD = "uv run python -m hostaway_mcp.tools.definitions"

Definition = dict[str, Any]


def fingerprint() -> str:
    """A digest of the source files the definitions are built from (names and contents)."""
    digest = hashlib.sha256()
    for pattern in SOURCES:
        for path in sorted(PACKAGE.glob(pattern)):
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load() -> dict[str, Definition] | None:
    """The precomputed definitions by tool name, or None when the file is missing, unreadable or stale."""
    try:
        stored = json.loads(FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        logger.debug("no usable %s: tool definitions are built at start-up", FILE.name)
        return None
    if not isinstance(stored, dict) or stored.get("fingerprint") != fingerprint():
        logger.debug("%s is out of date (%s): tool definitions are built at start-up", FILE.name, REBUILD)
        return None
    tools = stored.get("tools")
    return tools if isinstance(tools, dict) else None


async def live() -> dict[str, Definition]:
    """Every tool's definition as a server that built them all lists them."""
    from mcp import Client

    from hostaway_mcp.config import Settings
    from hostaway_mcp.server import build_server

    with tempfile.TemporaryDirectory() as cache:
        settings = Settings(
            account_id="10001", secret_key="definitions", cache_dir=Path(cache), toolsets=("all",), _env_file=None
        )
        async with Client(build_server(settings, precomputed=False)) as client:
            listed = (await client.list_tools()).tools
    return {tool.name: tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in listed}


def write() -> Path:
    tools = asyncio.run(live())
    FILE.write_text(
        json.dumps({"fingerprint": fingerprint(), "tools": tools}, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return FILE


if __name__ == "__main__":
    written = write()
    sys.stderr.write(f"wrote {written}\n")
