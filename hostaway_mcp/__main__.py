"""`python -m hostaway_mcp` is the `hostaway-mcp` command."""

import sys

# httpx imports its optional command-line client (`httpx._main`: click, rich and pygments, some
# 50 ms) whenever those happen to be installed. Nothing here uses it, so the command keeps it out of
# its start-up: `httpx.main` then is httpx's own "not installed" stub. Only this entry point does
# this; importing the package as a library changes nothing.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from hostaway_mcp.cli import main  # after the guard above, on purpose

if __name__ == "__main__":
    main()
