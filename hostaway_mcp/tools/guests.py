"""Guest tool: who the guest of a booking is and how to reach them.

Hostaway has no guest records (no `/guests` endpoint): the guest lives on the reservation, and
"the same guest" can only mean "the same guest email".
"""

from __future__ import annotations

from hostaway_mcp.domain import channel_name, text, whole
from hostaway_mcp.models.bookings import GuestInfo
from hostaway_mcp.privacy import guest_name
from hostaway_mcp.tools._lookups import fetch_reservation
from hostaway_mcp.tools._runtime import State
from hostaway_mcp.tools._validation import BookingId
from hostaway_mcp.tools.bookings import guest_full_name


async def get_guest_info(state: State, booking_id: BookingId) -> GuestInfo:
    """Get the contact details and profile of a booking's guest: email, phone, country, language.

    other_bookings counts bookings with the same email: has this guest stayed before?
    """
    reservation = await fetch_reservation(state.gateway, booking_id)
    email = text(reservation.get("guestEmail"))
    other: int | None = None
    note: str | None = None
    if email:
        # One extra call: the list's `count` is the number of bookings with this email.
        same = await state.gateway.get("reservations", {"guestEmail": email, "limit": 1, "offset": 0})
        count = same.count if same.count is not None else len(same.items)
        other = max(count - 1, 0)
    else:
        note = "The booking has no guest email (common for Airbnb), so other bookings by this guest cannot be counted."
    return GuestInfo(
        booking_id=booking_id,
        name=guest_full_name(reservation),
        first_name=guest_name(reservation.get("guestFirstName")),
        last_name=guest_name(reservation.get("guestLastName")),
        email=email,
        phone=text(reservation.get("phone")),
        country=text(reservation.get("guestCountry")),
        city=text(reservation.get("guestCity")),
        language=text(reservation.get("guestLocale")) or text(reservation.get("localeForMessaging")),
        guests=whole(reservation.get("numberOfGuests")),
        channel=channel_name(reservation.get("channelId"), reservation.get("channelName")),
        other_bookings=other,
        note=note,
    )
