"""What every tool needs from the running server: state, the gateway, and error translation.

Tools receive the `AppState` through a `Resolve` dependency (`State`), which keeps it out of the
tool's input schema and works under `mcp run`/`mcp dev` (a subscripted `Context[T]` does not).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import time
import typing
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

from mcp.server.elicitation import AcceptedElicitation
from mcp.server.mcpserver import Context, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel

from hostaway_mcp import progress
from hostaway_mcp.config import Settings
from hostaway_mcp.errors import HostawayError
from hostaway_mcp.localtime import LocalToday, Now, listing_today
from hostaway_mcp.tools._budget import result_text, whole_numbers

if TYPE_CHECKING:
    from hostaway_mcp.gateway import HostawayGateway
    from hostaway_mcp.ledger import WriteLedger
    from hostaway_mcp.mirror.service import Mirror

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class AppState:
    """Lives for one server run (the lifespan); owns the gateway and per-run memory."""

    settings: Settings
    gateway: HostawayGateway
    # The current instant, timezone-aware UTC (injectable: build_server's `now`). "Today" is never
    # read from it directly but per property (`local_today`), in the property's own time zone.
    now: Now
    # The write ledger every write goes through (`tools/writes.py`); its file is opened on the first write.
    ledger: WriteLedger
    extras: dict[str, Any] = field(default_factory=dict)
    # Injectable monotonic clock (build_server's `clock`) for in-process time windows.
    monotonic: Callable[[], float] = time.monotonic
    # The local mirror (`hostaway_mcp.mirror`; the demo's own in demo mode), None when HOSTAWAY_MIRROR=false.
    mirror: Mirror | None = None

    def local_today(self, listing: dict[str, Any]) -> LocalToday:
        """Today at this property (its `timeZoneName`; UTC when it has none)."""
        return listing_today(listing, self.now())


# Keep the SDK's parametrised `AcceptedElicitation[Any]` alive: every `Resolve` outcome is wrapped
# in it, and pydantic caches parametrised generics only weakly, so without a strong reference the
# class is garbage-collected and rebuilt (a new model class, ~1 ms) on about every other tool call.
_ACCEPTED_ANY = AcceptedElicitation[Any]


class Runtime:
    """The lifespan's context: the `AppState`, opened by the first request that needs it.

    Opening it imports and sets up the gateway (and its HTTP stack), the shared limiter, the token
    cache and the ledger, and in demo mode waits for the demo account: none of that should delay
    the answer to `initialize`. Whatever `open` entered on the stack is closed by `aclose`, when
    the lifespan ends. A failed opening is not kept: the next request tries again.
    """

    def __init__(self, open: Callable[[AsyncExitStack], Awaitable[AppState]]) -> None:
        self._open = open
        self._stack = AsyncExitStack()
        self._state: AppState | None = None
        self._opening = asyncio.Lock()

    async def state(self) -> AppState:
        if self._state is None:
            async with self._opening:
                if self._state is None:
                    self._state = await self._open(self._stack)
        return self._state

    async def aclose(self) -> None:
        self._state = None
        await self._stack.aclose()


async def app_state(context: object) -> AppState:
    """The state behind a lifespan context (a server's `Runtime`, or an `AppState` itself)."""
    if isinstance(context, Runtime):
        return await context.state()
    if not isinstance(context, AppState):  # pragma: no cover - a wiring bug, not a user error
        raise ToolError("The server is not initialised; restart it.")
    return context


async def _resolve_state(ctx: Context) -> AppState:
    # async on purpose: the SDK runs a sync resolver in a worker thread, a thread hop per call.
    return await app_state(ctx.request_context.lifespan_context)


State = Annotated[AppState, Resolve(_resolve_state)]


def hostaway_tool(
    fn: Callable[P, Awaitable[R]], *, title: str, summary: bool = False
) -> Callable[P, Awaitable[R | CallToolResult]]:
    """Turn gateway failures into `ToolError` text the model can act on, report progress, shape the result.

    Known failures (`HostawayError`) keep their message, which says what to do next and never
    holds a secret. Anything else is a bug: its traceback goes to the log (stderr) and the model
    gets a short, honest message instead of the SDK's bare "Error executing tool".

    Each call runs with a `hostaway_mcp.progress` reporter bound to its `ctx.report_progress`,
    so paging and waiting code anywhere below reports "page 12 of 40" without a `ctx` argument.
    A tool without a `Context` parameter gets one added to the wrapper's signature (the SDK fills
    it and leaves it out of the input schema); the tool itself never sees it.

    A result model becomes the structured content plus a compact text block: the same JSON, or
    with `summary` a one-line summary of a large result (`_budget.result_text`). The SDK still
    checks the structured content against the model.
    """
    signature = inspect.signature(fn, eval_str=True)
    hints = typing.get_type_hints(fn, include_extras=True)
    own_ctx = next((name for name, hint in hints.items() if _is_context(hint)), None)
    ctx_name = own_ctx or _PROGRESS_CTX

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | CallToolResult:
        ctx = kwargs.get(ctx_name) if own_ctx else kwargs.pop(ctx_name, None)
        send = ctx.report_progress if isinstance(ctx, Context) else None
        from hostaway_mcp.ratelimit import report_waits_to  # with the gateway, on the first call

        with progress.reporting(send) as reporter:
            try:
                async with report_waits_to(reporter.wait_said):  # the limiter's gates say when they wait
                    result = await fn(*args, **kwargs)
            except ToolError:
                raise
            except HostawayError as exc:
                raise ToolError(exc.message) from None
            except Exception:
                logger.exception("unexpected failure in tool %s", fn.__name__)
                raise ToolError(
                    f"{fn.__name__} failed unexpectedly (an internal error, logged on the server). "
                    "Try again; if it keeps failing, report it with the server log."
                ) from None
        if not isinstance(result, BaseModel):
            return result
        data = whole_numbers(result.model_dump(mode="json", by_alias=True))
        text = result_text(data, title=title, summary=summary)
        return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)

    if own_ctx is None:
        extra = inspect.Parameter(_PROGRESS_CTX, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Context)
        signature = signature.replace(parameters=[*signature.parameters.values(), extra])
        hints = {**hints, _PROGRESS_CTX: Context}
    # Evaluate the string annotations (`from __future__ import annotations`) once, here: while
    # registering a tool the SDK inspects its signature and type hints several times, and would
    # otherwise `eval` every annotation again each time. Same objects, so the same schemas (the
    # return annotation stays the result model: it is the tool's output schema).
    wrapper.__signature__ = signature  # type: ignore[attr-defined]
    wrapper.__annotations__ = hints
    return wrapper


# The parameter the wrapper adds for tools that take no `Context` of their own.
_PROGRESS_CTX = "hostaway_progress_ctx"


def _is_context(hint: Any) -> bool:
    return inspect.isclass(hint) and issubclass(hint, Context)
