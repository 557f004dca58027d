"""`hostaway-mcp sync`: the local mirror's state, brought up to date, reconciled or deleted.

    hostaway-mcp sync            show the mirror, then build it (first run) or check it (watermarks)
    hostaway-mcp sync --status   only show it (no call to Hostaway)
    hostaway-mcp sync --full     read everything again and drop what Hostaway no longer has
    hostaway-mcp sync --purge    delete the mirror (guest data included); the next sync rebuilds it

Progress goes to stderr as it happens; the summary to stdout. A first sync reads every thread's
messages once, within the shared rate budget (other processes keep their share).
"""

from __future__ import annotations

import argparse
import sys
import time

from hostaway_mcp.cli.check import explain, server_state
from hostaway_mcp.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    CommandError,
    add_mode_flags,
    add_verbose_flag,
    configure_cli_logging,
    run_async,
    settings_from_args,
)
from hostaway_mcp.config import Settings
from hostaway_mcp.errors import HostawayError

HELP = "build, check, reconcile (--full) or delete (--purge) the local mirror of the account"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("sync", help=HELP, description=HELP + ".")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--status", action="store_true", help="only show the mirror; nothing is read from Hostaway")
    what.add_argument("--full", action="store_true", help="read everything again (catches what watermarks miss)")
    what.add_argument("--purge", action="store_true", help="delete the mirror and the guest data it holds")
    add_mode_flags(parser, on_subcommand=True)
    add_verbose_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    configure_cli_logging(settings, args)
    if not settings.mirror_enabled:
        why = "the demo account lives inside the server" if settings.demo else "HOSTAWAY_MIRROR=false"
        print(f"The local mirror is off ({why}): every tool reads Hostaway live.")
        return EXIT_OK
    return run_async(sync(settings, status_only=args.status, full=args.full, purge=args.purge))


def _say(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


async def sync(settings: Settings, *, status_only: bool = False, full: bool = False, purge: bool = False) -> int:
    from hostaway_mcp.mirror.lock import LockTimeoutError
    from hostaway_mcp.mirror.service import describe

    async with server_state(settings) as state:
        mirror = state.mirror
        if mirror is None:  # pragma: no cover - mirror_enabled was checked
            raise CommandError("The local mirror is off.", EXIT_FAILED)
        print(f"Mirror: {mirror.store.path}")
        print(f"Before: {describe(await mirror.status(), mirror.wall_clock())}")
        if status_only:
            return EXIT_OK
        try:
            if purge:
                removed = await mirror.purge()
                print("Deleted the mirror." if removed else "There was no mirror to delete.")
                return EXIT_OK
            started = time.monotonic()
            if full:
                report = await mirror.full(say=_say)
            else:
                status = await mirror.status()
                report = await mirror.backfill(say=_say)
                if status.ready:
                    fresh = await mirror.fresh(("listings", "reservations", "conversations", "reviews"))
                    report = mirror.last_report or report
                    if fresh is None:
                        raise CommandError("The watermark check failed; see the log above.", EXIT_FAILED)
        except LockTimeoutError:
            raise CommandError("Another hostaway-mcp process is syncing the mirror; try again later.") from None
        except HostawayError as exc:
            raise explain(exc, settings) from None
        took = time.monotonic() - started
        print(f"Synced in {took:.1f} s with {report.calls} request(s).")
        print(f"After: {describe(await mirror.status(), mirror.wall_clock())}")
    return EXIT_OK
