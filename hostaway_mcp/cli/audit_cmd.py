"""`hostaway-mcp audit`: the recent writes and how each ended, read from the write ledger.

For a person checking what the assistant changed: newest first, one line per write with its
time (UTC), tool, outcome, what it touched and how it was confirmed. Needs no credentials and no
network; it only reads the ledger (and creates nothing when there is none yet).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from typing import Any

from hostaway_mcp.cli.common import EXIT_FAILED, EXIT_OK, CommandError, add_mode_flags, settings_from_args

HELP = (
    "list recent writes (messages, calendar changes, review replies, bookings, tasks, payments, refunds, "
    "expenses) and how each ended"
)
OUTCOME_WORDS = {
    "attempt": "attempt, no outcome recorded (checked against Hostaway before it is tried again)",
    "unknown": "outcome unknown (checked against Hostaway before it is tried again)",
}
# Fields shown for a write, in this order, with how to label them.
SHOWN = (
    ("booking_id", "booking"),
    ("conversation_id", "conversation"),
    ("channel", "by"),
    ("message_chars", "characters"),
    ("message_id", "message"),
    ("property_id", "property"),
    ("first_night", "from"),
    ("last_night", "to"),
    ("changes", "set"),
    ("charge_id", "charge"),
    ("kind", "kind"),
    ("amount", "amount"),
    ("amount_sent", "sent as"),
    ("currency", "in"),
    ("method", "by"),
    ("refund_id", "refund"),
    ("expense_id", "expense"),
    ("expense_date", "dated"),
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("audit", help=HELP, description=HELP + ", newest first.")
    parser.add_argument("--limit", type=int, default=20, help="how many writes to show (default 20)")
    parser.add_argument("--tool", help="only this tool's writes, e.g. send_guest_message")
    parser.add_argument("--json", action="store_true", help="print the entries as JSON")
    add_mode_flags(parser, on_subcommand=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from hostaway_mcp.ledger_store import LedgerError, LedgerStore

    if not 1 <= args.limit <= 10_000:
        raise CommandError("--limit must be between 1 and 10000.")
    settings = settings_from_args(args, require_credentials=False)
    path = settings.ledger_path
    if not path.exists() and not path.is_symlink():
        print(f"No writes recorded yet (no ledger at {path}).")
        return EXIT_OK
    store = LedgerStore(settings, scope="", clock=time.time)
    try:
        entries = store.run(lambda conn: store.recent(conn, args.limit, args.tool))
    except LedgerError as exc:
        raise CommandError(exc.message, EXIT_FAILED) from None
    if args.json:
        rows = [
            {
                "time": _when(e.created_at),
                "tool": e.tool,
                "outcome": e.outcome,
                "confirmed_by": e.confirmed_by,
                "detail": e.detail,
                **e.fields,
            }
            for e in entries
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not entries:
        print("No writes recorded" + (f" for {args.tool}." if args.tool else "."))
        return EXIT_OK
    print(f"The {len(entries)} most recent write(s), newest first ({path}):")
    for entry in entries:
        outcome = OUTCOME_WORDS.get(entry.outcome, entry.outcome)
        print(f"  {_when(entry.created_at)}  {entry.tool}  {outcome}")
        details = [f"{label} {_value(entry.fields[key])}" for key, label in SHOWN if entry.fields.get(key) is not None]
        if entry.confirmed_by:
            details.append(f"confirmed by {'a form' if entry.confirmed_by == 'form' else 'confirm=true'}")
        if entry.detail:
            details.append(entry.detail)
        if details:
            print(f"      {' · '.join(details)}")
    return EXIT_OK


def _when(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}={item}" for key, item in value.items())
    return str(value)
