"""The server as module-level objects, for the MCP SDK's own CLI: `mcp run` and `mcp dev`.

    uv run mcp dev hostaway_mcp/dev.py:demo                 # the MCP Inspector, on the demo account
    HOSTAWAY_DEMO=1 uv run mcp run hostaway_mcp/dev.py      # stdio, on the demo account
    uv run mcp dev hostaway_mcp/dev.py                      # the Inspector, with the account in .env

The SDK's loader imports this file and takes the object named after the colon, else the global
`server`. `server` is built from the settings (environment and `.env`), `demo` always serves the
built-in demo account. Building a server does no I/O (the gateway opens when a client connects),
so importing this file never touches the network. Day to day, hosts run `hostaway-mcp` instead.
"""

from __future__ import annotations

import sys

from hostaway_mcp.config import CREDENTIALS_HELP, Settings
from hostaway_mcp.logging_setup import configure_logging
from hostaway_mcp.server import build_server

settings = Settings()
configure_logging(settings.log_level)  # before any server exists, so its stderr logging is ours

# The MCP Inspector starts the server with a bare environment (PATH, HOME, ...), so HOSTAWAY_DEMO
# set in the shell does not reach it: `dev.py:demo` needs no environment at all.
demo = build_server(Settings(demo=True))

if settings.demo or settings.has_credentials:
    server = build_server(settings)


def __getattr__(name: str) -> object:
    """Asked for `server` without credentials: say what to set instead of "no server object found"."""
    if name == "server":
        sys.exit(f"hostaway-mcp: missing credentials. {CREDENTIALS_HELP} Or load hostaway_mcp/dev.py:demo.")
    raise AttributeError(name)
