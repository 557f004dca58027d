"""Results of the expense and owner-statement tools."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from hostaway_mcp.models.bookings import CompactResult
from hostaway_mcp.models.common import GuestName, PageInfo, ResultModel

Kind = Literal["expense", "extra"]


class ExpenseLine(CompactResult):
    expense_id: int
    kind: Kind = Field(description="expense: money spent on the property; extra: money a guest paid for an extra.")
    date: dt.date | None
    description: str | None = Field(description="Hostaway's concept; card details withheld.")
    amount: float = Field(description="Positive; `kind` says which way the money went.")
    currency: str | None = Field(description="The property's currency (expenses carry none of their own).")
    property_id: int | None = None
    property_name: str | None = None
    booking_id: int | None = None
    guest_name: GuestName = None
    categories: list[str] = Field(default_factory=list)
    owner_statements: list[str] = Field(default_factory=list, description="Owner statements that include it.")


class ExpenseTotal(ResultModel):
    currency: str | None = Field(description="null: expenses not tied to a property (the account's currency).")
    expenses: float = Field(description="Spent, a positive amount.")
    extras: float = Field(description="Received from guests for extras.")
    net: float = Field(description="extras - expenses.")
    count: int


class ExpenseList(PageInfo):
    items: list[ExpenseLine] = Field(description="Newest first.")
    totals: list[ExpenseTotal] = Field(description="One row per currency, over every match (not only this page).")
    read: int = Field(description="Expenses and extras read from Hostaway to answer (its list has no filters).")
    complete: bool = Field(description="false: the account has more than was read; the answer may miss some.")
    note: str | None = None


class ExpenseResult(CompactResult):
    """add_expense: previewed (nothing added), added, found added, or declined."""

    status: Literal["preview", "added", "already_added", "declined", "cancelled"] = Field(
        description="preview: nothing added yet; added: Hostaway has it; already_added: an earlier attempt whose "
        "outcome was unknown turned out to be there, so nothing was sent again; declined/cancelled: the user said no."
    )
    kind: Kind
    amount: float = Field(description="As the user gave it: positive.")
    amount_sent: float = Field(
        description="What Hostaway receives: negative for an expense, positive for an extra (its sign rule)."
    )
    currency: str | None
    date: dt.date
    description: str
    property_id: int | None
    property_name: str | None
    booking_id: int | None = None
    guest_name: GuestName = None
    category: str | None = None
    expense_id: int | None = Field(default=None, description="The new expense's id (added, already_added).")
    confirmed_by: Literal["form", "confirm"] | None = None
    warnings: list[str] = Field(default_factory=list)
    next_step: str


# -- owner statements ------------------------------------------------------------------------------------


class StatementName(ResultModel):
    statement_id: int = Field(description="For get_owner_statement(statement_id=...).")
    name: str | None


class StatementTotal(ResultModel):
    """One currency's figures of a statement, added up here from its lines and expenses."""

    currency: str | None
    bookings: int
    total_price: float
    owner_payout: float
    expenses: float = Field(description="Spent, a positive amount.")
    extras: float
    net_payout: float = Field(description="owner_payout - expenses + extras.")


class SummaryLine(ResultModel):
    name: str
    value: float = Field(description="Hostaway's figure, in the statement's currency.")


Cell = int | float | str | None
LINE_COLUMNS = (
    "booking_id",
    "property_id",
    "arrival",
    "nights",
    "currency",
    "total_price",
    "owner_payout",
)
EXPENSE_COLUMNS = ("expense_id", "property_id", "date", "kind", "amount", "currency", "description")


class OwnerStatementDetail(CompactResult):
    """One statement, its bookings and expenses as compact tables (one row each, cells in column order)."""

    statement_id: int
    name: str | None
    period_start: str | None
    period_end: str | None
    currency: str | None = Field(description="The statement's one currency; null when it mixes several.")
    summary: list[SummaryLine] = Field(
        description="The statement's own summary lines, as Hostaway drew them up (those it could not total left out)."
    )
    totals: list[StatementTotal] = Field(description="One row per currency; never add rows together.")
    properties: dict[str, str] = Field(description="The names of the property ids in the rows.")
    line_columns: list[str]
    lines: list[list[Cell]] = Field(description="Bookings on the statement (the first 50), in line_columns order.")
    lines_total: int
    expense_columns: list[str]
    expenses: list[list[Cell]] = Field(
        description="Expenses (amount spent) and extras (amount received) on it (the first 50), positive amounts."
    )
    expenses_total: int
    notes: list[str] = Field(default_factory=list)


class OwnerStatementResult(CompactResult):
    """Without a statement id: the statements (paged). With one: that statement."""

    statements: list[StatementName] | None = None
    total: int | None = None
    offset: int | None = None
    next_offset: int | None = None
    statement: OwnerStatementDetail | None = None
