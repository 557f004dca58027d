"""Results of the payment tools: a booking's charges, who still owes us, and the payment writes."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from hostaway_mcp.models.bookings import CompactResult
from hostaway_mcp.models.common import GuestName, PageInfo, ResultModel

ConfirmedBy = Literal["form", "confirm"]


class ChargeLine(CompactResult):
    """One charge: a payment asked for or received, a hold on the card, or a refund."""

    charge_id: int
    kind: str = Field(description="payment, deposit hold (not a payment) or refund.")
    title: str | None
    method: str | None = Field(description="How it was paid: card charged online, payment link, cash, ...")
    status: str = Field(description="paid, due, failed: still owed, cancelled, refunded, held on the card, ...")
    amount: float = Field(description="In the booking's currency; refunds are negative, as Hostaway keeps them.")
    currency: str | None = Field(default=None, description="Only when it differs from the booking's: not added up.")
    description: str | None = Field(default=None, description="Staff's note; card details withheld.")
    scheduled: str | None = Field(default=None, description="When it is (or was) due, UTC; left out when charged then.")
    charged: str | None = Field(default=None, description="When it was paid or refunded, UTC.")
    refunded: float | None = Field(default=None, description="How much of this payment was refunded so far.")
    refund_of: int | None = Field(default=None, description="The payment this refund is for.")
    refundable: float | None = Field(
        default=None, description="What record_refund can still refund (offline payments); null otherwise."
    )
    note: str | None = Field(default=None, description="Why it failed, or why it cannot be refunded here.")


class BookingPayments(CompactResult):
    booking_id: int
    property_name: str | None
    guest_name: GuestName
    arrival: date | None
    departure: date | None
    status: str
    channel: str
    currency: str | None
    total_price: float | None
    paid: float = Field(description="Payments received.")
    refunded: float = Field(description="Refunded to the guest (a positive amount).")
    due: float = Field(description="Payments still asked for: due or failed charges.")
    held: float = Field(default=0.0, description="Held on the card as a deposit; not a payment.")
    remaining_balance: float | None = Field(
        description="What the guest still owes, as Hostaway reports it (computed from the charges if it does not)."
    )
    payment_status: str | None = Field(default=None, description="Hostaway's words: Paid, Partially paid, Unpaid.")
    charges: list[ChargeLine] = Field(description="Oldest first.")
    notes: list[str] = Field(default_factory=list)


class DueCharge(CompactResult):
    charge_id: int
    amount: float
    status: str = Field(description="due, or failed: still owed (the card was declined).")
    scheduled: str | None = Field(default=None, description="When it is (or was) due, UTC.")


class UnpaidBalance(CompactResult):
    booking_id: int
    property_id: int | None
    property_name: str | None
    guest_name: GuestName
    arrival: date | None
    departure: date | None
    status: str
    channel: str
    currency: str | None
    total_price: float | None
    paid: float = Field(description="Received so far, less refunds.")
    remaining: float = Field(description="What the guest still owes, in `currency`.")
    due_charges: list[DueCharge] = Field(default_factory=list, description="Charges still asking for the money.")


class CurrencyBalance(ResultModel):
    currency: str | None
    bookings: int
    remaining: float = Field(description="Owed in this currency; never add rows of different currencies.")


class UnpaidBalances(PageInfo):
    start_date: date
    end_date: date
    items: list[UnpaidBalance] = Field(description="Largest balance first, within each currency.")
    totals: list[CurrencyBalance] = Field(description="One row per currency.")
    bookings_checked: int = Field(description="Bookings arriving in the period that were checked.")
    note: str | None = None


# -- writes ------------------------------------------------------------------------------------------------


class PaymentResult(CompactResult):
    """record_payment: previewed (nothing recorded), recorded, found recorded, or declined."""

    status: Literal["preview", "recorded", "already_recorded", "declined", "cancelled"] = Field(
        description="preview: nothing recorded yet; recorded: Hostaway has the charge; already_recorded: an "
        "earlier attempt whose outcome was unknown turned out to be there, so nothing was sent again; "
        "declined/cancelled: the user said no, nothing was recorded."
    )
    booking_id: int
    guest_name: GuestName
    property_name: str | None
    currency: str | None
    amount: float
    method: str
    title: str
    charge_status: Literal["paid", "awaiting"] = Field(description="paid: money received; awaiting: still due.")
    scheduled: str = Field(description="The charge's date sent to Hostaway (UTC).")
    remaining_before: float | None = Field(default=None, description="The guest's balance before this payment.")
    remaining_after: float | None = Field(default=None, description="The balance once it is recorded.")
    charge_id: int | None = Field(default=None, description="The new charge's id (recorded, already_recorded).")
    confirmed_by: ConfirmedBy | None = None
    warnings: list[str] = Field(default_factory=list)
    next_step: str


class RefundResult(CompactResult):
    """record_refund: previewed (nothing refunded), recorded, found recorded, or declined."""

    status: Literal["preview", "refunded", "already_refunded", "declined", "cancelled"] = Field(
        description="preview: nothing recorded yet; refunded: Hostaway has the refund; already_refunded: an "
        "earlier attempt whose outcome was unknown turned out to be there, so nothing was sent again; "
        "declined/cancelled: the user said no."
    )
    booking_id: int
    guest_name: GuestName
    charge_id: int
    charge_title: str | None
    method: str | None
    currency: str | None
    charge_amount: float = Field(description="What the refunded payment was.")
    refunded_before: float = Field(description="Refunded of it before this refund.")
    amount: float = Field(description="This refund, a positive amount; Hostaway stores it as a negative charge.")
    reason: str
    refundable_after: float = Field(description="What stays refundable of the payment after this refund.")
    refund_id: int | None = Field(default=None, description="The refund charge's id.")
    confirmed_by: ConfirmedBy | None = None
    warnings: list[str] = Field(default_factory=list)
    next_step: str
