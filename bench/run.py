"""Run the benchmarks and print their tables: `uv run python -m bench [--quick] [--only NAMES]`.

A full run takes about six minutes (three of them the limiter's real-time runs) and writes
bench/RESULTS.md; `--quick` is a smoke run of every section in about a minute (time
compressed where the figure allows it, fewer repetitions) that writes nothing unless asked.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import limiter, memory, mirror, operations, parsing, questions, revenue, server_costs, startup
from bench.common import Table, machine, skip_client_validation

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


async def _overhead(quick: bool) -> Table:
    return await server_costs.overhead(100 if quick else 1000)


async def _bytes(quick: bool) -> Table:
    return await server_costs.context_bytes()


async def _definitions(quick: bool) -> Table:
    return await server_costs.tool_definitions()


async def _startup(quick: bool) -> Table:
    return await asyncio.to_thread(startup.run, quick)


SECTIONS: dict[str, Callable[[bool], Awaitable[Table]]] = {
    "questions": questions.run,
    "operations": operations.run,
    "limiter": limiter.run,
    "overhead": _overhead,
    "startup": _startup,
    "bytes": _bytes,
    "definitions": _definitions,
    "memory": memory.run,
    "parsing": parsing.run,
    "revenue": revenue.run,
    "mirror": mirror.run,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: every section, compressed, ~1 min")
    parser.add_argument("--only", default="", help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument(
        "--write",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write bench/RESULTS.md (default: full runs)",
    )
    parser.add_argument("--json", type=Path, help="also write every table's named figures to this JSON file")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> list[Table]:
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(SECTIONS)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown section(s): {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    tables: list[Table] = []
    for name in names:
        started = time.perf_counter()
        print(f"[{name}] running...", file=sys.stderr, flush=True)
        table = await SECTIONS[name](args.quick)
        print(f"[{name}] {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        print(table.render(), flush=True)
        tables.append(table)
    return tables


def results_markdown(tables: list[Table], quick: bool, elapsed_s: float) -> str:
    info = machine()
    lines = [
        "# Benchmark results",
        "",
        "Written by `uv run python -m bench`" + (" --quick" if quick else "") + "; see README.md in this folder.",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {info['nproc']} CPUs, {info['cpu']}; {info['os']}",
        f"- Python {info['python']}",
        f"- Run time: {elapsed_s / 60:.1f} min",
        "",
        "",
    ]
    return "\n".join(lines) + "\n".join(t.render() for t in tables)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    skip_client_validation()
    info = machine()
    print(f"hostaway-mcp benchmarks on {info['nproc']} CPUs ({info['cpu']}), Python {info['python']}\n", flush=True)
    started = time.perf_counter()
    tables = asyncio.run(run(args))
    elapsed = time.perf_counter() - started
    write = (not args.quick) if args.write is None else args.write
    if write:
        RESULTS.write_text(results_markdown(tables, args.quick, elapsed), encoding="utf-8")
        print(f"wrote {RESULTS}", file=sys.stderr)
    if args.json is not None:
        args.json.write_text(json.dumps({t.title: t.figures for t in tables}, indent=2), encoding="utf-8")
    print(f"done in {elapsed:.0f} s", file=sys.stderr)
