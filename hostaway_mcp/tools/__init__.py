"""The tool catalogue: every tool the server offers, grouped as reads and writes.

A tool is a plain async function in the module of its domain; this file is the one list of them.
`server.py` registers reads with read-only annotations and writes with destructive ones, and
leaves writes out entirely in read-only mode.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from hostaway_mcp.tools import (
    availability,
    bookings,
    calendar_writes,
    conversations,
    finance,
    guests,
    messaging,
    properties,
)

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
        ToolSpec(properties.get_property_details, "read", "Property details"),
        ToolSpec(availability.search_available_properties, "read", "Search available properties"),
        ToolSpec(availability.check_property_availability, "read", "Check property availability"),
        ToolSpec(bookings.search_bookings, "read", "Search bookings"),
        ToolSpec(bookings.get_booking_details, "read", "Booking details"),
        ToolSpec(guests.get_guest_info, "read", "Guest info"),
        ToolSpec(conversations.get_conversation_history, "read", "Conversation history"),
        ToolSpec(conversations.list_guest_inbox, "read", "Guest inbox"),
        ToolSpec(finance.get_revenue_report, "read", "Revenue report"),
        ToolSpec(finance.get_property_financials, "read", "Property financials"),
        ToolSpec(messaging.send_guest_message, "write", "Send guest message"),
        ToolSpec(calendar_writes.block_dates, "write", "Block dates"),
        ToolSpec(calendar_writes.unblock_dates, "write", "Unblock dates"),
        ToolSpec(calendar_writes.update_nightly_rates, "write", "Update nightly rates"),
    ]
