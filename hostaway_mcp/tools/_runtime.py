"""What every tool needs from the running server: state, the gateway, and error translation.

Tools receive the `AppState` through a `Resolve` dependency (`State`), which keeps it out of the
tool's input schema and works under `mcp run`/`mcp dev` (a subscripted `Context[T]` does not).
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, ParamSpec, TypeVar

from mcp.server.elicitation import AcceptedElicitation
from mcp.server.mcpserver import Context, Resolve
from mcp.server.mcpserver.exceptions import ToolError

from hostaway_mcp.config import Settings
from hostaway_mcp.errors import HostawayError, NotFoundError
from hostaway_mcp.gateway import HostawayGateway
from hostaway_mcp.ledger import WriteLedger
from hostaway_mcp.localtime import LocalToday, Now, listing_today

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

    def local_today(self, listing: dict[str, Any]) -> LocalToday:
        """Today at this property (its `timeZoneName`; UTC when it has none)."""
        return listing_today(listing, self.now())


# Keep the SDK's parametrised `AcceptedElicitation[Any]` alive: every `Resolve` outcome is wrapped
# in it, and pydantic caches parametrised generics only weakly, so without a strong reference the
# class is garbage-collected and rebuilt (a new model class, ~1 ms) on about every other tool call.
_ACCEPTED_ANY = AcceptedElicitation[Any]


async def _resolve_state(ctx: Context) -> AppState:
    # async on purpose: the SDK runs a sync resolver in a worker thread, a thread hop per call.
    state = ctx.request_context.lifespan_context
    if not isinstance(state, AppState):  # pragma: no cover - a wiring bug, not a user error
        raise ToolError("The server is not initialised; restart it.")
    return state


State = Annotated[AppState, Resolve(_resolve_state)]


def not_found(what: str, hint: str) -> Callable[[NotFoundError], ToolError]:
    """A translator for a 404 into "X not found: do Y", for use with `translating_not_found`."""

    def translate(_: NotFoundError) -> ToolError:
        return ToolError(f"{what} not found: {hint}")

    return translate


def hostaway_tool(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Turn gateway failures into `ToolError` text the model can act on.

    Known failures (`HostawayError`) keep their message, which says what to do next and never
    holds a secret. Anything else is a bug: its traceback goes to the log (stderr) and the model
    gets a short, honest message instead of the SDK's bare "Error executing tool".
    """

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
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

    # Evaluate the string annotations (`from __future__ import annotations`) once, here: while
    # registering a tool the SDK inspects its signature and type hints several times, and would
    # otherwise `eval` every annotation again each time. Same objects, so the same schemas.
    wrapper.__signature__ = inspect.signature(fn, eval_str=True)  # type: ignore[attr-defined]
    wrapper.__annotations__ = typing.get_type_hints(fn, include_extras=True)
    return wrapper
