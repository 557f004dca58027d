"""The running server's state for handlers the SDK gives no context: static resources, completions.

The SDK passes a `Context` to tools and resource templates only; static resources and the
completion handler get nothing of the connection. A small middleware puts the connection's
state in a context variable for the duration of each such request (both run in the same task),
and those handlers take it from there.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from mcp.server import MCPServer
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

from hostaway_mcp.tools._runtime import AppState, app_state

BOUND_METHODS = frozenset({"resources/read", "completion/complete"})
_request_state: ContextVar[AppState | None] = ContextVar("hostaway_request_state", default=None)


def bind_request_state(server: MCPServer[Any]) -> None:
    """Make `current_state()` answer inside the server's `BOUND_METHODS` requests (idempotent)."""
    if _bind_state not in server.middleware:
        server.middleware.append(_bind_state)


def current_state() -> AppState | None:
    """The state of the connection whose request is being handled; None outside one."""
    return _request_state.get()


async def _bind_state(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    if ctx.method not in BOUND_METHODS:
        return await call_next(ctx)
    token = _request_state.set(await app_state(ctx.lifespan_context))  # opens the server's state if not yet
    try:
        return await call_next(ctx)
    finally:
        _request_state.reset(token)
