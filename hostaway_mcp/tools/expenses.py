"""Expenses and extras: what was spent on the properties, and what guests paid for extras.

`GET /expenses` takes only `limit` (at most 500), `offset` and `format` (hostaway-api-2026.md
§1.6): no property, booking or date filter. So the tool reads the account's list in pages of 500,
at most `MAX_EXPENSE_PAGES` of them, and filters here. Hostaway's answer carries no total either,
so the end is the first page shorter than asked; when the bound is reached first, the result says
the account has more than was read.

Hostaway tells expense from extra by the sign alone: a negative amount is an expense, a positive
one an extra (`type` is derived from it). Results show a positive amount and the kind. Expenses
have no currency: theirs is their property's; those tied to no property are totalled apart.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from hostaway_mcp import progress
from hostaway_mcp.domain import flag, ident, money, parse_date, text
from hostaway_mcp.gateway import HostawayGateway, JSONObject
from hostaway_mcp.models.common import next_offset
from hostaway_mcp.models.expenses import ExpenseLine, ExpenseList, ExpenseTotal
from hostaway_mcp.privacy import guest_name, payment_text
from hostaway_mcp.tools._directory import property_currencies, property_names
from hostaway_mcp.tools._runtime import AppState, State
from hostaway_mcp.tools._validation import MAX_OFFSET, BookingId, IsoDate, PropertyId

EXPENSES_PATH = "expenses"
EXPENSE_PAGE = 500  # the documented maximum
MAX_EXPENSE_PAGES = 20  # 10,000 expenses and extras per answer


@dataclass(frozen=True)
class ExpenseRead:
    """The account's expenses as far as they were read."""

    items: list[JSONObject]  # those `read_expenses` was asked to keep (all of them by default)
    complete: bool  # the last page was short: nothing more to read
    read: int = 0  # expenses and extras read, kept or not

    def max_id(self) -> int:
        return max((ident(item.get("id")) or 0 for item in self.items), default=0)


async def read_expenses(gateway: HostawayGateway, keep: Callable[[JSONObject], bool] | None = None) -> ExpenseRead:
    """Pages of `/expenses` until a short page (the end) or `MAX_EXPENSE_PAGES`; with `keep`, only
    the expenses it admits are kept, each page filtered as it arrives (the list has no filters of
    its own, so an account's every expense would otherwise be held at once)."""
    items: list[JSONObject] = []
    read = 0
    reporter = progress.current()
    for number in range(MAX_EXPENSE_PAGES):
        reporter.expect(1)  # no total to say how many: one page at a time
        page = (await gateway.get(EXPENSES_PATH, {"limit": EXPENSE_PAGE, "offset": number * EXPENSE_PAGE})).items
        read += len(page)
        items.extend(page if keep is None else filter(keep, page))
        short = len(page) < EXPENSE_PAGE
        del page  # filtered before the progress step: not held while it is sent
        await reporter.step(f"expenses and extras: page {number + 1}")
        if short:
            return ExpenseRead(items, complete=True, read=read)
    return ExpenseRead(items, complete=False, read=read)


def kind_of(raw: JSONObject) -> str:
    """Hostaway's sign rule (a `type` that disagrees with the sign is not trusted)."""
    amount = money(raw.get("amount")) or 0.0
    return "extra" if amount > 0 else "expense"


def expense_line(raw: JSONObject, currencies: dict[int, str], names: dict[int, str]) -> ExpenseLine:
    listing_id = ident(raw.get("listingMapId"))
    categories = raw.get("categoriesNames")
    statements = raw.get("ownerStatementNames")
    return ExpenseLine(
        expense_id=ident(raw.get("id")) or 0,
        kind=kind_of(raw),
        date=parse_date(raw.get("expenseDate")),
        description=payment_text(raw.get("concept")),
        amount=abs(money(raw.get("amount")) or 0.0),
        currency=currencies.get(listing_id) if listing_id is not None else None,
        property_id=listing_id,
        property_name=text(raw.get("listingName")) or (names.get(listing_id) if listing_id is not None else None),
        booking_id=ident(raw.get("reservationId")),
        guest_name=guest_name(raw.get("guestName")),
        categories=[c for c in (text(x) for x in categories) if c] if isinstance(categories, list) else [],
        owner_statements=[s for s in (text(x) for x in statements) if s] if isinstance(statements, list) else [],
    )


def expense_totals(lines: Iterable[ExpenseLine]) -> list[ExpenseTotal]:
    """One row per currency; money is never added across currencies."""
    rows: dict[str | None, list[float]] = {}
    for line in lines:
        spent, extras, count = rows.setdefault(line.currency, [0.0, 0.0, 0])
        if line.kind == "expense":
            spent += line.amount
        else:
            extras += line.amount
        rows[line.currency] = [spent, extras, count + 1]
    return [
        ExpenseTotal(currency=c, expenses=round(s, 2), extras=round(e, 2), net=round(e - s, 2), count=int(n))
        for c, (s, e, n) in sorted(rows.items(), key=lambda item: (item[0] is None, item[0] or ""))
    ]


async def describe(state: AppState, raws: list[JSONObject]) -> list[ExpenseLine]:
    """Result lines for raw expenses, with their properties' currencies and names."""
    listing_ids = {i for raw in raws if (i := ident(raw.get("listingMapId"))) is not None}
    currencies = await property_currencies(state, listing_ids)
    missing_names = {i for raw in raws if not text(raw.get("listingName")) and (i := ident(raw.get("listingMapId")))}
    names = await property_names(state, missing_names)
    return [expense_line(raw, currencies, names) for raw in raws]


async def list_expenses(
    state: State,
    property_id: Annotated[PropertyId | None, Field(description="Only this property's.")] = None,
    start_date: Annotated[IsoDate | None, Field(description="Only dated on or after this day.")] = None,
    end_date: Annotated[IsoDate | None, Field(description="Only dated on or before this day.")] = None,
    booking_id: Annotated[BookingId | None, Field(description="Only those of this booking (its extras).")] = None,
    limit: Annotated[int, Field(ge=1, le=100)] = 25,
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0,
) -> ExpenseList:
    """List expenses (money spent on a property) and extras (money guests paid for extras), newest first.

    Amounts are positive with their kind, in the property's currency; totals are per currency.
    Hostaway's list cannot be filtered, so the result says when the account has more than was read.
    """
    if start_date and end_date and end_date < start_date:
        raise ToolError(
            f"end_date ({end_date}) is before start_date ({start_date}): both are inclusive, so for one day pass "
            "the same date twice."
        )
    read = await read_expenses(
        state.gateway,
        functools.partial(_matches, property_id=property_id, booking_id=booking_id, start=start_date, end=end_date),
    )
    kept = read.items
    kept.sort(key=lambda raw: (str(raw.get("expenseDate") or ""), ident(raw.get("id")) or 0), reverse=True)
    lines = await describe(state, kept)
    page = lines[offset : offset + limit]
    note = None
    if not read.complete:
        note = (
            f"The account has more than the {read.read} expenses and extras read (Hostaway's list has no "
            "filters and no total), so some matches may be missing; the totals cover those read."
        )
    return ExpenseList(
        items=page,
        totals=expense_totals(lines),
        read=read.read,
        complete=read.complete,
        total=len(lines) if read.complete else None,
        offset=offset,
        limit=limit,
        next_offset=next_offset(offset, len(page), len(lines)),
        note=note,
    )


def _matches(
    raw: JSONObject,
    property_id: int | None,
    booking_id: int | None,
    start: dt.date | None,
    end: dt.date | None,
) -> bool:
    if flag(raw.get("isDeleted")):
        return False
    if property_id is not None and ident(raw.get("listingMapId")) != property_id:
        return False
    if booking_id is not None and ident(raw.get("reservationId")) != booking_id:
        return False
    day = parse_date(raw.get("expenseDate"))
    if start is not None and (day is None or day < start):
        return False
    return not (end is not None and (day is None or day > end))
