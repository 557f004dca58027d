"""The tool catalogue: every tool the server offers, one line each, with its kind and toolset.

A tool is a plain async function in the module of its domain (`properties.py`, `bookings.py`,
...). `CATALOGUE` below is the one list of them. Each line says:

    ToolSpec("module.function", "read" | "write", "<toolset>", DEFAULT | EXTRA, "Title")

- the function, as "module.function" under `hostaway_mcp/tools/`: it is imported when the tool
  is first needed, so reading the catalogue (to choose the tools, or for `hostaway-mcp tools`)
  imports no tool module;
- its kind: reads are registered read-only and idempotent, writes destructive (and hidden in
  read-only mode);
- its toolset, one of `TOOLSETS`: operators turn whole toolsets on with `HOSTAWAY_TOOLSETS`;
- whether it is in the default set (`DEFAULT`) or only offered when asked for (`EXTRA`);
- its title, as clients show it.

Adding a tool is one line here, in its toolset's block. Moving a tool to another toolset, or into
or out of the default set, is a change to its line and nothing else.

Every definition is sent to the model on every turn, so each counts against a budget (`_budget.py`
and tests/test_tool_surface.py: the default set's `tools/list` at most 40 KB and 1.6 KB per tool
on average). A docstring says what the tool is for and what its result means, once; it leaves to
the parameters' descriptions what they say, and to the server's instructions what every tool
shares (where ids come from, dates, paging, guest text, previews before changes).

The default set is the daily work, in at most `MAX_DEFAULT_TOOLS` tools (models choose worse
among more, and hosts cap the tools of all servers together). Tests hold its size, the bytes its
`tools/list` takes, and the line of every tool. Every toolset is in; the one tool still to come
is `search_messages` (inbox, DEFAULT), which makes 25 default tools of 35. The default set holds
the daily work: properties and availability, bookings with quotes and new bookings, the inbox,
the calendar, the operations day and its tasks, the revenue report, reviews, and the payments
toolset's two reads ("who still owes us" and "what did this guest pay" are daily questions); the
booking changes, the payment and expense writes and the finance extras are opt-in. Should the
default set pass 25, finance, payments, reviews and tasks go opt-in first.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

ToolFn = Callable[..., Awaitable[Any]]
Kind = Literal["read", "write"]

# Most tools a default server offers (see the module docstring).
MAX_DEFAULT_TOOLS = 25

TOOLSETS: dict[str, str] = {
    "properties": "the portfolio: properties, their details, availability search",
    "bookings": "bookings and their guests: search, details, quotes and the booking lifecycle",
    "inbox": "guest conversations: the inbox, threads, sending messages, message search",
    "calendar": "one property's calendar: night-by-night availability, blocks and nightly rates",
    "operations": "the manager's day: arrivals, departures, turnovers, cleaning and maintenance tasks",
    "finance": "revenue reports, property financials, expenses and owner statements",
    "reviews": "guest reviews and replies to them",
    "payments": "guest payments and balances, offline charges and refunds",
}
# Words HOSTAWAY_TOOLSETS accepts besides the toolset names.
SELECTORS: dict[str, str] = {
    "default": "the daily work (the tools marked DEFAULT in every toolset)",
    "all": "every tool",
    "none": "no toolset: only the tools named in HOSTAWAY_TOOLS",
}

DEFAULT = True
EXTRA = False


@dataclass(frozen=True)
class ToolSpec:
    ref: str
    kind: Kind
    toolset: str
    default: bool
    title: str

    @property
    def name(self) -> str:
        return self.ref.rpartition(".")[2]

    @property
    def fn(self) -> ToolFn:
        """The tool's function (imports its module the first time)."""
        module, _, function = self.ref.rpartition(".")
        fn: ToolFn = getattr(importlib.import_module(f"{__name__}.{module}"), function)
        return fn


CATALOGUE: tuple[ToolSpec, ...] = (
    # properties
    ToolSpec("properties.list_properties", "read", "properties", DEFAULT, "List properties"),
    ToolSpec("properties.get_property_details", "read", "properties", DEFAULT, "Property details"),
    ToolSpec("availability.search_available_properties", "read", "properties", DEFAULT, "Search available properties"),
    # bookings
    ToolSpec("bookings.search_bookings", "read", "bookings", DEFAULT, "Search bookings"),
    ToolSpec("booking_details.get_booking_details", "read", "bookings", DEFAULT, "Booking details"),
    ToolSpec("guests.get_guest_info", "read", "bookings", DEFAULT, "Guest info"),
    ToolSpec("quotes.quote_stay", "read", "bookings", DEFAULT, "Quote a stay"),
    ToolSpec("history.get_booking_history", "read", "bookings", EXTRA, "Booking history"),
    ToolSpec("booking_create.create_booking", "write", "bookings", DEFAULT, "Create a booking"),
    ToolSpec("booking_update.update_booking", "write", "bookings", EXTRA, "Change a booking"),
    ToolSpec("booking_cancel.cancel_booking", "write", "bookings", EXTRA, "Cancel a booking"),
    # inbox
    ToolSpec("conversations.list_guest_inbox", "read", "inbox", DEFAULT, "Guest inbox"),
    ToolSpec("conversations.get_conversation_history", "read", "inbox", DEFAULT, "Conversation history"),
    ToolSpec("messaging.send_guest_message", "write", "inbox", DEFAULT, "Send guest message"),
    ToolSpec("templates.get_reply_templates", "read", "inbox", EXTRA, "Reply templates"),
    ToolSpec("message_search.search_messages", "read", "inbox", DEFAULT, "Search guest messages"),
    # calendar
    ToolSpec("availability.check_property_availability", "read", "calendar", DEFAULT, "Check property availability"),
    ToolSpec("calendar_writes.block_dates", "write", "calendar", DEFAULT, "Block dates"),
    ToolSpec("calendar_writes.unblock_dates", "write", "calendar", DEFAULT, "Unblock dates"),
    ToolSpec("calendar_writes.update_nightly_rates", "write", "calendar", DEFAULT, "Update nightly rates"),
    # operations
    ToolSpec("operations.get_operations_day", "read", "operations", DEFAULT, "Operations day"),
    ToolSpec("tasks.list_tasks", "read", "operations", DEFAULT, "List tasks"),
    ToolSpec("task_writes.create_task", "write", "operations", DEFAULT, "Create task"),
    ToolSpec("task_writes.update_task", "write", "operations", DEFAULT, "Update task"),
    # finance
    ToolSpec("finance.get_revenue_report", "read", "finance", DEFAULT, "Revenue report"),
    ToolSpec("finance.get_property_financials", "read", "finance", EXTRA, "Property financials"),
    ToolSpec("expenses.list_expenses", "read", "finance", EXTRA, "Expenses and extras"),
    ToolSpec("expense_writes.add_expense", "write", "finance", EXTRA, "Add expense or extra"),
    ToolSpec("owner_statements.get_owner_statement", "read", "finance", EXTRA, "Owner statement"),
    # reviews
    ToolSpec("reviews.list_reviews", "read", "reviews", DEFAULT, "List reviews"),
    ToolSpec("review_replies.reply_to_review", "write", "reviews", DEFAULT, "Reply to a review"),
    # payments
    ToolSpec("payments.list_unpaid_balances", "read", "payments", DEFAULT, "Unpaid balances"),
    ToolSpec("payments.get_booking_payments", "read", "payments", DEFAULT, "Booking payments"),
    ToolSpec("payment_writes.record_payment", "write", "payments", EXTRA, "Record payment"),
    ToolSpec("payment_writes.record_refund", "write", "payments", EXTRA, "Record refund"),
)


def catalogue() -> list[ToolSpec]:
    """Every tool, in the order clients list them."""
    return list(CATALOGUE)
