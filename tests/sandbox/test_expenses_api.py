"""/expenses (the sign rule, no filters, no count) and the read-only owner statements."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from hostaway_mcp.sandbox import Sandbox
from tests.sandbox.helpers import TODAY, get_json

NEW = {"expenseDate": "2026-11-20", "concept": "Plumber: leaking shower", "listingMapId": None}


def listing_id(sandbox: Sandbox) -> int:
    return int(sandbox.account.listings[0]["id"])


def test_the_demo_account_has_expenses_and_extras_by_sign(shared_sb: Sandbox) -> None:
    expenses = shared_sb.account.expenses
    assert {e["type"] for e in expenses} == {"expense", "extra"}
    assert all((e["amount"] > 0) == (e["type"] == "extra") for e in expenses)
    extras = [e for e in expenses if e["type"] == "extra"]
    assert extras and all(e["reservationId"] and e["guestName"] for e in extras)
    linked = [e for e in expenses if e["ownerStatementIds"]]
    statements = {s["id"]: s for s in shared_sb.account.owner_statements}
    assert linked and all(
        statements[e["ownerStatementId"]]["fromDate"] <= e["expenseDate"] <= statements[e["ownerStatementId"]]["toDate"]
        for e in linked
    )


async def test_the_list_takes_only_limit_and_offset_and_carries_no_count(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient
) -> None:
    first = await get_json(shared_api, "/expenses")
    assert set(first) == {"status", "result"}  # no count, as in the docs' example
    assert [e["id"] for e in first["result"]] == [e["id"] for e in shared_sb.account.expenses[:100]]
    second = await get_json(shared_api, "/expenses", limit=50, offset=100)
    assert [e["id"] for e in second["result"]] == [e["id"] for e in shared_sb.account.expenses[100:150]]
    capped = await get_json(shared_api, "/expenses", limit=10_000)
    assert len(capped["result"]) == min(500, len(shared_sb.account.expenses))
    ignored = await get_json(shared_api, "/expenses", listingMapId=listing_id(shared_sb), limit=500)
    assert len(ignored["result"]) == len(capped["result"])  # no listing filter exists
    text = (await shared_api.get("/expenses", params={"format": "csv", "limit": 3})).text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["id", "expenseDate", "concept", "amount"] and len(rows) == 4


@pytest.mark.parametrize(("amount", "kind"), [(-120, "expense"), (120, "extra")])
async def test_the_sign_decides_expense_or_extra_and_type_is_ignored(
    sb: Sandbox, api: httpx.AsyncClient, amount: float, kind: str
) -> None:
    other = "extra" if kind == "expense" else "expense"
    body = {**NEW, "listingMapId": listing_id(sb), "amount": amount, "type": other}
    response = await api.post("/expenses", json=body)
    assert response.status_code == 200
    created = response.json()["result"]
    assert created["amount"] == amount and created["type"] == kind
    assert created["listingName"] == sb.account.listings[0]["name"]
    assert sb.account.expenses[-1] == created
    assert (await get_json(api, f"/expenses/{created['id']}"))["result"] == created


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"amount": None}, '"amount"'),
        ({"amount": 0}, "zero"),
        ({"amount": "12"}, '"amount"'),
        ({"concept": ""}, '"concept"'),
        ({"concept": "x" * 256}, "255"),
        ({"expenseDate": "21/11/2026"}, '"expenseDate"'),
        ({"listingMapId": 1}, "Listing 1"),
        ({"categories": [999]}, "category 999"),
        ({"ownerStatementIds": [5]}, "statement 5"),
    ],
)
async def test_expense_validation(sb: Sandbox, api: httpx.AsyncClient, change: dict[str, Any], needle: str) -> None:
    before = len(sb.account.expenses)
    response = await api.post("/expenses", json={**NEW, "amount": -10, **change})
    assert response.status_code == 400 and needle in response.json()["result"]
    assert len(sb.account.expenses) == before


async def test_category_names_create_the_categories_they_name(sb: Sandbox, api: httpx.AsyncClient) -> None:
    body = {**NEW, "amount": -30, "categoriesNames": ["Cleaning", "Pest control"]}
    created = (await api.post("/expenses", json=body)).json()["result"]
    assert created["categoriesNames"] == ["Cleaning", "Pest control"]
    assert {"id": created["categories"][1], "name": "Pest control"} in sb.account.expense_categories
    again = (await api.post("/expenses", json=body)).json()["result"]
    assert again["categories"] == created["categories"]  # found, not created twice


async def test_update_and_delete(sb: Sandbox, api: httpx.AsyncClient) -> None:
    created = (await api.post("/expenses", json={**NEW, "amount": -45})).json()["result"]
    changed = await api.put(f"/expenses/{created['id']}", json={"amount": 45})
    assert changed.json()["result"]["type"] == "extra"
    assert (await api.put(f"/expenses/{created['id']}", json={})).status_code == 400
    deleted = (await api.delete(f"/expenses/{created['id']}")).json()["result"]
    assert deleted["isDeleted"] == 1
    assert (await api.get("/expenses/1")).status_code == 404


# -- owner statements ---------------------------------------------------------------------------------


async def test_the_statement_list_is_ids_and_names(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    listed = await get_json(shared_api, "/ownerStatements")
    assert listed["result"] == [
        {"id": s["id"], "statementName": s["statementName"]} for s in shared_sb.account.owner_statements
    ]
    assert len(listed["result"]) >= 12 and ", " in listed["result"][0]["statementName"]
    assert (await shared_api.get("/ownerStatements/7100")).status_code == 404  # singular for one
    assert (await shared_api.get("/ownerStatement/1")).status_code == 404


async def test_a_statement_holds_its_owner_bookings_and_expenses(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient
) -> None:
    meta = shared_sb.account.owner_statements[-1]
    statement = (await get_json(shared_api, f"/ownerStatement/{meta['id']}"))["result"]
    names = [column["name"] for column in statement["financeDataJson"]["columns"]]
    rows = [dict(zip(names, row, strict=True)) for row in statement["financeDataJson"]["rows"]]
    expected = {
        r["id"]
        for r in shared_sb.account.reservations
        if r["listingMapId"] in meta["listingMapIds"]
        and r["status"] in ("new", "modified")
        and meta["fromDate"] <= r["departureDate"] <= meta["toDate"]
    }
    assert {row["id"] for row in rows} == expected and expected
    linked = {e["id"] for e in shared_sb.account.expenses if meta["id"] in e["ownerStatementIds"]}
    assert {e["id"] for e in statement["expenses"]} == linked and linked
    currencies = {row["currency"] for row in rows}
    summary = {line["formulaName"]: line["totalValue"] for line in statement["summaryDataJson"]}
    assert summary["Reservations"] == len(rows)
    if len(currencies) == 1:
        assert statement["grandTotalJson"]["ownerPayout"] == pytest.approx(sum(row["ownerPayout"] for row in rows))
    else:  # money is never added across currencies
        assert statement["grandTotalJson"]["ownerPayout"] is None and summary["Net owner payout"] is None
    assert statement["grandTotalJson"]["nights"] == sum(row["nights"] for row in rows)


def test_some_statement_mixes_currencies_and_some_does_not(shared_sb: Sandbox) -> None:
    listings = {x["id"]: x["currencyCode"] for x in shared_sb.account.listings}
    kinds = {len({listings[i] for i in s["listingMapIds"]}) > 1 for s in shared_sb.account.owner_statements}
    assert kinds == {True, False}
    assert all(s["toDate"] < TODAY.isoformat() for s in shared_sb.account.owner_statements)
