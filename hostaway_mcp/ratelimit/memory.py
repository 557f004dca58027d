"""The in-process backend: the gates of one process, in a variable (no sharing, nothing to lose).

The gateway's default when nothing is shared (demo mode, `HOSTAWAY_SHARED_RATE_LIMIT=false`);
also what the shared backends fall back to, on a conservative share, while their store is out.
"""

from __future__ import annotations

from collections.abc import Callable

from hostaway_mcp.ratelimit.state import SharedState
from hostaway_mcp.ratelimit.store import Loaded, T


class MemoryStore:
    """The state of one process, in a variable: no sharing, nothing to lose."""

    scope = "this process"

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._state = SharedState()

    async def transact(self, change: Callable[[Loaded, float], T]) -> T:
        return change(Loaded(self._state), self._clock())

    def peek(self) -> SharedState | None:
        return self._state

    async def aclose(self) -> None:
        return None
