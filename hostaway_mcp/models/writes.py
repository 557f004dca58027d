"""Results of the write tools: a preview of exactly what would happen, or what was done."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from hostaway_mcp.models.common import GuestName, ResultModel
from hostaway_mcp.privacy import GUEST_NAME_NOTE

MessageChannel = Literal["email", "channel", "sms", "whatsapp"]


class GuestMessageResult(ResultModel):
    """A guest message: previewed (nothing sent), sent, found already sent, or declined by the user."""

    status: Literal["preview", "sent", "already_sent", "declined", "cancelled"] = Field(
        description="preview: nothing was sent yet; sent: the message was created in Hostaway; already_sent: an "
        "earlier attempt whose outcome was unknown turned out to have reached the thread, so nothing was sent "
        "again; declined/cancelled: the user said no in the confirmation form, nothing was sent."
    )
    booking_id: int
    booking_status: str | None = Field(
        default=None, description="The booking's status in words (confirmed, cancelled...)."
    )
    conversation_id: int
    recipient_name: GuestName = Field(description=f"The guest the message goes to. {GUEST_NAME_NOTE}")
    property_name: str | None
    arrival_date: date | None
    departure_date: date | None
    booking_channel: str = Field(description="Where the booking came from (airbnb, direct, ...).")
    channel: MessageChannel = Field(
        description="How it is delivered: channel = inside the booking platform's own thread; email, sms, whatsapp."
    )
    delivery: str = Field(description="The delivery route in words.")
    text: str = Field(description="The full message text, exactly as sent (or as it would be sent).")
    characters: int
    message_id: int | None = Field(default=None, description="The new message's id (status sent).")
    sent_at: str | None = Field(default=None, description="When Hostaway recorded it (UTC), status sent.")
    message_status: str | None = Field(
        default=None, description="Hostaway's delivery status of the new message (sent, awaiting, failed...)."
    )
    confirmed_by: Literal["form", "confirm"] | None = Field(
        default=None, description="form: the user confirmed in a form; confirm: called with confirm=true."
    )
    warnings: list[str] = Field(default_factory=list)
    next_step: str = Field(description="What to do now.")


class NightRun(ResultModel):
    """Consecutive nights with the same status, minimum stay and note (and price, when it is set)."""

    first_night: date
    last_night: date
    nights: int
    status: str = Field(description="available, blocked, booked or pending booking.")
    price: float | None = Field(description="Nightly price of each night; null when the nights' prices differ.")
    lowest_price: float | None = Field(default=None, description="When prices differ: the cheapest night.")
    highest_price: float | None = Field(default=None, description="When prices differ: the dearest night.")
    minimum_stay: int | None = Field(
        description="Minimum nights for a stay arriving on these nights; null when the nights differ."
    )
    note: str | None = None


class CalendarWriteResult(ResultModel):
    """A calendar change: previewed (nothing changed), updated, found applied, or declined by the user."""

    status: Literal["preview", "updated", "already_applied", "declined", "cancelled"] = Field(
        description="preview: nothing changed yet; updated: Hostaway applied it; already_applied: an earlier "
        "attempt whose outcome was unknown turned out to have been applied, so nothing was sent again; "
        "declined/cancelled: the user said no in the confirmation form, nothing changed."
    )
    action: Literal["block", "unblock", "update_rates"]
    property_id: int
    property_name: str
    currency: str | None
    start_date: date = Field(description="First night of the range.")
    end_date: date = Field(description="The morning after the last night (not itself changed).")
    first_night: date
    last_night: date
    nights: int
    change: str = Field(description="The change in words.")
    before: list[NightRun] = Field(description="The calendar of the range before the change.")
    after: list[NightRun] = Field(
        description="The calendar after the change: as Hostaway returned it (updated) or as it would be (preview)."
    )
    confirmed_by: Literal["form", "confirm"] | None = None
    warnings: list[str] = Field(default_factory=list)
    next_step: str = Field(description="What to do now.")
