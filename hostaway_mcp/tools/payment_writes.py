"""Payment writes: record an offline payment, or a refund of one, confirmed by a person, at most once.

The plans and write kinds are in `payment_kinds.py`, on the one write path (`tools/writes.py`).
Hostaway's API creates only **offline** charges (cash, bank transfer, a card taken by phone...)
and refunds only those: a charge on the guest's card online, or a payment link, can be neither
created nor refunded through it (hostaway-api-2026.md §1.5), and both tools say so when asked.
A planner reads the booking (its balance, `includePayments=1`) and its charges, and refuses what
Hostaway would refuse before anyone is asked.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, StrictBool

from hostaway_mcp.charges import ONLINE_METHODS, Charge, refund_refusal, refundable, refunded_by_charge
from hostaway_mcp.domain import ENDED_STATUSES, channel_name, ident, money, status_words, text
from hostaway_mcp.errors import NotFoundError
from hostaway_mcp.gateway import HostawayGateway, JSONObject
from hostaway_mcp.models.payments import PaymentResult, RefundResult
from hostaway_mcp.tools._lookups import fetch_reservation
from hostaway_mcp.tools._runtime import AppState, State
from hostaway_mcp.tools._validation import MAX_AMOUNT, BookingId, IsoDate, WholeId
from hostaway_mcp.tools.bookings import guest_full_name
from hostaway_mcp.tools.confirmation import ConfirmationForm, audited_planning
from hostaway_mcp.tools.payment_kinds import (
    BookingMoney,
    OfflinePayment,
    OfflineRefund,
    PaymentPlan,
    RefundPlan,
    RefundReason,
)
from hostaway_mcp.tools.payments import booking_charges
from hostaway_mcp.tools.writes import asker, carry_out, screened

PAYMENT = OfflinePayment()
REFUND = OfflineRefund()
MAX_TITLE_CHARS = 255
# The latest a date can be anywhere (UTC+14): a payment received later than that is in the future.
_MOST_AHEAD = dt.timedelta(hours=14)

PaymentMethod = Literal[
    "cash",
    "bank_transfer",
    "credit_card",
    "vcc",
    "paypal",
    "venmo",
    "bank_check",
    "ota",
    "other",
    "credit_card_online",
    "payment_link",
]
Amount = Annotated[float, Field(gt=0, le=MAX_AMOUNT, description="In the booking's currency, e.g. 120.50.")]
Confirm = Annotated[StrictBool, Field(description="true only after the user agreed to the preview.")]
AllowDuplicate = Annotated[
    StrictBool, Field(description="true only if the user wants the same one recorded again within 10 minutes.")
]

ONLINE_REFUSAL = (
    "Hostaway's API cannot charge a guest's card online or create a payment link: {method} charges are made by "
    "the payment provider, from the Hostaway dashboard or an auto-payment rule. record_payment records money "
    "received (or due) outside Hostaway: cash, bank transfer, a card taken on a terminal or by phone "
    "(credit_card), PayPal, Venmo, a cheque. Nothing was recorded."
)


async def _booking_money(gateway: HostawayGateway, booking_id: int) -> tuple[JSONObject, BookingMoney, list[Charge]]:
    reservation = await fetch_reservation(gateway, booking_id, includePayments=1)
    charges = await booking_charges(gateway, booking_id)
    booking = BookingMoney(
        booking_id=booking_id,
        guest_name=guest_full_name(reservation),
        property_name=text(reservation.get("listingName")),
        currency=text(reservation.get("currency")),
        remaining=money(reservation.get("remainingBalance")),
        charges_seen_max_id=max((c.id for c in charges), default=0),
    )
    return reservation, booking, charges


def _booking_warnings(reservation: JSONObject) -> list[str]:
    warnings = []
    status = text(reservation.get("status"))
    if status in ENDED_STATUSES:
        warnings.append(f"WARNING: this booking is {status_words(status)}: make sure the money is really for it.")
    channel = channel_name(reservation.get("channelId"), reservation.get("channelName"))
    if channel not in ("direct", "booking engine", "other"):
        warnings.append(
            f"This booking came through {channel}, which collects the guest's payment itself: record only money "
            "the guest paid you directly."
        )
    return warnings


def _scheduled(state: AppState, day: dt.date | None, paid: bool) -> str:
    """The charge's `scheduledDate`: noon UTC of the date (the same calendar day almost everywhere)."""
    latest_today = (state.now().astimezone(dt.UTC) + _MOST_AHEAD).date()
    chosen = day or state.now().astimezone(dt.UTC).date()
    if paid and chosen > latest_today:
        raise ToolError(
            f"date {chosen.isoformat()} is in the future, but paid=true records money already received. Use the "
            "day it was received, or paid=false for a payment still due on that date. Nothing was recorded."
        )
    return f"{chosen.isoformat()} 12:00:00"


async def _plan_payment(
    state: State,
    booking_id: int,
    amount: float,
    method: str,
    title: str,
    paid: bool,
    date: dt.date | None,
    allow_duplicate: bool,
) -> PaymentPlan:
    ids: dict[str, Any] = {"booking_id": booking_id, "amount": amount, "method": method}
    with audited_planning(state.settings, PAYMENT.tool, **ids):
        if method in ONLINE_METHODS:
            raise ToolError(ONLINE_REFUSAL.format(method=method))
        name = " ".join(title.split())
        if not name:
            raise ToolError("title is blank: name the payment, e.g. 'Cash at check-in'. Nothing was recorded.")
        scheduled = _scheduled(state, date, paid)
        reservation, booking, _ = await _booking_money(state.gateway, booking_id)
        warnings = _booking_warnings(reservation)
        if paid and booking.remaining is not None and amount > booking.remaining + 0.005:
            warnings.append(
                f"{amount:.2f} is more than the balance still owed ({booking.remaining:.2f} {booking.currency or ''})"
                ": the guest would have paid too much."
            )
        plan = PaymentPlan(
            booking=booking,
            amount=round(amount, 2),
            method=method,
            title=name,
            paid=paid,
            scheduled=scheduled,
            warnings=warnings,
        )
        return await screened(state, PAYMENT, plan, allow_duplicate)


_ask_payment = asker(_plan_payment)


async def record_payment(
    state: State,
    plan: Annotated[PaymentPlan, Resolve(_plan_payment)],
    answer: Annotated[ElicitationResult[ConfirmationForm], Resolve(_ask_payment)],
    booking_id: BookingId,
    amount: Amount,
    method: Annotated[
        PaymentMethod,
        Field(description="How the guest paid: cash, bank_transfer, credit_card (taken offline), paypal, ..."),
    ],
    title: Annotated[
        str,
        Field(min_length=1, max_length=MAX_TITLE_CHARS, description="e.g. 'Cash at check-in'."),
    ],
    paid: Annotated[StrictBool, Field(description="true: money received; false: a payment still due.")] = True,
    date: Annotated[IsoDate | None, Field(description="When it was paid, or is due (default: today).")] = None,
    confirm: Confirm = False,
    allow_duplicate: AllowDuplicate = False,
) -> PaymentResult:
    """Record a payment made outside Hostaway's card processing (cash at check-in, a bank transfer...).

    Online card charges and payment links cannot be created through Hostaway's API. The preview
    shows the amount and the balance before and after. Recorded at most once.
    """
    return await carry_out(state, PAYMENT, plan, answer, confirm, allow_duplicate=allow_duplicate)


async def _plan_refund(
    state: State, booking_id: int, charge_id: int, amount: float, reason: str, allow_duplicate: bool
) -> RefundPlan:
    ids: dict[str, Any] = {"booking_id": booking_id, "charge_id": charge_id, "amount": amount}
    with audited_planning(state.settings, REFUND.tool, **ids):
        reservation, booking, charges = await _booking_money(state.gateway, booking_id)
        charge = next((c for c in charges if c.id == charge_id), None)
        if charge is None:
            raise ToolError(await _not_this_bookings(state.gateway, booking_id, charge_id))
        refunded = refunded_by_charge(charges).get(charge.id, 0.0)
        refusal = refund_refusal(charge, refunded)
        if refusal is not None:
            raise ToolError(f"Cannot record this refund: {refusal}. Nothing was refunded.")
        left = refundable(charge, refunded)
        if amount > left + 0.005:
            raise ToolError(
                f"At most {left:.2f} {booking.currency or ''} of payment {charge.id} can still be refunded "
                f"({charge.amount:.2f} paid, {refunded:.2f} refunded already). Nothing was refunded."
            )
        plan = RefundPlan(
            booking=booking,
            charge=charge,
            refunded_before=refunded,
            amount=round(amount, 2),
            reason=reason,  # type: ignore[arg-type]
            warnings=_booking_warnings(reservation)[:1],
        )
        return await screened(state, REFUND, plan, allow_duplicate)


async def _not_this_bookings(gateway: HostawayGateway, booking_id: int, charge_id: int) -> str:
    """Why a charge id is not among the booking's charges: another booking's, or none at all."""
    try:
        owner = ident((await gateway.get(f"guestPayments/charges/{charge_id}")).object.get("reservationId"))
    except NotFoundError:
        owner = None
    where = f"it belongs to booking {owner}" if owner and owner != booking_id else "no such charge exists"
    return (
        f"Charge {charge_id} is not a charge of booking {booking_id} ({where}). Use get_booking_payments for "
        f"booking {booking_id} to find the charge id of the payment to refund. Nothing was refunded."
    )


_ask_refund = asker(_plan_refund)


async def record_refund(
    state: State,
    plan: Annotated[RefundPlan, Resolve(_plan_refund)],
    answer: Annotated[ElicitationResult[ConfirmationForm], Resolve(_ask_refund)],
    booking_id: BookingId,
    charge_id: Annotated[WholeId, Field(description="The payment to refund, from get_booking_payments.")],
    amount: Amount,
    reason: Annotated[RefundReason, Field(description="Why the money went back.")],
    confirm: Confirm = False,
    allow_duplicate: AllowDuplicate = False,
) -> RefundResult:
    """Record a refund you gave back yourself against an offline payment (partial refunds add up).

    Payments by card online or payment link are refunded by the payment provider (the Hostaway
    dashboard), not here: they are refused with the reason.
    """
    return await carry_out(state, REFUND, plan, answer, confirm, allow_duplicate=allow_duplicate)
