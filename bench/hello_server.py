"""The baseline for the cold-start benchmark: the smallest useful server the MCP SDK can make."""

from mcp.server import MCPServer

mcp = MCPServer("hello-world", version="1.0.0")


@mcp.tool()
def hello(name: str = "world") -> str:
    """Say hello."""
    return f"Hello, {name}!"


if __name__ == "__main__":
    mcp.run()
