"""The server for the MCP SDK's own CLI, `mcp run` and `mcp dev`, built only when asked for.

    uv run mcp dev hostaway_mcp/dev.py:demo                 # the MCP Inspector, on the demo account
    HOSTAWAY_DEMO=1 uv run mcp run hostaway_mcp/dev.py      # stdio, on the demo account
    uv run mcp dev hostaway_mcp/dev.py                      # the Inspector, with the account in .env

The SDK's loader imports this file and asks it for the object named after the colon, else for
`server`. Both are made by the module's `__getattr__` at that moment, not at import: importing
this file reads no settings, configures no logging and builds nothing. `server` is built from the
settings (environment and `.env`), `demo` always serves the built-in demo account. Building a
server does no I/O (the gateway opens when a client connects). Day to day, hosts run
`hostaway-mcp` instead.
"""

from __future__ import annotations

import sys

from hostaway_mcp.config import CREDENTIALS_HELP, Settings
from hostaway_mcp.logging_setup import configure_logging
from hostaway_mcp.server import build_server


def __getattr__(name: str) -> object:
    """`demo` or `server`, built on first request (the SDK loader's `getattr`)."""
    if name not in ("demo", "server"):
        raise AttributeError(name)
    settings = Settings()
    configure_logging(settings.log_level)  # before the server exists, so its stderr logging is ours
    if name == "demo":
        # The MCP Inspector starts the server with a bare environment (PATH, HOME, ...), so
        # HOSTAWAY_DEMO set in the shell does not reach it: `dev.py:demo` needs no environment.
        return build_server(Settings(demo=True))
    if not (settings.demo or settings.has_credentials):
        # Say what to set instead of the loader's "no server object found".
        sys.exit(f"hostaway-mcp: missing credentials. {CREDENTIALS_HELP} Or load hostaway_mcp/dev.py:demo.")
    return build_server(settings)
