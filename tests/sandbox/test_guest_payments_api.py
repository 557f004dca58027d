"""/guestPayments/charges: charges that agree with each balance, the documented limits, the writes.

Expected balances are computed here from the raw charges, with arithmetic of their own (not the
sandbox's `balance_of`), so a wrong rule in the sandbox cannot agree with itself.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from hostaway_mcp.sandbox import Sandbox, catalog
from tests.conftest import card_numbers_in
from tests.sandbox.helpers import TODAY, get_json

Charge = dict[str, Any]


def charges_of(sandbox: Sandbox, reservation_id: int) -> list[Charge]:
    return [c for c in sandbox.account.charges if c["reservationId"] == reservation_id]


def expected_balance(total: float, charges: list[Charge]) -> float:
    paid = [c["amount"] for c in charges if c["type"] == "charge" and c["status"] == "paid"]
    refunds = [-c["amount"] for c in charges if c["type"] == "refund" and c["status"] == "succeeded"]
    return round(float(total - sum(paid) + sum(refunds)), 2)


def booking(sandbox: Sandbox, payment: str) -> dict[str, Any]:
    return next(
        r
        for r in sorted(sandbox.account.reservations, key=lambda r: r["id"])
        if r["paymentStatus"] == payment and r["status"] in ("new", "modified") and r["arrivalDate"] > TODAY.isoformat()
    )


def charge_where(sandbox: Sandbox, **fields: Any) -> Charge:
    return next(c for c in sandbox.account.charges if all(c[k] == v for k, v in fields.items()))


async def balance(client: httpx.AsyncClient, reservation_id: int) -> tuple[float, str]:
    served = (await get_json(client, f"/reservations/{reservation_id}", includePayments=1))["result"]
    return served["remainingBalance"], served["paymentStatus"]


# -- the generated charges --------------------------------------------------------------------------


def test_every_booking_balance_is_its_total_less_what_its_charges_paid(shared_sb: Sandbox) -> None:
    with_charges = {c["reservationId"] for c in shared_sb.account.charges}
    checked = 0
    for reservation in shared_sb.account.reservations:
        if reservation["channelId"] in catalog.OTA_CHANNELS:
            assert reservation["id"] not in with_charges, "OTAs collect their own guests' money"
            continue
        if reservation["id"] not in with_charges or reservation["remainingBalance"] is None:
            continue
        charges = charges_of(shared_sb, reservation["id"])
        assert expected_balance(reservation["totalPrice"], charges) == pytest.approx(reservation["remainingBalance"])
        checked += 1
    assert checked > 100


def test_the_demo_account_shows_every_kind_of_charge(shared_sb: Sandbox) -> None:
    kinds = {(c["type"], c["status"]) for c in shared_sb.account.charges}
    assert {("charge", "paid"), ("charge", "awaiting"), ("charge", "failed"), ("refund", "succeeded")} <= kinds
    assert any(t == "preAuth" for t, _ in kinds)
    methods = {c["paymentMethod"] for c in shared_sb.account.charges}
    assert {"credit_card_online", "payment_link", "cash", "bank_transfer", "credit_card"} <= methods
    failed = [c for c in shared_sb.account.charges if c["status"] == "failed"]
    assert all(c["paymentProviderMessage"] == catalog.CARD_DECLINED for c in failed)
    refunds = [c for c in shared_sb.account.charges if c["type"] == "refund"]
    assert all(c["amount"] < 0 and c["refundInfo"]["refundedChargeId"] in {x["id"] for x in shared_sb.account.charges}
               for c in refunds)  # fmt: skip


def test_card_numbers_typed_into_charges_are_planted(shared_sb: Sandbox) -> None:
    described = [(c["description"], card_numbers_in(c["description"] or "")) for c in shared_sb.account.charges]
    typed = [(text, cards) for text, cards in described if cards]
    assert len(typed) == len(catalog.CHARGE_CARD_STYLES)  # one in each way staff write them
    for text, (card,) in typed:
        assert text == catalog.CHARGE_CARD_DESCRIPTION.format(card=card)


# -- the list query -----------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["brackets", "comma", "single"])
async def test_reservation_ids_filter_in_every_wire_form(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient, form: str
) -> None:
    ids = sorted({c["reservationId"] for c in shared_sb.account.charges})[: 3 if form != "single" else 1]
    forms: dict[str, dict[str, Any]] = {
        "brackets": {"reservationIds[]": [str(i) for i in ids]},
        "comma": {"reservationIds": ",".join(map(str, ids))},
        "single": {"reservationIds": str(ids[0])},
    }
    params = forms[form]
    page = await get_json(shared_api, "/guestPayments/charges", limit=500, **params)
    expected = {c["id"] for c in shared_sb.account.charges if c["reservationId"] in ids}
    assert {c["id"] for c in page["result"]} == expected and page["count"] == len(expected)


@pytest.mark.parametrize("name", ["reservationIds", "listingMapIds"])
async def test_more_than_200_ids_is_a_400_naming_the_parameter(shared_api: httpx.AsyncClient, name: str) -> None:
    ok = await shared_api.get("/guestPayments/charges", params={f"{name}[]": [str(i) for i in range(1, 201)]})
    assert ok.status_code == 200
    response = await shared_api.get("/guestPayments/charges", params={f"{name}[]": [str(i) for i in range(1, 202)]})
    assert response.status_code == 400 and name in response.json()["result"] and "200" in response.json()["result"]
    # Counted before duplicates go, and every entry must be a plain positive id.
    twice = await shared_api.get("/guestPayments/charges", params={name: ",".join(["7"] * 201)})
    assert twice.status_code == 400
    for bad in ("12a", "0", "-3", "007"):
        response = await shared_api.get("/guestPayments/charges", params={name: f"5,{bad}"})
        assert response.status_code == 400 and name in response.json()["result"], bad


@pytest.mark.parametrize(
    ("low", "high"),
    [("arrivalDateFrom", "arrivalDateTo"), ("startDate", "endDate"), ("departureDateFrom", "departureDateTo")],
)
async def test_a_date_pair_more_than_60_days_apart_is_a_400_naming_it(
    shared_api: httpx.AsyncClient, low: str, high: str
) -> None:
    start = TODAY.isoformat()
    fine = await shared_api.get(
        "/guestPayments/charges", params={low: start, high: (TODAY + timedelta(days=60)).isoformat()}
    )
    assert fine.status_code == 200
    wide = await shared_api.get(
        "/guestPayments/charges", params={low: start, high: (TODAY + timedelta(days=61)).isoformat()}
    )
    assert wide.status_code == 400
    assert low in wide.json()["result"] and high in wide.json()["result"] and "60" in wide.json()["result"]


async def test_arrival_window_filters_by_the_booking_arrival(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    low, high = TODAY.isoformat(), (TODAY + timedelta(days=45)).isoformat()
    page = await get_json(shared_api, "/guestPayments/charges", arrivalDateFrom=low, arrivalDateTo=high, limit=500)
    arrivals = {r["id"]: r["arrivalDate"] for r in shared_sb.account.reservations}
    expected = {c["id"] for c in shared_sb.account.charges if low <= arrivals[c["reservationId"]] <= high}
    assert {c["id"] for c in page["result"]} == expected and len(expected) > 10


async def test_statuses_and_types_filter_only_in_the_bracket_form(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient
) -> None:
    every = await get_json(shared_api, "/guestPayments/charges", limit=1)
    failed = await get_json(shared_api, "/guestPayments/charges", **{"statuses[]": "failed"}, limit=500)
    assert {c["status"] for c in failed["result"]} == {"failed"}
    assert failed["count"] == sum(1 for c in shared_sb.account.charges if c["status"] == "failed")
    bare = await get_json(shared_api, "/guestPayments/charges", statuses="failed", limit=1)
    assert bare["count"] == every["count"] == len(shared_sb.account.charges)  # ignored, as documented
    refunds = await get_json(shared_api, "/guestPayments/charges", **{"types[]": "refund"}, limit=500)
    assert {c["type"] for c in refunds["result"]} == {"refund"}


async def test_limit_is_capped_at_500_and_the_default_order_puts_upcoming_first(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient
) -> None:
    page = await get_json(shared_api, "/guestPayments/charges", limit=5000)
    assert page["limit"] == 500 and len(page["result"]) == min(500, len(shared_sb.account.charges))
    now = shared_sb.now().isoformat(" ")
    stamps = [c["scheduledDate"] or c["chargeDate"] for c in page["result"]]
    upcoming = [s for s in stamps if s >= now]
    assert stamps[: len(upcoming)] == sorted(upcoming)
    past = stamps[len(upcoming) :]
    assert past == sorted(past, reverse=True)


async def test_one_charge_and_not_found(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    charge = shared_sb.account.charges[0]
    assert (await get_json(shared_api, f"/guestPayments/charges/{charge['id']}"))["result"] == charge
    missing = await shared_api.get("/guestPayments/charges/1")
    assert missing.status_code == 404


# -- the writes ------------------------------------------------------------------------------------------

OFFLINE = {"title": "Cash at check-in", "amount": 100, "paymentMethod": "cash", "scheduledDate": "2026-11-21 10:00:00"}


async def test_a_paid_offline_charge_takes_its_amount_off_the_balance(sb: Sandbox, api: httpx.AsyncClient) -> None:
    reservation = booking(sb, "Partially paid")
    before, _ = await balance(api, reservation["id"])
    response = await api.post(f"/guestPayments/charges/{reservation['id']}", json={**OFFLINE, "status": "paid"})
    assert response.status_code == 200
    created = response.json()["result"]
    assert created["type"] == "charge" and created["status"] == "paid" and created["paymentProvider"] == "offline"
    assert created["amount"] == 100 and created["currency"] == reservation["currency"] and created["chargeDate"]
    after, status = await balance(api, reservation["id"])
    assert after == pytest.approx(before - 100) and status == "Partially paid"
    assert after == pytest.approx(expected_balance(reservation["totalPrice"], charges_of(sb, reservation["id"])))
    awaiting = await api.post(f"/guestPayments/charges/{reservation['id']}", json={**OFFLINE, "status": "awaiting"})
    assert awaiting.json()["result"]["chargeDate"] is None
    assert (await balance(api, reservation["id"]))[0] == pytest.approx(after)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"title": None}, '"title"'),
        ({"scheduledDate": None}, '"scheduledDate"'),
        ({"status": "cancelled"}, '"status"'),
        ({"amount": 0}, '"amount"'),
        ({"paymentMethod": "credit_card_online"}, "cannot be created"),
        ({"paymentMethod": "payment_link"}, "cannot be created"),
        ({"paymentMethod": "gold"}, '"paymentMethod"'),
        ({"scheduledDate": "2026-11-21"}, "Y-m-d H:i:s"),
    ],
)
async def test_offline_charge_validation(
    sb: Sandbox, api: httpx.AsyncClient, change: dict[str, Any], needle: str
) -> None:
    reservation = booking(sb, "Unpaid")
    before = len(sb.account.charges)
    response = await api.post(
        f"/guestPayments/charges/{reservation['id']}", json={**OFFLINE, "status": "paid", **change}
    )
    assert response.status_code == 400 and needle in response.json()["result"]
    assert len(sb.account.charges) == before
    assert (await api.post("/guestPayments/charges/1", json={**OFFLINE, "status": "paid"})).status_code == 404


async def test_only_awaiting_offline_charges_can_be_updated_with_every_field(
    sb: Sandbox, api: httpx.AsyncClient
) -> None:
    reservation = booking(sb, "Unpaid")
    created = (
        await api.post(f"/guestPayments/charges/{reservation['id']}", json={**OFFLINE, "status": "awaiting"})
    ).json()["result"]
    path = f"/guestPayments/charges/{reservation['id']}/{created['id']}"
    full = {**OFFLINE, "description": None, "status": "paid"}
    partial = await api.put(path, json={"status": "paid"})
    assert partial.status_code == 400 and "required" in partial.json()["result"]
    wrong = await api.put(path, json={**full, "status": "awaiting"})
    assert wrong.status_code == 400 and '"status"' in wrong.json()["result"]
    before, _ = await balance(api, reservation["id"])
    done = await api.put(path, json=full)
    assert done.status_code == 200 and done.json()["result"]["status"] == "paid"
    assert (await balance(api, reservation["id"]))[0] == pytest.approx(before - 100)
    again = await api.put(path, json={**full, "status": "cancelled"})
    assert again.status_code == 400 and "awaiting" in again.json()["result"]
    online = charge_where(sb, paymentMethod="credit_card_online", status="awaiting")
    refused = await api.put(f"/guestPayments/charges/{online['reservationId']}/{online['id']}", json=full)
    assert refused.status_code == 400 and "credit_card_online" in refused.json()["result"]
    elsewhere = await api.put(f"/guestPayments/charges/{online['reservationId']}/{created['id']}", json=full)
    assert elsewhere.status_code == 404  # the charge belongs to another booking


async def test_partial_refunds_of_an_offline_charge_add_up_to_its_amount(sb: Sandbox, api: httpx.AsyncClient) -> None:
    charge = dict(charge_where(sb, paymentMethod="cash", status="paid", type="charge"))
    path = f"/guestPayments/charges/{charge['reservationId']}/{charge['id']}/refund"
    before, _ = await balance(api, charge["reservationId"])
    first = await api.post(path, json={"title": "Goodwill", "amount": 40, "reason": "requested_by_customer"})
    assert first.status_code == 200
    refund = first.json()["result"]
    assert refund["type"] == "refund" and refund["amount"] == -40 and refund["status"] == "succeeded"
    assert refund["refundInfo"]["refundedChargeId"] == charge["id"] and refund["paymentMethod"] == "cash"
    original = (await get_json(api, f"/guestPayments/charges/{charge['id']}"))["result"]
    assert (original["amount"], original["status"]) == (charge["amount"], "paid")  # left in place, as it was
    assert (await balance(api, charge["reservationId"]))[0] == pytest.approx(before + 40)
    rest = round(charge["amount"] - 40, 2)
    too_much = await api.post(path, json={"title": "Refund", "amount": rest + 0.01})
    assert too_much.status_code == 400 and "refundable" in too_much.json()["result"]
    assert (await api.post(path, json={"title": "Refund", "amount": rest, "reason": "other"})).status_code == 200
    last = sb.account.charges[-1]
    assert last["refundInfo"]["reason"] == "requested_by_customer"  # any other reason is stored as this
    assert (await api.post(path, json={"title": "Refund", "amount": 1})).status_code == 400
    reservation = next(r for r in sb.account.reservations if r["id"] == charge["reservationId"])
    expected = expected_balance(reservation["totalPrice"], charges_of(sb, charge["reservationId"]))
    assert (await balance(api, charge["reservationId"]))[0] == pytest.approx(expected)


@pytest.mark.parametrize("method", ["credit_card_online", "payment_link"])
async def test_refunds_of_online_charges_are_refused_with_the_reason(
    sb: Sandbox, api: httpx.AsyncClient, method: str
) -> None:
    charge = charge_where(sb, paymentMethod=method, status="paid", type="charge")
    before = len(sb.account.charges)
    response = await api.post(
        f"/guestPayments/charges/{charge['reservationId']}/{charge['id']}/refund", json={"title": "R", "amount": 1}
    )
    assert response.status_code == 400
    assert method in response.json()["result"] and "payment provider" in response.json()["result"]
    assert len(sb.account.charges) == before


async def test_only_paid_charges_can_be_refunded(sb: Sandbox, api: httpx.AsyncClient) -> None:
    reservation = booking(sb, "Unpaid")
    created = (
        await api.post(f"/guestPayments/charges/{reservation['id']}", json={**OFFLINE, "status": "awaiting"})
    ).json()["result"]
    response = await api.post(
        f"/guestPayments/charges/{reservation['id']}/{created['id']}/refund", json={"title": "R", "amount": 1}
    )
    assert response.status_code == 400 and "paid" in response.json()["result"]
