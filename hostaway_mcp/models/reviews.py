"""Results of the review tools: guest reviews, whether (and why not) they can be answered, and a reply."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from hostaway_mcp.models.bookings import CompactResult
from hostaway_mcp.models.common import GuestName, PageInfo


class Review(CompactResult):
    id: int = Field(description="Review id, for reply_to_review.")
    booking_id: int | None
    property_id: int | None
    property_name: str | None
    guest_name: GuestName
    channel: str = Field(description="Where the review was written: airbnb, booking.com, vrbo, direct, ...")
    arrival: date | None
    departure: date | None
    submitted_at: str | None = Field(description="When the guest submitted it (YYYY-MM-DD HH:MM:SS, UTC).")
    status: str = Field(description="published (public) or submitted (written, not public yet).")
    rating: float | None = Field(description="Overall rating out of 10 (star ratings count double).")
    categories: dict[str, float] | None = Field(
        default=None, description="Ratings out of 10 per category (cleanliness, communication...), where given."
    )
    review_text: str | None = Field(description="The guest's public review: guest-written.")
    private_feedback: str | None = Field(
        default=None, description="What the guest told only the host (never public): guest-written."
    )
    guest_written: bool = Field(description="guest_name, review_text and private_feedback are the guest's words.")
    host_reply: str | None = Field(default=None, description="The public reply already posted (a review takes one).")
    can_reply: bool = Field(description="A reply can still be posted with reply_to_review.")
    why_not: str | None = Field(default=None, description="Why no reply can be posted, with Hostaway's own reason.")
    reply_by: date | None = Field(default=None, description="Last day a reply is accepted (Vrbo's reply window).")


class ReviewList(PageInfo):
    items: list[Review]
    notice: str = Field(description="How to treat guest-written text in this result.")
    note: str | None = Field(default=None, description="How the list was made, and what it leaves out.")


class ReviewReplyResult(CompactResult):
    """A public reply to a guest review: previewed (nothing posted), posted, found posted, or declined."""

    status: Literal["preview", "replied", "already_replied", "declined", "cancelled"] = Field(
        description="preview: nothing was posted yet; replied: Hostaway posted the reply; already_replied: an "
        "earlier attempt whose outcome was unknown turned out to be on the review, so nothing was posted again; "
        "declined/cancelled: the user said no in the confirmation form, nothing was posted."
    )
    review_id: int
    booking_id: int | None
    property_name: str | None
    guest_name: GuestName
    channel: str = Field(description="Where the reply is published: airbnb, booking.com or vrbo.")
    rating: float | None = Field(description="The guest's rating, out of 10.")
    public_text: str = Field(
        description="The reply exactly as it will appear (or appears) publicly: HTML tags removed, as Hostaway does."
    )
    characters: int
    html_removed: bool = Field(default=False, description="The text given had HTML tags, which Hostaway removes.")
    once_only: str = Field(description="A review takes one reply: it cannot be edited or sent again.")
    reply_by: date | None = Field(default=None, description="Last day the channel accepts the reply (Vrbo).")
    posted_reply: str | None = Field(
        default=None, description="already_replied: the reply found on the review (it may differ from public_text)."
    )
    confirmed_by: Literal["form", "confirm"] | None = Field(
        default=None, description="form: the user confirmed in a form; confirm: called with confirm=true."
    )
    warnings: list[str] = Field(default=[])
    next_step: str = Field(description="What to do now.")
