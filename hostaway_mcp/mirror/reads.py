"""Reading the mirror: reports' inputs, search, counts and what is left to fetch.

A mixin of `MirrorStore` (`store.py`), so callers write `MirrorStore.listings(conn)` wherever a
connection from `MirrorStore.run` is at hand. A stored value of the wrong type means the file is
not one to trust: `sqlite3.DatabaseError`, which `MirrorStore.run` turns into a rebuild.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from hostaway_mcp.domain import ident
from hostaway_mcp.mirror.schema import from_json as _loads

# A thread whose stored messages were read at other stamps than its latest (or never).
_STALE_THREAD = "(messages_of IS NULL OR messages_of != coalesce(received_on, '') || '|' || coalesce(sent_on, ''))"


@dataclass(frozen=True)
class MessageHit:
    """One message matching a search, with its thread's booking and property."""

    message_id: int
    conversation_id: int
    reservation_id: int | None
    listing_id: int | None
    incoming: bool
    sent_at: str | None
    snippet: str
    reservation: dict[str, Any] | None


@dataclass(frozen=True)
class ThreadHead:
    """A guest thread as the inbox reads it: its flags, its latest sent message, its booking."""

    conversation_id: int
    reservation_id: int | None
    listing_id: int | None
    unread: bool
    recipient: str | None
    latest: dict[str, Any] | None  # id, incoming, sent_at, body (masked), files (names)
    reservation: dict[str, Any] | None


class MirrorReads:
    """The mirror's read queries (static: each takes the connection)."""

    @staticmethod
    def decode(data: Any) -> dict[str, Any]:
        """A stored row's data (a damaged one raises `sqlite3.DatabaseError`)."""
        return _loads(data)

    @staticmethod
    def listings(conn: sqlite3.Connection) -> list[dict[str, Any]]:
        return [_loads(data) for (data,) in conn.execute("SELECT data FROM listings ORDER BY id")]

    @staticmethod
    def reservations_touching(conn: sqlite3.Connection, first: date, after_last: date) -> Iterator[dict[str, Any]]:
        """Reservations departing on or after `first` and arriving on or before `after_last`:
        the same superset the live report's query selects (`reservation_query`). Read lazily
        (consume it before the connection closes), so a big period is folded, never held."""
        rows = conn.execute(
            "SELECT data FROM reservations WHERE departure >= ? AND substr(arrival, 1, 10) <= ? ORDER BY id",
            (first.isoformat(), after_last.isoformat()),
        )
        return (_loads(data) for (data,) in rows)

    @staticmethod
    def reservations_arriving(conn: sqlite3.Connection, first: date, last: date) -> Iterator[dict[str, Any]]:
        """Reservations arriving from `first` to `last` (lazily, like `reservations_touching`)."""
        rows = conn.execute(
            "SELECT data FROM reservations WHERE substr(arrival, 1, 10) BETWEEN ? AND ? ORDER BY id",
            (first.isoformat(), last.isoformat()),
        )
        return (_loads(data) for (data,) in rows)

    @staticmethod
    def reservations_where(
        conn: sqlite3.Connection,
        *,
        listing_id: int | None,
        arrival: tuple[date | None, date | None],
        departure: tuple[date | None, date | None],
    ) -> Iterator[dict[str, Any]]:
        """Reservations of a listing (or all) within arrival and departure bounds (inclusive, open
        where None), lazily: the coarse cut a booking search then filters exactly."""
        where: list[str] = ["1 = 1"]
        params: list[Any] = []
        if listing_id is not None:
            where.append("listing_id = ?")
            params.append(listing_id)
        for column, (low, high) in (("substr(arrival, 1, 10)", arrival), ("substr(departure, 1, 10)", departure)):
            if low is not None:
                where.append(f"{column} >= ?")
                params.append(low.isoformat())
            if high is not None:
                where.append(f"{column} <= ?")
                params.append(high.isoformat())
        rows = conn.execute(f"SELECT data FROM reservations WHERE {' AND '.join(where)}", params)
        return (_loads(data) for (data,) in rows)

    @staticmethod
    def reservation(conn: sqlite3.Connection, reservation_id: int) -> dict[str, Any] | None:
        row = conn.execute("SELECT data FROM reservations WHERE id = ?", (reservation_id,)).fetchone()
        return None if row is None else _loads(row[0])

    @staticmethod
    def coverage(conn: sqlite3.Connection) -> dict[int, tuple[date, date]]:
        found: dict[int, tuple[date, date]] = {}
        rows = conn.execute("SELECT listing_id, first_night, last_night FROM calendar_coverage")
        for listing_id, first, last in rows:
            try:
                found[int(listing_id)] = (date.fromisoformat(first), date.fromisoformat(last))
            except (TypeError, ValueError):
                raise sqlite3.DatabaseError("calendar coverage holds values of the wrong type") from None
        return found

    @staticmethod
    def blocked(conn: sqlite3.Connection, first: date, last: date) -> dict[int, list[date]]:
        found: dict[int, list[date]] = {}
        rows = conn.execute(
            "SELECT listing_id, night FROM blocked_nights WHERE night BETWEEN ? AND ?",
            (first.isoformat(), last.isoformat()),
        )
        for listing_id, night in rows:
            try:
                found.setdefault(int(listing_id), []).append(date.fromisoformat(night))
            except (TypeError, ValueError):
                raise sqlite3.DatabaseError("blocked nights hold values of the wrong type") from None
        return found

    @staticmethod
    def counts(conn: sqlite3.Connection) -> dict[str, int]:
        tables = ("listings", "reservations", "conversations", "messages", "reviews", "blocked_nights")
        return {table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) for table in tables}

    @staticmethod
    def threads_to_fetch(
        conn: sqlite3.Connection, *, after: int = 0, limit: int = -1, among: Sequence[int] | None = None
    ) -> list[tuple[int, str]]:
        """Threads whose stored messages do not reflect their latest stamps: (id, stamps) to fetch,
        by id from `after`, at most `limit` (-1: all), of `among` only if given."""
        where = _STALE_THREAD
        params: list[int] = [after]
        if among is not None:
            where += f" AND id IN ({','.join('?' * len(among))})"
            params += among
        rows = conn.execute(
            f"SELECT id, received_on, sent_on FROM conversations WHERE id > ? AND {where} ORDER BY id LIMIT ?",
            [*params, limit],
        )
        return [(int(cid), f"{received or ''}|{sent or ''}") for cid, received, sent in rows]

    @staticmethod
    def stale_thread_count(conn: sqlite3.Connection) -> int:
        """How many threads `threads_to_fetch` has left to read."""
        return int(conn.execute(f"SELECT count(*) FROM conversations WHERE {_STALE_THREAD}").fetchone()[0])

    @staticmethod
    def recent_threads(conn: sqlite3.Connection, limit: int) -> list[ThreadHead]:
        """The `limit` most recently active threads, in Hostaway's order for `GET /conversations`
        (the later of the last message received and sent, then the id, newest first)."""
        rows = conn.execute(
            "SELECT c.id, c.reservation_id, c.listing_id, c.has_unread, c.recipient, r.data FROM conversations c "
            "LEFT JOIN reservations r ON r.id = c.reservation_id "
            "ORDER BY max(coalesce(c.received_on, ''), coalesce(c.sent_on, '')) DESC, c.id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        heads = []
        for cid, rid, lid, unread, recipient, data in rows:
            latest = conn.execute(
                "SELECT id, incoming, sent_at, body, files FROM messages WHERE conversation_id = ? "
                "ORDER BY sent_at DESC, id DESC LIMIT 1",
                (cid,),
            ).fetchone()
            heads.append(
                ThreadHead(
                    conversation_id=int(cid),
                    reservation_id=ident(rid),
                    listing_id=ident(lid),
                    unread=bool(unread),
                    recipient=recipient if isinstance(recipient, str) else None,
                    latest=_message(latest) if latest is not None else None,
                    reservation=_loads(data) if data is not None else None,
                )
            )
        return heads

    @staticmethod
    def thread_count(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT count(*) FROM conversations").fetchone()[0])

    @staticmethod
    def search(
        conn: sqlite3.Connection,
        match: str,
        *,
        listing_id: int | None,
        reservation_id: int | None,
        since: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[MessageHit], int]:
        """Messages matching the FTS5 expression `match`, best match first, and how many match in all."""
        where = ["messages_fts MATCH ?"]
        params: list[Any] = [match]
        if listing_id is not None:
            where.append("m.listing_id = ?")
            params.append(listing_id)
        if reservation_id is not None:
            where.append("m.reservation_id = ?")
            params.append(reservation_id)
        if since is not None:
            where.append("m.sent_at >= ?")
            params.append(since)
        condition = " AND ".join(where)
        total = int(
            conn.execute(
                f"SELECT count(*) FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid WHERE {condition}",
                params,
            ).fetchone()[0]
        )
        rows = conn.execute(
            "SELECT m.id, m.conversation_id, m.reservation_id, m.listing_id, m.incoming, m.sent_at, "
            "snippet(messages_fts, 0, '«', '»', '…', 16), r.data "
            "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
            f"LEFT JOIN reservations r ON r.id = m.reservation_id WHERE {condition} "
            "ORDER BY bm25(messages_fts), m.sent_at DESC, m.id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        ).fetchall()
        hits = [
            MessageHit(
                message_id=int(mid),
                conversation_id=int(cid),
                reservation_id=ident(rid),
                listing_id=ident(lid),
                incoming=bool(incoming),
                sent_at=sent_at if isinstance(sent_at, str) else None,
                snippet=str(snippet or ""),
                reservation=_loads(data) if data is not None else None,
            )
            for mid, cid, rid, lid, incoming, sent_at, snippet, data in rows
        ]
        return hits, total


def _message(row: tuple[Any, ...]) -> dict[str, Any]:
    message_id, incoming, sent_at, body, files = row
    try:
        names = json.loads(files) if isinstance(files, str) else []
    except ValueError:
        raise sqlite3.DatabaseError("a message's files are not JSON") from None
    if not isinstance(names, list):
        raise sqlite3.DatabaseError("a message's files are of the wrong shape")
    return {
        "id": ident(message_id),
        "incoming": bool(incoming),
        "sent_at": sent_at if isinstance(sent_at, str) else None,
        "body": body if isinstance(body, str) else None,
        "files": [str(name) for name in names],
    }
