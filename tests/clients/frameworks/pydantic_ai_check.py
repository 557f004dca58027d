"""pydantic-ai against hostaway-mcp: `MCPToolset` over stdio, driven by `TestModel` (no LLM).

Runs in the frameworks' own environment. TestModel is pydantic-ai's own stand-in for a model: it
calls the tools it is told to with arguments built from their schemas, so this is the real agent
loop, the real toolset and the real server, with nothing to pay for.

Usage: python pydantic_ai_check.py '{"server": {"command": ..., "args": [...], "env": {...}}}'
Prints one JSON line: the tools the model was offered, the calls made and what they returned.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from fastmcp.client.transports import StdioTransport
from pydantic_ai import Agent
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.messages import ToolCallPart, ToolReturnPart
from pydantic_ai.models.test import TestModel


def main(spec: dict[str, Any]) -> dict[str, Any]:
    server = spec["server"]
    transport = StdioTransport(server["command"], server["args"], env=server.get("env"))
    model = TestModel(call_tools=["list_properties"])
    agent = Agent(model, toolsets=[MCPToolset(transport, read_timeout=60)])
    result = agent.run_sync("Which properties do I manage?")
    parts = [part for message in result.all_messages() for part in message.parts]
    parameters = model.last_model_request_parameters
    return {
        "offered": sorted(tool.name for tool in parameters.function_tools) if parameters else [],
        "called": [part.tool_name for part in parts if isinstance(part, ToolCallPart)],
        "returned": [part.content for part in parts if isinstance(part, ToolReturnPart)],
    }


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1])), default=str))
