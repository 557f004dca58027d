"""The audit log of write attempts: one JSON line per attempt, plus a one-line stderr summary.

Every call of a write tool that gets past argument validation leaves exactly one line in
`settings.audit_log_path` (JSON lines, appended, file mode 0600), whatever happened:

    previewed   a preview was returned; nothing was sent
    sent        a guest message was created (`message_id`)
    updated     a calendar range was changed
    refused     the server refused before sending (bad input, booked nights, duplicate, not found)
    declined    the person declined or dismissed the confirmation form (`response`)
    failed      Hostaway refused, or the request provably never left; nothing changed
    unknown     the request may have reached Hostaway but the answer was lost (not retried)

What a line holds: UTC time, tool, outcome, the target ids (booking, conversation, property),
channel, the night range, the values written, and how the change was confirmed. What it never
holds: the API key or an access token (they are never passed in), and never the text of a guest
message: only its length and a short SHA-256 prefix, enough to match a line to a message in
Hostaway without copying what a guest was told (which may be a door code) into a plain file.

Writing the log must never turn a change that happened into an error (the model would try again),
so a failure to write is logged on stderr and otherwise ignored.
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

Outcome = Literal["previewed", "sent", "updated", "refused", "declined", "failed", "unknown"]
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
)


def text_digest(text: str) -> str:
    """A short fingerprint of a message body: identifies it without revealing it."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def record(settings: Settings, tool: str, outcome: Outcome, **fields: Any) -> dict[str, Any]:
    """Append one attempt to the audit log and summarise it on stderr; returns the entry.

    `fields` are plain JSON values (ids, dates as strings, numbers, short text); None values are
    dropped. `detail` is cut to a few hundred characters.
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
    _append(settings, line)
    summary = " ".join(f"{key}={entry[key]}" for key in _SUMMARY_KEYS if key in entry)
    logger.info("audit: %s %s %s", tool, outcome, summary)
    return entry


def _append(settings: Settings, line: str) -> None:
    path = settings.audit_log_path
    try:
        # O_APPEND keeps lines from several server processes whole; 0600 because it names guests'
        # bookings; a missing folder is created 0700 (the demo's cache folder among them).
        statefiles.append_line(path, line)
    except OSError as exc:
        logger.error("could not write the audit log %s: %s", path, exc.strerror or type(exc).__name__)
