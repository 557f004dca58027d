"""Fetching one booking, property or conversation, with not-found errors that say what to do."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

from hostaway_mcp.calendar import read_days
from hostaway_mcp.domain import ident
from hostaway_mcp.errors import NotFoundError
from hostaway_mcp.gateway import HostawayGateway, JSONObject


async def fetch_reservation(gateway: HostawayGateway, booking_id: int, **params: Any) -> JSONObject:
    try:
        reservation = (await gateway.get(f"reservations/{booking_id}", params or None)).result
    except NotFoundError:
        raise ToolError(f"Booking {booking_id} not found: use search_bookings to find the booking id.") from None
    if not isinstance(reservation, dict) or not reservation:
        raise ToolError(f"Booking {booking_id} not found: use search_bookings to find the booking id.")
    return reservation


async def fetch_listing(gateway: HostawayGateway, property_id: int, **params: Any) -> JSONObject:
    try:
        listing = (await gateway.get(f"listings/{property_id}", params or None)).result
    except NotFoundError:
        raise ToolError(f"Property {property_id} not found: use list_properties to find the property id.") from None
    if not isinstance(listing, dict) or not listing:
        raise ToolError(f"Property {property_id} not found: use list_properties to find the property id.")
    return listing


async def fetch_listing_and_days(
    gateway: HostawayGateway, property_id: int, first: date, last: date
) -> tuple[JSONObject, dict[date, JSONObject]]:
    """A property and its calendar days `[first, last]`, read at once (two calls side by side)."""
    listing, days = await asyncio.gather(
        fetch_listing(gateway, property_id, includeResources=0),
        read_days(gateway, property_id, first, last),
        return_exceptions=True,
    )
    if isinstance(listing, BaseException):
        raise listing
    if isinstance(days, NotFoundError):
        raise ToolError(f"Property {property_id} not found: use list_properties to find the property id.")
    if isinstance(days, BaseException):
        raise days
    return listing, days


async def find_conversation(gateway: HostawayGateway, booking_id: int) -> JSONObject | None:
    """The booking's guest conversation, or None when the booking has none yet.

    `GET /conversations?reservationId=` is the documented lookup; one call.
    """
    page = await gateway.get("conversations", {"reservationId": booking_id, "limit": 5, "includeResources": 0})
    matches = [c for c in page.items if ident(c.get("reservationId")) == booking_id and ident(c.get("id"))]
    if not matches:
        return None
    # A booking normally has one conversation; if Hostaway returns several, use the newest.
    return max(matches, key=lambda c: (str(c.get("messageReceivedOn") or ""), ident(c.get("id")) or 0))
