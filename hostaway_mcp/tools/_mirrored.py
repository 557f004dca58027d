"""Tools' reads from the local mirror, when it is fresh: the same answers, no download.

Served from it: the revenue tools' inputs (`report_inputs`), search_bookings' matches
(`booking_search`) and the inbox's threads (`inbox_threads`). Each returns None for "answer
live". Kept live on purpose, with the reason in their modules: get_booking_details (the one-booking
endpoint's cancellation policy and balance), get_operations_day (balances move with payments that
need not move a booking's `updatedOn`; its tasks and charges are not mirrored) and list_reviews (a
review changes after it arrives, which the reviews' id high-water mark cannot see).

A report needs the properties, the period's reservations and each property's blocked nights. The
mirror holds the first two (kept current by watermark syncs, `hostaway_mcp.mirror`) and the
blocked nights of the past: past nights are final, so only the part of a period that is not yet
past at a property (after the mirror's last stored night) is read live, with the same calendar
read as the live report. The reservations handed to the fold are the same superset the live
query selects, so the fold (`revenue_report.ReservationFold`) computes exactly the same report.

None means "answer live": the mirror is off, not built, could not be checked, or does not know
a property asked for.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hostaway_mcp.domain import ident, known_listing_name, listing_name
from hostaway_mcp.mirror.reads import ThreadHead
from hostaway_mcp.mirror.store import MirrorStore
from hostaway_mcp.revenue import Basis, Period
from hostaway_mcp.revenue_report import ReservationFold
from hostaway_mcp.tools._runtime import AppState

REPORT_RESOURCES = ("listings", "reservations")
# The inbox's threads and their bookings; property names come from the mirror's listings, which,
# like the live inbox's name directory (kept a few minutes), need no check of their own.
INBOX_RESOURCES = ("reservations", "conversations")


@dataclass
class MirroredInputs:
    """What a report reads, from the mirror (plus the live calendar reads of nights not yet past)."""

    listings: list[dict[str, Any]]
    blocked: dict[int, list[date]]
    as_of: str
    live_calendar_reads: int

    def source(self, note: str) -> str:
        live = (
            f"; blocked nights not yet past read live ({self.live_calendar_reads} calendar read(s))"
            if self.live_calendar_reads
            else "; every night of the period is past, so no calendar was read"
        )
        return (
            f"The local mirror of the account, as of {self.as_of} (bookings and properties checked against "
            f"Hostaway at most every minute; blocked nights of the past stored once){live}. {note}"
        )


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


async def report_inputs(
    state: AppState, period: Period, basis: Basis, property_ids: Sequence[int] | None, fold: ReservationFold
) -> MirroredInputs | None:
    """The report's inputs from the mirror, the period's reservations folded into `fold` as they
    are read (never all held at once), or None to answer live (with a fresh fold: this one may
    hold part of the mirror's rows)."""
    mirror = state.mirror
    if mirror is None:
        return None
    fresh = await mirror.fresh(REPORT_RESOURCES)
    if fresh is None:
        return None
    after_end = period.end + timedelta(days=1)

    def read(conn: sqlite3.Connection) -> tuple[Any, ...] | None:
        listings = MirrorStore.listings(conn)
        known = {i for listing in listings if (i := ident(listing.get("id"))) is not None}
        if property_ids is not None and not set(property_ids) <= known:
            return None  # a property the mirror does not know: the live answer says "not found"
        if basis == "stay":
            rows = MirrorStore.reservations_touching(conn, period.start, after_end)
        else:
            rows = MirrorStore.reservations_arriving(conn, period.start - timedelta(days=1), after_end)
        fold.add(rows)  # in this worker thread; the caller reads `fold` only after this returns
        return listings, known, MirrorStore.coverage(conn), MirrorStore.blocked(conn, period.start, period.end)

    try:
        found = await mirror.db(read)
    except (sqlite3.Error, OSError):
        return None
    if found is None:
        return None
    listings, known, coverage, stored = found
    in_scope = sorted(property_ids) if property_ids is not None else sorted(known)

    blocked: dict[int, list[date]] = {}
    live_from: dict[date, list[int]] = {}  # first night read live -> properties
    for listing_id in in_scope:
        held = coverage.get(listing_id)
        if held is None or held[0] > period.start:
            live_from.setdefault(period.start, []).append(listing_id)
            continue
        last = held[1]
        blocked[listing_id] = [night for night in stored.get(listing_id, []) if night <= last]
        if last < period.end:
            live_from.setdefault(last + timedelta(days=1), []).append(listing_id)

    reads = 0
    if live_from:
        from hostaway_mcp.tools.finance import CALENDAR_SPAN_DAYS, fetch_blocked_nights  # finance imports this

        for first, ids in sorted(live_from.items()):
            part = Period(first, period.end)
            live = await fetch_blocked_nights(state.gateway, ids, part)
            for listing_id, nights in live.items():
                blocked.setdefault(listing_id, []).extend(nights)
            reads += len(ids) * -(-part.days // CALENDAR_SPAN_DAYS)
    return MirroredInputs(listings=listings, blocked=blocked, as_of=_iso(fresh.as_of), live_calendar_reads=reads)


@dataclass
class MirroredBookings:
    """Every booking matching a search, in the search's order, from the mirror."""

    rows: list[dict[str, Any]]
    names: dict[int, str]
    as_of: str


def _arrival_key(row: dict[str, Any]) -> tuple[str, int]:
    return (str(row.get("arrivalDate") or ""), ident(row.get("id")) or 0)


async def booking_search(
    state: AppState,
    *,
    admits: Callable[[dict[str, Any]], bool],
    arrival: tuple[date | None, date | None],
    departure: tuple[date | None, date | None],
    property_id: int | None,
    guest_name: str | None,
    channel_ids: tuple[int, ...],
    statuses: frozenset[str] | None,
    descending: bool,
) -> MirroredBookings | None:
    """search_bookings' matches from the mirror (every one, so `total` is exact), or None to go live.

    The same filters Hostaway applies (property, guest name contained in `guestName`, case
    insensitive; channel) and the ones the live tool applies itself (dates, statuses), in
    Hostaway's arrival order (ties on id, in the same direction).
    """
    mirror = state.mirror
    if mirror is None:
        return None
    fresh = await mirror.fresh(REPORT_RESOURCES)
    if fresh is None:
        return None

    def read(conn: sqlite3.Connection) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rows = MirrorStore.reservations_where(conn, listing_id=property_id, arrival=arrival, departure=departure)
        return list(rows), MirrorStore.listings(conn)

    try:
        rows, listings = await mirror.db(read)
    except (sqlite3.Error, OSError):
        return None
    needle = guest_name.strip().lower() if guest_name else None
    channels = frozenset(channel_ids)
    matches = [
        row
        for row in rows
        if (needle is None or needle in str(row.get("guestName") or "").lower())
        and (not channels or ident(row.get("channelId")) in channels)
        and (statuses is None or row.get("status") in statuses)
        and admits(row)
    ]
    matches.sort(key=_arrival_key, reverse=descending)
    names = {i: listing_name(listing, i) for listing in listings if (i := ident(listing.get("id"))) is not None}
    return MirroredBookings(matches, names, _iso(fresh.as_of))


@dataclass
class MirroredThreads:
    """The most recently active threads, shaped as `GET /conversations?includeResources=1` serves
    them (each with its latest sent message and its booking), from the mirror."""

    conversations: list[dict[str, Any]]
    count: int
    names: dict[int, str]
    as_of: str


def _conversation(head: ThreadHead) -> dict[str, Any]:
    latest = head.latest
    messages = []
    if latest is not None:
        files = [{"name": name} for name in latest["files"]]
        messages.append(
            {"id": latest["id"], "isIncoming": latest["incoming"], "date": latest["sent_at"], "body": latest["body"]}
            | ({"attachments": files} if files else {})
        )
    booking = dict(head.reservation or {})
    booking.pop("listingName", None)  # embedded bookings carry none: names come from the listings, as live
    return {
        "id": head.conversation_id,
        "reservationId": head.reservation_id,
        "listingMapId": head.listing_id,
        "hasUnreadMessages": head.unread,
        "recipientName": head.recipient,
        "conversationMessages": messages,
        "Reservation": booking,
    }


async def inbox_threads(state: AppState, scan: int) -> MirroredThreads | None:
    """The `scan` most recently active threads from the mirror, or None to go live.

    Bodies in the mirror are masked whatever `HOSTAWAY_SHARE_ACCESS_DETAILS` says, so an operator
    who shares access details gets the live inbox. A thread's unread flag is as of its last change
    the mirror saw (a new message, a reply): one read in Hostaway's dashboard shows after the next
    full reconciliation.
    """
    mirror = state.mirror
    if mirror is None or state.settings.share_access_details:
        return None
    fresh = await mirror.fresh(INBOX_RESOURCES)
    if fresh is None:
        return None

    def read(conn: sqlite3.Connection) -> tuple[list[ThreadHead], int, list[dict[str, Any]]]:
        return MirrorStore.recent_threads(conn, scan), MirrorStore.thread_count(conn), MirrorStore.listings(conn)

    try:
        heads, count, listings = await mirror.db(read)
    except (sqlite3.Error, OSError):
        return None
    names = {
        i: name for listing in listings if (i := ident(listing.get("id"))) and (name := known_listing_name(listing))
    }
    return MirroredThreads([_conversation(head) for head in heads], count, names, _iso(fresh.as_of))
