"""record_payment, record_refund and add_expense on the one write path, against the sandbox.

Each write, the same checks (the issue's done-when): the preview changes nothing, a confirmed call
makes exactly one request and one change, the same write again is refused as a duplicate, read-only
mode hides it, and a POST whose answer was lost is reconciled by reading the charges or expenses
back (found: not sent again; never arrived: sent once). Every "nothing happened" claim is checked
on the sandbox's state and its request log.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from mcp import Client
from mcp.types import ElicitRequestParams, ElicitResult

from tests.conftest import TODAY, FakeClock, call_error, call_ok
from tests.faults import Fault, faults_of

MONEY_WRITES = ("record_payment", "record_refund", "add_expense")


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory(listings=6)


def owing_direct_booking(sandbox: Any) -> dict[str, Any]:
    """A confirmed future direct booking whose guest still owes money."""
    return next(
        r
        for r in sorted(sandbox.account.reservations, key=lambda r: r["id"])
        if r["channelId"] == 2000
        and r["status"] in ("new", "modified")
        and (r["remainingBalance"] or 0) > 200
        and r["arrivalDate"] > TODAY.isoformat()
    )


def offline_paid_charge(sandbox: Any) -> dict[str, Any]:
    return next(
        c
        for c in sandbox.account.charges
        if c["type"] == "charge" and c["status"] == "paid" and c["paymentMethod"] in ("cash", "bank_transfer")
    )


def booking(sandbox: Any, booking_id: int) -> dict[str, Any]:
    return next(r for r in sandbox.account.reservations if r["id"] == booking_id)


@dataclass(frozen=True)
class WriteCase:
    tool: str
    arguments: Callable[[Any], dict[str, Any]]
    path: str  # what the write POSTs to (a prefix)
    done: str
    found: str
    id_field: str
    store: str  # the sandbox account's list the write adds to

    def made(self, sandbox: Any) -> list[dict[str, Any]]:
        return list(getattr(sandbox.account, self.store))

    def posts(self, sandbox: Any) -> list[Any]:
        return [r for r in sandbox.request_log if r.method == "POST" and r.path.startswith(self.path)]


CASES = [
    WriteCase(
        "record_payment",
        lambda sb: {
            "booking_id": owing_direct_booking(sb)["id"],
            "amount": 150,
            "method": "cash",
            "title": "Cash at check-in",
        },
        "/guestPayments/charges",
        "recorded",
        "already_recorded",
        "charge_id",
        "charges",
    ),
    WriteCase(
        "record_refund",
        lambda sb: {
            "booking_id": offline_paid_charge(sb)["reservationId"],
            "charge_id": offline_paid_charge(sb)["id"],
            "amount": 10,
            "reason": "requested_by_customer",
        },
        "/guestPayments/charges",
        "refunded",
        "already_refunded",
        "refund_id",
        "charges",
    ),
    WriteCase(
        "add_expense",
        lambda sb: {
            "amount": 120,
            "description": "Plumber: leaking shower",
            "date": (TODAY - timedelta(days=1)).isoformat(),
            "property_id": sb.account.listings[0]["id"],
            "category": "Maintenance",
        },
        "/expenses",
        "added",
        "already_added",
        "expense_id",
        "expenses",
    ),
]
by_tool = pytest.mark.parametrize("case", CASES, ids=[case.tool for case in CASES])


@by_tool
async def test_the_preview_changes_nothing(sandbox: Any, server_factory: Callable[..., Any], case: WriteCase) -> None:
    arguments = case.arguments(sandbox)
    before = copy.deepcopy((case.made(sandbox), sandbox.account.reservations))
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(client, case.tool, arguments)
    assert preview["status"] == "preview" and "confirm=true" in preview["next_step"]
    assert case.id_field not in preview
    assert (case.made(sandbox), sandbox.account.reservations) == before
    assert [r for r in sandbox.request_log if r.method != "GET" and "accessTokens" not in r.path] == []


@by_tool
async def test_a_confirmed_write_is_made_exactly_once(
    sandbox: Any, server_factory: Callable[..., Any], case: WriteCase
) -> None:
    arguments = case.arguments(sandbox)
    before = case.made(sandbox)
    async with Client(server_factory(sandbox)) as client:
        done = await call_ok(client, case.tool, {**arguments, "confirm": True})
    after = case.made(sandbox)
    assert done["status"] == case.done and done["confirmed_by"] == "confirm"
    assert len(case.posts(sandbox)) == 1 and len(after) == len(before) + 1
    assert done[case.id_field] == after[-1]["id"]


@by_tool
async def test_the_same_write_again_is_refused_as_a_duplicate(
    sandbox: Any, server_factory: Callable[..., Any], clock: FakeClock, case: WriteCase
) -> None:
    arguments = {**case.arguments(sandbox), "confirm": True}
    async with Client(server_factory(sandbox)) as client:
        await call_ok(client, case.tool, arguments)
        clock.advance(60)
        error = await call_error(client, case.tool, arguments)
        assert "Refused" in error and "allow_duplicate=true" in error
        assert len(case.posts(sandbox)) == 1
        again = await call_ok(client, case.tool, {**arguments, "allow_duplicate": True})
    assert again["status"] == case.done and len(case.posts(sandbox)) == 2


async def test_read_only_mode_hides_every_money_write(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox, read_only=True)) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert names.isdisjoint(MONEY_WRITES)
    assert {"get_booking_payments", "list_unpaid_balances", "list_expenses", "get_owner_statement"} <= names


@by_tool
async def test_a_timed_out_post_is_reconciled_not_sent_again(
    sandbox: Any, server_factory: Callable[..., Any], case: WriteCase
) -> None:
    """The sandbox made the change but the answer was lost: the retry finds it and sends nothing."""
    arguments = {**case.arguments(sandbox), "confirm": True}
    before = case.made(sandbox)
    faults_of(sandbox).script(Fault("read_timeout", method="POST", path=case.path))
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, case.tool, arguments)
        assert "Outcome unknown" in error and "is safe" in error
        found = await call_ok(client, case.tool, arguments)
    after = case.made(sandbox)
    assert found["status"] == case.found and found[case.id_field] == after[-1]["id"]
    assert len(after) == len(before) + 1 and len(case.posts(sandbox)) == 1


@by_tool
async def test_a_post_that_never_arrived_is_sent_once_on_retry(
    sandbox: Any, server_factory: Callable[..., Any], case: WriteCase
) -> None:
    arguments = {**case.arguments(sandbox), "confirm": True}
    before = case.made(sandbox)
    faults_of(sandbox).script(Fault("status", status=502, method="POST", path=case.path))  # not processed
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, case.tool, arguments)
        assert "Outcome unknown" in error
        done = await call_ok(client, case.tool, arguments)
    assert done["status"] == case.done
    assert len(case.made(sandbox)) == len(before) + 1 and len(case.posts(sandbox)) == 2


@pytest.mark.parametrize("action", ["accept", "decline"])
async def test_a_form_confirms_the_exact_change(sandbox: Any, server_factory: Callable[..., Any], action: str) -> None:
    asked: list[ElicitRequestParams] = []

    async def answer(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params)
        return ElicitResult(action=action, content={"confirm": True} if action == "accept" else None)

    arguments = CASES[0].arguments(sandbox)
    guest = dict(booking(sandbox, arguments["booking_id"]))  # a copy: the write changes the booking's balance
    async with Client(server_factory(sandbox), elicitation_callback=answer) as client:
        result = await call_ok(client, "record_payment", arguments)
    assert len(asked) == 1
    question = asked[0].message
    assert "150.00" in question and str(guest["id"]) in question and "Cash at check-in" in question
    assert f"{guest['remainingBalance']:.2f}" in question and f"{guest['remainingBalance'] - 150:.2f}" in question
    assert result["status"] == ("recorded" if action == "accept" else "declined")
    assert len(CASES[0].posts(sandbox)) == (1 if action == "accept" else 0)


# -- record_payment -------------------------------------------------------------------------------------


async def test_a_recorded_payment_lowers_the_balance_by_its_amount(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    target = owing_direct_booking(sandbox)
    owed = target["remainingBalance"]
    arguments = CASES[0].arguments(sandbox)
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(client, "record_payment", arguments)
        await call_ok(client, "record_payment", {**arguments, "confirm": True})
        later = (TODAY + timedelta(days=5)).isoformat()
        due = await call_ok(client, "record_payment", {**arguments, "paid": False, "date": later, "confirm": True})
    assert (preview["remaining_before"], preview["remaining_after"]) == (owed, pytest.approx(owed - 150))
    assert booking(sandbox, target["id"])["remainingBalance"] == pytest.approx(owed - 150)
    created = [c for c in sandbox.account.charges if c["reservationId"] == target["id"]][-2:]
    assert [(c["paymentMethod"], c["status"], c["amount"]) for c in created] == [
        ("cash", "paid", 150),
        ("cash", "awaiting", 150),
    ]
    assert created[1]["scheduledDate"].startswith((TODAY + timedelta(days=5)).isoformat())
    assert due["charge_status"] == "awaiting" and due["remaining_after"] == pytest.approx(owed - 150)


@pytest.mark.parametrize("method", ["credit_card_online", "payment_link"])
async def test_online_card_charges_cannot_be_created_and_the_tool_says_so(
    sandbox: Any, server_factory: Callable[..., Any], method: str
) -> None:
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "record_payment", {**CASES[0].arguments(sandbox), "method": method})
    assert "cannot charge a guest's card online or create a payment link" in error and "dashboard" in error
    assert [r for r in sandbox.request_log if "accessTokens" not in r.path] == []


async def test_a_payment_received_in_the_future_is_refused_before_any_request(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    future = (TODAY + timedelta(days=3)).isoformat()
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "record_payment", {**CASES[0].arguments(sandbox), "date": future})
    assert "in the future" in error and "paid=false" in error
    assert [r for r in sandbox.request_log if "accessTokens" not in r.path] == []


async def test_an_ota_booking_and_an_overpayment_are_warned_about(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    ota = next(r for r in sandbox.account.reservations if r["channelId"] == 2018 and r["status"] == "new")
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(
            client, "record_payment", {"booking_id": ota["id"], "amount": 50, "method": "cash", "title": "Tip"}
        )
    assert any("collects the guest's payment itself" in w for w in preview["warnings"])
    assert any("more than the balance" in w for w in preview["warnings"])


# -- record_refund ---------------------------------------------------------------------------------------


async def test_partial_refunds_add_up_and_more_than_is_left_is_refused(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    charge = offline_paid_charge(sandbox)
    args = {"booking_id": charge["reservationId"], "charge_id": charge["id"], "reason": "requested_by_customer"}
    async with Client(server_factory(sandbox)) as client:
        first = await call_ok(client, "record_refund", {**args, "amount": 40, "confirm": True})
        preview = await call_ok(client, "record_refund", {**args, "amount": 25})
        error = await call_error(client, "record_refund", {**args, "amount": round(charge["amount"] - 39.99, 2)})
    assert first["refundable_after"] == pytest.approx(charge["amount"] - 40)
    assert preview["refunded_before"] == 40 and preview["refundable_after"] == pytest.approx(charge["amount"] - 65)
    assert "At most" in error and f"{charge['amount'] - 40:.2f}" in error
    refund = next(c for c in sandbox.account.charges if c["id"] == first["refund_id"])
    assert refund["amount"] == -40 and refund["refundInfo"]["refundedChargeId"] == charge["id"]


@pytest.mark.parametrize("method", ["credit_card_online", "payment_link"])
async def test_refunds_of_online_payments_are_refused_with_the_reason(
    sandbox: Any, server_factory: Callable[..., Any], method: str
) -> None:
    charge = next(
        (c for c in sandbox.account.charges if c["paymentMethod"] == method and c["status"] == "paid"), None
    ) or pytest.fail(f"the demo account has no paid {method} charge")
    args = {"booking_id": charge["reservationId"], "charge_id": charge["id"], "amount": 1, "reason": "duplicate"}
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "record_refund", {**args, "confirm": True})
    assert "payment provider" in error and "dashboard" in error and "Nothing was refunded" in error
    assert [r for r in sandbox.request_log if r.method == "POST" and "accessTokens" not in r.path] == []


async def test_a_charge_of_another_booking_is_refused_naming_its_booking(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    charge = offline_paid_charge(sandbox)
    other = owing_direct_booking(sandbox)
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(
            client,
            "record_refund",
            {"booking_id": other["id"], "charge_id": charge["id"], "amount": 1, "reason": "duplicate"},
        )
    assert f"belongs to booking {charge['reservationId']}" in error and "get_booking_payments" in error


# -- add_expense -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "sent"), [("expense", -120.0), ("extra", 120.0)])
async def test_an_expense_of_120_reaches_hostaway_as_minus_120_and_an_extra_as_plus_120(
    sandbox: Any, server_factory: Callable[..., Any], kind: str, sent: float
) -> None:
    arguments = {**CASES[2].arguments(sandbox), "kind": kind}
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(client, "add_expense", arguments)
        done = await call_ok(client, "add_expense", {**arguments, "confirm": True})
    assert preview["amount"] == 120 and preview["amount_sent"] == sent
    post = CASES[2].posts(sandbox)[0]
    assert post.body["amount"] == sent and "type" not in post.body
    stored = sandbox.account.expenses[-1]
    assert stored["amount"] == sent and stored["type"] == kind and stored["id"] == done["expense_id"]
    assert stored["categoriesNames"] == ["Maintenance"] and stored["listingMapId"] == arguments["property_id"]


async def test_an_expense_for_a_booking_takes_its_property_and_a_twin_is_warned_about(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    twin = next(e for e in sandbox.account.expenses if e["reservationId"] and e["amount"] > 0)
    arguments = {
        "amount": twin["amount"],
        "description": twin["concept"],
        "date": twin["expenseDate"],
        "kind": "extra",
        "booking_id": twin["reservationId"],
    }
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(client, "add_expense", arguments)
        wrong = await call_error(client, "add_expense", {**arguments, "property_id": 1})
    assert preview["property_id"] == twin["listingMapId"] and preview["guest_name"] == twin["guestName"]
    assert any(f"expense {twin['id']}" in w and "twice" in w for w in preview["warnings"])
    assert "not 1" in wrong and "Nothing was added" in wrong


@by_tool
async def test_the_audit_log_and_the_ledger_keep_ids_and_amounts_never_free_text(
    sandbox: Any, server_factory: Callable[..., Any], tmp_path: Any, case: WriteCase
) -> None:
    arguments = case.arguments(sandbox)
    async with Client(server_factory(sandbox)) as client:
        await call_ok(client, case.tool, {**arguments, "confirm": True})
    lines = [json.loads(line) for line in (tmp_path / "cache" / "audit.jsonl").read_text().splitlines()]
    mine = [line for line in lines if line["tool"] == case.tool]
    assert [line["outcome"] for line in mine] == ["attempt", "sent"]
    assert mine[-1][case.id_field] == case.made(sandbox)[-1]["id"] and mine[-1]["amount"] in (10, 120, 150)
    with sqlite3.connect(tmp_path / "cache" / "ledger.sqlite3") as conn:
        ledger = json.dumps(conn.execute("SELECT * FROM writes").fetchall())
    for text in ("Cash at check-in", "Plumber: leaking shower", "Maintenance"):
        assert text not in json.dumps(lines) and text not in ledger
