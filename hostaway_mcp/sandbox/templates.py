"""The account's own message templates, and how Hostaway fills their `{{placeholders}}` for a booking.

Shapes follow `_messageTemplate_messageTemplateObject.md`: `listingMapId`, `channelId`,
`messageTemplateGroupId` and `color` are strings in the docs' sample, and stay strings here.
`GET /messageTemplates` serves them as written (filled when `reservationId` is given);
`GET /reservations/{id}/messageTemplates` serves the ones that apply to the booking (no listing or
its listing, no channel or its channel; which templates Hostaway leaves out is UNCONFIRMED), filled.
A placeholder Hostaway cannot fill (a custom field the listing does not have) stays as written.
The check-in template fills in the door code and Wi-Fi password, as real accounts' templates do.
"""

from __future__ import annotations

import random
import re
from typing import Any

from hostaway_mcp.sandbox import feedback_catalog as texts

JsonDict = dict[str, Any]
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z0-9_]+)\s*\}\}")


def generate_templates(seed: int, account_id: int, listings: list[JsonDict]) -> list[JsonDict]:
    rng = random.Random(f"{seed}:templates")
    template_id = rng.randint(30_000, 60_000)
    templates = []
    for index, spec in enumerate(texts.MESSAGE_TEMPLATES):
        template_id += rng.randint(1, 90)
        listing_id = None
        if spec.listing_index is not None and spec.listing_index < len(listings):
            listing_id = str(listings[spec.listing_index]["id"])
        templates.append(
            {
                "id": template_id,
                "accountId": account_id,
                "listingMapId": listing_id,
                "channelId": None if spec.channel_id is None else str(spec.channel_id),
                "messageTemplateGroupId": spec.group_id,
                "name": spec.name,
                "description": spec.description,
                "message": spec.message,
                "color": str(index % 6 + 1),
            }
        )
    return templates


def applies(template: JsonDict, reservation: JsonDict) -> bool:
    listing, channel = template["listingMapId"], template["channelId"]
    return (listing is None or listing == str(reservation["listingMapId"])) and (
        channel is None or channel == str(reservation["channelId"])
    )


def _values(reservation: JsonDict, listing: JsonDict) -> dict[str, str]:
    return {
        "guest_name": reservation["guestName"] or "",
        "guest_first_name": reservation["guestFirstName"] or "",
        "guest_last_name": reservation["guestLastName"] or "",
        "listing_name": listing["name"],
        "listing_address": listing["address"],
        "check_in_date": reservation["arrivalDate"],
        "check_out_date": reservation["departureDate"],
        "check_in_time": f"{listing['checkInTimeStart']}:00",
        "check_out_time": f"{listing['checkOutTime']}:00",
        "number_of_guests": str(reservation["numberOfGuests"]),
        "confirmation_code": reservation["confirmationCode"] or "",
        "door_code": reservation["doorCode"] or "",
        "wifi_name": listing["wifiUsername"] or "",
        "wifi_password": listing["wifiPassword"] or "",
        "host_name": listing["contactName"] or "",
    }


def fill(text: str | None, reservation: JsonDict, listing: JsonDict) -> str | None:
    """`text` with every placeholder Hostaway knows replaced; unknown ones are left as written."""
    if text is None:
        return None
    values = _values(reservation, listing)
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def served(template: JsonDict, reservation: JsonDict | None, listing: JsonDict | None) -> JsonDict:
    """The template as the API returns it, filled when a booking is given."""
    body = dict(template)
    if reservation is not None and listing is not None:
        body["message"] = fill(template["message"], reservation, listing)
    return body
