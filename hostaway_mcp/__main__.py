"""`python -m hostaway_mcp` is the `hostaway-mcp` command."""

from hostaway_mcp.cli import main

if __name__ == "__main__":
    main()
