"""`hostaway-mcp call TOOL [JSON]`: call one tool through the MCP path and print the answer.

The call goes through a real `mcp.Client` connected in process to the same server the desktop
hosts get (`build_server(settings)`), so argument validation, error text and output are exactly
what a model would see. Results print readably, or as JSON with `--json`.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from typing import Any

from hostaway_mcp.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    CommandError,
    add_mode_flags,
    add_verbose_flag,
    configure_cli_logging,
    progress,
    run_async,
    settings_from_args,
)
from hostaway_mcp.cli.render import render
from hostaway_mcp.config import Settings

HELP = "call one tool and print its answer (through an in-process MCP client)"
EXAMPLE = """\
examples:
  hostaway-mcp call list_properties '{"city": "Lisbon"}' --demo
  hostaway-mcp call check_property_availability '{"property_id": 1001, "start": "2026-12-01", "end": "2026-12-08"}'
  echo '{"limit": 5}' | hostaway-mcp call list_properties - --json
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "call",
        help=HELP,
        description=HELP + ". Run `hostaway-mcp tools` for the names.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("tool", help="tool name, e.g. search_available_properties")
    parser.add_argument(
        "arguments",
        nargs="?",
        default="{}",
        help="the tool's arguments as one JSON object (quote it for the shell); - reads it from stdin",
    )
    parser.add_argument("--json", action="store_true", help="print the raw result as JSON")
    add_mode_flags(parser, on_subcommand=True)
    add_verbose_flag(parser)
    parser.set_defaults(handler=run)


def parse_arguments(raw: str) -> dict[str, Any]:
    text = sys.stdin.read() if raw == "-" else raw
    try:
        value = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"the arguments are not valid JSON ({exc.msg} at character {exc.pos}). Pass one JSON object in "
            """single quotes, e.g. '{"city": "Lisbon"}'.""",
            EXIT_CONFIG,
        ) from None
    if not isinstance(value, dict):
        raise CommandError(
            f"the arguments must be a JSON object of name: value pairs, not {type(value).__name__}.", EXIT_CONFIG
        )
    return value


def settings_offering(name: str, settings: Settings) -> Settings:
    """Settings that offer this tool; an unknown tool is refused first, with the closest names as a hint.

    The tool is named on the command line, so it is offered even when its toolset is off
    (as if it were in HOSTAWAY_TOOLS); read-only mode still hides a write tool.
    """
    from hostaway_mcp.tools import catalogue

    specs = {spec.name: spec for spec in catalogue()}
    spec = specs.get(name)
    if spec is None:
        close = difflib.get_close_matches(name, specs, n=3)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise CommandError(
            f"there is no tool named {name!r}.{hint} Run `hostaway-mcp tools` to list them.", EXIT_CONFIG
        )
    if spec.kind == "write" and settings.read_only:
        raise CommandError(
            f"{name} changes data, and read-only mode is on (--read-only or HOSTAWAY_READ_ONLY=true), so the "
            "server does not offer it. Turn read-only mode off to use it.",
            EXIT_CONFIG,
        )
    if name in settings.tools:
        return settings
    return settings.model_copy(update={"tools": (*settings.tools, name)})


def run(args: argparse.Namespace) -> int:
    settings = settings_offering(args.tool, settings_from_args(args))
    arguments = parse_arguments(args.arguments)
    configure_cli_logging(settings, args)
    with progress(f"calling {args.tool}"):
        outcome = run_async(call_tool(settings, args.tool, arguments))
    if outcome.is_error:
        if args.json:
            print(json.dumps({"is_error": True, "error": outcome.text}, indent=2))
        raise CommandError(f"{args.tool} failed: {outcome.text}", EXIT_FAILED)
    if args.json:
        print(json.dumps(outcome.data, indent=2, ensure_ascii=False))
    else:
        print(render(outcome.data) if outcome.data is not None else outcome.text)
    return EXIT_OK


class Outcome:
    def __init__(self, *, is_error: bool, data: Any, text: str) -> None:
        self.is_error = is_error
        self.data = data
        self.text = text


async def call_tool(settings: Settings, tool: str, arguments: dict[str, Any]) -> Outcome:
    # The MCP SDK takes most of a second to import: only pay for it when a call is made.
    from mcp import Client

    from hostaway_mcp.server import build_server

    async with Client(build_server(settings)) as client:
        result = await client.call_tool(tool, arguments)
    text = "\n".join(getattr(block, "text", "") for block in result.content).strip()
    if result.is_error:
        return Outcome(is_error=True, data=None, text=_strip_sdk_prefix(text, tool))
    return Outcome(is_error=False, data=result.structured_content, text=text)


def _strip_sdk_prefix(text: str, tool: str) -> str:
    """The SDK prefixes tool errors with "Error executing tool X: "; the CLI already says which tool."""
    prefix = f"Error executing tool {tool}: "
    return text[len(prefix) :] if text.startswith(prefix) else text
