"""Finance fields, the consolidated report and amenities."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from hostaway_mcp.sandbox import Sandbox
from tests.sandbox.helpers import get_json


async def test_finance_fields_add_up_to_the_reservation(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    checked = 0
    for reservation in shared_sb.account.reservations[::37]:
        body = await get_json(shared_api, f"/financeField/{reservation['id']}")
        fields = body["result"]
        assert body["count"] == str(len(fields))  # served as a string, as the docs show on finance endpoints
        if reservation["status"] == "ownerStay":
            assert fields == []
            continue
        included = round(sum(f["total"] for f in fields if f["isIncludedInTotalPrice"]), 2)
        assert included == pytest.approx(reservation["totalPrice"], abs=0.011)
        totals = [f for f in fields if f["type"] == "totals"]
        assert [f["total"] for f in totals] == [reservation["totalPrice"]]
        commission = sum(f["total"] for f in fields if f["type"] == "commissions")
        assert commission == pytest.approx(reservation["channelCommissionAmount"] or 0.0)
        taxes = sum(f["total"] for f in fields if f["type"] == "tax")
        assert taxes == pytest.approx(reservation["taxAmount"], abs=0.011)
        cleaning = [f["total"] for f in fields if f["name"] == "cleaningFee"]
        assert cleaning == [reservation["cleaningFee"]]
        checked += 1
    assert checked > 20
    assert (await shared_api.get("/financeField/1")).status_code == 404


def report_form(**extra: str | list[str]) -> dict[str, str | list[str]]:
    return {"fromDate": "2026-07-01", "toDate": "2026-09-30", "dateType": "arrivalDate", "format": "json", **extra}


async def test_consolidated_report_rows_match_the_filters(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    eur_ids = [x["id"] for x in shared_sb.account.listings if x["currencyCode"] == "EUR"][:3]
    form = report_form(**{"listingMapIds[]": [str(i) for i in eur_ids], "statuses[]": ["new", "modified"]})
    response = await shared_api.post("/finance/report/consolidated", data=form)
    assert response.status_code == 200
    result = response.json()["result"]
    assert set(result) == {"columns", "rows", "totals", "currency"}
    names = [c["name"] for c in result["columns"]]
    documented = {"id", "channelName", "status", "listingName", "totalGuestFees", "totalTax", "pmCommission"}
    assert documented | {"ownerPayout", "baseRate"} <= set(names)
    expected = sorted(
        (
            r
            for r in shared_sb.account.reservations
            if r["listingMapId"] in eur_ids
            and r["status"] in ("new", "modified")
            and "2026-07-01" <= r["arrivalDate"] <= "2026-09-30"
        ),
        key=lambda r: (r["arrivalDate"], r["id"]),
    )
    rows = [dict(zip(names, row, strict=True)) for row in result["rows"]]
    assert [row["id"] for row in rows] == [r["id"] for r in expected] and rows
    for row, reservation in zip(rows, expected, strict=True):
        assert row["totalPrice"] == reservation["totalPrice"] and row["totalTax"] == reservation["taxAmount"]
    assert result["currency"] == "EUR"
    totals = dict(zip(names, result["totals"], strict=True))
    assert totals["id"] == "Totals"
    assert totals["totalPrice"] == pytest.approx(sum(r["totalPrice"] for r in expected), abs=0.01)
    assert totals["nights"] == sum(r["nights"] for r in expected)


async def test_report_never_adds_up_different_currencies(shared_api: httpx.AsyncClient) -> None:
    response = await shared_api.post("/finance/report/consolidated", data=report_form())
    result = response.json()["result"]
    names = [c["name"] for c in result["columns"]]
    currencies = {row[names.index("currency")] for row in result["rows"]}
    assert currencies == {"EUR", "USD", "NZD"}
    totals = dict(zip(names, result["totals"], strict=True))
    assert result["currency"] is None and totals["totalPrice"] is None and totals["nights"] > 0


async def test_report_accepts_multipart_and_defaults_to_csv(shared_api: httpx.AsyncClient) -> None:
    form = {"fromDate": "2026-08-01", "toDate": "2026-08-10", "channelIds[]": "2018", "delimiter": "tab"}
    response = await shared_api.post("/finance/report/consolidated", data=form, files={"unused": ("x.txt", b"")})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text), delimiter="\t"))
    assert rows[0][0] == "Reservation ID" and rows[-1][0] == "Totals"
    assert {row[5] for row in rows[1:-1]} == {"airbnbOfficial"}


@pytest.mark.parametrize(
    "form", [{"toDate": "2026-08-10"}, {"fromDate": "2026-08-01", "toDate": "2026-08-10", "dateType": "stayDate"}]
)
async def test_report_rejects_bad_filters(shared_api: httpx.AsyncClient, form: dict[str, str]) -> None:
    response = await shared_api.post("/finance/report/consolidated", data=form)
    assert response.status_code == 400 and response.json()["status"] == "fail"


async def test_report_filters_must_be_form_data(shared_api: httpx.AsyncClient) -> None:
    response = await shared_api.post("/finance/report/consolidated", json=report_form())
    assert response.status_code == 400


async def test_amenities_reference_list(shared_api: httpx.AsyncClient) -> None:
    body = await get_json(shared_api, "/amenities")
    assert body["count"] == str(len(body["result"]))
    assert {"id": 2, "name": "Internet"} in body["result"]
    assert len({a["id"] for a in body["result"]}) == len(body["result"])
