"""The audit log of write attempts: JSON lines people can tail, plus a one-line stderr summary.

The write ledger (`ledger.py`) writes it: an `attempt` line once a confirmed change is recorded
and before anything is sent, then one outcome line with the same `attempt` id:

    attempt     a confirmed change is about to be sent (written before the request leaves)
    sent        Hostaway applied it (a message created, a calendar range changed)
    failed      Hostaway refused it, or the request provably never left; nothing changed
    unknown     the request may have reached Hostaway but the answer was lost (not retried)
    refused     the server refused before sending (duplicate, in flight elsewhere, bad input)
    declined    the person declined or dismissed the confirmation form (`response`)
    previewed   a preview was returned; nothing was sent (no ledger entry)

A line from reconciling an earlier `attempt`/`unknown` carries `reconciled: true` and says what
Hostaway showed. What a line holds: UTC time, tool, outcome, the target ids (booking,
conversation, property), channel, the night range, the values written, and how the change was
confirmed. What it never holds: the API key or an access token (they are never passed in), and
never the text of a guest message: only its length and a short SHA-256 prefix, enough to match
a line to a message in Hostaway without copying what a guest was told (maybe a door code).

The log is appended through `statefiles` (0600, never through a symlink, O_APPEND so the lines
of several processes stay whole). A line that must be written before sending (`required=True`)
raises `AuditLogError` when it cannot be, and the write is refused; a line about something
already done is only reported on stderr, since failing then would invite a retry.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

from hostaway_mcp import statefiles
from hostaway_mcp.config import Settings

logger = logging.getLogger(__name__)

Outcome = Literal["previewed", "attempt", "sent", "refused", "declined", "failed", "unknown"]
DETAIL_CHARS = 300
# Keys shown in the stderr summary, in this order (the JSON line has everything).
_SUMMARY_KEYS = (
    "booking_id",
    "conversation_id",
    "property_id",
    "channel",
    "first_night",
    "last_night",
    "message_chars",
    "message_id",
    "charge_id",
    "amount",
    "amount_sent",
    "currency",
    "expense_id",
)


class AuditLogError(Exception):
    """A line that had to be written before sending could not be; `message` says how to fix it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def text_digest(text: str) -> str:
    """A short fingerprint of a message body: identifies it without revealing it."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def record(settings: Settings, tool: str, outcome: Outcome, *, required: bool = False, **fields: Any) -> dict[str, Any]:
    """Append one line to the audit log and summarise it on stderr; returns the entry.

    `fields` are plain JSON values (ids, dates as strings, numbers, short text); None values are
    dropped. `detail` is cut to a few hundred characters. With `required`, a failure to write
    raises `AuditLogError`; otherwise it is logged on stderr and ignored.
    """
    entry: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "tool": tool,
        "outcome": outcome,
    }
    if settings.demo:
        entry["demo"] = True
    for key, value in fields.items():
        if value is None:
            continue
        if key == "detail" and isinstance(value, str) and len(value) > DETAIL_CHARS:
            value = value[: DETAIL_CHARS - 1] + "…"
        entry[key] = value
    # ASCII-only JSON: any text (even a lone surrogate) becomes a valid escaped line.
    line = json.dumps(entry, ensure_ascii=True, default=str, separators=(",", ":"))
    path = settings.audit_log_path
    try:
        statefiles.append_line(path, line)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if required:
            raise AuditLogError(
                f"The audit log {path} cannot be written ({reason}), and every change is logged before it "
                "is sent, so this one was refused. Nothing was sent. Make the file writable (or remove it, "
                "if it is not a regular file), or set HOSTAWAY_AUDIT_LOG to a file this user can write; "
                "then try again."
            ) from None
        logger.error("could not write the audit log %s: %s", path, reason)
        return entry
    summary = " ".join(f"{key}={entry[key]}" for key in _SUMMARY_KEYS if key in entry)
    logger.info("audit: %s %s %s", tool, outcome, summary)
    return entry


def read_entries(settings: Settings) -> list[dict[str, Any]]:
    """Every well-formed line of the audit log, oldest first (bad lines are skipped)."""
    raw = statefiles.read_text(settings.audit_log_path, what="audit log")
    entries: list[dict[str, Any]] = []
    for line in (raw or "").splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            entries.append(value)
    return entries
