"""`hostaway-mcp tools`: every toolset, its tools, and which of them this configuration offers.

Read from the tool catalogue and the settings (`HOSTAWAY_TOOLSETS`, `HOSTAWAY_TOOLS`, read-only
mode), so it needs no credentials and no network, and it shows exactly what `build_server`
registers. `--markdown` prints the README's table of the whole catalogue instead.
"""

from __future__ import annotations

import argparse
import inspect
import json
from typing import TYPE_CHECKING, Any

from hostaway_mcp.cli.common import EXIT_OK, add_mode_flags, command_name, settings_from_args

if TYPE_CHECKING:
    from hostaway_mcp.tools import ToolSpec
    from hostaway_mcp.tools.toolsets import Selection

HELP = "list the toolsets and their tools, and which are on (HOSTAWAY_TOOLSETS, HOSTAWAY_TOOLS)"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("tools", help=HELP, description=HELP + ".")
    add_mode_flags(parser, on_subcommand=True)
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    output.add_argument("--markdown", action="store_true", help="print the README's tool table (every tool)")
    parser.set_defaults(handler=run)


def summary(spec: ToolSpec) -> str:
    """The first line of the tool's description (its docstring), as clients show it."""
    doc = inspect.getdoc(spec.fn) or spec.title
    return doc.strip().splitlines()[0].strip()


def state_of(spec: ToolSpec, selection: Selection) -> str:
    """on: offered; off: not in the chosen toolsets; hidden: a write that read-only mode hides."""
    if spec in selection.offered:
        return "on"
    return "hidden" if spec in selection.hidden_by_read_only else "off"


def run(args: argparse.Namespace) -> int:
    from hostaway_mcp.tools import CATALOGUE, TOOLSETS
    from hostaway_mcp.tools.toolsets import selection_for

    if args.markdown:
        print("| tool | toolset | kind | default | what it does |\n|---|---|---|---|---|")
        for spec in CATALOGUE:
            default = "yes" if spec.default else "no"
            print(f"| `{spec.name}` | {spec.toolset} | {spec.kind} | {default} | {summary(spec)} |")
        return EXIT_OK
    settings = settings_from_args(args, require_credentials=False)
    selection = selection_for(settings)
    if args.json:
        rows: list[dict[str, Any]] = [
            {
                "name": spec.name,
                "toolset": spec.toolset,
                "kind": spec.kind,
                "default": spec.default,
                "state": state_of(spec, selection),
                "title": spec.title,
                "summary": summary(spec),
            }
            for spec in CATALOGUE
        ]
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    offered = selection.offered
    reads = sum(spec.kind == "read" for spec in offered)
    print(
        f"{len(offered)} of {len(CATALOGUE)} tools on: {reads} read, {len(offered) - reads} write "
        f"(HOSTAWAY_TOOLSETS={','.join(settings.toolsets)}"
        + (f", HOSTAWAY_TOOLS={','.join(settings.tools)}" if settings.tools else "")
        + (", read-only" if settings.read_only else "")
        + ")"
    )
    name_width = max(len(spec.name) for spec in CATALOGUE)
    for toolset, purpose in TOOLSETS.items():
        members = [spec for spec in CATALOGUE if spec.toolset == toolset]
        on = sum(spec in offered for spec in members)
        print(f"\n{toolset} ({on} of {len(members)} on): {purpose}")
        for spec in members:
            marker = "default" if spec.default else "extra"
            line = f"  {state_of(spec, selection).ljust(6)} {spec.name.ljust(name_width)}  {spec.kind.ljust(5)}  "
            print(f"{line}{marker.ljust(7)}  {summary(spec)}")
        if not members:
            print("  (no tools yet)")
    print()
    print(
        "on: offered; off: not in the chosen toolsets; hidden: a write tool, hidden by read-only mode. "
        "default: in the default set; extra: offered when its toolset or its name is asked for."
    )
    print(
        "More tools: HOSTAWAY_TOOLSETS=default,finance adds whole toolsets, HOSTAWAY_TOOLS=get_property_financials "
        "single tools, HOSTAWAY_TOOLSETS=all everything. Hosts read the list at start: restart them after a change."
    )
    if selection.hidden_by_read_only:
        names = ", ".join(spec.name for spec in selection.hidden_by_read_only)
        print(f"Read-only mode hides {len(selection.hidden_by_read_only)} write tools: {names}.")
    elif len(offered) > reads:
        print("Write tools preview the change first and act only when called again with confirm=true.")
    print(f"Try one: {command_name()} call list_properties '{{\"limit\": 5}}' --demo")
    return EXIT_OK
