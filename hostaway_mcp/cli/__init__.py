"""The `hostaway-mcp` command: with no subcommand it serves MCP over stdio, as desktop hosts expect.

Human-facing output goes to stderr while serving (stdout is the JSON-RPC wire) and to stdout only
for subcommands that do not speak MCP.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from hostaway_mcp import __version__
from hostaway_mcp.config import MissingCredentialsError, Settings
from hostaway_mcp.logging_setup import configure_logging

EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hostaway-mcp",
        description="MCP server for Hostaway. With no command, serves MCP over stdio.",
    )
    parser.add_argument("--version", action="version", version=f"hostaway-mcp {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the built-in demo account (no credentials needed; same as HOSTAWAY_DEMO=1)",
    )
    parser.add_argument("--read-only", action="store_true", help="hide write tools and refuse every change")
    parser.set_defaults(command="serve")
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


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args)
    except ValidationError as exc:
        print(_settings_problem(exc), file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None
    except MissingCredentialsError as exc:
        print(f"hostaway-mcp: missing credentials. {exc}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None
    configure_logging(settings.log_level)
    from hostaway_mcp.server import build_server  # the MCP SDK is slow to import; only when serving

    build_server(settings).run()
