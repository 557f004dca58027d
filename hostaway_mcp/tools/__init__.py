"""The tool catalogue: every tool the server offers, grouped as reads and writes.

A tool is a plain async function in the module of its domain; this file is the one list of them.
`server.py` registers reads with read-only annotations and writes with destructive ones, and
leaves writes out entirely in read-only mode.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from hostaway_mcp.tools import properties

ToolFn = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class ToolSpec:
    fn: ToolFn
    kind: Literal["read", "write"]
    title: str

    @property
    def name(self) -> str:
        return self.fn.__name__


def catalogue() -> list[ToolSpec]:
    """Every tool, in the order clients list them."""
    return [
        ToolSpec(properties.list_properties, "read", "List properties"),
    ]
