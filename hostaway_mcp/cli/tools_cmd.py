"""`hostaway-mcp tools`: every tool the server offers, whether it reads or writes, in one line each.

Read from the tool catalogue, so it needs no credentials and no network, and it lists exactly
what `build_server` registers (write tools drop out in read-only mode, as they do for clients).
"""

from __future__ import annotations

import argparse
import inspect
import json
from typing import TYPE_CHECKING

from hostaway_mcp.cli.common import EXIT_OK, add_mode_flags, settings_from_args

if TYPE_CHECKING:
    from hostaway_mcp.tools import ToolSpec

HELP = "list the tools (name, read or write, what each is for)"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("tools", help=HELP, description=HELP + ".")
    add_mode_flags(parser, on_subcommand=True)
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    output.add_argument("--markdown", action="store_true", help="print the README's tool table")
    parser.set_defaults(handler=run)


def summary(spec: ToolSpec) -> str:
    """The first line of the tool's description (its docstring), as clients show it."""
    doc = inspect.getdoc(spec.fn) or spec.title
    return doc.strip().splitlines()[0].strip()


def offered_tools(read_only: bool) -> list[ToolSpec]:
    from hostaway_mcp.tools import catalogue  # imports the MCP SDK: only when tools are listed

    return [spec for spec in catalogue() if not (read_only and spec.kind == "write")]


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args, require_credentials=False)
    specs = offered_tools(settings.read_only)
    hidden = [spec.name for spec in offered_tools(read_only=False) if spec not in specs]
    if args.json:
        rows = [{"name": s.name, "kind": s.kind, "title": s.title, "summary": summary(s)} for s in specs]
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    if args.markdown:
        print("| tool | kind | what it does |\n|---|---|---|")
        for spec in specs:
            print(f"| `{spec.name}` | {spec.kind} | {summary(spec)} |")
        return EXIT_OK
    reads = sum(spec.kind == "read" for spec in specs)
    print(f"{len(specs)} tools: {reads} read, {len(specs) - reads} write")
    name_width = max((len(spec.name) for spec in specs), default=0)
    for spec in specs:
        print(f"  {spec.name.ljust(name_width)}  {spec.kind.ljust(5)}  {summary(spec)}")
    if hidden:
        print(f"Read-only mode hides {len(hidden)} write tools: {', '.join(hidden)}.")
    elif len(specs) > reads:
        print("Write tools preview the change first and act only when called again with confirm=true.")
    print("Try one: hostaway-mcp call list_properties '{\"limit\": 5}' --demo")
    return EXIT_OK
