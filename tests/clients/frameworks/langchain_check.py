"""langchain-mcp-adapters against hostaway-mcp: tools load, one call runs, per-call sessions.

Runs in the frameworks' own environment. `MultiServerMCPClient.get_tools()` gives tools that
start a new server process for every call; `client.session(...)` keeps one process for many.
The same confirmed write sent through two per-call tools (two processes) must reach Hostaway
once: the second process has to know about the first one's write.

Usage: python langchain_check.py '{"server": {...}, "write": {"tool": ..., "arguments": {...}}}'
Prints one JSON line: tool names, the call's result, and what each per-call write answered.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from langchain_core.tools import ToolException
from langchain_mcp_adapters.client import MultiServerMCPClient
from langchain_mcp_adapters.tools import load_mcp_tools


def text_of(result: Any) -> str:
    """A tool's answer as text: langchain hands back the MCP content items."""
    if isinstance(result, list):
        return "".join(item.get("text", "") for item in result if isinstance(item, dict))
    return str(result)


async def main(spec: dict[str, Any]) -> dict[str, Any]:
    client = MultiServerMCPClient({"hostaway": {"transport": "stdio", **spec["server"]}})
    async with client.session("hostaway") as session:  # one server process for everything inside
        tools = {tool.name: tool for tool in await load_mcp_tools(session)}
        listed = json.loads(text_of(await tools["list_properties"].ainvoke({"limit": 2})))

    answers: list[dict[str, Any]] = []
    write = spec.get("write")
    if write is not None:
        per_call = {tool.name: tool for tool in await client.get_tools()}  # a new process per call
        for _ in range(2):
            try:
                answer = text_of(await per_call[write["tool"]].ainvoke(write["arguments"]))
            except ToolException as refused:
                answers.append({"error": str(refused)})
                continue
            try:
                answers.append({"ok": json.loads(answer)})
            except ValueError:
                answers.append({"text": answer})  # a result without structured JSON text
    return {"tools": sorted(tools), "listed": listed, "per_call_writes": answers}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
