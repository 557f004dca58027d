"""Which tools a server offers: `HOSTAWAY_TOOLSETS`, `HOSTAWAY_TOOLS` and read-only mode, resolved.

    HOSTAWAY_TOOLSETS=default                 the daily work (the default)
    HOSTAWAY_TOOLSETS=default,finance         ... plus every finance tool
    HOSTAWAY_TOOLSETS=all                     every tool
    HOSTAWAY_TOOLS=get_property_financials    ... plus single tools, by name

Read-only mode wins over both: a write tool is hidden even when it is asked for by name. The
choice is made once, at start-up (hosts such as Claude Desktop read the tool list once per
session, so tools appearing later would not be seen). Only the catalogue is read here; no tool
module is imported.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hostaway_mcp.tools import CATALOGUE, SELECTORS, TOOLSETS, ToolSpec

if TYPE_CHECKING:
    from hostaway_mcp.config import Settings


def split_names(value: object) -> tuple[str, ...]:
    """`"Bookings, inbox finance"` -> `("bookings", "inbox", "finance")`: commas or spaces, any case."""
    if value is None:
        return ()
    if isinstance(value, str):
        parts: Iterable[object] = value.replace(",", " ").split()
    elif isinstance(value, Iterable):
        parts = value
    else:
        raise ValueError(f"expected names separated by commas, not {type(value).__name__}")
    names: list[str] = []
    for part in parts:
        name = str(part).strip().lower()
        if name and name not in names:
            names.append(name)
    return tuple(names)


def check_toolsets(names: Sequence[str]) -> tuple[str, ...]:
    """The toolset names as given, or a ValueError that lists the valid ones."""
    unknown = [name for name in names if name not in TOOLSETS and name not in SELECTORS]
    if unknown:
        raise ValueError(
            f"unknown toolset {_quoted(unknown)}{_did_you_mean(unknown, [*TOOLSETS, *SELECTORS])}. "
            f"Valid toolsets: {', '.join(TOOLSETS)}; or {', '.join(SELECTORS)}. "
            "`hostaway-mcp tools` shows what each holds."
        )
    return tuple(names) or ("default",)


def check_tool_names(names: Sequence[str]) -> tuple[str, ...]:
    """The tool names as given, or a ValueError that lists the valid ones."""
    known = [spec.name for spec in CATALOGUE]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(
            f"unknown tool {_quoted(unknown)}{_did_you_mean(unknown, known)}. Valid tools: {', '.join(known)}."
        )
    return tuple(names)


@dataclass(frozen=True)
class Selection:
    """The tools a server offers (catalogue order), and the writes read-only mode hides from it."""

    offered: tuple[ToolSpec, ...]
    hidden_by_read_only: tuple[ToolSpec, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(spec.name for spec in self.offered)

    def __contains__(self, name: object) -> bool:
        return name in self.names


def select(toolsets: Sequence[str], tools: Sequence[str] = (), *, read_only: bool = False) -> Selection:
    """Resolve toolset names (and `default`, `all`, `none`) plus single tools into a selection."""
    chosen_sets = set(check_toolsets(toolsets))
    chosen_tools = set(check_tool_names(tools))
    wanted = [
        spec
        for spec in CATALOGUE
        if "all" in chosen_sets
        or spec.toolset in chosen_sets
        or (spec.default and "default" in chosen_sets)
        or spec.name in chosen_tools
    ]
    hidden = tuple(spec for spec in wanted if read_only and spec.kind == "write")
    return Selection(offered=tuple(spec for spec in wanted if spec not in hidden), hidden_by_read_only=hidden)


def selection_for(settings: Settings) -> Selection:
    """What a server built from these settings offers."""
    return select(settings.toolsets, settings.tools, read_only=settings.read_only)


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(repr(name) for name in names)


def _did_you_mean(unknown: Sequence[str], valid: Sequence[str]) -> str:
    close = [match for name in unknown for match in difflib.get_close_matches(name, valid, n=1)]
    return f" (did you mean {' or '.join(close)}?)" if close else ""
