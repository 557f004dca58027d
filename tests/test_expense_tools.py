"""list_expenses and get_owner_statement through an MCP client, against the sandbox.

Expected rows and totals are computed here from `sandbox.account` (raw expenses, reservations and
statements), never with the tools' helpers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from mcp import Client

from hostaway_mcp.tools import expenses as expense_tools
from hostaway_mcp.tools.owner_statements import statement_rows
from tests.conftest import TODAY, call_error, call_ok


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory(listings=6)


def currencies(sandbox: Any) -> dict[int, str]:
    return {listing["id"]: listing["currencyCode"] for listing in sandbox.account.listings}


async def all_pages(client: Client, tool: str, arguments: dict[str, Any]) -> tuple[list[dict[str, Any]], Any]:
    items: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = await call_ok(client, tool, {**arguments, "limit": 100, "offset": offset})
        items.extend(page["items"])
        offset = page["next_offset"]
    return items, page


async def test_expenses_are_filtered_here_and_totalled_per_currency(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    listing = sandbox.account.listings[1]["id"]
    start, end = TODAY - timedelta(days=90), TODAY - timedelta(days=10)
    sandbox.account.expenses[0]["isDeleted"] = 1  # deleted ones are not shown
    async with Client(server_factory(sandbox)) as client:
        mine, page = await all_pages(
            client,
            "list_expenses",
            {"property_id": listing, "start_date": start.isoformat(), "end_date": end.isoformat()},
        )
        everything, whole = await all_pages(client, "list_expenses", {})
    expected = [
        e
        for e in sandbox.account.expenses
        if e["listingMapId"] == listing
        and start.isoformat() <= e["expenseDate"] <= end.isoformat()
        and not e["isDeleted"]
    ]
    assert {i["expense_id"] for i in mine} == {e["id"] for e in expected} and expected
    assert page["complete"] and page["read"] == len(sandbox.account.expenses) and page["total"] == len(expected)
    for item in mine:
        raw = next(e for e in expected if e["id"] == item["expense_id"])
        assert item["amount"] == abs(raw["amount"]) and item["kind"] == ("extra" if raw["amount"] > 0 else "expense")
        assert item["currency"] == currencies(sandbox)[listing]
    dates = [i["date"] for i in everything]
    assert dates == sorted(dates, reverse=True)
    assert sandbox.account.expenses[0]["id"] not in {i["expense_id"] for i in everything}
    by_currency: dict[str, list[float]] = {}
    for e in sandbox.account.expenses[1:]:
        row = by_currency.setdefault(currencies(sandbox)[e["listingMapId"]], [0.0, 0.0])
        row[0 if e["amount"] < 0 else 1] += abs(e["amount"])
    totals = {t["currency"]: (t["expenses"], t["extras"], t["net"]) for t in whole["totals"]}
    assert totals == {
        c: (pytest.approx(s), pytest.approx(x), pytest.approx(x - s)) for c, (s, x) in by_currency.items()
    }
    assert len(totals) > 1, "the demo account spends in more than one currency"
    listed = [r for r in sandbox.request_log if r.path == "/expenses"]
    assert all(set(r.params) == {"limit", "offset"} for r in listed), "the list has no filters to send"


async def test_a_booking_s_extras(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    extra = next(e for e in sandbox.account.expenses if e["reservationId"])
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "list_expenses", {"booking_id": extra["reservationId"]})
    assert [i["expense_id"] for i in result["items"]] == [
        e["id"] for e in sandbox.account.expenses if e["reservationId"] == extra["reservationId"]
    ]
    assert result["items"][0]["guest_name"] == extra["guestName"] and result["items"][0]["kind"] == "extra"


async def test_it_says_when_the_account_has_more_than_was_read(
    sandbox: Any, server_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(expense_tools, "MAX_EXPENSE_PAGES", 1)
    template = sandbox.account.expenses[0]
    sandbox.account.expenses.extend({**template, "id": 90_000 + i} for i in range(500))
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "list_expenses", {})
    assert result["complete"] is False and result["read"] == 500 and result["total"] is None
    assert "more than the 500" in result["note"]
    assert len([r for r in sandbox.request_log if r.path == "/expenses"]) == 1


async def test_the_statement_list_and_one_statement(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    meta = sandbox.account.owner_statements[-1]
    async with Client(server_factory(sandbox)) as client:
        listed = await call_ok(client, "get_owner_statement", {})
        one = (await call_ok(client, "get_owner_statement", {"statement_id": meta["id"]}))["statement"]
        missing = await call_error(client, "get_owner_statement", {"statement_id": 1})
    assert [(s["statement_id"], s["name"]) for s in listed["statements"]] == [
        (s["id"], s["statementName"]) for s in sandbox.account.owner_statements
    ]
    assert listed["total"] == len(sandbox.account.owner_statements) and "statement" not in listed
    assert one["name"] == meta["statementName"] and (one["period_start"], one["period_end"]) == (
        meta["fromDate"],
        meta["toDate"],
    )
    rows = [
        r
        for r in sandbox.account.reservations
        if r["listingMapId"] in meta["listingMapIds"]
        and r["status"] in ("new", "modified")
        and meta["fromDate"] <= r["departureDate"] <= meta["toDate"]
    ]
    lines = [dict(zip(one["line_columns"], row, strict=True)) for row in one["lines"]]
    assert {line["booking_id"] for line in lines} == {r["id"] for r in rows} and one["lines_total"] == len(rows)
    for line in lines:
        raw = next(r for r in rows if r["id"] == line["booking_id"])
        assert (line["arrival"], line["currency"], line["total_price"]) == (
            raw["arrivalDate"],
            raw["currency"],
            raw["totalPrice"],
        )
        assert one["properties"][str(line["property_id"])] == raw["listingName"]
    linked = [e for e in sandbox.account.expenses if meta["id"] in e["ownerStatementIds"]]
    expenses = [dict(zip(one["expense_columns"], row, strict=True)) for row in one["expenses"]]
    assert {e["expense_id"] for e in expenses} == {e["id"] for e in linked}
    assert all(e["amount"] > 0 and e["kind"] in ("expense", "extra") for e in expenses)
    for total in one["totals"]:
        mine = [r for r in rows if r["currency"] == total["currency"]]
        assert total["bookings"] == len(mine) and total["total_price"] == pytest.approx(
            sum(r["totalPrice"] for r in mine)
        )
        spent = [
            -e["amount"]
            for e in linked
            if e["amount"] < 0 and currencies(sandbox)[e["listingMapId"]] == total["currency"]
        ]
        assert total["expenses"] == pytest.approx(sum(spent))
    if len(one["totals"]) > 1:
        assert one.get("currency") is None and any("never added" in note for note in one["notes"])
    assert "not found" in missing and "without an id" in missing


def test_statement_rows_read_columns_by_name_whether_objects_or_json_text() -> None:
    finance = {"columns": [{"name": "ownerPayout"}, {"name": "id"}], "rows": [[10.5, 7], [3, 8]]}
    expected = [{"ownerPayout": 10.5, "id": 7}, {"ownerPayout": 3, "id": 8}]
    assert statement_rows(finance) == expected
    assert statement_rows(json.dumps(finance)) == expected
    assert statement_rows("not json") == [] and statement_rows(None) == []
