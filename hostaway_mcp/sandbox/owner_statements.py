"""Owner statements: `GET /ownerStatements` and `GET /ownerStatement/{id}` (singular), read only.

Hostaway has no endpoint to create or publish a statement (hostaway-api-2026.md §1.6), so the
demo account comes with its own: one per property owner (listings share an owner through their
`contactName`) for each of the last `MONTHS` complete months, named as managers name them
("Duarte, Helena - 2026 October").

A statement is drawn up when it is read, from the account as it is then:
- `financeDataJson`: the columns of the consolidated report (`finance.REPORT_COLUMNS`) and one
  row per confirmed booking of the owner's properties that departs in the month;
- `expenses`: the expense objects linked to the statement (`ownerStatementIds`) and not deleted;
- `grandTotalJson`: each summable column's total by column name, null for money columns when
  the rows are in more than one currency (money is never added across currencies);
- `summaryDataJson`: `[{formulaName, totalValue}]` lines (bookings' total price and owner payout,
  expenses, extras, the net payout), null values under the same rule.
The list answers `[{id, statementName}]` only, as documented. Whether Hostaway serves the
`...Json` fields as objects or as JSON strings is UNCONFIRMED; the sandbox serves objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from hostaway_mcp.sandbox.account import JsonDict, Money
from hostaway_mcp.sandbox.finance import REPORT_COLUMNS, report_row
from hostaway_mcp.sandbox.rand import fmt_datetime
from hostaway_mcp.sandbox.wire import ApiError, Call, Route, SandboxResponse, success

MONTHS = 3
FIRST_STATEMENT_ID = 7_100
FIRST_OWNER_ID = 92_000
CONFIRMED = frozenset({"new", "modified"})
_MONEY_COLUMNS = {name for name, _, kind in REPORT_COLUMNS if kind == "money"}
_SUMMED_COLUMNS = _MONEY_COLUMNS | {"nights"}


def generate_statements(account_id: int, listings: list[JsonDict], today: date) -> list[JsonDict]:
    """One statement per owner per complete month (the account keeps these; the API draws them up)."""
    owners: dict[str, list[int]] = {}
    for listing in listings:
        owners.setdefault(listing["contactName"], []).append(listing["id"])
    months: list[tuple[date, date]] = []
    end = today.replace(day=1) - timedelta(days=1)
    for _ in range(MONTHS):
        start = end.replace(day=1)
        months.append((start, end))
        end = start - timedelta(days=1)
    statements: list[JsonDict] = []
    for start, end in reversed(months):
        for owner_index, (owner, listing_ids) in enumerate(sorted(owners.items())):
            first, _, last = owner.partition(" ")
            statements.append(
                {
                    "id": FIRST_STATEMENT_ID + len(statements),
                    "accountId": account_id,
                    "statementName": f"{last}, {first} - {start.year} {start.strftime('%B')}",
                    "propertyOwnerId": FIRST_OWNER_ID + owner_index,
                    "ownerName": owner,
                    "listingMapIds": sorted(listing_ids),
                    "fromDate": start.isoformat(),
                    "toDate": end.isoformat(),
                    "insertedOn": fmt_datetime(datetime.combine(end + timedelta(days=3), datetime.min.time())),
                }
            )
    return statements


def statement_finder(statements: list[JsonDict]) -> Callable[[int, date], JsonDict | None]:
    """`find(listing_id, day)`: the statement covering that property on that day, if any."""
    index: dict[int, list[JsonDict]] = {}
    for statement in statements:
        for listing_id in statement["listingMapIds"]:
            index.setdefault(listing_id, []).append(statement)

    def find(listing_id: int, day: date) -> JsonDict | None:
        stamp = day.isoformat()
        for statement in index.get(listing_id, []):
            if statement["fromDate"] <= stamp <= statement["toDate"]:
                return statement
        return None

    return find


class OwnerStatementsApi:
    """The two read-only routes; statements are drawn up from the live account when read."""

    def __init__(
        self,
        statements: list[JsonDict],
        reservations: list[JsonDict],
        money: dict[int, Money],
        listings_by_id: dict[int, JsonDict],
        expenses: list[JsonDict],
    ) -> None:
        self._statements = {statement["id"]: statement for statement in statements}
        self._reservations = reservations
        self._money = money
        self._listings = listings_by_id
        self._expenses = expenses

    def routes(self) -> list[Route]:
        return [
            ("GET", re.compile(r"/ownerStatements"), self._list),
            ("GET", re.compile(r"/ownerStatement/(\d+)"), self._get),
        ]

    def names(self) -> dict[int, str]:
        return {statement_id: s["statementName"] for statement_id, s in self._statements.items()}

    def _list(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        return success([{"id": s["id"], "statementName": s["statementName"]} for s in self._statements.values()])

    def _get(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        statement = self._statements.get(int(match.group(1)))
        if statement is None:
            raise ApiError(404, "Owner statement not found.")
        return success(self.draw_up(statement))

    def draw_up(self, statement: JsonDict) -> JsonDict:
        listing_ids = set(statement["listingMapIds"])
        start, end = statement["fromDate"], statement["toDate"]
        bookings = sorted(
            (
                r
                for r in self._reservations
                if r["listingMapId"] in listing_ids and r["status"] in CONFIRMED and start <= r["departureDate"] <= end
            ),
            key=lambda r: (r["departureDate"], r["id"]),
        )
        rows = [report_row(r, self._money.get(r["id"])) for r in bookings]
        expenses = [
            expense
            for expense in self._expenses
            if statement["id"] in expense["ownerStatementIds"] and not expense["isDeleted"]
        ]
        currencies = {row["currency"] for row in rows} | {
            self._listings[e["listingMapId"]]["currencyCode"] for e in expenses if e["listingMapId"] in self._listings
        }
        single = len(currencies) <= 1
        grand = {
            name: (_total(row[name] for row in rows) if single or name not in _MONEY_COLUMNS else None)
            for name, _, _ in REPORT_COLUMNS
            if name in _SUMMED_COLUMNS
        }
        spent = _total(e["amount"] for e in expenses if e["amount"] < 0)
        extras = _total(e["amount"] for e in expenses if e["amount"] > 0)
        payout = _total(row["ownerPayout"] for row in rows)
        summary: list[tuple[str, float | int]] = [
            ("Reservations", len(rows)),
            ("Total price", _total(row["totalPrice"] for row in rows)),
            ("Owner payout from reservations", payout),
            ("Expenses", spent),
            ("Extras", extras),
            ("Net owner payout", round(payout + spent + extras, 2)),
        ]
        return {
            "id": statement["id"],
            "accountId": statement["accountId"],
            "statementName": statement["statementName"],
            "propertyOwnerId": statement["propertyOwnerId"],
            "filterParametersJson": {
                "dateType": "departureDate",
                "fromDate": start,
                "toDate": end,
                "listingMapIds": statement["listingMapIds"],
                "statuses": sorted(CONFIRMED),
            },
            "summaryDataJson": [
                {"formulaName": name, "totalValue": value if single or isinstance(value, int) else None}
                for name, value in summary
            ],
            "financeDataJson": {
                "columns": [{"name": n, "title": t, "valueType": v} for n, t, v in REPORT_COLUMNS],
                "rows": [[row[name] for name, _, _ in REPORT_COLUMNS] for row in rows],
            },
            "grandTotalJson": grand,
            "expenses": expenses,
            "insertedOn": statement["insertedOn"],
            "updatedOn": statement["insertedOn"],
        }


def _total(values: Iterable[float]) -> float:
    return round(float(sum(values)), 2)
