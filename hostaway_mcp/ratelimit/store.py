"""The protocol every backend keeps: load the shared state, let the limiter change it, store it.

A backend (memory, file, Redis) knows nothing of gates or waiting: `transact(change)` hands
`change` the current state and the time, atomically with respect to every other process using
the same store, and keeps whatever `change` left. A store that cannot do that right now raises
`SharedStateError`; the limiter then limits the process on its own, on a conservative share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from hostaway_mcp.ratelimit.state import SharedState

T = TypeVar("T")


class SharedStateError(Exception):
    """The shared state could not be read or written (file system or Redis trouble)."""


@dataclass
class Loaded:
    """The state as found: `fresh` when there was none, or none that could be used (`problem`).

    `lost` when the store has evidence that a state existed and is gone (corrupt, or deleted
    while the lock beside it stayed): a process that never saw it must then be careful too.
    """

    state: SharedState
    fresh: bool = False
    problem: str | None = None
    lost: bool = False


class StateStore(Protocol):
    scope: str  # in words: who shares this state

    async def transact(self, change: Callable[[Loaded, float], T]) -> T:
        """Run `change(loaded, now)` atomically and store the state it leaves."""

    def peek(self) -> SharedState | None:
        """The state now, without changing it (for the status report); None when not cheap."""

    async def aclose(self) -> None: ...
