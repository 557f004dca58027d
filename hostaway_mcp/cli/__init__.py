"""The `hostaway-mcp` command: with no subcommand it serves MCP over stdio, as desktop hosts expect.

Human-facing output goes to stderr while serving (stdout is the JSON-RPC wire) and to stdout only
for subcommands that do not speak MCP:

    hostaway-mcp                      serve MCP over stdio (what Claude Desktop runs)
    hostaway-mcp check                do the settings work? account, listings, arrivals, token, budget
    hostaway-mcp tools                every toolset and its tools, and which are on
    hostaway-mcp call TOOL [JSON]     call one tool through an in-process MCP client
    hostaway-mcp audit                recent writes and how each ended (the write ledger)
    hostaway-mcp sync                 the local mirror: build or check it, --full, --purge, --status
    hostaway-mcp sandbox --port N     serve the fake Hostaway (demo account) on loopback HTTP

`--demo` and `--read-only` work before or after any subcommand.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Sequence

from pydantic import ValidationError

from hostaway_mcp import __version__
from hostaway_mcp.cli import audit_cmd, call, check, sandbox_cmd, sync_cmd, tools_cmd
from hostaway_mcp.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    CommandError,
    add_mode_flags,
    report_problem,
)
from hostaway_mcp.config import MissingCredentialsError, Settings
from hostaway_mcp.logging_setup import configure_logging

__all__ = ["EXIT_CONFIG", "build_parser", "load_settings", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hostaway-mcp",
        description="MCP server for Hostaway. With no command, serves MCP over stdio.",
        epilog="Try it without an account: hostaway-mcp check --demo",
    )
    parser.add_argument("--version", action="version", version=f"hostaway-mcp {__version__}")
    add_mode_flags(parser, on_subcommand=False)
    parser.set_defaults(handler=None)
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    for module in (check, tools_cmd, call, audit_cmd, sync_cmd, sandbox_cmd):
        module.add_parser(subparsers)
    return parser


def load_settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment and `.env`, with command-line flags on top."""
    overrides: dict[str, object] = {}
    if args.demo:
        overrides["demo"] = True
    if getattr(args, "read_only", False):
        overrides["read_only"] = True
    settings = Settings(**overrides)  # type: ignore[arg-type]  # pydantic-settings takes field kwargs
    settings.require_credentials()
    return settings


def _settings_problem(exc: ValidationError) -> str:
    lines = ["hostaway-mcp: the configuration is not valid:"]
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "settings"
        lines.append(f"  HOSTAWAY_{field.upper()}: {error['msg']}")
    lines.append("See .env.example for every setting, or run with --demo to try the demo account.")
    return "\n".join(lines)


def serve(args: argparse.Namespace) -> None:
    try:
        settings = load_settings(args)
    except ValidationError as exc:
        print(_settings_problem(exc), file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None
    except MissingCredentialsError as exc:
        print(f"hostaway-mcp: missing credentials. {exc}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None
    configure_logging(settings.log_level)
    from hostaway_mcp.allocator import tune_for_serving

    tune_for_serving()  # before the SDK's import and the first thread: their memory lands in one arena
    try:
        # The MCP SDK is slow to import: only when serving.
        from hostaway_mcp.cli.serving import run_stdio
        from hostaway_mcp.server import build_server

        run_stdio(build_server(settings, background_sync=True))
    except KeyboardInterrupt:  # Ctrl-C before the server was up: nothing to stop yet
        print("hostaway-mcp: interrupted", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        try:
            code = _run(argv)
        finally:  # flushed here, not at exit (even on --help's SystemExit): a closed pipe is ours to handle
            sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`hostaway-mcp tools | head`): it has what it wanted, so stop
        # quietly. Output still buffered would fail again at exit, so stdout now goes nowhere.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    if code is not None:
        raise SystemExit(code)


def _run(argv: Sequence[str] | None) -> int | None:
    """Run the command line; the exit status of a subcommand, None once serving has ended."""
    args = build_parser().parse_args(argv)
    if args.handler is None:
        serve(args)
        return None
    try:
        code: int = args.handler(args)
    except CommandError as exc:
        report_problem(args.command, exc)
        code = exc.code
    except KeyboardInterrupt:
        print(f"hostaway-mcp {args.command}: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        raise
    except Exception as exc:  # noqa: BLE001 - a person reads this: one line, never a traceback
        if getattr(args, "verbose", False):
            traceback.print_exc()
        print(
            f"hostaway-mcp {args.command}: unexpected error ({type(exc).__name__}: {exc}). "
            "Run it again with --verbose for details; if it persists, report it.",
            file=sys.stderr,
        )
        code = EXIT_FAILED
    return code
