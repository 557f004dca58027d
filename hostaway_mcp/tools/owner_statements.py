"""Owner statements: the list, or one statement's summary, bookings and expenses, compact.

`GET /ownerStatements` lists `[{id, statementName}]`; `GET /ownerStatement/{id}` (singular) holds
`summaryDataJson` (`[{formulaName, totalValue}]`), `financeDataJson` (`{columns, rows}`: one row
per booking, cells in column order), `grandTotalJson` and `expenses[]` (hostaway-api-2026.md
§1.6). Statements are read only: Hostaway has no API to create or publish one.

Whether the `...Json` fields come as objects or as JSON text is UNCONFIRMED; both are read.
Rows are read by column *name* (never by position), so a statement with other or reordered
columns still reads right, and a missing column is null. A statement's money is totalled here
per currency from its lines and expenses, so a statement mixing currencies never adds them up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from hostaway_mcp.domain import ident, money, text, whole
from hostaway_mcp.errors import NotFoundError
from hostaway_mcp.gateway import JSONObject
from hostaway_mcp.models.common import next_offset
from hostaway_mcp.models.expenses import (
    EXPENSE_COLUMNS,
    LINE_COLUMNS,
    Cell,
    ExpenseLine,
    OwnerStatementDetail,
    OwnerStatementResult,
    StatementName,
    StatementTotal,
    SummaryLine,
)
from hostaway_mcp.tools._runtime import AppState, State
from hostaway_mcp.tools._validation import MAX_OFFSET, WholeId
from hostaway_mcp.tools.expenses import describe

MAX_LINES = 50
LIST_PAGE = 50


def _json_field(value: Any) -> Any:
    """A `...Json` field as data, whether Hostaway sent an object or JSON text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def statement_rows(finance: Any) -> list[dict[str, Any]]:
    """`financeDataJson` rows as {column name: cell}."""
    data = _json_field(finance)
    if not isinstance(data, dict):
        return []
    columns = data.get("columns")
    names = [
        text(column.get("name")) if isinstance(column, dict) else text(column)
        for column in (columns if isinstance(columns, list) else [])
    ]
    rows = data.get("rows")
    return [
        {name: cell for name, cell in zip(names, row, strict=False) if name}
        for row in (rows if isinstance(rows, list) else [])
        if isinstance(row, list)
    ]


@dataclass(frozen=True)
class Line:
    """One booking row of a statement, read by column name."""

    booking_id: int | None
    property_id: int | None
    property_name: str | None
    arrival: str | None
    nights: int | None
    currency: str | None
    total_price: float | None
    owner_payout: float | None

    def cells(self) -> list[Cell]:
        return [
            self.booking_id,
            self.property_id,
            self.arrival,
            self.nights,
            self.currency,
            self.total_price,
            self.owner_payout,
        ]


def _line(row: dict[str, Any]) -> Line:
    payout = row.get("ownerPayout") if "ownerPayout" in row else row.get("totalPayout")
    return Line(
        booking_id=ident(row.get("id")) or ident(row.get("reservationId")),
        property_id=ident(row.get("listingMapId")),
        property_name=text(row.get("listingName")),
        arrival=text(row.get("arrivalDate")),
        nights=whole(row.get("nights")),
        currency=text(row.get("currency")),
        total_price=money(row.get("totalPrice")),
        owner_payout=money(payout),
    )


def _expense_cells(line: ExpenseLine) -> list[Cell]:
    date = line.date.isoformat() if line.date else None
    return [line.expense_id, line.property_id, date, line.kind, line.amount, line.currency, line.description]


def _totals(lines: list[Line], expenses: list[ExpenseLine]) -> list[StatementTotal]:
    rows: dict[str | None, dict[str, float]] = {}

    def row(currency: str | None) -> dict[str, float]:
        return rows.setdefault(currency, {"bookings": 0, "total": 0.0, "payout": 0.0, "spent": 0.0, "extras": 0.0})

    for line in lines:
        figures = row(line.currency)
        figures["bookings"] += 1
        figures["total"] += line.total_price or 0.0
        figures["payout"] += line.owner_payout or 0.0
    for expense in expenses:
        figures = row(expense.currency)
        figures["spent" if expense.kind == "expense" else "extras"] += expense.amount
    return [
        StatementTotal(
            currency=currency,
            bookings=int(f["bookings"]),
            total_price=round(f["total"], 2),
            owner_payout=round(f["payout"], 2),
            expenses=round(f["spent"], 2),
            extras=round(f["extras"], 2),
            net_payout=round(f["payout"] - f["spent"] + f["extras"], 2),
        )
        for currency, f in sorted(rows.items(), key=lambda item: (item[0] is None, item[0] or ""))
    ]


async def _statement(state: AppState, statement_id: int) -> OwnerStatementDetail:
    try:
        raw = (await state.gateway.get(f"ownerStatement/{statement_id}")).object
    except NotFoundError:
        raise NotFoundError(
            f"Owner statement {statement_id} not found: call get_owner_statement without an id for the list."
        ) from None
    lines = [_line(row) for row in statement_rows(raw.get("financeDataJson"))]
    expense_raws = [e for e in raw.get("expenses") or [] if isinstance(e, dict) and not e.get("isDeleted")]
    expenses = await describe(state, expense_raws)
    currencies = {line.currency for line in lines} | {e.currency for e in expenses if e.currency}
    single = next(iter(currencies)) if len(currencies) == 1 else None
    summary_raw = _json_field(raw.get("summaryDataJson"))
    # A line Hostaway could not total (null: mixed currencies) says nothing; the totals per currency do.
    summary = [
        SummaryLine(name=text(item.get("formulaName")) or "?", value=value)
        for item in (summary_raw if isinstance(summary_raw, list) else [])
        if isinstance(item, dict) and (value := money(item.get("totalValue"))) is not None
    ]
    filters = _json_field(raw.get("filterParametersJson"))
    filters = filters if isinstance(filters, dict) else {}
    properties = {
        str(pid): name
        for pid, name in [(line.property_id, line.property_name) for line in lines]
        + [(e.property_id, e.property_name) for e in expenses]
        if pid is not None and name
    }
    notes = []
    if len(currencies) > 1:
        notes.append(
            f"This statement mixes {', '.join(sorted(c or 'unknown' for c in currencies))}: use the per-currency "
            "totals; amounts in different currencies are never added together."
        )
    return OwnerStatementDetail(
        statement_id=statement_id,
        name=text(raw.get("statementName")),
        period_start=text(filters.get("fromDate")) or text(filters.get("startDate")),
        period_end=text(filters.get("toDate")) or text(filters.get("endDate")),
        currency=single,
        summary=summary,
        totals=_totals(lines, expenses),
        properties=properties,
        line_columns=list(LINE_COLUMNS),
        lines=[line.cells() for line in lines[:MAX_LINES]],
        lines_total=len(lines),
        expense_columns=list(EXPENSE_COLUMNS),
        expenses=[_expense_cells(e) for e in expenses[:MAX_LINES]],
        expenses_total=len(expenses),
        notes=notes,
    )


async def get_owner_statement(
    state: State,
    statement_id: Annotated[WholeId | None, Field(description="One statement; leave out for the list.")] = None,
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET, description="The list only: skip this many.")] = 0,
) -> OwnerStatementResult:
    """Show an owner statement: summary, bookings, expenses, totals per currency; without an id, list them.

    Statements are drawn up in Hostaway (no API creates or publishes one).
    """
    if statement_id is not None:
        return OwnerStatementResult(statement=await _statement(state, statement_id))
    listed: list[JSONObject] = (await state.gateway.get("ownerStatements")).items
    names = [
        StatementName(statement_id=i, name=text(s.get("statementName"))) for s in listed if (i := ident(s.get("id")))
    ]
    page = names[offset : offset + LIST_PAGE]
    return OwnerStatementResult(
        statements=page,
        total=len(names),
        offset=offset,
        next_offset=next_offset(offset, len(page), len(names)),
    )
