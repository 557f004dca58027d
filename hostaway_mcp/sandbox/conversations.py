"""Generates guest conversations: 1 to 8 messages per thread, both ways, on the booking's channel.

A thread follows the booking's life (inquiry, confirmation, questions, check-in instructions,
stay, thanks). Check-in instructions carry the door code and Wi-Fi password, as real automated
messages do, so message-reading tools must redact them. Some threads end with an unanswered guest
message (most unread, a few read); exactly one of those holds a prompt-injection attempt.
"""

# Over 400 lines on purpose: one idea, generating a thread that follows its booking's life; the
# event helpers serve only `generate_conversations`, and the wire shape it emits sits beside it.

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox.rand import fmt_datetime, hex_string, parse_datetime

JsonDict = dict[str, Any]
MAX_MESSAGES = 8
_INQUIRY_LIKE = frozenset(
    {
        "inquiry",
        "inquiryPreapproved",
        "inquiryNotPossible",
        "inquiryTimedout",
        "inquiryDenied",
        "declined",
        "expired",
        "pending",
    }
)
_BOOKED = frozenset({"new", "modified", "pending", "awaitingPayment", "cancelled"})
_AUTOMATION_IDS = {"reservation": 292_150, "arrival": 292_158, "departure": 292_163}
_FAILED_REASON = "The channel rejected the message: the conversation thread was not found."


@dataclass
class _Event:
    at: datetime
    incoming: bool
    body: str | None  # None: a message of attachments only
    status: str = "sent"
    automation: str | None = None  # communicationEvent of an automated message
    subject: str | None = None
    drop_rank: int = 0  # optional groups are dropped from the highest rank down to fit MAX_MESSAGES
    inserted_at: datetime | None = None
    attachments: list[JsonDict] | None = None  # without ids yet (given with the message ids)


def message_hash(conversation_id: int, body: str | None, moment: str) -> str:
    return hashlib.md5(f"{conversation_id}|{moment}|{body or ''}".encode(), usedforsecurity=False).hexdigest()


# Every key of a real message object, in the real order, with the values most messages share.
_MESSAGE_TEMPLATE: JsonDict = dict.fromkeys(
    (
        "id", "accountId", "userId", "listingMapId", "reservationId", "channelId", "conversationId",
        "communicationId", "whatsappTemplateId", "whatsappBusinessTemplateId", "airbnbThreadMessageId",
        "channelThreadMessageId", "ccEmail1", "ccEmail2", "subject", "body", "imagesUrls",
        "bookingcomSubthreadId", "isIncoming", "isSeen", "isSeenBy", "originatedBy", "isSeenAt",
        "sentUsingHostaway", "hash", "objectKey", "listingTimeZoneName", "communicationEvent",
        "communicationTimeDelta", "communicationTimeDeltaSeconds", "communicationApplyListingTimeZone",
        "communicationAlwaysTrigger", "status", "date", "sentToChannelDate", "sentToChannelAttemptDate",
        "messageSource", "communicationType", "reasonFailed", "readableReasonFailed", "isUnique",
        "isUniquePerCommunication", "retryCount", "insertedOn", "updatedOn", "notUpdateOnReservationChange",
        "Reservation", "ListingMap", "Conversation", "communicationName", "attachments",
        "twilioMessageIdConversationMessageId", "whatsAppMessageIdConversationMessageId", "attachment",
        "conversationMessageNote", "conversationSnooze", "conversationArchive",
    )
)  # fmt: skip
_MESSAGE_TEMPLATE.update(isUniquePerCommunication=1, retryCount=0, communicationTimeDeltaSeconds=0)


def build_message(
    *,
    account_id: int,
    reservation: JsonDict,
    time_zone: str,
    conversation_id: int,
    message_id: int,
    body: str | None,
    incoming: bool,
    status: str,
    moment: datetime,
    inserted_at: datetime,
    communication_type: str,
    automation: str | None = None,
    subject: str | None = None,
    thread_message_id: str | None = None,
    attachments: list[JsonDict] | None = None,
) -> JsonDict:
    """One message object with the real key set ([D:_conversation_conversationMessageObject] + SH)."""
    channel = reservation["channelId"]
    on_channel = communication_type == "channel"
    when = fmt_datetime(moment)
    inserted = when if inserted_at == moment else fmt_datetime(inserted_at)
    message = _MESSAGE_TEMPLATE.copy()
    message.update(
        {
            "id": message_id,
            "accountId": account_id,
            "listingMapId": reservation["listingMapId"],
            "reservationId": reservation["id"],
            "channelId": channel,
            "conversationId": conversation_id,
            "subject": subject,
            "body": body,
            "isIncoming": 1 if incoming else 0,
            "isSeen": 0 if incoming else 1,
            "sentUsingHostaway": 0 if incoming else 1,
            "hash": message_hash(conversation_id, body, when),
            "listingTimeZoneName": time_zone,
            "status": status,
            "date": when,
            "communicationType": communication_type,
            "insertedOn": inserted,
            "updatedOn": inserted if status == "awaiting" else when,
            "attachments": attachments if attachments is not None else [],
            "conversationMessageNote": [],
            "conversationSnooze": [],
            "conversationArchive": [],
        }
    )
    if incoming:
        message["originatedBy"] = "system"
        message["messageSource"] = catalog.CHANNEL_NAMES[channel] if on_channel else None
    elif automation:
        automation_id = _AUTOMATION_IDS[automation]
        message["communicationId"] = automation_id
        message["originatedBy"] = f"Automation #{automation_id}"
        message["messageSource"] = "pre-generated"
        message["communicationEvent"] = automation
        message["communicationTimeDeltaSeconds"] = -172_800 if automation == "arrival" else 0
        message["communicationApplyListingTimeZone"] = message["communicationAlwaysTrigger"] = 1
    else:
        message["messageSource"] = "Dashboard"
    if on_channel and status == "sent":
        message["channelThreadMessageId"] = thread_message_id
    if on_channel and not incoming and status in ("sent", "failed"):
        message["sentToChannelAttemptDate"] = fmt_datetime(moment + timedelta(seconds=1))
        if status == "sent":
            message["sentToChannelDate"] = fmt_datetime(moment + timedelta(seconds=3))
    if status == "failed":
        message["reasonFailed"] = message["readableReasonFailed"] = _FAILED_REASON
        message["retryCount"] = 3
    return message


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max((end - start).total_seconds(), 1.0)
    return start + timedelta(seconds=round(span * rng.random()))


def _events(
    rng: random.Random, reservation: JsonDict, listing: JsonDict, today: date, ceiling: datetime
) -> list[_Event]:
    status = reservation["status"]
    first = reservation["guestFirstName"]
    arrival = date.fromisoformat(reservation["arrivalDate"])
    departure = date.fromisoformat(reservation["departureDate"])
    arrival_dt = datetime.combine(arrival, time(15))
    booked = parse_datetime(reservation["reservationDate"])
    words = {
        "first": first,
        "listing": listing["name"],
        "arrival": reservation["arrivalDate"],
        "departure": reservation["departureDate"],
        "guests": reservation["numberOfGuests"],
        "address": listing["address"],
        "door": reservation["doorCode"],
        "wifi_name": listing["wifiUsername"],
        "wifi_password": listing["wifiPassword"],
        "checkin": listing["checkInTimeStart"],
        "checkout": listing["checkOutTime"],
        "host": listing["contactName"],
    }
    events: list[_Event] = []
    if status in _INQUIRY_LIKE or rng.random() < 0.15:
        events.append(
            _Event(booked + timedelta(seconds=30), True, rng.choice(catalog.INQUIRY_MESSAGES).format(**words))
        )
        if status != "inquiry" or rng.random() < 0.6:
            reply = catalog.INQUIRY_REPLIES[1 if status in {"inquiryNotPossible", "inquiryDenied", "declined"} else 0]
            at = booked + timedelta(minutes=rng.randint(10, 360))
            events.append(_Event(at, False, reply.format(**words)))
    if status in _BOOKED and status != "pending":
        text = rng.choice(catalog.BOOKING_CONFIRMATIONS).format(**words)
        events.append(_Event(booked + timedelta(seconds=120), False, text, automation="reservation"))
    if status in _BOOKED and rng.random() < 0.45:
        question, answer = rng.choice(catalog.GUEST_QUESTIONS)
        asked = _between(rng, booked + timedelta(hours=1), max(min(arrival_dt, ceiling), booked + timedelta(hours=2)))
        events.append(_Event(asked, True, question, drop_rank=1))
        events.append(
            _Event(asked + timedelta(minutes=rng.randint(10, 180)), False, answer.format(**words), drop_rank=1)
        )
    if status == "cancelled" and reservation["cancellationDate"]:
        cancelled = parse_datetime(reservation["cancellationDate"])
        question, answer = catalog.CANCELLATION_MESSAGES[0]
        events.append(_Event(cancelled - timedelta(minutes=10), True, question))
        events.append(_Event(cancelled + timedelta(hours=1), False, answer.format(**words)))
    if status in {"new", "modified"}:
        checkin_at = max(datetime.combine(arrival - timedelta(days=2), time(10)), booked + timedelta(minutes=10))
        text = catalog.CHECKIN_INSTRUCTIONS.format(**words)
        if checkin_at <= ceiling:
            events.append(_Event(checkin_at, False, text, automation="arrival", subject="Check-in instructions"))
        elif (arrival - today).days <= 45:
            events.append(
                _Event(
                    checkin_at,
                    False,
                    text,
                    status="awaiting",
                    automation="arrival",
                    subject="Check-in instructions",
                    inserted_at=booked + timedelta(seconds=121),
                )
            )
        if arrival_dt + timedelta(hours=7) <= ceiling and rng.random() < 0.5:
            question, answer = rng.choice(catalog.GUEST_STAY_MESSAGES)
            asked = arrival_dt + timedelta(minutes=rng.randint(60, 360))
            events.append(_Event(asked, True, question, drop_rank=2))
            events.append(
                _Event(asked + timedelta(minutes=rng.randint(5, 60)), False, answer.format(**words), drop_rank=2)
            )
        thanks_at = datetime.combine(departure + timedelta(days=1), time(11))
        if thanks_at <= ceiling:
            failed = rng.random() < 0.04
            events.append(
                _Event(
                    thanks_at,
                    False,
                    rng.choice(catalog.CHECKOUT_THANKS).format(**words),
                    status="failed" if failed else "sent",
                    automation="departure",
                )
            )
            reply_at = thanks_at + timedelta(hours=rng.randint(2, 20))
            if reply_at <= ceiling and rng.random() < 0.5:
                events.append(_Event(reply_at, True, rng.choice(catalog.GUEST_THANKS), drop_rank=3))
    events = [e for e in events if e.status == "awaiting" or e.at <= ceiling]
    events.sort(key=lambda e: e.at)
    return events


def _fit(events: list[_Event], limit: int) -> list[_Event]:
    rank = 3
    while len(events) > limit and rank > 0:
        events = [e for e in events if e.drop_rank != rank]
        rank -= 1
    return events[:limit]


def _attachment(rng: random.Random, *, public: bool) -> JsonDict:
    """One attachment as a message carries it; `id`/`conversationMessageId` come with the ids."""
    stem, extension, mime, is_image = rng.choice(catalog.ATTACHMENT_FILES)
    name = f"{stem.format(n=rng.randint(1000, 9999))}.{extension}"
    url = f"{catalog.ATTACHMENT_HOST}/{hex_string(rng, 32)}/{name}"
    if not public:
        # A private file is served through a signed link that expires after 7 days.
        url += f"?X-Amz-Expires=604800&X-Amz-Signature={hex_string(rng, 64)}"
    return {
        "id": None,
        "conversationMessageId": None,
        "name": name,
        "url": url,
        "extension": extension,
        "mimeType": mime,
        "isImage": 1 if is_image else 0,
        "isPublic": 1 if public else 0,
    }


def _long_thread(rng: random.Random, events: list[_Event], ceiling: datetime) -> list[_Event]:
    """Exactly LONG_THREAD_MESSAGES messages: the daily life of a long stay between the real ones."""
    fillers = catalog.LONG_THREAD_MESSAGES - len(events)
    start = events[0].at + timedelta(minutes=5)
    end = min(events[-1].at, ceiling) - timedelta(minutes=5)
    step = max((end - start).total_seconds() / max(fillers, 1), 1.0)
    extra: list[_Event] = []
    for n in range(fillers):
        at = start + timedelta(seconds=round(step * n))
        incoming = n % 2 == 0
        if incoming and n % 150 == 0:  # now and then a photo or a document, and nothing else
            extra.append(_Event(at, True, None, attachments=[_attachment(rng, public=n % 300 == 0)]))
            continue
        lines = catalog.LONG_THREAD_GUEST_LINES if incoming else catalog.LONG_THREAD_HOST_LINES
        extra.append(_Event(at, incoming, rng.choice(lines)))
    return sorted([*events, *extra], key=lambda e: e.at)


def _with_real_account_shapes(
    seed: int, threads: list[tuple[JsonDict, list[_Event], bool]], today: date, ceiling: datetime
) -> list[tuple[JsonDict, list[_Event], bool]]:
    """Shapes real accounts have and a tidy generator would not: one thread of
    LONG_THREAD_MESSAGES, and guest messages that carry only attachments (`body` null), some
    public and some behind expiring private links. Own random stream: the rest is unchanged."""
    rng = random.Random(f"{seed}:real-account-threads")
    long_candidates = [
        i
        for i, (reservation, events, awaiting) in enumerate(threads)
        if reservation["status"] in {"new", "modified"}
        and not awaiting
        and len(events) >= 2
        and date.fromisoformat(reservation["arrivalDate"]) < today
    ]
    long_index = max(long_candidates, key=lambda i: (threads[i][0]["nights"], threads[i][0]["id"]), default=-1)
    shaped = []
    for index, (reservation, events, awaiting) in enumerate(threads):
        if index == long_index:
            events = _long_thread(rng, events, ceiling)
        else:
            # The last message of a waiting thread stays text: it is what the inbox shows.
            last = len(events) - 1 if awaiting else len(events)
            events = [
                _Event(e.at, True, None, attachments=[_attachment(rng, public=rng.random() < 0.5)])
                if e.incoming and e.status == "sent" and i < last and rng.random() < 0.04
                else e
                for i, e in enumerate(events)
            ]
        shaped.append((reservation, events, awaiting))
    return shaped


def _awaiting_candidate(reservation: JsonDict, today: date, ceiling: datetime) -> bool:
    status = reservation["status"]
    arrival = date.fromisoformat(reservation["arrivalDate"])
    if status in {"new", "modified", "pending", "awaitingPayment"}:
        return -3 <= (arrival - today).days <= 30
    if status == "inquiry":
        booked = parse_datetime(reservation["reservationDate"])
        return ceiling - booked <= timedelta(days=10)
    return False


def generate_conversations(
    seed: int,
    account_id: int,
    reservations: list[JsonDict],
    listings_by_id: dict[int, JsonDict],
    today: date,
    generated_at: datetime,
) -> tuple[list[JsonDict], dict[int, list[JsonDict]]]:
    """Conversations for most reservations, their messages, and activity stamps on reservations."""
    rng = random.Random(f"{seed}:conversations")
    ceiling = generated_at - timedelta(seconds=60)
    conversation_id = rng.randint(20_000_000, 30_000_000)
    threads: list[tuple[JsonDict, list[_Event], bool]] = []
    for reservation in reservations:
        status = reservation["status"]
        if status == "ownerStay":
            continue
        if rng.random() > (0.85 if status.startswith("inquiry") else 0.92):
            continue
        events = _events(rng, reservation, listings_by_id[reservation["listingMapId"]], today, ceiling)
        awaiting = _awaiting_candidate(reservation, today, ceiling) and rng.random() < 0.35
        events = _fit(events, MAX_MESSAGES - 1 if awaiting else MAX_MESSAGES)
        if not events:
            continue
        threads.append((reservation, events, awaiting))

    if not any(awaiting for _, _, awaiting in threads) and threads:
        pick = max(range(len(threads)), key=lambda i: threads[i][0]["arrivalDate"])
        reservation, events, _ = threads[pick]
        threads[pick] = (reservation, _fit(events, MAX_MESSAGES - 1), True)
    awaiting_indexes = [i for i, (_, _, awaiting) in enumerate(threads) if awaiting]
    injected = rng.choice(awaiting_indexes) if awaiting_indexes else -1
    threads = _with_real_account_shapes(seed, threads, today, ceiling)

    conversations: list[JsonDict] = []
    messages: dict[int, list[JsonDict]] = {}
    pending_ids: list[tuple[datetime, int, int, JsonDict]] = []
    for position, (reservation, events, awaiting) in enumerate(threads):
        conversation_id += rng.randint(1, 400)
        listing = listings_by_id[reservation["listingMapId"]]
        unread = 0
        if awaiting:
            last_sent = max((e.at for e in events if e.status != "awaiting"), default=ceiling - timedelta(days=1))
            gap = (ceiling - last_sent).total_seconds()
            asked = last_sent + timedelta(seconds=max(1, round(gap * rng.uniform(0.3, 0.95))))
            body = (
                catalog.PROMPT_INJECTION_MESSAGE
                if position == injected
                else rng.choice(catalog.AWAITING_GUEST_MESSAGES)
            )
            events = sorted([*events, _Event(asked, True, body)], key=lambda e: e.at)
            unread = 1 if position == injected or rng.random() < 0.8 else 0
        on_channel = reservation["channelId"] in catalog.OTA_CHANNELS
        thread = [
            build_message(
                account_id=account_id,
                reservation=reservation,
                time_zone=listing["timeZoneName"],
                conversation_id=conversation_id,
                message_id=0,
                body=event.body,
                incoming=event.incoming,
                status=event.status,
                moment=event.at,
                inserted_at=event.inserted_at or event.at,
                communication_type="channel" if on_channel else "email",
                automation=event.automation,
                subject=event.subject,
                thread_message_id=str(26_000_000_000 + conversation_id * 10_000 + index),
                attachments=event.attachments,
            )
            for index, event in enumerate(events)
        ]
        for index, message in enumerate(thread):
            if message["isIncoming"] and not (unread and index == len(thread) - 1):
                message["isSeen"] = 1
            pending_ids.append((events[index].inserted_at or events[index].at, conversation_id, index, message))
        messages[conversation_id] = thread
        conversations.append(conversation_object(account_id, conversation_id, reservation, thread, unread, rng))

    message_id = rng.randint(280_000_000, 300_000_000)
    attachment_id = message_id * 10
    for _, _, _, message in sorted(pending_ids, key=lambda item: item[:3]):
        message_id += rng.randint(1, 40)
        message["id"] = message_id
        for attachment in message["attachments"]:
            attachment_id += 1
            attachment["id"] = attachment_id
            attachment["conversationMessageId"] = message_id
    return conversations, messages


def conversation_object(
    account_id: int,
    conversation_id: int,
    reservation: JsonDict,
    thread: list[JsonDict],
    unread: int,
    rng: random.Random,
) -> JsonDict:
    """A conversation as GET /conversations serves it, and its effect on the reservation's activity."""
    conversation: JsonDict = {
        "id": conversation_id,
        "accountId": account_id,
        "listingMapId": reservation["listingMapId"],
        "reservationId": reservation["id"],
        "type": "host-guest-email",
        "recipientEmail": reservation["guestEmail"],
        "recipientName": reservation["guestFirstName"],
        "recipientPicture": reservation["guestPicture"],
        "hostEmail": reservation["hostProxyEmail"],
        "guestEmail": f"c-{rng.getrandbits(128):032x}@guest.hostaway.info",
        "hasUnreadMessages": unread,
        "messageSentOn": None,
        "messageReceivedOn": None,
        "conversationMessages": [],
        "Reservation": reservation,
    }
    refresh_conversation(conversation, thread)
    return conversation


def refresh_conversation(conversation: JsonDict, thread: list[JsonDict]) -> None:
    """Recompute latest message and sent/received stamps; bump the reservation's latestActivityOn."""
    sent = [m for m in thread if m["status"] == "sent"]
    outgoing = [m["date"] for m in sent if not m["isIncoming"]]
    incoming = [m["date"] for m in sent if m["isIncoming"]]
    conversation["messageSentOn"] = max(outgoing) if outgoing else None
    conversation["messageReceivedOn"] = max(incoming) if incoming else None
    latest = max(sent, key=lambda m: (m["date"], m["id"])) if sent else None
    conversation["conversationMessages"] = [latest] if latest is not None else []
    reservation = conversation["Reservation"]
    stamps = [s for s in (reservation["updatedOn"], *outgoing, *incoming) if s]
    reservation["latestActivityOn"] = max(stamps)
