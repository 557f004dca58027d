"""The mirror's tables and what each row keeps of Hostaway's objects (a projection, never the raw object).

Reservations keep the revenue report's fields plus what search shows; never the access fields
(door codes), card fields, e-mail, phone, address or free-text notes. Listings keep names,
currency, time zone and city; never door codes, lock-box or Wi-Fi details.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

from hostaway_mcp.bodies import Fields
from hostaway_mcp.domain import flag, text
from hostaway_mcp.privacy import RESERVATION_ACCESS_FIELDS
from hostaway_mcp.revenue_report import REPORT_FIELDS

SCHEMA_VERSION = 2  # 2: threads keep their unread flag and recipient, messages their files' names

# What a reservation keeps in the mirror: the revenue report's fields plus what search and details
# show. Never the access fields, card fields, e-mail, phone, address or free-text notes.
RESERVATION_FIELDS: tuple[str, ...] = (
    *REPORT_FIELDS,
    "nights",
    "numberOfGuests",
    "adults",
    "children",
    "infants",
    "pets",
    "insertedOn",
    "reservationDate",
    "latestActivityOn",
    "cancellationDate",
    "channelReservationId",
    "guestFirstName",
    "guestLastName",
    "guestCountry",
    "checkInTime",
    "checkOutTime",
    "isPaid",
    "isArchived",
)
LISTING_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "internalListingName",
    "currencyCode",
    "timeZoneName",
    "latestActivityOn",
    "city",
    "countryCode",
)
REVIEW_FIELDS: tuple[str, ...] = (
    "id",
    "listingMapId",
    "reservationId",
    "rating",
    "status",
    "type",
    "channelId",
    "submittedAt",
    "updatedOn",
)
# What the mirror reads of a conversation (`MirrorStore.put_conversation`, `thread_stamps`) and of
# the booking it carries: its id and door-code fields, which mask the thread's messages as stored.
CONVERSATION_FIELDS: Fields = (
    "id",
    "reservationId",
    "listingMapId",
    "messageReceivedOn",
    "messageSentOn",
    "hasUnreadMessages",
    "recipientName",
    ("Reservation", ("id", *RESERVATION_ACCESS_FIELDS)),
)
RESOURCES = ("listings", "reservations", "calendars", "conversations", "reviews")

SCHEMA = (
    "CREATE TABLE listings (id INTEGER PRIMARY KEY, latest_activity_on TEXT, data TEXT NOT NULL)",
    """CREATE TABLE reservations (
        id INTEGER PRIMARY KEY, listing_id INTEGER, arrival TEXT, departure TEXT, updated_on TEXT,
        data TEXT NOT NULL)""",
    "CREATE INDEX reservations_by_stay ON reservations (departure, arrival)",
    "CREATE INDEX reservations_by_listing ON reservations (listing_id)",
    # `messages_of`: the thread stamps (received|sent) whose messages are stored; NULL: to fetch.
    # `recipient`: the thread's recipientName (the guest's first name, guest-written: tamed when shown).
    """CREATE TABLE conversations (
        id INTEGER PRIMARY KEY, reservation_id INTEGER, listing_id INTEGER, received_on TEXT,
        sent_on TEXT, messages_of TEXT, has_unread INTEGER NOT NULL DEFAULT 0, recipient TEXT)""",
    "CREATE INDEX conversations_by_reservation ON conversations (reservation_id)",
    """CREATE TABLE messages (
        id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL, reservation_id INTEGER,
        listing_id INTEGER, incoming INTEGER NOT NULL, sent_at TEXT, body TEXT, files TEXT)""",
    "CREATE INDEX messages_by_conversation ON messages (conversation_id)",
    """CREATE VIRTUAL TABLE messages_fts USING fts5(
        body, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER messages_added AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body); END""",
    """CREATE TRIGGER messages_removed AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END""",
    """CREATE TABLE reviews (
        id INTEGER PRIMARY KEY, listing_id INTEGER, reservation_id INTEGER, updated_on TEXT,
        data TEXT NOT NULL)""",
    """CREATE TABLE blocked_nights (
        listing_id INTEGER NOT NULL, night TEXT NOT NULL, PRIMARY KEY (listing_id, night)) WITHOUT ROWID""",
    # The past nights of each listing whose calendar the mirror holds (final: the past cannot change).
    """CREATE TABLE calendar_coverage (
        listing_id INTEGER PRIMARY KEY, first_night TEXT NOT NULL, last_night TEXT NOT NULL)""",
    """CREATE TABLE sync_state (
        resource TEXT PRIMARY KEY, watermark TEXT, cursor TEXT, backfilled INTEGER NOT NULL DEFAULT 0,
        last_sync REAL, last_full_sync REAL)""",
    # Rows a confirmed write touched: fetched again before the next mirrored answer.
    "CREATE TABLE stale_rows (kind TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID",
)
TABLES = ("listings", "reservations", "conversations", "messages", "reviews", "sync_state", "stale_rows")


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def from_json(raw: Any) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        raise sqlite3.DatabaseError("a row holds data that is not JSON") from None
    if not isinstance(value, dict):
        raise sqlite3.DatabaseError("a row holds data of the wrong shape")
    return value


def text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def thread_stamps(conversation: Mapping[str, Any]) -> str:
    """A thread's last-message stamps as one string: what changes when a message comes or goes."""
    received = text_or_none(conversation.get("messageReceivedOn")) or ""
    return f"{received}|{text_or_none(conversation.get('messageSentOn')) or ''}"


def stored_message(raw: Mapping[str, Any], guard: Callable[[Any], str | None]) -> dict[str, Any]:
    """What the mirror keeps of one sent message: its body masked by `guard` (`privacy.AccessGuard`),
    and the names of its files, which the inbox shows for a message that is only a file."""
    files = [text(item.get("name")) or "a file" for item in raw.get("attachments") or [] if isinstance(item, dict)]
    return {
        "id": raw.get("id"),
        "isIncoming": flag(raw.get("isIncoming")),
        "sentAt": text(raw.get("date")) or text(raw.get("insertedOn")),
        "body": guard(raw.get("body")),
        "files": files,
    }
