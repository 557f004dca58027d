"""Results of the booking-context tools: a booking's change log and its ready-made reply templates."""

from __future__ import annotations

from pydantic import Field

from hostaway_mcp.models.bookings import CompactResult
from hostaway_mcp.models.common import GuestName


class Change(CompactResult):
    at: str | None = Field(description="When it changed (YYYY-MM-DD HH:MM:SS, UTC).")
    field: str = Field(description="What changed, as the dashboard labels it.")
    area: str = Field(default="booking", description="booking, finance field or finance formula.")
    before: str | None = Field(description="The value before; null when it was empty.")
    after: str | None = Field(description="The value after; null when it was emptied.")
    by: str = Field(description="The team member's name, or who else made the change (channel, system).")


class BookingHistory(CompactResult):
    booking_id: int
    changes: list[Change] = Field(description="Newest first.")
    total: int = Field(description="Changes in the whole log.")
    withheld: str | None = Field(default=None, description="What was left out of this result, and why.")
    note: str | None = None


class ReplyTemplate(CompactResult):
    id: int | None
    name: str
    description: str | None = None
    text: str = Field(description="The template filled in for this booking.")
    unfilled: list[str] = Field(default=[], description="Placeholders Hostaway could not fill: replace or remove them.")
    only_for: str | None = Field(default=None, description="The channel or property the template is limited to.")


class ReplyTemplates(CompactResult):
    booking_id: int
    guest_name: GuestName
    property_name: str | None
    templates: list[ReplyTemplate]
    total: int = Field(description="Templates that apply to this booking.")
    withheld: str | None = Field(default=None, description="What was left out of this result, and why.")
    note: str | None = None
