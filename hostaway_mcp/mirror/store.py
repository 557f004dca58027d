"""The mirror's one SQLite file: opened safely, checked, discarded and rebuilt when damaged.

Shaped like the write ledger's store (`ledger_store.py`): each operation opens a short-lived
connection (WAL, busy timeout) on a file created 0600 through `statefiles` (a symlink is removed,
never followed), in a worker thread, never on the event loop. Unlike the ledger, the mirror is
only a copy of what Hostaway holds, so a file that is damaged, tampered with, or written by
another version is moved out of the way with one warning and rebuilt by the next sync; no tool
ever fails because of it (it answers live meanwhile).

What is stored is a projection, never Hostaway's raw objects: the fields our tools read
(`RESERVATION_FIELDS`, `LISTING_FIELDS`, `REVIEW_FIELDS`), and message bodies with card numbers
and access details (door codes, lock-box codes, Wi-Fi passwords) already masked. No door code,
Wi-Fi password, card number, e-mail address or phone number is ever written to the file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from hostaway_mcp import statefiles
from hostaway_mcp.domain import ident
from hostaway_mcp.revenue_report import REPORT_FIELDS

logger = logging.getLogger(__name__)
T = TypeVar("T")

SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 5.0
WHAT = "local mirror"

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
RESOURCES = ("listings", "reservations", "calendars", "conversations", "reviews")

_SCHEMA = (
    "CREATE TABLE listings (id INTEGER PRIMARY KEY, latest_activity_on TEXT, data TEXT NOT NULL)",
    """CREATE TABLE reservations (
        id INTEGER PRIMARY KEY, listing_id INTEGER, arrival TEXT, departure TEXT, updated_on TEXT,
        data TEXT NOT NULL)""",
    "CREATE INDEX reservations_by_stay ON reservations (departure, arrival)",
    "CREATE INDEX reservations_by_listing ON reservations (listing_id)",
    # `messages_of`: the thread stamps (received|sent) whose messages are stored; NULL: to fetch.
    """CREATE TABLE conversations (
        id INTEGER PRIMARY KEY, reservation_id INTEGER, listing_id INTEGER, received_on TEXT,
        sent_on TEXT, messages_of TEXT)""",
    "CREATE INDEX conversations_by_reservation ON conversations (reservation_id)",
    """CREATE TABLE messages (
        id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL, reservation_id INTEGER,
        listing_id INTEGER, incoming INTEGER NOT NULL, sent_at TEXT, body TEXT)""",
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
_TABLES = ("listings", "reservations", "conversations", "messages", "reviews", "sync_state", "stale_rows")


@dataclass(frozen=True)
class SyncState:
    """Where one resource's sync stands (`last_sync`, `last_full_sync`: wall-clock seconds)."""

    resource: str
    watermark: str | None = None
    cursor: str | None = None
    backfilled: bool = False
    last_sync: float | None = None
    last_full_sync: float | None = None


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


def project(raw: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """The allowed fields of a Hostaway object (what the mirror keeps of it)."""
    return {key: raw[key] for key in fields if key in raw}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _loads(raw: Any) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        raise sqlite3.DatabaseError("a row holds data that is not JSON") from None
    if not isinstance(value, dict):
        raise sqlite3.DatabaseError("a row holds data of the wrong shape")
    return value


class MirrorDamagedError(Exception):
    """The mirror file could not be used even after it was rebuilt (the folder itself is unusable)."""


class MirrorStore:
    """The rows of one account's mirror file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._checked = False

    # -- opening, checking, rebuilding ---------------------------------------------------------

    def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(connection)` on a checked mirror (call it in a worker thread).

        A damaged file is discarded (one warning) and `work` runs on a fresh, empty one; a busy
        file (another writer for longer than the busy timeout) raises `sqlite3.OperationalError`.
        """
        try:
            return self._with_connection(work)
        except (sqlite3.DatabaseError, statefiles.UnsafeStateFileError) as exc:
            if _busy(exc):
                raise
            self.discard(str(exc) or type(exc).__name__)
        try:
            return self._with_connection(work)
        except (sqlite3.DatabaseError, OSError) as exc:
            if isinstance(exc, sqlite3.OperationalError) and _busy(exc):
                raise
            raise MirrorDamagedError(f"the {WHAT} {self.path} cannot be used ({exc})") from None

    def _with_connection(self, work: Callable[[sqlite3.Connection], T]) -> T:
        for sidecar in (_sidecar(self.path, "-wal"), _sidecar(self.path, "-shm")):
            if sidecar.is_symlink():  # SQLite opens these itself: never through a planted link
                raise statefiles.UnsafeStateFileError(40, "refusing a symlinked sidecar", str(sidecar))
        statefiles.private_file(self.path)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        try:
            self._prepare(conn)
            return work(conn)
        finally:
            conn.close()

    def _prepare(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            raise sqlite3.DatabaseError(f"written by another version (schema {version})")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # a copy: losing the last commit on power loss is fine
        if version == 0:
            conn.execute("BEGIN IMMEDIATE")
            try:
                if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
                    if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                        raise sqlite3.DatabaseError("holds tables that are not a mirror's")
                    for statement in _SCHEMA:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        if not self._checked:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"damaged ({verdict})")
            for table in _TABLES:  # a tampered schema fails here, not in the middle of a sync
                conn.execute(f"SELECT * FROM {table} LIMIT 0")
            self._checked = True

    def discard(self, reason: str) -> None:
        """Move a damaged mirror out of the way (one warning); the next sync rebuilds it."""
        statefiles.warn_once(self.path, WHAT, f"{reason}; discarded, it is rebuilt by the next sync")
        self.remove()

    def remove(self) -> bool:
        """Delete the mirror file and its sidecars (links themselves, never their targets)."""
        removed = False
        for path in (self.path, _sidecar(self.path, "-wal"), _sidecar(self.path, "-shm")):
            try:
                if path.is_dir() and not path.is_symlink():
                    raise MirrorDamagedError(f"the {WHAT} {path} is a folder; move it away")
                os.unlink(path)
                removed = True
            except FileNotFoundError:
                continue
        self._checked = False
        return removed

    def size_bytes(self) -> int:
        total = 0
        for path in (self.path, _sidecar(self.path, "-wal")):
            with contextlib.suppress(OSError):
                if not path.is_symlink():
                    total += path.stat().st_size
        return total

    # -- sync state --------------------------------------------------------------------------------

    @staticmethod
    def state(conn: sqlite3.Connection, resource: str) -> SyncState:
        row = conn.execute(
            "SELECT watermark, cursor, backfilled, last_sync, last_full_sync FROM sync_state WHERE resource = ?",
            (resource,),
        ).fetchone()
        if row is None:
            return SyncState(resource)
        watermark, cursor, backfilled, last_sync, last_full = row
        return SyncState(
            resource,
            watermark=watermark if isinstance(watermark, str) else None,
            cursor=cursor if isinstance(cursor, str) else None,
            backfilled=bool(backfilled),
            last_sync=float(last_sync) if isinstance(last_sync, int | float) else None,
            last_full_sync=float(last_full) if isinstance(last_full, int | float) else None,
        )

    @staticmethod
    def save_state(conn: sqlite3.Connection, state: SyncState) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO sync_state (resource, watermark, cursor, backfilled, last_sync, last_full_sync) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                state.resource,
                state.watermark,
                state.cursor,
                int(state.backfilled),
                state.last_sync,
                state.last_full_sync,
            ),
        )

    @staticmethod
    def states(conn: sqlite3.Connection) -> dict[str, SyncState]:
        return {resource: MirrorStore.state(conn, resource) for resource in RESOURCES}

    # -- writing rows --------------------------------------------------------------------------------

    @staticmethod
    def put_listings(conn: sqlite3.Connection, listings: Iterable[Mapping[str, Any]]) -> int:
        rows = [
            (listing_id, _str(raw.get("latestActivityOn")), _json(project(raw, LISTING_FIELDS)))
            for raw in listings
            if (listing_id := ident(raw.get("id"))) is not None
        ]
        conn.executemany("INSERT OR REPLACE INTO listings (id, latest_activity_on, data) VALUES (?, ?, ?)", rows)
        return len(rows)

    @staticmethod
    def put_reservations(conn: sqlite3.Connection, reservations: Iterable[Mapping[str, Any]]) -> int:
        rows = [
            (
                reservation_id,
                ident(raw.get("listingMapId")),
                _str(raw.get("arrivalDate")),
                _str(raw.get("departureDate")),
                _str(raw.get("updatedOn")),
                _json(project(raw, RESERVATION_FIELDS)),
            )
            for raw in reservations
            if (reservation_id := ident(raw.get("id"))) is not None
        ]
        conn.executemany(
            "INSERT OR REPLACE INTO reservations (id, listing_id, arrival, departure, updated_on, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    @staticmethod
    def put_conversation(conn: sqlite3.Connection, raw: Mapping[str, Any]) -> bool:
        """Store a thread's stamps; True when they differ from what its stored messages reflect."""
        conversation_id = ident(raw.get("id"))
        if conversation_id is None:
            return False
        embedded = raw.get("Reservation")
        reservation_id = ident(raw.get("reservationId")) or (
            ident(embedded.get("id")) if isinstance(embedded, dict) else None
        )
        stamps = thread_stamps(raw)
        found = conn.execute("SELECT messages_of FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        conn.execute(
            "INSERT INTO conversations (id, reservation_id, listing_id, received_on, sent_on, messages_of) "
            "VALUES (?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO UPDATE SET reservation_id = excluded.reservation_id, "
            "listing_id = excluded.listing_id, received_on = excluded.received_on, sent_on = excluded.sent_on",
            (
                conversation_id,
                reservation_id,
                ident(raw.get("listingMapId")),
                _str(raw.get("messageReceivedOn")),
                _str(raw.get("messageSentOn")),
            ),
        )
        return found is None or found[0] != stamps

    @staticmethod
    def put_messages(
        conn: sqlite3.Connection, conversation_id: int, stamps: str, messages: Iterable[Mapping[str, Any]]
    ) -> int:
        """Replace a thread's messages (bodies already masked) and record the stamps they reflect."""
        found = conn.execute(
            "SELECT reservation_id, listing_id FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        reservation_id, listing_id = found if found is not None else (None, None)
        rows = [
            (
                message_id,
                conversation_id,
                reservation_id,
                listing_id,
                1 if message.get("isIncoming") is True else 0,
                _str(message.get("sentAt")),
                _str(message.get("body")),
            )
            for message in messages
            if (message_id := ident(message.get("id"))) is not None
        ]
        conn.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
        conn.executemany(
            "INSERT OR REPLACE INTO messages (id, conversation_id, reservation_id, listing_id, incoming, sent_at, "
            "body) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute("UPDATE conversations SET messages_of = ? WHERE id = ?", (stamps, conversation_id))
        return len(rows)

    @staticmethod
    def put_reviews(conn: sqlite3.Connection, reviews: Iterable[Mapping[str, Any]]) -> int:
        rows = [
            (
                review_id,
                ident(raw.get("listingMapId")),
                ident(raw.get("reservationId")),
                _str(raw.get("updatedOn")),
                _json(project(raw, REVIEW_FIELDS)),
            )
            for raw in reviews
            if (review_id := ident(raw.get("id"))) is not None
        ]
        conn.executemany(
            "INSERT OR REPLACE INTO reviews (id, listing_id, reservation_id, updated_on, data) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    @staticmethod
    def put_calendar(
        conn: sqlite3.Connection, listing_id: int, first: date, last: date, blocked: Iterable[date]
    ) -> None:
        """The listing's blocked nights from `first` to `last` (past nights, final), replacing what was held."""
        conn.execute(
            "DELETE FROM blocked_nights WHERE listing_id = ? AND night BETWEEN ? AND ?",
            (listing_id, first.isoformat(), last.isoformat()),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO blocked_nights (listing_id, night) VALUES (?, ?)",
            [(listing_id, night.isoformat()) for night in blocked if first <= night <= last],
        )
        conn.execute(
            "INSERT OR REPLACE INTO calendar_coverage (listing_id, first_night, last_night) VALUES (?, ?, ?)",
            (listing_id, first.isoformat(), last.isoformat()),
        )

    @staticmethod
    def mark_stale(conn: sqlite3.Connection, kind: str, row_id: int) -> None:
        conn.execute("INSERT OR IGNORE INTO stale_rows (kind, id) VALUES (?, ?)", (kind, row_id))

    @staticmethod
    def stale(conn: sqlite3.Connection) -> list[tuple[str, int]]:
        return [(str(kind), int(row_id)) for kind, row_id in conn.execute("SELECT kind, id FROM stale_rows")]

    @staticmethod
    def clear_stale(conn: sqlite3.Connection, kind: str, row_id: int) -> None:
        conn.execute("DELETE FROM stale_rows WHERE kind = ? AND id = ?", (kind, row_id))

    @staticmethod
    def forget_thread_stamps(conn: sqlite3.Connection, conversation_id: int) -> None:
        conn.execute("UPDATE conversations SET messages_of = NULL WHERE id = ?", (conversation_id,))

    @staticmethod
    def remove_missing(conn: sqlite3.Connection, table: str, keep: set[int]) -> int:
        """Delete the rows of `table` whose id Hostaway no longer returns (a full reconciliation)."""
        if table not in ("listings", "reservations", "conversations", "reviews"):
            raise ValueError(table)
        held = {int(row[0]) for row in conn.execute(f"SELECT id FROM {table}")}
        gone = sorted(held - keep)
        conn.executemany(f"DELETE FROM {table} WHERE id = ?", [(row_id,) for row_id in gone])
        if table == "conversations":
            conn.executemany("DELETE FROM messages WHERE conversation_id = ?", [(row_id,) for row_id in gone])
        return len(gone)

    # -- reading -----------------------------------------------------------------------------------------

    @staticmethod
    def decode(data: Any) -> dict[str, Any]:
        """A stored row's data (a damaged one raises `sqlite3.DatabaseError`)."""
        return _loads(data)

    @staticmethod
    def listings(conn: sqlite3.Connection) -> list[dict[str, Any]]:
        return [_loads(data) for (data,) in conn.execute("SELECT data FROM listings ORDER BY id")]

    @staticmethod
    def reservations_touching(conn: sqlite3.Connection, first: date, after_last: date) -> list[dict[str, Any]]:
        """Reservations departing on or after `first` and arriving on or before `after_last`:
        the same superset the live report's query selects (`reservation_query`)."""
        rows = conn.execute(
            "SELECT data FROM reservations WHERE departure >= ? AND substr(arrival, 1, 10) <= ? ORDER BY id",
            (first.isoformat(), after_last.isoformat()),
        )
        return [_loads(data) for (data,) in rows]

    @staticmethod
    def reservations_arriving(conn: sqlite3.Connection, first: date, last: date) -> list[dict[str, Any]]:
        rows = conn.execute(
            "SELECT data FROM reservations WHERE substr(arrival, 1, 10) BETWEEN ? AND ? ORDER BY id",
            (first.isoformat(), last.isoformat()),
        )
        return [_loads(data) for (data,) in rows]

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
    def threads_to_fetch(conn: sqlite3.Connection) -> list[tuple[int, str]]:
        """Threads whose stored messages do not reflect their latest stamps: (id, stamps) to fetch."""
        rows = conn.execute(
            "SELECT id, received_on, sent_on, messages_of FROM conversations "
            "WHERE messages_of IS NULL OR messages_of != coalesce(received_on, '') || '|' || coalesce(sent_on, '') "
            "ORDER BY id"
        )
        return [(int(cid), f"{received or ''}|{sent or ''}") for cid, received, sent, _ in rows]

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


def thread_stamps(conversation: Mapping[str, Any]) -> str:
    """A thread's last-message stamps as one string: what changes when a message comes or goes."""
    return f"{_str(conversation.get('messageReceivedOn')) or ''}|{_str(conversation.get('messageSentOn')) or ''}"


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _busy(exc: BaseException) -> bool:
    reason = str(exc)
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in reason or "busy" in reason)
