"""Every tool refuses argument names it does not know, and says which ones it takes.

The SDK builds each tool's argument model from its signature and, like pydantic by default,
drops names it does not know: `search_bookings {"status": "cancelled"}` would quietly search
everything. `strict_tool` gives a registered tool a model that refuses unknown names (naming the
accepted ones and the nearest match), publishes `additionalProperties: false` so a client can
tell beforehand, and never echoes a rejected value back (it may be a long text or a secret).
`server.py` applies it to every tool it registers, so a new tool gets it without asking.
"""

from __future__ import annotations

import difflib
from typing import Any

from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from pydantic import ConfigDict, model_validator
from pydantic_core import PydanticCustomError


def strict_tool(tool: Tool) -> Tool:
    """Make `tool` refuse unknown argument names, and say so in its input schema."""
    model = _strict_model(tool.name, tool.fn_metadata.arg_model)
    tool.fn_metadata.arg_model = model  # read on every call (FuncMetadata's fields are live)
    tool.parameters = model.model_json_schema(by_alias=True)
    return tool


def _strict_model(tool_name: str, base: type[ArgModelBase]) -> type[ArgModelBase]:
    accepted = [field.alias or name for name, field in base.model_fields.items()]

    def known_names_only(cls: type[ArgModelBase], data: Any) -> Any:
        if isinstance(data, dict):
            unknown = [str(name) for name in data if name not in accepted]
            if unknown:
                raise PydanticCustomError("unknown_argument", unknown_argument_text(tool_name, unknown, accepted))
        return data

    namespace: dict[str, Any] = {
        "__module__": base.__module__,
        "__qualname__": base.__qualname__,
        "model_config": ConfigDict(extra="forbid", hide_input_in_errors=True),
        "_known_names_only": model_validator(mode="before")(classmethod(known_names_only)),  # type: ignore[arg-type]
    }
    return type(base.__name__, (base,), namespace)


def unknown_argument_text(tool: str, unknown: list[str], accepted: list[str]) -> str:
    """`search_bookings has no argument 'status' (did you mean 'statuses'?). It takes: ...`"""
    names = ", ".join(repr(name[:60]) for name in unknown[:10])
    hints = [match for name in unknown for match in difflib.get_close_matches(name, accepted, n=1, cutoff=0.6)]
    hint = f" (did you mean {', '.join(repr(h) for h in dict.fromkeys(hints))}?)" if hints else ""
    plural = "arguments" if len(unknown) > 1 else "argument"
    takes = ", ".join(accepted) if accepted else "no arguments"
    text = f"{tool} has no {plural} {names}{hint}. It takes: {takes}. Nothing was done: call it again without it."
    return text.replace("{", "(").replace("}", ")")  # braces would be read as message placeholders
