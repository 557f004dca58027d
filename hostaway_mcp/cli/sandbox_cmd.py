"""`hostaway-mcp sandbox --port N`: the fake Hostaway (the demo account) on loopback HTTP.

For trying the server the way it runs against the real API (token exchange, HTTP, rate limits
shared between processes), and for testing what happens with bad credentials or a slow API:

    hostaway-mcp sandbox --port 8765 --account-id 12345 --secret s3cret --latency 0.3
    HOSTAWAY_BASE_URL=http://127.0.0.1:8765/v1 HOSTAWAY_ACCOUNT_ID=12345 HOSTAWAY_SECRET_KEY=s3cret \\
        hostaway-mcp check
"""

from __future__ import annotations

import argparse
import socket
from datetime import date

from hostaway_mcp.cli.common import EXIT_CONFIG, EXIT_OK, CommandError, add_mode_flags, add_verbose_flag
from hostaway_mcp.logging_setup import configure_logging

HELP = "serve the fake Hostaway API (the demo account) on 127.0.0.1 for testing"
DEFAULT_PORT = 8765


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("sandbox", help=HELP, description=HELP + ". Stop it with Ctrl-C.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default {DEFAULT_PORT})")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated account (default 7)")
    parser.add_argument("--listings", type=int, default=24, help="number of properties (default 24)")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every response, like a real network (default 0)"
    )
    parser.add_argument("--account-id", help="accept only this account id (with --secret); default: any pair")
    parser.add_argument("--secret", help="accept only this API key (with --account-id)")
    add_mode_flags(parser, on_subcommand=True)  # accepted for symmetry; the sandbox is always a demo
    add_verbose_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if (args.account_id is None) != (args.secret is None):
        raise CommandError("--account-id and --secret go together: give both to pin the credentials, or neither.")
    if args.account_id is not None and not str(args.account_id).isdigit():
        raise CommandError("--account-id must be numeric, like a Hostaway account id.", EXIT_CONFIG)
    if not 1 <= args.listings <= 2000:
        raise CommandError("--listings must be between 1 and 2000.", EXIT_CONFIG)
    if args.latency < 0:
        raise CommandError("--latency must be 0 or more seconds.", EXIT_CONFIG)
    _check_port_free(args.port)
    configure_logging("DEBUG" if args.verbose else "WARNING")

    from hostaway_mcp.sandbox import Sandbox
    from hostaway_mcp.sandbox.http_server import run_forever

    credentials = (args.account_id, args.secret) if args.account_id is not None else None
    sandbox = Sandbox(
        seed=args.seed, today=date.today(), listings=args.listings, credentials=credentials, latency=args.latency
    )
    base_url = f"http://127.0.0.1:{args.port}/v1"
    account_id = args.account_id or str(sandbox.account.account_id)
    secret = args.secret or "any-secret"
    print(
        f"Hostaway sandbox: {args.listings} properties (seed {args.seed}, today {sandbox.today.isoformat()}), "
        f"listening on {base_url}\n"
        "Point hostaway-mcp at it with:\n"
        f"  export HOSTAWAY_BASE_URL={base_url}\n"
        f"  export HOSTAWAY_ACCOUNT_ID={account_id}\n"
        f"  export HOSTAWAY_SECRET_KEY={secret}\n"
        + ("Only that account id and secret are accepted.\n" if credentials else "Any account id and secret work.\n")
        + "Press Ctrl-C to stop.",
        flush=True,
    )
    run_forever(sandbox, args.port)
    return EXIT_OK


def _check_port_free(port: int) -> None:
    if not 1 <= port <= 65535:
        raise CommandError(f"--port must be between 1 and 65535, not {port}.", EXIT_CONFIG)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server binds
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise CommandError(
                f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); pick another port with --port.", EXIT_CONFIG
            ) from None
