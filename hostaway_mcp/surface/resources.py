"""Resources: what a client can read without calling a tool (design §4).

    hostaway://status                    mode, account, read-only, token freshness, rate-limit budget
    hostaway://properties                every property, compact (all pages)
    hostaway://properties/{property_id}  one property in detail (as get_property_details)

Resources need the running server's state (the gateway). The template gets it from a bare
`Context` parameter; the static readers, which the SDK gives no context, from `request_state.py`.

Registering them imports nothing heavy: what they read and the models they answer with live in
`resource_reads.py`, imported on the first read (a server starts without the gateway's stack).
"""

from __future__ import annotations

from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError

from hostaway_mcp.surface.request_state import bind_request_state, current_state
from hostaway_mcp.tools._runtime import AppState, app_state

JSON = "application/json"


def register_resources(server: MCPServer[Any]) -> None:
    bind_request_state(server)
    server.resource(
        "hostaway://status",
        name="status",
        title="Server status",
        description="Mode (demo or live), account, read-only mode, access-token freshness (never the token), "
        "the rate limits in force (current or legacy profile) with what is left of each, and request "
        "counters. Read it to explain slow or refused calls.",
        mime_type=JSON,
    )(read_status)
    server.resource(
        "hostaway://properties",
        name="properties",
        title="All properties",
        description="Every property (id, name, city, size, base price with currency), all pages, compact.",
        mime_type=JSON,
    )(read_properties)
    server.resource(
        "hostaway://properties/{property_id}",
        name="property",
        title="One property",
        description="One property in detail: address, capacity, amenities, times, rules, fees "
        "(as get_property_details). Ids come from hostaway://properties.",
        mime_type=JSON,
    )(read_property)


def _current_state() -> AppState:
    state = current_state()
    if state is None:  # pragma: no cover - a wiring bug, not a user error
        raise ResourceError("The server is not initialised; restart it.")
    return state


async def read_status() -> str:
    from hostaway_mcp.surface import resource_reads

    return (await resource_reads.status_of(_current_state())).model_dump_json()


async def read_properties() -> str:
    from hostaway_mcp.surface import resource_reads

    return await resource_reads.properties_json(_current_state())


async def read_property(property_id: str, ctx: Context) -> str:
    from hostaway_mcp.surface import resource_reads

    return await resource_reads.property_json(await app_state(ctx.request_context.lifespan_context), property_id)
