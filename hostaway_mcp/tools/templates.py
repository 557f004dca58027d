"""The account's own message templates, filled in for one booking: the house style for a reply.

`GET /reservations/{id}/messageTemplates` returns the templates with their placeholders filled
for the booking (hostaway-api-2026.md §1.10). Filled templates can hold the door code and the
Wi-Fi password, so the booking's and its property's access values are masked wherever they
appear unless the operator shares access details. A placeholder Hostaway could not fill is
listed, so a draft never sends "{{...}}" to a guest.
"""

from __future__ import annotations

import asyncio
import re

from hostaway_mcp.domain import channel_name, ident, known_listing_name, text
from hostaway_mcp.gateway import JSONObject
from hostaway_mcp.models.history import ReplyTemplate, ReplyTemplates
from hostaway_mcp.privacy import ACCESS_IN_TEXT_NOTE, LISTING_ACCESS_FIELDS, AccessGuard
from hostaway_mcp.tools._lookups import fetch_listing, fetch_reservation
from hostaway_mcp.tools._runtime import State
from hostaway_mcp.tools._validation import BookingId
from hostaway_mcp.tools.booking_details import known_access_values
from hostaway_mcp.tools.bookings import guest_full_name

MAX_TEMPLATES = 50
_PLACEHOLDER = re.compile(r"\{\{\s*[^{}\s]+\s*\}\}")
NOTE = (
    "The account's own templates, filled in for this booking: adapt one for a reply rather than writing from "
    "scratch, and replace or remove anything listed in `unfilled` before sending."
)


def _only_for(template: JSONObject, property_name: str | None) -> str | None:
    channel_id = ident(template.get("channelId"))
    if channel_id:
        return f"{channel_name(channel_id)} bookings"
    if ident(template.get("listingMapId")):
        return property_name or f"property {ident(template.get('listingMapId'))}"
    return None


async def get_reply_templates(state: State, booking_id: BookingId) -> ReplyTemplates:
    """Get the account's message templates filled in for a booking: their names and ready-to-adapt text.

    Use it before drafting a guest reply, so the draft follows the house style and facts the
    team already wrote down. The booking id comes from search_bookings or list_guest_inbox.
    """
    gateway = state.gateway
    reservation = await fetch_reservation(gateway, booking_id)  # not found -> "use search_bookings"
    property_id = ident(reservation.get("listingMapId"))
    listing: JSONObject = {}
    if property_id is not None:
        page, listing = await asyncio.gather(
            gateway.get(f"reservations/{booking_id}/messageTemplates"),
            fetch_listing(gateway, property_id),
        )
    else:
        page = await gateway.get(f"reservations/{booking_id}/messageTemplates")
    listing_secrets = tuple(str(listing[name]) for name in LISTING_ACCESS_FIELDS if listing.get(name))
    guard = AccessGuard(state.settings.share_access_details, known_access_values(reservation) + listing_secrets)
    property_name = known_listing_name(listing, reservation)
    templates = []
    for raw in page.items[:MAX_TEMPLATES]:
        filled = guard(raw.get("message"))
        if filled is None:
            continue
        templates.append(
            ReplyTemplate(
                id=ident(raw.get("id")),
                name=text(raw.get("name")) or f"Template {raw.get('id')}",
                description=text(raw.get("description")),
                text=filled,
                unfilled=sorted(set(_PLACEHOLDER.findall(filled))),
                only_for=_only_for(raw, property_name),
            )
        )
    total = len(page.items)
    note = NOTE if templates else "The account has no message templates for this booking."
    if total > MAX_TEMPLATES:
        note += f" The first {MAX_TEMPLATES} of {total} templates."
    return ReplyTemplates(
        booking_id=booking_id,
        guest_name=guest_full_name(reservation),
        property_name=property_name,
        templates=templates,
        total=total,
        withheld=ACCESS_IN_TEXT_NOTE if guard.withheld else None,
        note=note,
    )
