"""Logging to stderr, configured before the MCP server is built (stdout is the JSON-RPC wire)."""

from __future__ import annotations

import logging
import sys

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str = "INFO") -> None:
    """Send every log record to stderr; quiet the libraries whose INFO lines carry URLs.

    httpx logs each request's full URL at INFO, and query strings can hold guest names and
    emails, so it is held to WARNING. Our gateway logs method, path and status instead.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "httpx2", "mcp.server.lowlevel.server"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
