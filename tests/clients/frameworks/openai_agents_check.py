"""openai-agents against hostaway-mcp: every tool converts to a strict schema, and one call runs.

Runs in the frameworks' own environment (tests/clients/pyproject.toml). The agent loop is the
real `Runner.run` with a scripted model in place of an LLM: it asks for one tool call, the SDK
calls the MCP tool over stdio, and the model answers with the tool's output.

Usage: python openai_agents_check.py '{"server": {"command": ..., "args": [...], "env": {...}}}'
Prints one JSON line: the tools the model was offered (strict or not) and the call's output.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from agents import Agent, FunctionTool, ModelResponse, Runner, Usage, set_tracing_disabled
from agents.mcp import MCPServerStdio
from agents.models.interface import Model
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText

TIMEOUT_S = 60  # the default 5 s is shorter than a wait for Hostaway's rate limit


class ScriptedModel(Model):
    """Asks for one tool call, then answers with that tool's output: the agent loop without an LLM."""

    def __init__(self, tool: str, arguments: dict[str, Any]) -> None:
        self.tool, self.arguments = tool, arguments
        self.offered: list[FunctionTool] = []

    async def get_response(
        self, system_instructions: Any, input: Any, model_settings: Any, tools: Any, *args: Any, **kwargs: Any
    ) -> ModelResponse:
        self.offered = [tool for tool in tools if isinstance(tool, FunctionTool)]
        outputs = [item for item in input if isinstance(item, dict) and item.get("type") == "function_call_output"]
        if not outputs:
            call = ResponseFunctionToolCall(
                type="function_call", id="fc_1", call_id="call_1", name=self.tool, arguments=json.dumps(self.arguments)
            )
            return ModelResponse(output=[call], usage=Usage(), response_id=None)
        output = outputs[-1]["output"]  # the MCP result's content items, as the SDK hands them back
        answer = "".join(part["text"] for part in output) if isinstance(output, list) else str(output)
        text = ResponseOutputText(type="output_text", text=answer, annotations=[])
        message = ResponseOutputMessage(
            id="msg_1", type="message", role="assistant", status="completed", content=[text]
        )
        return ModelResponse(output=[message], usage=Usage(), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("this check does not stream")


async def main(spec: dict[str, Any]) -> dict[str, Any]:
    set_tracing_disabled(True)  # no trace upload: there is no OpenAI account here
    model = ScriptedModel("list_properties", {"limit": 2})
    async with MCPServerStdio(
        name="hostaway", params=spec["server"], client_session_timeout_seconds=TIMEOUT_S, cache_tools_list=True
    ) as hostaway:
        agent = Agent(
            name="Host assistant",
            model=model,
            mcp_servers=[hostaway],
            mcp_config={"convert_schemas_to_strict": True},
        )
        result = await Runner.run(agent, "Which properties do I manage?")
    return {
        "offered": {tool.name: tool.strict_json_schema for tool in model.offered},
        "output": json.loads(result.final_output),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
