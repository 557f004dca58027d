"""hostaway-mcp: an MCP server for running a short-term-rental business on Hostaway."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hostaway-mcp")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
