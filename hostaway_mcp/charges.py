"""Guest charges in plain words: what a booking paid, still owes, had refunded and holds. Pure, no I/O.

Hostaway keeps a booking's payments as charges (`/guestPayments/charges`, hostaway-api-2026.md
§1.5), each of one type:
- `charge`: money asked for (`awaiting`, due on its scheduled date; `failed` when the card was
  declined: still owed) or received (`paid`), or called off (`cancelled`);
- `preAuth`: a hold on the guest's card (a security deposit); it is not a payment;
- `refund`: a separate charge with a **negative** amount, pointing at the charge it refunds
  (`refundInfo.refundedChargeId`); the refunded charge itself stays as it was.

So the money of a booking is: paid = the paid charges; refunded = the refunds; owed by the
charges = total − paid + refunded. Hostaway's own figure is the reservation's `remainingBalance`
(only served with `includePayments=1`); tools show that one, and this arithmetic where it is
missing. Amounts are only added up within one currency: a charge in another currency than the
booking's is listed, never added in.

Only offline charges can be written through the API: `credit_card_online` charges and payment
links are created, updated and refunded by the payment provider (the Hostaway dashboard).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hostaway_mcp.domain import ident, money, text
from hostaway_mcp.privacy import payment_text

# Money that moved through a payment provider: no API creates, updates or refunds it.
ONLINE_METHODS = frozenset({"credit_card_online", "payment_link"})
# What `POST /guestPayments/charges/{reservationId}` accepts ([D:_guestPayment_createOfflineCharge]).
OFFLINE_METHODS = ("cash", "bank_transfer", "credit_card", "vcc", "paypal", "venmo", "bank_check", "ota", "other")
METHOD_WORDS: dict[str, str] = {
    "credit_card_online": "card, charged online",
    "payment_link": "payment link",
    "credit_card": "card, taken offline",
    "vcc": "virtual card (vcc)",
    "cash": "cash",
    "paypal": "PayPal",
    "venmo": "Venmo",
    "bank_transfer": "bank transfer",
    "bank_check": "cheque",
    "ota": "collected by the booking platform",
    "other": "other",
}
STATUS_WORDS: dict[str, str] = {
    "paid": "paid",
    "awaiting": "due",
    "failed": "failed: still owed",
    "cancelled": "cancelled",
    "pause": "paused",
    "waitingForConfirmation": "waiting for confirmation",
    "pending": "pending",
    "succeeded": "refunded",
    "awaitingHold": "hold scheduled",
    "holdSuccess": "held on the card",
    "holdFail": "hold failed",
    "holdCancelled": "hold cancelled",
    "holdReleased": "hold released",
    "holdReleasedFail": "hold release failed",
    "captureSuccess": "hold captured",
    "captureFail": "capture failed",
}
KIND_WORDS = {"charge": "payment", "preAuth": "deposit hold", "refund": "refund"}
# Charges that still ask for money: due on their date, or tried and failed.
OWED_STATUSES = frozenset({"awaiting", "failed", "pause", "waitingForConfirmation", "pending"})
HELD_STATUSES = frozenset({"holdSuccess"})
REFUND_SUCCEEDED = frozenset({"succeeded", "paid"})  # refunds are "succeeded"; older ones may say paid


@dataclass(frozen=True)
class Charge:
    """One charge as the tools use it (ids as ints, amounts rounded, texts made safe to show)."""

    id: int
    reservation_id: int | None
    type: str
    title: str | None
    description: str | None
    method: str | None
    status: str | None
    amount: float
    currency: str | None
    scheduled: str | None
    charged: str | None
    provider_message: str | None
    refund_of: int | None

    @property
    def is_paid_charge(self) -> bool:
        return self.type == "charge" and self.status == "paid"

    @property
    def is_refund(self) -> bool:
        return self.type == "refund" and self.status in REFUND_SUCCEEDED

    @property
    def is_owed(self) -> bool:
        return self.type == "charge" and self.status in OWED_STATUSES

    @property
    def method_words(self) -> str | None:
        return METHOD_WORDS.get(self.method or "", self.method)

    @property
    def status_words(self) -> str:
        return STATUS_WORDS.get(self.status or "", self.status or "unknown")


# What `parse_charge` reads of a charge: a list read asks for these only (`bodies.parse_items`).
CHARGE_FIELDS = (
    "id",
    "reservationId",
    "type",
    "title",
    "description",
    "paymentMethod",
    "status",
    "amount",
    "currency",
    "scheduledDate",
    "chargeDate",
    "paymentProviderMessage",
    "refundInfo",
)


def parse_charge(raw: Any) -> Charge | None:
    """A charge from Hostaway's object; None when it has no usable id or amount."""
    if not isinstance(raw, dict):
        return None
    charge_id, amount = ident(raw.get("id")), money(raw.get("amount"))
    if charge_id is None or amount is None:
        return None
    info = raw.get("refundInfo")
    failed = text(raw.get("status")) == "failed"
    return Charge(
        id=charge_id,
        reservation_id=ident(raw.get("reservationId")),
        type=text(raw.get("type")) or "charge",
        title=payment_text(raw.get("title")),
        description=payment_text(raw.get("description")),
        method=text(raw.get("paymentMethod")),
        status=text(raw.get("status")),
        amount=amount,
        currency=text(raw.get("currency")),
        scheduled=text(raw.get("scheduledDate")),
        charged=text(raw.get("chargeDate")),
        # Only a failure's message is worth showing ("Your card was declined."); success messages
        # carry provider ids.
        provider_message=payment_text(raw.get("paymentProviderMessage")) if failed else None,
        refund_of=ident(info.get("refundedChargeId")) if isinstance(info, dict) else None,
    )


def parse_charges(raws: Iterable[Any]) -> list[Charge]:
    """Charges from a list answer, each once (pages of a list may overlap while it changes)."""
    found: dict[int, Charge] = {}
    for raw in raws:
        charge = parse_charge(raw)
        if charge is not None:
            found[charge.id] = charge
    return list(found.values())


def refunded_by_charge(charges: Iterable[Charge]) -> dict[int, float]:
    """How much of each charge was refunded so far (positive amounts), by the refunded charge's id."""
    refunded: dict[int, float] = {}
    for charge in charges:
        if charge.is_refund and charge.refund_of is not None:
            refunded[charge.refund_of] = round(refunded.get(charge.refund_of, 0.0) - charge.amount, 2)
    return refunded


def refund_refusal(charge: Charge, refunded: float) -> str | None:
    """Why `charge` cannot be refunded through the API (None: it can, up to `refundable`)."""
    if charge.method in ONLINE_METHODS:
        how = "by card online" if charge.method == "credit_card_online" else "through a payment link"
        return (
            f"charge {charge.id} was paid {how}, so refunding it returns the money through the payment provider, "
            "and Hostaway's API refunds offline charges only. Refund it in the Hostaway dashboard (the booking's "
            "payments)"
        )
    if charge.type != "charge":
        return f"charge {charge.id} is a {KIND_WORDS.get(charge.type, charge.type)}, not a payment"
    if charge.status != "paid":
        return f"charge {charge.id} is {charge.status_words}, not paid: only money received can be refunded"
    if refundable(charge, refunded) <= 0:
        return f"charge {charge.id} was already refunded in full ({refunded:.2f} {charge.currency or ''})".rstrip()
    return None


def refundable(charge: Charge, refunded: float) -> float:
    return round(charge.amount - refunded, 2)


@dataclass(frozen=True)
class Tally:
    """A booking's charges added up, in one currency."""

    paid: float = 0.0
    refunded: float = 0.0
    owed_by_charges: float = 0.0  # awaiting or failed charges
    held: float = 0.0
    failed: int = 0
    other_currency: int = 0  # charges in another currency: listed, not added

    def balance(self, total: float) -> float:
        return round(total - self.paid + self.refunded, 2)


def tally(charges: Iterable[Charge], currency: str | None) -> Tally:
    paid = refunded = owed = held = 0.0
    failed = other = 0
    for charge in charges:
        if currency is not None and charge.currency not in (None, currency):
            other += 1
            continue
        if charge.is_paid_charge:
            paid += charge.amount
        elif charge.is_refund:
            refunded -= charge.amount
        elif charge.is_owed:
            owed += charge.amount
            failed += charge.status == "failed"
        elif charge.type == "preAuth" and charge.status in HELD_STATUSES:
            held += charge.amount
    return Tally(round(paid, 2), round(refunded, 2), round(owed, 2), round(held, 2), failed, other)
