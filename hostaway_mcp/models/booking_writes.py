"""Results of the booking writes: a preview of exactly what would happen, or what was done."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from hostaway_mcp.models.common import GuestName, ResultModel
from hostaway_mcp.models.quotes import PriceLine, PriceSummary

ConfirmedBy = Literal["form", "confirm"]


class NewBookingResult(ResultModel):
    """A new booking: previewed (nothing made), created, found already made, or declined by the user."""

    status: Literal["preview", "created", "already_created", "declined", "cancelled"] = Field(
        description="preview: nothing made yet; already_created: a lost earlier attempt made it (not sent again); "
        "declined/cancelled: the user said no, nothing made."
    )
    booking_id: int | None
    property_id: int
    property_name: str
    check_in: date
    check_out: date
    nights: int
    guests: int
    guest_name: GuestName
    guest_email: str | None
    guest_phone: str | None
    channel: Literal["direct", "partner"]
    currency: str | None
    total_price: float = Field(description="Hostaway's quote, taken just now.")
    price: PriceSummary
    lines: list[PriceLine]
    booked_total: float | None = Field(default=None, description="The total Hostaway recorded.")
    cancellation_policy: str | None
    overbooking: bool = Field(description="Booked over taken nights, on request.")
    confirmed_by: ConfirmedBy | None = None
    warnings: list[str] = Field(default_factory=list)
    next_step: str = Field(description="What to do now.")


class StayState(ResultModel):
    """A booking's dates, guests, note and total at one moment."""

    check_in: date | None
    check_out: date | None
    nights: int | None
    guests: int | None
    total_price: float | None
    notes: str | None = Field(description="The host's internal note.")


class BookingChangeResult(ResultModel):
    """A change to a booking: previewed (nothing changed), updated, found applied, or declined by the user."""

    status: Literal["preview", "updated", "already_updated", "declined", "cancelled"] = Field(
        description="preview: nothing changed yet; already_updated: a lost earlier attempt applied it (not sent "
        "again); declined/cancelled: the user said no, nothing changed."
    )
    booking_id: int
    property_id: int | None
    property_name: str | None
    guest_name: GuestName
    channel: str
    currency: str | None
    before: StayState
    after: StayState
    price_difference: float | None = Field(description="after minus before; null when the price stays.")
    finance_changes: list[str] = Field(description="Each price field's change (none is dropped).")
    confirmed_by: ConfirmedBy | None = None
    warnings: list[str] = Field(default_factory=list)
    next_step: str = Field(description="What to do now.")


class BookingCancelResult(ResultModel):
    """A cancellation: previewed (nothing changed), done, found done, or not confirmed by the user."""

    status: Literal["preview", "cancelled", "already_cancelled", "declined", "dismissed"] = Field(
        description="preview: nothing changed yet; already_cancelled: a lost earlier attempt cancelled it (not sent "
        "again); declined/dismissed: the user said no or closed the form, the booking stands."
    )
    booking_id: int
    property_id: int | None
    property_name: str | None
    guest_name: GuestName
    check_in: date | None
    check_out: date | None
    nights: int | None
    channel: str
    amount: float | None = Field(description="The booking's total.")
    currency: str | None
    cancellation_policy: str | None = Field(description="With its refund rules.")
    cancelled_by: Literal["host", "guest"]
    reaches_channel: str | None = Field(description="Channel bookings: whether it reaches the channel.")
    confirmed_by: ConfirmedBy | None = None
    warnings: list[str] = Field(default_factory=list)
    next_step: str = Field(description="What to do now.")
