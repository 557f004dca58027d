"""Automated messages queued in guest threads that have not gone out (yet, or ever).

Hostaway shows these only with `includeScheduledMessages=1` (hostaway-api.md §6), with statuses
`awaiting` (queued), `paused`, `failed`, `cancelled_by_user` and `cancelled_by_system`, and with
`originatedBy` "Automation #N". `conversations.py` already queues the check-in instructions of
upcoming stays (awaiting) and lets a few thank-you messages fail; this adds the rest a real
account shows:

- a check-out reminder queued for the evening before departure of upcoming and current stays;
- an early check-in offer its automation was paused on;
- a mid-stay check the host cancelled by hand (`cancelled_by_user`);
- the pre-arrival reminder of a booking that was cancelled (`cancelled_by_system`).

It draws from its own random stream, so the threads `conversations.py` generates stay the same;
a thread already at `MAX_MESSAGES` gets nothing more. New messages take ids above every generated one.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox import feedback_catalog as texts
from hostaway_mcp.sandbox.conversations import MAX_MESSAGES, build_message
from hostaway_mcp.sandbox.rand import parse_datetime

JsonDict = dict[str, Any]
_CONFIRMED = frozenset({"new", "modified"})


def _queued(
    reservation: JsonDict,
    listing: JsonDict,
    conversation: JsonDict,
    automation: texts.AutomationText,
    status: str,
    send: datetime,
    queued_at: datetime,
) -> JsonDict:
    words = {
        "first": reservation["guestFirstName"],
        "listing": listing["name"],
        "checkout": listing["checkOutTime"],
        "arrival": reservation["arrivalDate"],
    }
    channel_type = "channel" if reservation["channelId"] in catalog.OTA_CHANNELS else "email"
    message = build_message(
        account_id=conversation["accountId"],
        reservation=reservation,
        time_zone=listing["timeZoneName"],
        conversation_id=conversation["id"],
        message_id=0,
        body=automation.body.format(**words),
        incoming=False,
        communication_type=channel_type,
        automation="departure" if automation.event == "departure" else "arrival",
        subject=automation.subject,
        status=status,
        moment=send,
        inserted_at=queued_at,
    )
    message["communicationId"] = automation.automation_id
    message["originatedBy"] = f"Automation #{automation.automation_id}"
    message["communicationName"] = automation.subject
    return message


def _plan(
    rng: random.Random, reservation: JsonDict, listing: JsonDict, conversation: JsonDict, today: date
) -> list[JsonDict]:
    """The queued, paused or cancelled automated messages of one booking's thread."""
    arrival = date.fromisoformat(reservation["arrivalDate"])
    departure = date.fromisoformat(reservation["departureDate"])
    queued_at = parse_datetime(reservation["reservationDate"]) + timedelta(seconds=125)
    planned: list[JsonDict] = []

    def queue(automation: texts.AutomationText, status: str, day: date, hour: int) -> JsonDict:
        send = datetime.combine(day, time(hour))
        message = _queued(reservation, listing, conversation, automation, status, send, queued_at)
        planned.append(message)
        return message

    if reservation["status"] in _CONFIRMED and departure > today:
        if rng.random() < 0.5:
            queue(texts.CHECKOUT_REMINDER, "awaiting", departure - timedelta(days=1), 18)
        if arrival > today and rng.random() < 0.15:
            queue(texts.EARLY_CHECKIN_OFFER, "paused", arrival - timedelta(days=3), 9)
        if arrival > today and (departure - arrival).days >= 3 and rng.random() < 0.1:
            queue(texts.MIDSTAY_CHECK, "cancelled_by_user", arrival + timedelta(days=1), 12)
    elif reservation["status"] == "cancelled" and arrival > today and rng.random() < 0.7:
        message = queue(texts.PRE_ARRIVAL_REMINDER, "cancelled_by_system", arrival - timedelta(days=7), 10)
        message["updatedOn"] = reservation["cancellationDate"] or message["updatedOn"]
        message["reasonFailed"] = message["readableReasonFailed"] = "The reservation was cancelled."
    return planned


def add_queued_messages(
    seed: int,
    reservations_by_id: dict[int, JsonDict],
    listings_by_id: dict[int, JsonDict],
    conversations: list[JsonDict],
    messages: dict[int, list[JsonDict]],
    today: date,
) -> None:
    """Queue, pause and cancel automated messages in place; threads stay sorted oldest first."""
    rng = random.Random(f"{seed}:automations")
    next_id = max((m["id"] for thread in messages.values() for m in thread), default=280_000_000)
    for conversation in conversations:
        reservation = reservations_by_id[conversation["reservationId"]]
        listing = listings_by_id[reservation["listingMapId"]]
        thread = messages[conversation["id"]]
        planned = _plan(rng, reservation, listing, conversation, today)
        added = planned[: max(0, MAX_MESSAGES - len(thread))]  # threads keep the generator's size bound
        if not added:
            continue
        for message in added:
            next_id += rng.randint(1, 40)
            message["id"] = next_id
        thread.extend(added)
        thread.sort(key=lambda m: (m["date"], m["id"]))
