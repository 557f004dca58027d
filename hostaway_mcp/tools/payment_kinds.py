"""What the payment writes are: an offline charge and a refund of one, on the one write path.

`payment_writes.py` has the tools that plan them. Both are second effects when repeated (two
payments, two refunds), so the same write within ten minutes is refused unless the person asks
for it again (`allow_duplicate`). An earlier attempt whose outcome is unknown is reconciled by
reading the booking's charges back: a charge (or refund) with the same amount, method and
title that was not there when the attempt was planned means it happened, and nothing is sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from hostaway_mcp import audit
from hostaway_mcp.charges import METHOD_WORDS, Charge
from hostaway_mcp.domain import ident
from hostaway_mcp.gateway import Envelope, HostawayGateway, JSONObject
from hostaway_mcp.ledger import Entry
from hostaway_mcp.models.payments import PaymentResult, RefundResult
from hostaway_mcp.privacy import payment_text, quoted_guest_name
from hostaway_mcp.tools.payments import booking_charges
from hostaway_mcp.tools.writes import Finding, Step, Unsent, WriteKind, WritePlan

RefundReason = Literal["requested_by_customer", "duplicate", "fraudulent"]
REASON_WORDS: dict[str, str] = {
    "requested_by_customer": "requested by the guest",
    "duplicate": "a duplicate payment",
    "fraudulent": "a fraudulent payment",
}


def _money(amount: float | None, currency: str | None) -> str:
    return "unknown" if amount is None else f"{amount:.2f} {currency or ''}".rstrip()


def _new_charges(charges: list[Charge], earlier: list[Entry]) -> list[Charge]:
    """Charges that were not there when the earliest unresolved attempt was planned."""
    seen = [e.fields.get("charges_seen_max_id") for e in earlier]
    marks = [mark for mark in seen if isinstance(mark, int)]
    if len(marks) < len(seen) or not marks:
        return charges  # nothing to compare with: finding it is the safe answer (nothing sent twice)
    return [c for c in charges if c.id > min(marks)]


@dataclass(frozen=True, kw_only=True)
class BookingMoney:
    """The booking a payment write is about, as read while planning."""

    booking_id: int
    guest_name: str | None
    property_name: str | None
    currency: str | None
    remaining: float | None
    charges_seen_max_id: int | None  # the newest charge id when planned: a reconciled write is newer


@dataclass(frozen=True, kw_only=True)
class PaymentPlan(WritePlan):
    """Exactly the offline charge that would be recorded."""

    booking: BookingMoney
    amount: float
    method: str
    title: str
    paid: bool
    scheduled: str

    @property
    def body(self) -> JSONObject:
        return {
            "title": self.title,
            "amount": self.amount,
            "paymentMethod": self.method,
            "status": "paid" if self.paid else "awaiting",
            "scheduledDate": self.scheduled,
        }

    @property
    def remaining_after(self) -> float | None:
        if self.booking.remaining is None:
            return None
        return round(self.booking.remaining - self.amount, 2) if self.paid else self.booking.remaining

    def question(self) -> str:
        b = self.booking
        what = "a payment received" if self.paid else "a payment still due"
        where = f", {b.property_name}" if b.property_name else ""
        lines = [
            f"Record {what} of {_money(self.amount, b.currency)} by {METHOD_WORDS.get(self.method, self.method)} "
            f"from {quoted_guest_name(b.guest_name)} (booking {b.booking_id}{where}), titled {self.title!r}, "
            f"dated {self.scheduled[:10]}?",
        ]
        if self.paid and b.remaining is not None:
            after = _money(self.remaining_after, b.currency)
            lines.append(f"The balance goes from {_money(b.remaining, b.currency)} to {after}.")
        lines.extend(note if note.startswith("WARNING") else f"Note: {note}" for note in self.notes())
        return "\n".join(lines)

    def audit_fields(self) -> dict[str, Any]:
        return {
            "booking_id": self.booking.booking_id,
            "amount": self.amount,
            "currency": self.booking.currency,
            "method": self.method,
            "charge_status": "paid" if self.paid else "awaiting",
            "title_sha256": audit.text_digest(self.title),
            "charges_seen_max_id": self.booking.charges_seen_max_id,
            "duplicate_override": True if self.screening.duplicate else None,
        }


class OfflinePayment(WriteKind[PaymentPlan, PaymentResult]):
    """`POST /guestPayments/charges/{reservationId}`: one offline charge; the same one twice is two."""

    tool = "record_payment"
    repeats = "on_request"
    window_s = 600.0
    nothing = "nothing was recorded"
    not_done = "The payment was NOT recorded."

    def target(self, plan: PaymentPlan) -> str:
        return f"booking:{plan.booking.booking_id}"

    def fingerprint(self, plan: PaymentPlan) -> str:
        body = {key: value for key, value in plan.body.items() if key != "scheduledDate"}
        return audit.text_digest(json.dumps(body, sort_keys=True))

    def what(self, plan: PaymentPlan) -> str:
        return f"the payment of {_money(plan.amount, plan.booking.currency)} for booking {plan.booking.booking_id}"

    def check_hint(self, plan: PaymentPlan) -> str:
        return f"check get_booking_payments for booking {plan.booking.booking_id}"

    async def send(self, gateway: HostawayGateway, plan: PaymentPlan) -> Envelope:
        return await gateway.post(f"guestPayments/charges/{plan.booking.booking_id}", plan.body)

    async def reconcile(self, gateway: HostawayGateway, plan: PaymentPlan, earlier: list[Entry]) -> Finding:
        charges = await booking_charges(gateway, plan.booking.booking_id)
        status = "paid" if plan.paid else "awaiting"
        for charge in _new_charges(charges, earlier):
            # Titles are compared as results show them (card numbers masked on both sides).
            wanted = ("charge", plan.amount, plan.method, payment_text(plan.title))
            seen = (charge.type, charge.amount, charge.method, charge.title)
            if seen == wanted and charge.status in (status, "paid"):
                return Finding(True, f"found in the booking's charges: charge {charge.id}", {"charge_id": charge.id})
        return Finding(False, f"not among the booking's {len(charges)} charges")

    def sent_fields(self, plan: PaymentPlan, answer: Envelope) -> dict[str, Any]:
        return {"charge_id": ident(answer.result.get("id")) if isinstance(answer.result, dict) else None}

    def unsent(self, plan: PaymentPlan, step: Step, status: Unsent, next_step: str) -> PaymentResult:
        return _payment_result(plan, step, status, next_step)

    def found(self, plan: PaymentPlan, step: Step, finding: Finding) -> PaymentResult:
        next_step = (
            f"Not recorded again: an earlier attempt whose outcome was unknown is in Hostaway "
            f"({finding.detail}). Tell the user it is recorded."
        )
        return _payment_result(plan, step, "already_recorded", next_step, charge_id=finding.fields.get("charge_id"))

    def done(self, plan: PaymentPlan, step: Step, answer: Envelope) -> PaymentResult:
        charge_id = self.sent_fields(plan, answer)["charge_id"]
        next_step = f"Recorded (charge {charge_id}). Tell the user; get_booking_payments shows it."
        return _payment_result(plan, step, "recorded", next_step, charge_id=charge_id)


def _payment_result(plan: PaymentPlan, step: Step, status: Any, next_step: str, **fields: Any) -> PaymentResult:
    b = plan.booking
    return PaymentResult(
        status=status,
        booking_id=b.booking_id,
        guest_name=b.guest_name,
        property_name=b.property_name,
        currency=b.currency,
        amount=plan.amount,
        method=METHOD_WORDS.get(plan.method, plan.method),
        title=plan.title,
        charge_status="paid" if plan.paid else "awaiting",
        scheduled=plan.scheduled,
        remaining_before=b.remaining,
        remaining_after=plan.remaining_after,
        confirmed_by=step.confirmed_by,
        warnings=[*plan.notes(), *step.warnings],
        next_step=next_step,
        **fields,
    )


@dataclass(frozen=True, kw_only=True)
class RefundPlan(WritePlan):
    """Exactly the refund that would be recorded against one offline payment."""

    booking: BookingMoney
    charge: Charge
    refunded_before: float
    amount: float
    reason: RefundReason

    @property
    def title(self) -> str:
        return f"Refund: {REASON_WORDS[self.reason]}"

    @property
    def body(self) -> JSONObject:
        return {"title": self.title, "amount": self.amount, "reason": self.reason, "isIncludeInPriceBreakdown": 0}

    @property
    def refundable_after(self) -> float:
        return round(self.charge.amount - self.refunded_before - self.amount, 2)

    def question(self) -> str:
        b, c = self.booking, self.charge
        lines = [
            f"Record a refund of {_money(self.amount, b.currency)} ({REASON_WORDS[self.reason]}) to "
            f"{quoted_guest_name(b.guest_name)} against payment {c.id} ({c.title or 'untitled'}, "
            f"{_money(c.amount, b.currency)} by {c.method_words}) of booking {b.booking_id}?",
            f"Hostaway stores it as a separate refund of -{self.amount:.2f}; "
            f"{_money(self.refundable_after, b.currency)} of the payment stays refundable.",
            "This records money you returned yourself: it does not move any money.",
        ]
        lines.extend(note if note.startswith("WARNING") else f"Note: {note}" for note in self.notes())
        return "\n".join(lines)

    def audit_fields(self) -> dict[str, Any]:
        return {
            "booking_id": self.booking.booking_id,
            "charge_id": self.charge.id,
            "amount": self.amount,
            "currency": self.booking.currency,
            "reason": self.reason,
            "charges_seen_max_id": self.booking.charges_seen_max_id,
            "duplicate_override": True if self.screening.duplicate else None,
        }


class OfflineRefund(WriteKind[RefundPlan, RefundResult]):
    """`POST /guestPayments/charges/{reservationId}/{chargeId}/refund`: a refund; two are two."""

    tool = "record_refund"
    repeats = "on_request"
    window_s = 600.0
    nothing = "nothing was refunded"
    not_done = "The refund was NOT recorded."

    def target(self, plan: RefundPlan) -> str:
        return f"charge:{plan.charge.id}"

    def fingerprint(self, plan: RefundPlan) -> str:
        return audit.text_digest(json.dumps(plan.body, sort_keys=True))

    def what(self, plan: RefundPlan) -> str:
        return f"the refund of {_money(plan.amount, plan.booking.currency)} of payment {plan.charge.id}"

    def check_hint(self, plan: RefundPlan) -> str:
        return f"check get_booking_payments for booking {plan.booking.booking_id}"

    async def send(self, gateway: HostawayGateway, plan: RefundPlan) -> Envelope:
        return await gateway.post(f"guestPayments/charges/{plan.booking.booking_id}/{plan.charge.id}/refund", plan.body)

    async def reconcile(self, gateway: HostawayGateway, plan: RefundPlan, earlier: list[Entry]) -> Finding:
        charges = await booking_charges(gateway, plan.booking.booking_id)
        for charge in _new_charges(charges, earlier):
            if charge.type == "refund" and charge.refund_of == plan.charge.id and charge.amount == -plan.amount:
                return Finding(True, f"found in the booking's charges: refund {charge.id}", {"refund_id": charge.id})
        return Finding(False, f"not among the booking's {len(charges)} charges")

    def sent_fields(self, plan: RefundPlan, answer: Envelope) -> dict[str, Any]:
        return {"refund_id": ident(answer.result.get("id")) if isinstance(answer.result, dict) else None}

    def unsent(self, plan: RefundPlan, step: Step, status: Unsent, next_step: str) -> RefundResult:
        return _refund_result(plan, step, status, next_step)

    def found(self, plan: RefundPlan, step: Step, finding: Finding) -> RefundResult:
        next_step = (
            f"Not recorded again: an earlier attempt whose outcome was unknown is in Hostaway "
            f"({finding.detail}). Tell the user it is recorded."
        )
        return _refund_result(plan, step, "already_refunded", next_step, refund_id=finding.fields.get("refund_id"))

    def done(self, plan: RefundPlan, step: Step, answer: Envelope) -> RefundResult:
        refund_id = self.sent_fields(plan, answer)["refund_id"]
        next_step = f"Recorded (refund {refund_id}). Tell the user; get_booking_payments shows it."
        return _refund_result(plan, step, "refunded", next_step, refund_id=refund_id)


def _refund_result(plan: RefundPlan, step: Step, status: Any, next_step: str, **fields: Any) -> RefundResult:
    b, c = plan.booking, plan.charge
    return RefundResult(
        status=status,
        booking_id=b.booking_id,
        guest_name=b.guest_name,
        charge_id=c.id,
        charge_title=c.title,
        method=c.method_words,
        currency=b.currency,
        charge_amount=c.amount,
        refunded_before=plan.refunded_before,
        amount=plan.amount,
        reason=REASON_WORDS[plan.reason],
        refundable_after=plan.refundable_after,
        confirmed_by=step.confirmed_by,
        warnings=[*plan.notes(), *step.warnings],
        next_step=next_step,
        **fields,
    )
