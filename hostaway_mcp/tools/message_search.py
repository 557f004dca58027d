"""search_messages: full-text search over every guest thread, answered from the local mirror.

"Did anyone complain about the hot water in October?" needs every thread's messages, which
Hostaway only serves one thread per call; the mirror (`hostaway_mcp.mirror`) holds them, indexed
with SQLite FTS5, so the question is one call and no request to Hostaway (a watermark check at
most every `HOSTAWAY_MIRROR_MAX_AGE_S`). Bodies were masked before they were stored (card numbers,
door codes, Wi-Fi passwords), and snippets are masked again here.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from hostaway_mcp.domain import ident, listing_name, parse_date
from hostaway_mcp.mirror.service import Mirror
from hostaway_mcp.mirror.store import MessageHit, MirrorStore
from hostaway_mcp.models.common import next_offset
from hostaway_mcp.models.conversations import MessageMatch, MessageSearch
from hostaway_mcp.privacy import ACCESS_IN_TEXT_NOTE, GUEST_TEXT_NOTICE, AccessGuard, guest_name
from hostaway_mcp.tools._runtime import State
from hostaway_mcp.tools._validation import MAX_OFFSET, BookingId, IsoDate, PropertyId

QUERY_CHARS = 200
MAX_WORDS = 12
_WORD = re.compile(r"\w+", re.UNICODE)
RESOURCES = ("conversations",)


def fts_expression(query: str) -> str:
    """The person's words as an FTS5 expression: every word must appear (any order, any form of
    accents); a "quoted phrase" must appear as written. Nothing of FTS5's own syntax gets through."""
    parts: list[str] = []
    for phrase, loose in re.findall(r'"([^"]*)"|([^"]+)', query):
        words = _WORD.findall(phrase or loose)
        if phrase and words:
            parts.append('"' + " ".join(words) + '"')
        else:
            parts += [f'"{word}"' for word in words]
    if not parts:
        raise ToolError("query has no words to search for: give one or more words, e.g. query='hot water'.")
    if len(parts) > MAX_WORDS:
        raise ToolError(f"query has {len(parts)} words or phrases; use at most {MAX_WORDS}.")
    return " ".join(parts)


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


async def _as_of(mirror: Mirror | None) -> tuple[float, str | None]:
    """When the mirror's messages are from, or a ToolError saying why it cannot answer."""
    if mirror is None:
        raise ToolError(
            "search_messages needs the local mirror, which is off (HOSTAWAY_MIRROR=false). "
            "Use get_conversation_history for one booking's thread instead."
        )
    fresh = await mirror.fresh(RESOURCES)
    if fresh is not None:
        return fresh.as_of, None
    status = await mirror.status()
    state = status.states.get("conversations")
    if state is not None and state.backfilled and state.last_sync:
        return state.last_sync, "Hostaway could not be asked for newer messages just now: these are the mirror's."
    raise ToolError(
        "The local mirror of guest messages is not built yet"
        + (" (it is being built now)" if status.backfilling else "")
        + ", so there is nothing to search. Try again in a few minutes, or run `hostaway-mcp sync` to build "
        "it now; get_conversation_history reads one booking's thread meanwhile."
    )


def _match(hit: MessageHit, names: dict[int, str], guard: AccessGuard) -> MessageMatch:
    reservation: dict[str, Any] = hit.reservation or {}
    listing_id = hit.listing_id or ident(reservation.get("listingMapId"))
    return MessageMatch(
        booking_id=hit.reservation_id,
        conversation_id=hit.conversation_id,
        property_id=listing_id,
        property_name=names.get(listing_id) if listing_id else None,
        guest_name=guest_name(reservation.get("guestName")),
        arrival=parse_date(reservation.get("arrivalDate")),
        departure=parse_date(reservation.get("departureDate")),
        direction="guest" if hit.incoming else "host",
        sent_at=hit.sent_at,
        snippet=guard(hit.snippet) or "",
        guest_written=hit.incoming,
    )


async def search_messages(
    state: State,
    query: Annotated[
        str,
        Field(
            min_length=1,
            max_length=QUERY_CHARS,
            description='Words to find, e.g. hot water or "hot water".',
        ),
    ],
    property_id: PropertyId | None = None,
    booking_id: BookingId | None = None,
    since: Annotated[IsoDate | None, Field(description="Only messages sent from this day on.")] = None,
    limit: Annotated[int, Field(ge=1, le=50)] = 10,
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0,
) -> MessageSearch:
    """Search every guest conversation for words, e.g. complaints about "hot water" since October.

    Every word must appear; "quoted phrases" as written. Results come best first. From the local
    mirror: `as_of` says how recent.
    """
    expression = fts_expression(query)
    mirror = state.mirror
    as_of, stale_note = await _as_of(mirror)
    assert mirror is not None  # _as_of refuses without one

    def read(conn: sqlite3.Connection) -> tuple[list[MessageHit], int, dict[int, str]]:
        hits, total = MirrorStore.search(
            conn,
            expression,
            listing_id=property_id,
            reservation_id=booking_id,
            since=since.isoformat() if since else None,
            limit=limit,
            offset=offset,
        )
        names = {
            listing_id: listing_name(listing, listing_id)
            for listing in MirrorStore.listings(conn)
            if (listing_id := ident(listing.get("id"))) is not None
        }
        return hits, total, names

    try:
        hits, total, names = await mirror.db(read)
    except sqlite3.Error as exc:
        raise ToolError(f"The local mirror could not be searched ({exc}); try again in a moment.") from None
    guard = AccessGuard(share=False)
    items = [_match(hit, names, guard) for hit in hits]
    notes = [stale_note] if stale_note else []
    if not total:
        notes.append("No message matches every word; try fewer or other words, or a wider period.")
    return MessageSearch(
        items=items,
        total=total,
        offset=offset,
        limit=limit,
        next_offset=next_offset(offset, len(items), total),
        as_of=_iso(as_of),
        notice=GUEST_TEXT_NOTICE,
        withheld=ACCESS_IN_TEXT_NOTE,
        note=" ".join(notes) or None,
    )
