"""Where the write ledger lives: one SQLite file, opened safely, checked, and rebuilt when new.

`ledger.py` says what the ledger decides; this module keeps its rows. Each operation opens a
short-lived connection (WAL, busy timeout) on a file created 0600 through `statefiles` (a
symlink or a non-file is refused), checks it is a ledger this version understands, and turns
every way it can fail into a `LedgerError` that says how to recover. A new table (first use, or
a ledger moved aside) is refilled from the audit log in the same transaction, so an attempt whose
outcome was never recorded is still known, and reconciled, before anything is sent again.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

from hostaway_mcp import audit, statefiles
from hostaway_mcp.config import Settings

logger = logging.getLogger(__name__)
T = TypeVar("T")

SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 5.0
RETENTION_S = 90 * 86_400
UNRESOLVED = ("attempt", "unknown")
Outcome = Literal["attempt", "sent", "failed", "unknown", "refused", "declined"]

_COLUMNS = (
    "id, scope, tool, target, fingerprint, outcome, created_at, finished_at, confirmed_by, detail, host, pid, fields"
)
# Keys of an audit line that are the ledger's own, not the plan's fields.
_AUDIT_META = frozenset(
    {"time", "tool", "outcome", "demo", "attempt", "at", "scope", "target", "fingerprint", "host", "pid"}
    | {"confirmed_by", "detail", "reconciled"}
)
_SCHEMA = (
    """CREATE TABLE writes (
    id TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    tool TEXT NOT NULL,
    target TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    outcome TEXT NOT NULL,
    created_at REAL NOT NULL,
    finished_at REAL,
    confirmed_by TEXT,
    detail TEXT,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    fields TEXT NOT NULL
)""",
    "CREATE INDEX writes_by_key ON writes (scope, target, fingerprint, created_at)",
    "CREATE INDEX writes_by_time ON writes (created_at)",
)


class LedgerError(Exception):
    """The ledger (or Redis) cannot be used, so no write may go out; `message` says how to fix it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class WriteKey:
    """What makes two writes "the same": the tool, what it changes, and exactly what it sends."""

    tool: str
    target: str
    fingerprint: str


@dataclass(frozen=True)
class Entry:
    """One write as the ledger knows it (`remote`: known from Redis, made on another machine)."""

    id: str
    tool: str
    target: str
    fingerprint: str
    outcome: str
    created_at: float
    host: str
    pid: int
    finished_at: float | None = None
    confirmed_by: str | None = None
    detail: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    remote: bool = False

    @property
    def key(self) -> WriteKey:
        return WriteKey(self.tool, self.target, self.fingerprint)


class LedgerStore:
    """The rows of one ledger file, for one scope (account) at a time."""

    def __init__(self, settings: Settings, scope: str, clock: Callable[[], float]) -> None:
        self.settings = settings
        self.path: Path = settings.ledger_path
        self.scope = scope
        self.clock = clock
        self._pruned = False

    def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(connection)` on a checked ledger (call it in a worker thread); `LedgerError` if unusable."""
        return self._with_connection(work)

    def _with_connection(self, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            statefiles.private_file(self.path)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise self._unusable(exc) from None
        try:
            self._prepare(conn)
            return work(conn)
        except sqlite3.Error as exc:
            raise self._unusable(exc) from None
        finally:
            conn.close()

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """Check the file is a ledger we can use; create the table (and rebuild) when it is new."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"The write ledger {self.path} was written by a newer version of hostaway-mcp, so this one "
                "refuses writes (reads work as before). Update hostaway-mcp, or move the file aside to start "
                "a new ledger. Nothing was sent."
            )
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        if not self._table_exists(conn):
            # Created (and refilled from the audit log) in one transaction, so no other process
            # can claim a write between the empty table and its rebuilt history.
            conn.execute("BEGIN IMMEDIATE")
            try:
                if not self._table_exists(conn):
                    for statement in _SCHEMA:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    self._rebuild_from_audit_log(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        conn.execute(f"SELECT {_COLUMNS} FROM writes LIMIT 0")  # a foreign table of that name fails here
        if not self._pruned:
            conn.execute("DELETE FROM writes WHERE created_at < ?", (self.clock() - RETENTION_S,))
            self._pruned = True

    @staticmethod
    def _table_exists(conn: sqlite3.Connection) -> bool:
        return bool(
            conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'writes'").fetchone()[0]
        )

    def _rebuild_from_audit_log(self, conn: sqlite3.Connection) -> None:
        """Bring back this scope's writes from the audit log (a new or moved-aside ledger)."""
        rows: dict[str, tuple[str, Entry]] = {}
        for line in audit.read_entries(self.settings):
            attempt, scope = line.get("attempt"), line.get("scope")
            if not isinstance(attempt, str) or not isinstance(scope, str):
                continue
            try:
                if line.get("outcome") == "attempt":
                    fields = {key: value for key, value in line.items() if key not in _AUDIT_META}
                    rows[attempt] = (
                        scope,
                        Entry(
                            id=attempt,
                            tool=str(line["tool"]),
                            target=str(line["target"]),
                            fingerprint=str(line["fingerprint"]),
                            outcome="attempt",
                            created_at=float(line["at"]),
                            host=str(line.get("host") or ""),
                            pid=int(line.get("pid") or 0),
                            confirmed_by=line.get("confirmed_by"),
                            fields=fields,
                        ),
                    )
                elif attempt in rows:
                    scope, entry = rows[attempt]
                    rows[attempt] = scope, replace(entry, outcome=str(line["outcome"]), finished_at=float(line["at"]))
            except (KeyError, TypeError, ValueError):
                continue
        for scope, entry in rows.values():
            self.insert(conn, entry, scope=scope, ignore_existing=True)
        if rows:
            logger.warning("write ledger %s rebuilt from the audit log: %d write(s) restored", self.path, len(rows))

    def history(self, conn: sqlite3.Connection, key: WriteKey, since: float) -> list[Entry]:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM writes WHERE scope = ? AND tool = ? AND target = ? AND fingerprint = ? "
            "AND (outcome IN ('attempt', 'unknown') OR (outcome = 'sent' AND created_at >= ?)) ORDER BY created_at",
            (self.scope, key.tool, key.target, key.fingerprint, since),
        ).fetchall()
        return [_entry(row) for row in rows]

    def insert(
        self, conn: sqlite3.Connection, entry: Entry, *, scope: str | None = None, ignore_existing: bool = False
    ) -> None:
        verb = "INSERT OR IGNORE" if ignore_existing else "INSERT"
        conn.execute(
            f"{verb} INTO writes ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.id,
                scope or self.scope,
                entry.tool,
                entry.target,
                entry.fingerprint,
                entry.outcome,
                entry.created_at,
                entry.finished_at,
                entry.confirmed_by,
                entry.detail,
                entry.host,
                entry.pid,
                json.dumps(entry.fields, ensure_ascii=True, default=str),
            ),
        )

    def set_outcome(
        self,
        conn: sqlite3.Connection,
        entry: Entry,
        outcome: str,
        detail: str | None,
        more: dict[str, Any] | None = None,
        *,
        unresolved_only: bool = False,
    ) -> None:
        condition = " AND outcome IN ('attempt', 'unknown')" if unresolved_only else ""
        conn.execute(
            f"UPDATE writes SET outcome = ?, detail = ?, finished_at = ?, fields = ? WHERE id = ?{condition}",
            (outcome, detail, self.clock(), json.dumps({**entry.fields, **(more or {})}, default=str), entry.id),
        )

    def recent(self, conn: sqlite3.Connection, limit: int, tool: str | None) -> list[Entry]:
        where, params = ("WHERE tool = ?", [tool]) if tool else ("", [])
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM writes {where} ORDER BY created_at DESC LIMIT ?", (*params, limit)
        ).fetchall()
        return [_entry(row) for row in rows]

    def _unusable(self, exc: BaseException) -> LedgerError:
        if isinstance(exc, LedgerError):
            return exc
        reason = str(exc) if isinstance(exc, sqlite3.Error) else (getattr(exc, "strerror", None) or type(exc).__name__)
        recover = (
            f"Reads work as before. To recover, move the file aside (mv '{self.path}' '{self.path}.damaged'): the "
            f"next write rebuilds the ledger from the audit log ({self.settings.audit_log_path}). Nothing was sent."
        )
        if isinstance(exc, sqlite3.OperationalError) and ("locked" in reason or "busy" in reason):
            return LedgerError(
                "The write ledger is busy (another hostaway-mcp process held it for more than "
                f"{BUSY_TIMEOUT_S:.0f} s), so this change was not sent. Nothing was sent; try again in a moment."
            )
        if isinstance(exc, statefiles.UnsafeStateFileError) or (
            isinstance(exc, OSError) and exc.errno in (errno.ELOOP, errno.EINVAL, errno.EISDIR)
        ):
            return LedgerError(
                f"The write ledger {self.path} is a symlink or not a regular file, so writes are refused. {recover}"
            )
        if isinstance(exc, sqlite3.OperationalError | OSError) and "no such" not in reason:
            return LedgerError(
                f"The write ledger {self.path} cannot be opened or written ({reason}), so writes are refused: "
                "without it the server cannot tell whether an earlier change already reached Hostaway. Check the "
                "file belongs to this user (mode 0600, folder 0700) and the disk has room. " + recover
            )
        return LedgerError(
            f"The write ledger {self.path} is damaged ({reason}), so writes are refused: without it the server "
            "cannot tell whether an earlier change already reached Hostaway. " + recover
        )


def _entry(row: tuple[Any, ...]) -> Entry:
    """A row as an `Entry`; a row with values of the wrong type means the file is not ours to trust."""
    (id_, _scope, tool, target, fingerprint, outcome, created, finished, confirmed_by, detail, host, pid, raw) = row
    fields: Any = {}
    with contextlib.suppress(ValueError, TypeError):
        fields = json.loads(raw)
    try:
        return Entry(
            id=str(id_),
            tool=str(tool),
            target=str(target),
            fingerprint=str(fingerprint),
            outcome=str(outcome),
            created_at=float(created),
            finished_at=float(finished) if finished is not None else None,
            confirmed_by=confirmed_by if isinstance(confirmed_by, str) else None,
            detail=detail if isinstance(detail, str) else None,
            host=str(host),
            pid=int(pid),
            fields=fields if isinstance(fields, dict) else {},
        )
    except (TypeError, ValueError):
        raise sqlite3.DatabaseError("a row holds values of the wrong type") from None
