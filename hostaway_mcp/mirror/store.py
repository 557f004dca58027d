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
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from hostaway_mcp import statefiles
from hostaway_mcp.bodies import project
from hostaway_mcp.domain import flag, ident
from hostaway_mcp.mirror.reads import MessageHit, MirrorReads
from hostaway_mcp.mirror.schema import (
    LISTING_FIELDS,
    RESERVATION_FIELDS,
    RESOURCES,
    REVIEW_FIELDS,
    SCHEMA,
    SCHEMA_VERSION,
    TABLES,
    from_json,
    text_or_none,
    thread_stamps,
    to_json,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

BUSY_TIMEOUT_S = 5.0
WHAT = "local mirror"


@dataclass(frozen=True)
class SyncState:
    """Where one resource's sync stands (`last_sync`, `last_full_sync`: wall-clock seconds)."""

    resource: str
    watermark: str | None = None
    cursor: str | None = None
    backfilled: bool = False
    last_sync: float | None = None
    last_full_sync: float | None = None


class MirrorDamagedError(Exception):
    """The mirror file could not be used even after it was rebuilt (the folder itself is unusable)."""


class MirrorStore(MirrorReads):
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
                    for statement in SCHEMA:
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
            for table in TABLES:  # a tampered schema fails here, not in the middle of a sync
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
            (listing_id, text_or_none(raw.get("latestActivityOn")), to_json(project(raw, LISTING_FIELDS)))
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
                text_or_none(raw.get("arrivalDate")),
                text_or_none(raw.get("departureDate")),
                text_or_none(raw.get("updatedOn")),
                to_json(project(raw, RESERVATION_FIELDS)),
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
            "INSERT INTO conversations (id, reservation_id, listing_id, received_on, sent_on, messages_of, has_unread, "
            "recipient) VALUES (?, ?, ?, ?, ?, NULL, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            "reservation_id = excluded.reservation_id, listing_id = excluded.listing_id, "
            "received_on = excluded.received_on, sent_on = excluded.sent_on, has_unread = excluded.has_unread, "
            "recipient = excluded.recipient",
            (
                conversation_id,
                reservation_id,
                ident(raw.get("listingMapId")),
                text_or_none(raw.get("messageReceivedOn")),
                text_or_none(raw.get("messageSentOn")),
                int(flag(raw.get("hasUnreadMessages"))),
                text_or_none(raw.get("recipientName")),
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
                text_or_none(message.get("sentAt")),
                text_or_none(message.get("body")),
                to_json(message["files"]) if message.get("files") else None,
            )
            for message in messages
            if (message_id := ident(message.get("id"))) is not None
        ]
        conn.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
        conn.executemany(
            "INSERT OR REPLACE INTO messages (id, conversation_id, reservation_id, listing_id, incoming, sent_at, "
            "body, files) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
                text_or_none(raw.get("updatedOn")),
                to_json(project(raw, REVIEW_FIELDS)),
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


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _busy(exc: BaseException) -> bool:
    reason = str(exc)
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in reason or "busy" in reason)


__all__ = [
    "LISTING_FIELDS",
    "RESERVATION_FIELDS",
    "RESOURCES",
    "REVIEW_FIELDS",
    "MessageHit",
    "MirrorDamagedError",
    "MirrorStore",
    "SyncState",
    "from_json",
    "project",
    "thread_stamps",
]
