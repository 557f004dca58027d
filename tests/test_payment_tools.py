"""get_booking_payments and list_unpaid_balances through an MCP client, against the sandbox.

Expected figures are computed here from the sandbox's raw charges and reservations
(`sandbox.account`), with arithmetic of the test's own, never with the tools' helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from mcp import Client

from hostaway_mcp.sandbox import catalog
from tests.conftest import TODAY, assert_no_planted_secrets, call_error, call_ok

OWING = {"new", "modified", "confirmed", "awaitingPayment"}


def charges_by_booking(sandbox: Any) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    for charge in sandbox.account.charges:
        found.setdefault(charge["reservationId"], []).append(charge)
    return found


def paid_and_refunded(charges: list[dict[str, Any]]) -> tuple[float, float]:
    paid = sum(c["amount"] for c in charges if c["type"] == "charge" and c["status"] == "paid")
    refunded = sum(-c["amount"] for c in charges if c["type"] == "refund" and c["status"] == "succeeded")
    return round(paid, 2), round(refunded, 2)


def expected_owing(sandbox: Any, start: date, end: date) -> dict[int, float]:
    """Every booking arriving in [start, end] that owes money, by the charges (or Hostaway's own balance)."""
    charges = charges_by_booking(sandbox)
    owing = {}
    for r in sandbox.account.reservations:
        if r["status"] not in OWING or not start.isoformat() <= r["arrivalDate"] <= end.isoformat():
            continue
        if r["id"] in charges:
            paid, refunded = paid_and_refunded(charges[r["id"]])
            remaining = round(r["totalPrice"] - paid + refunded, 2)
        else:
            remaining = r["remainingBalance"] or 0.0
        if remaining > 0.005:
            owing[r["id"]] = remaining
    return owing


def charge_requests(sandbox: Any) -> list[Any]:
    return [r for r in sandbox.request_log if r.path == "/guestPayments/charges"]


# -- list_unpaid_balances -------------------------------------------------------------------------------


async def test_balances_equal_the_charges_over_several_windows_and_id_chunks(
    sandbox_factory: Callable[..., Any], server_factory: Callable[..., Any]
) -> None:
    """The done-when line: a period needing more than one 60-day window and more than 200 ids.

    32 properties: enough bookings that the first 60 days alone hold more than 200. None of them
    has a remainingBalance (an account where Hostaway does not serve it), so every balance comes
    from the charges and every booking's charges are asked for.
    """
    sandbox = sandbox_factory(listings=32)
    for reservation in sandbox.account.reservations:
        reservation["remainingBalance"] = None
    start, end = TODAY, TODAY + timedelta(days=119)
    arriving = [
        r
        for r in sandbox.account.reservations
        if r["status"] in OWING and start.isoformat() <= r["arrivalDate"] <= end.isoformat()
    ]
    first_window = [r for r in arriving if r["arrivalDate"] <= (start + timedelta(days=59)).isoformat()]
    assert len(first_window) > 200, "the period must need more than 200 ids in one window"
    expected = expected_owing(sandbox, start, end)
    assert len(expected) > 20
    items: list[dict[str, Any]] = []
    async with Client(server_factory(sandbox)) as client:
        offset: int | None = 0
        while offset is not None:
            page = await call_ok(
                client,
                "list_unpaid_balances",
                {"start_date": start.isoformat(), "end_date": end.isoformat(), "limit": 100, "offset": offset},
            )
            items.extend(page["items"])
            offset = page["next_offset"]
    assert {item["booking_id"]: item["remaining"] for item in items} == pytest.approx(expected)
    assert page["total"] == len(expected) and page["bookings_checked"] == len(arriving)
    charges = charges_by_booking(sandbox)
    for item in items:
        own = charges.get(item["booking_id"], [])
        paid, refunded = paid_and_refunded(own)
        assert item["paid"] == pytest.approx(paid - refunded)
        due = {c["id"] for c in own if c["type"] == "charge" and c["status"] in ("awaiting", "failed")}
        assert {c["charge_id"] for c in item["due_charges"]} == due
    # Largest first within each currency, and one total per currency.
    for currency in {item["currency"] for item in items}:
        amounts = [item["remaining"] for item in items if item["currency"] == currency]
        assert amounts == sorted(amounts, reverse=True)
        total = next(t for t in page["totals"] if t["currency"] == currency)
        assert total["remaining"] == pytest.approx(sum(amounts)) and total["bookings"] == len(amounts)
    # Split silently: ≤ 200 ids and ≤ 60 days per request, two windows, the first in two chunks.
    requests = [r for r in charge_requests(sandbox) if r.params.get("offset") == "0"]
    windows = {(r.params["arrivalDateFrom"], r.params["arrivalDateTo"]) for r in requests}
    assert len(windows) == 2 and len(requests) >= 3
    for r in requests:
        ids = str(r.params["reservationIds"]).split(",")
        assert 0 < len(ids) <= 200
        low, high = (
            date.fromisoformat(str(r.params["arrivalDateFrom"])),
            date.fromisoformat(str(r.params["arrivalDateTo"])),
        )
        assert (high - low).days < 60
    asked = {int(i) for r in requests for i in str(r.params["reservationIds"]).split(",")}
    assert asked == {r["id"] for r in arriving}


async def test_bookings_hostaway_reports_paid_are_counted_but_not_asked_about(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    """Only bookings with an open or unknown balance cost charge requests; the paid still count as checked."""
    start, end = TODAY - timedelta(days=30), TODAY + timedelta(days=89)
    arriving = [
        r
        for r in sandbox.account.reservations
        if r["status"] in OWING and start.isoformat() <= r["arrivalDate"] <= end.isoformat()
    ]
    open_or_unknown = {r["id"] for r in arriving if r["remainingBalance"] is None or r["remainingBalance"] > 0.005}
    assert 0 < len(open_or_unknown) < len(arriving), "the demo account must hold paid and open bookings"
    async with Client(server_factory(sandbox)) as client:
        page = await call_ok(client, "list_unpaid_balances", {"limit": 100})
    asked = {int(i) for r in charge_requests(sandbox) for i in str(r.params["reservationIds"]).split(",")}
    assert asked == open_or_unknown
    assert page["bookings_checked"] == len(arriving)
    assert page["total"] == len(expected_owing(sandbox, start, end))


async def test_a_property_filter_and_the_default_period(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox)) as client:
        everything = await call_ok(client, "list_unpaid_balances", {"limit": 100})
        listing = everything["items"][0]["property_id"]
        one = await call_ok(client, "list_unpaid_balances", {"property_ids": [listing], "limit": 100})
    assert everything["start_date"] == (TODAY - timedelta(days=30)).isoformat()
    assert everything["end_date"] == (TODAY + timedelta(days=89)).isoformat()
    assert one["items"] and {item["property_id"] for item in one["items"]} == {listing}
    assert {i["booking_id"] for i in one["items"]} == {
        i["booking_id"] for i in everything["items"] if i["property_id"] == listing
    }
    listed = [r for r in sandbox.request_log if r.path == "/reservations" and r.params.get("listingId") == str(listing)]
    assert listed, "one property is read with Hostaway's listingId filter"


async def test_a_period_the_wrong_way_round_is_refused_before_any_request(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "list_unpaid_balances", {"start_date": "2026-12-10", "end_date": "2026-12-01"})
    assert "is before" in error
    assert [r for r in sandbox.request_log if "accessTokens" not in r.path] == []


# -- get_booking_payments -------------------------------------------------------------------------------


def booking_with(sandbox: Any, predicate: Callable[[list[dict[str, Any]]], bool]) -> int:
    for reservation_id, charges in sorted(charges_by_booking(sandbox).items()):
        if predicate(charges):
            return reservation_id
    raise AssertionError("no such booking in the demo account")


async def test_a_booking_s_charges_and_totals(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    booking_id = booking_with(sandbox, lambda cs: any(c["type"] == "refund" for c in cs))
    raw = [c for c in sandbox.account.charges if c["reservationId"] == booking_id]
    reservation = next(r for r in sandbox.account.reservations if r["id"] == booking_id)
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "get_booking_payments", {"booking_id": booking_id})
    paid, refunded = paid_and_refunded(raw)
    assert (result["paid"], result["refunded"]) == (pytest.approx(paid), pytest.approx(refunded))
    assert result["currency"] == reservation["currency"] and result["total_price"] == reservation["totalPrice"]
    assert result.get("remaining_balance") == reservation["remainingBalance"]
    assert {c["charge_id"] for c in result["charges"]} == {c["id"] for c in raw}
    refund = next(c for c in result["charges"] if c["kind"] == "refund")
    source = next(c for c in raw if c["type"] == "refund")
    assert refund["amount"] == source["amount"] < 0 and refund["refund_of"] == source["refundInfo"]["refundedChargeId"]
    refunded_line = next(c for c in result["charges"] if c["charge_id"] == refund["refund_of"])
    assert refunded_line["refunded"] == pytest.approx(-source["amount"])


async def test_failed_charges_are_owed_and_holds_are_not_payments(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    failed_id = booking_with(sandbox, lambda cs: any(c["status"] == "failed" for c in cs))
    hold_id = booking_with(sandbox, lambda cs: any(c["type"] == "preAuth" for c in cs))
    async with Client(server_factory(sandbox)) as client:
        failed = await call_ok(client, "get_booking_payments", {"booking_id": failed_id})
        held = await call_ok(client, "get_booking_payments", {"booking_id": hold_id})
    line = next(c for c in failed["charges"] if c["status"] == "failed: still owed")
    assert line["note"] == catalog.CARD_DECLINED and failed["due"] >= line["amount"]
    assert any("still owed" in note for note in failed["notes"])
    hold = next(c for c in held["charges"] if c["kind"] == "deposit hold")
    paid, _ = paid_and_refunded([c for c in sandbox.account.charges if c["reservationId"] == hold_id])
    assert held["paid"] == pytest.approx(paid) and "refundable" not in hold


async def test_online_payments_say_where_they_are_refunded(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    online = next(c for c in sandbox.account.charges if c["paymentMethod"] == "payment_link" and c["status"] == "paid")
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "get_booking_payments", {"booking_id": online["reservationId"]})
    line = next(c for c in result["charges"] if c["charge_id"] == online["id"])
    assert line["method"] == "payment link" and "refundable" not in line and "dashboard" in line["note"]


async def test_card_details_typed_into_charges_never_reach_the_result(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    typed = [c for c in sandbox.account.charges if c["description"] and "CVC" in c["description"]]
    assert len(typed) == len(catalog.CHARGE_CARD_STYLES)
    async with Client(server_factory(sandbox)) as client:
        for charge in typed:
            result = await call_ok(client, "get_booking_payments", {"booking_id": charge["reservationId"]})
            assert_no_planted_secrets(result)
            line = next(c for c in result["charges"] if c["charge_id"] == charge["id"])
            assert "[card number withheld]" in line["description"]
            assert "123" not in line["description"] and "03/28" not in line["description"]


async def test_a_platform_booking_has_no_charges_and_says_so(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    booking = next(
        r for r in sandbox.account.reservations if r["channelId"] in catalog.OTA_CHANNELS and r["status"] == "new"
    )
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "get_booking_payments", {"booking_id": booking["id"]})
        missing = await call_error(client, "get_booking_payments", {"booking_id": 999_999_999})
    assert result["charges"] == [] and result["paid"] == 0 and any("platform" in n for n in result["notes"])
    assert "not found" in missing and "search_bookings" in missing


async def test_the_balances_report_their_progress_in_words(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    period = {"start_date": TODAY.isoformat(), "end_date": (TODAY + timedelta(days=179)).isoformat()}
    async with Client(server_factory(sandbox)) as client:
        result = await client.call_tool("list_unpaid_balances", period, progress_callback=on_progress)
    assert not result.is_error
    reads = [r for r in sandbox.request_log if r.path in ("/reservations", "/guestPayments/charges")]
    values = [value for value, _, _ in seen]
    assert values == sorted(values) and len(set(values)) == len(values) and values[-1] == len(reads)
    said = {(message or "").split(":")[0] for _, _, message in seen}
    assert {"reservations", "guest charges"} <= said
