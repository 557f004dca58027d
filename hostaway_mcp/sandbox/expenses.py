"""Expenses and extras: `/expenses` as documented ([D:_expense_*]), and the demo account's own.

Three parts:

1. **Generation** (`generate_expenses`): every property has running costs each month (cleaning
   supplies, repairs, utilities: negative amounts, type `expense`), and about one past booking in
   sixteen bought an extra (late check-out, airport transfer: positive amounts, type `extra`,
   with the booking's id and guest name). Each one that falls in a month an owner statement covers
   is linked to that statement (`ownerStatementIds`, see `owner_statements.py`).
2. **The book** (`ExpenseBook`): the sign rule of [D:_expense_create] is the one thing that decides
   expense vs extra: a positive amount is an extra, a negative one an expense, and a `type` sent
   by the caller is ignored. `categoriesNames[]` creates the categories it names that do not
   exist yet (changelog 2025-06-24). DELETE marks the object `isDeleted: 1` (the object docs say
   a deleted expense "is not considered in owner statements"); it stays readable. A zero amount
   is refused (Hostaway's answer to it is UNCONFIRMED).
3. **Routes** (`ExpensesApi`): `GET /expenses` takes only `limit` (default 100, at most 500),
   `offset` and `format=json|csv`, exactly the documented parameters: no listing or date filter.
   Its envelope carries no `count` (the docs' example has none), in ascending id order (the real
   order is UNCONFIRMED). `GET`, `PUT` (the fields sent are changed) and `DELETE /expenses/{id}`,
   and `POST /expenses`.
"""

from __future__ import annotations

import csv
import io
import random
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox.account import JsonDict
from hostaway_mcp.sandbox.looseids import LooseIds
from hostaway_mcp.sandbox.rand import fmt_datetime
from hostaway_mcp.sandbox.wire import ApiError, Call, Query, Route, SandboxResponse, parse_json_body, success

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_CONCEPT_CHARS = 255
HISTORY_MONTHS = 6  # running costs are generated for this many months before today's
EXTRA_SHARE = 1 / 16
FIRST_EXPENSE_ID = 61_000
WRITABLE_FIELDS = (
    "expenseDate",
    "concept",
    "amount",
    "listingMapId",
    "reservationId",
    "ownerStatementIds",
    "categories",
    "categoriesNames",
    "attachments",
    "ownerUserId",
)

# The order of the documented object ([D:_expense_object]); `type` follows `amount` as listed.
EXPENSE_TEMPLATE: JsonDict = dict.fromkeys((
    "id", "accountId", "ownerStatementId", "listingMapId", "reservationId", "expenseDate", "concept", "amount",
    "type", "isDeleted", "ownerUserId", "insertedOn", "updatedOn", "ownerStatementIds", "categories",
    "categoriesNames", "attachments", "listingName", "guestName", "ownerStatementNames", "ownerStatementExpenseId",
))  # fmt: skip


def kind_of(amount: float) -> str:
    """The documented sign rule: positive is an extra, negative an expense."""
    return "extra" if amount > 0 else "expense"


# -- 1. generation -----------------------------------------------------------------------------------


def generate_categories() -> list[JsonDict]:
    return [{"id": category_id, "name": name} for category_id, name in catalog.EXPENSE_CATEGORIES]


def generate_expenses(
    seed: int,
    account_id: int,
    listings: list[JsonDict],
    reservations: list[JsonDict],
    statement_of: Callable[[int, date], JsonDict | None],
    today: date,
    generated_at: datetime,
) -> list[JsonDict]:
    """Running costs per property per month, and the extras some guests bought (module docstring).

    `statement_of(listing_id, day)` is the owner statement covering that property on that day.
    """
    rng = random.Random(f"{seed}:expenses")
    categories = dict(catalog.EXPENSE_CATEGORIES)
    drafts: list[tuple[date, JsonDict, float, str, int, JsonDict | None]] = []
    first_month = _month_start(today, HISTORY_MONTHS)
    for listing in listings:
        month = first_month
        while month <= today:
            for _ in range(rng.randint(1, 3)):
                concept, category, low, high = rng.choice(catalog.EXPENSE_CONCEPTS)
                day = min(month + timedelta(days=rng.randint(0, 27)), today - timedelta(days=1))
                amount = -round(rng.uniform(low, high), 2)
                drafts.append((day, listing, amount, concept, category, None))
            month = _month_start(month + timedelta(days=32), 0)
    by_listing = {listing["id"]: listing for listing in listings}
    for reservation in reservations:
        departed = date.fromisoformat(reservation["departureDate"]) < today
        if reservation["status"] in ("new", "modified") and departed and rng.random() < EXTRA_SHARE:
            concept, category, price = rng.choice(catalog.EXTRA_CONCEPTS)
            day = date.fromisoformat(reservation["departureDate"])
            drafts.append((day, by_listing[reservation["listingMapId"]], float(price), concept, category, reservation))
    drafts.sort(key=lambda draft: (draft[0], draft[1]["id"], draft[3]))
    expenses = []
    for index, (day, listing, amount, concept, category, booking) in enumerate(drafts):
        statement = statement_of(listing["id"], day)
        stamp = fmt_datetime(min(datetime.combine(day, datetime.min.time()) + timedelta(hours=18), generated_at))
        expense = EXPENSE_TEMPLATE.copy()
        expense.update(
            id=FIRST_EXPENSE_ID + index,
            accountId=account_id,
            ownerStatementId=statement["id"] if statement else None,
            listingMapId=listing["id"],
            reservationId=booking["id"] if booking else None,
            expenseDate=day.isoformat(),
            concept=concept,
            amount=amount,
            type=kind_of(amount),
            isDeleted=0,
            insertedOn=stamp,
            updatedOn=stamp,
            ownerStatementIds=[statement["id"]] if statement else [],
            categories=[category],
            categoriesNames=[categories[category]],
            attachments=[],
            listingName=listing["name"],
            guestName=booking["guestName"] if booking else None,
            ownerStatementNames=[statement["statementName"]] if statement else [],
            ownerStatementExpenseId=FIRST_EXPENSE_ID + index,
        )
        expenses.append(expense)
    return expenses


def _month_start(day: date, months_back: int) -> date:
    year, month = day.year, day.month - months_back
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


# -- 2. the book -------------------------------------------------------------------------------------


class ExpenseBook:
    """The account's expenses and extras with the writes the API allows; callers hold the lock."""

    def __init__(
        self,
        account_id: int,
        expenses: list[JsonDict],
        categories: list[JsonDict],
        listings_by_id: dict[int, JsonDict],
        reservations_by_id: dict[int, JsonDict],
        statement_names: Callable[[], dict[int, str]],
        now: Callable[[], datetime],
    ) -> None:
        self.account_id = account_id
        self.expenses = expenses
        self.categories = categories
        self.by_id = {expense["id"]: expense for expense in expenses}
        self._listings = listings_by_id
        self._reservations = reservations_by_id
        self._statement_names = statement_names
        self._now = now

    def get(self, expense_id: int) -> JsonDict:
        expense = self.by_id.get(expense_id)
        if expense is None:
            raise ApiError(404, "Expense not found.")
        return expense

    def create(self, body: Any) -> JsonDict:
        fields = _body_object(body)
        for name in ("expenseDate", "concept", "amount"):
            if fields.get(name) in (None, ""):
                raise ApiError(400, f'The "{name}" field is required.')
        expense_id = max(self.by_id, default=FIRST_EXPENSE_ID - 1) + 1
        stamp = fmt_datetime(self._now().replace(microsecond=0, tzinfo=None))
        expense = EXPENSE_TEMPLATE.copy()
        expense.update(
            id=expense_id,
            accountId=self.account_id,
            isDeleted=0,
            insertedOn=stamp,
            ownerStatementIds=[],
            categories=[],
            categoriesNames=[],
            attachments=[],
            ownerStatementNames=[],
            ownerStatementExpenseId=expense_id,
        )
        self._apply(expense, fields, stamp)
        self.expenses.append(expense)
        self.by_id[expense_id] = expense
        return expense

    def update(self, expense_id: int, body: Any) -> JsonDict:
        expense = self.get(expense_id)
        fields = _body_object(body)
        if not any(name in fields for name in WRITABLE_FIELDS):
            raise ApiError(400, f"Nothing to update: send at least one of {', '.join(WRITABLE_FIELDS)}.")
        self._apply(expense, fields, fmt_datetime(self._now().replace(microsecond=0, tzinfo=None)))
        return expense

    def delete(self, expense_id: int) -> JsonDict:
        expense = self.get(expense_id)
        expense["isDeleted"] = 1
        expense["updatedOn"] = fmt_datetime(self._now().replace(microsecond=0, tzinfo=None))
        return expense

    def _apply(self, expense: JsonDict, fields: JsonDict, stamp: str) -> None:
        """Validate every field sent first, then change the expense (all or nothing)."""
        changes: JsonDict = {}
        if "expenseDate" in fields:
            changes["expenseDate"] = _day(fields["expenseDate"])
        if "concept" in fields:
            changes["concept"] = _concept(fields["concept"])
        if "amount" in fields:
            amount = _amount(fields["amount"])
            changes.update(amount=amount, type=kind_of(amount))  # the caller's `type` is ignored
        if "listingMapId" in fields:
            listing_id = _optional_id(fields["listingMapId"], "listingMapId")
            if listing_id is not None and listing_id not in self._listings:
                raise ApiError(400, f"Listing {listing_id} does not exist in this account.")
            listing = self._listings.get(listing_id) if listing_id is not None else None
            changes.update(listingMapId=listing_id, listingName=listing["name"] if listing else None)
        if "reservationId" in fields:
            reservation_id = _optional_id(fields["reservationId"], "reservationId")
            if reservation_id is not None and reservation_id not in self._reservations:
                raise ApiError(400, f"Reservation {reservation_id} does not exist in this account.")
            reservation = self._reservations.get(reservation_id) if reservation_id is not None else None
            changes.update(reservationId=reservation_id, guestName=reservation["guestName"] if reservation else None)
        if "ownerStatementIds" in fields:
            names = self._statement_names()
            ids = _id_list(fields["ownerStatementIds"], "ownerStatementIds")
            unknown = [i for i in ids if i not in names]
            if unknown:
                raise ApiError(400, f"Owner statement {unknown[0]} does not exist in this account.")
            changes.update(
                ownerStatementIds=ids,
                ownerStatementId=ids[0] if ids else None,
                ownerStatementNames=[names[i] for i in ids],
            )
        if "attachments" in fields:
            if not isinstance(fields["attachments"], list):
                raise ApiError(400, 'The "attachments" field must be an array.')
            changes["attachments"] = list(fields["attachments"])
        if "ownerUserId" in fields:
            changes["ownerUserId"] = _optional_id(fields["ownerUserId"], "ownerUserId")
        if "categories" in fields or "categoriesNames" in fields:
            changes.update(self._categories(fields))  # last: it may create categories
        expense.update(changes, updatedOn=stamp)

    def _categories(self, fields: JsonDict) -> JsonDict:
        known = {category["id"]: category["name"] for category in self.categories}
        ids = _id_list(fields.get("categories") or [], "categories")
        for category_id in ids:
            if category_id not in known:
                raise ApiError(400, f"Expense category {category_id} does not exist in this account.")
        raw_names = fields.get("categoriesNames") or []
        if not isinstance(raw_names, list) or not all(isinstance(n, str) and n.strip() for n in raw_names):
            raise ApiError(400, 'The "categoriesNames" field must be an array of names.')
        by_name = {name.casefold(): category_id for category_id, name in known.items()}
        for name in raw_names:
            found = by_name.get(name.strip().casefold())
            if found is None:  # a new category, created on the fly (changelog 2025-06-24)
                found = max(known, default=0) + 1
                self.categories.append({"id": found, "name": name.strip()})
                known[found] = name.strip()
                by_name[name.strip().casefold()] = found
            ids.append(found)
        ids = list(dict.fromkeys(ids))
        return {"categories": ids, "categoriesNames": [known[i] for i in ids]}


def _body_object(body: Any) -> JsonDict:
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


def _day(value: Any) -> str:
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ApiError(400, 'The "expenseDate" field must be a date in Y-m-d format.')


def _concept(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, 'The "concept" field is required.')
    if len(value) > MAX_CONCEPT_CHARS:
        raise ApiError(400, f'The "concept" field may hold at most {MAX_CONCEPT_CHARS} characters.')
    return value


def _amount(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, 'The "amount" field must be a number.')
    if value == 0:
        raise ApiError(400, 'The "amount" field must not be zero: positive for an extra, negative for an expense.')
    return round(float(value), 2)


def _optional_id(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ApiError(400, f'The "{name}" field must be a positive integer or null.')
    return value


def _id_list(value: Any, name: str) -> list[int]:
    if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) or v <= 0 for v in value):
        raise ApiError(400, f'The "{name}" field must be an array of positive integers.')
    return list(dict.fromkeys(value))


# -- 3. routes ---------------------------------------------------------------------------------------

CSV_COLUMNS = ("id", "expenseDate", "concept", "amount", "type", "listingMapId", "reservationId", "isDeleted")


class ExpensesApi:
    """`/expenses` routes over an ExpenseBook."""

    def __init__(self, book: ExpenseBook, loose: LooseIds) -> None:
        self._book = book
        self._loose = loose

    def routes(self) -> list[Route]:
        return [
            ("GET", re.compile(r"/expenses"), self._list),
            ("POST", re.compile(r"/expenses"), self._create),
            ("GET", re.compile(r"/expenses/(\d+)"), self._get),
            ("PUT", re.compile(r"/expenses/(\d+)"), self._update),
            ("DELETE", re.compile(r"/expenses/(\d+)"), self._delete),
        ]

    def _served(self, expense: JsonDict) -> JsonDict:
        return self._loose.references(expense)

    def _list(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        query: Query = call.query
        limit = min(query.integer("limit", minimum=1) or DEFAULT_LIMIT, MAX_LIMIT)
        offset = query.integer("offset", minimum=0) or 0
        output = query.text("format") or "json"
        if output not in ("json", "csv"):
            raise ApiError(400, 'The "format" parameter must be json or csv.')
        page = self._book.expenses[offset : offset + limit]
        if output == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            writer.writerows([expense[name] for name in CSV_COLUMNS] for expense in page)
            return SandboxResponse(200, buffer.getvalue().encode(), (("Content-Type", "text/csv; charset=utf-8"),))
        return success([self._served(expense) for expense in page])

    def _get(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        return success(self._served(self._book.get(int(match.group(1)))))

    def _create(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        return success(self._served(self._book.create(parse_json_body(call.body))))

    def _update(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        return success(self._served(self._book.update(int(match.group(1)), parse_json_body(call.body))))

    def _delete(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        return success(self._served(self._book.delete(int(match.group(1)))))
