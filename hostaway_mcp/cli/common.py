"""What every subcommand shares: flags, settings, exit codes, fix-it messages, a progress line.

Subcommands print for people: results on stdout, problems and progress on stderr, and a problem
is always one short paragraph saying what is wrong and what to do, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shlex
import shutil
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from datetime import date
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any, TextIO, TypeVar
from urllib.parse import unquote, urlsplit

from pydantic import ValidationError

from hostaway_mcp.config import MissingCredentialsError, Settings
from hostaway_mcp.logging_setup import configure_logging

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILED = 1  # the command ran and the answer is "no" (a tool error, an unexpected failure)
EXIT_CONFIG = 2  # settings missing or invalid, or bad command-line input
EXIT_AUTH = 3  # Hostaway rejected the account id / API key pair
EXIT_PERMISSION = 4  # the credentials work but Hostaway refuses the request (403)
EXIT_UNAVAILABLE = 5  # Hostaway could not be reached, timed out, failed (5xx) or kept answering 429
EXIT_INTERRUPTED = 130

# A call that has not finished after this long gets a progress line on stderr.
PROGRESS_AFTER_S = 1.0


class CommandError(Exception):
    """A problem to report to the person at the terminal, with the exit code it deserves."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def add_mode_flags(parser: argparse.ArgumentParser, *, on_subcommand: bool) -> None:
    """`--demo` and `--read-only`, accepted before and after the subcommand.

    On a subcommand they default to SUPPRESS, so `hostaway-mcp --demo call ...` is not undone by
    the subcommand's own (unset) copy of the flag.
    """
    default: Any = argparse.SUPPRESS if on_subcommand else False
    parser.add_argument(
        "--demo",
        action="store_true",
        default=default,
        help="use the built-in demo account (no credentials needed; same as HOSTAWAY_DEMO=1)",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        default=default,
        help="hide write tools and refuse every change (same as HOSTAWAY_READ_ONLY=true)",
    )


def add_verbose_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests, retries and token use to stderr")


def settings_from_args(args: argparse.Namespace, *, require_credentials: bool = True) -> Settings:
    """Settings from the environment and `.env`, with command-line flags on top.

    Raises `CommandError` (exit 2) with what to set when they are missing or invalid.
    """
    overrides: dict[str, object] = {}
    if getattr(args, "demo", False):
        overrides["demo"] = True
    if getattr(args, "read_only", False):
        overrides["read_only"] = True
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]  # pydantic-settings takes field kwargs
        if require_credentials:
            settings.require_credentials()
    except ValidationError as exc:
        raise CommandError(settings_problem(exc), EXIT_CONFIG) from None
    except MissingCredentialsError as exc:
        raise CommandError(f"No Hostaway credentials are set. {exc}", EXIT_CONFIG) from None
    return settings


def settings_problem(exc: ValidationError) -> str:
    lines = ["The configuration is not valid:"]
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "settings"
        lines.append(f"  HOSTAWAY_{field.upper()}: {error['msg']}")
    lines.append("See .env.example for every setting, or add --demo to try the demo account.")
    return "\n".join(lines)


def configure_cli_logging(settings: Settings, args: argparse.Namespace) -> None:
    """Quiet by default (the answer is what matters); `-v` or an explicit HOSTAWAY_LOG_LEVEL opens up."""
    if getattr(args, "verbose", False):
        level = "DEBUG"
    elif "log_level" in settings.model_fields_set:
        level = settings.log_level
    else:
        level = "WARNING"
    configure_logging(level)
    if level != "DEBUG":
        # The SDK logs each tool failure at INFO; the CLI reports failures itself.
        logging.getLogger("mcp").setLevel(logging.WARNING)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def report_problem(command: str, error: CommandError, stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    print(f"hostaway-mcp {command}: {error.message}", file=out)


@contextmanager
def progress(label: str, *, stream: TextIO | None = None) -> Iterator[None]:
    """Say on stderr that `label` is still running once it has taken more than a second.

    A thread keeps time, so the line appears even while the event loop is busy (loading the demo
    account, importing the SDK). On a terminal the line is updated in place every second and
    cleared at the end; anywhere else (a pipe, a log) one line is written when the wait starts
    and one when it ends.
    """
    out = stream or sys.stderr
    interactive = out.isatty()
    started = time.monotonic()
    finished = threading.Event()
    shown = threading.Event()

    def announce() -> None:
        if finished.wait(PROGRESS_AFTER_S):
            return
        while True:
            elapsed = time.monotonic() - started
            if interactive:
                out.write(f"\r{label}... {elapsed:.0f} s")
            else:
                out.write(f"{label}... (still working after {elapsed:.0f} s)\n")
            out.flush()
            shown.set()
            if not interactive or finished.wait(1.0):
                return

    timer = threading.Thread(target=announce, name="hostaway-progress", daemon=True)
    timer.start()
    try:
        yield
    finally:
        finished.set()
        timer.join()
        if shown.is_set():
            if interactive:
                out.write("\r\033[K")
            else:
                out.write(f"{label}: done in {time.monotonic() - started:.1f} s\n")
            out.flush()


def today() -> date:
    """Today on this machine: what the server itself uses as "today" outside tests."""
    return date.today()


def command_name() -> str:
    """How the person at this terminal starts `hostaway-mcp` again, for hints that must work as printed.

    A checkout (an editable install) runs through `uv run`, with `--directory` when the terminal is
    elsewhere; a console script on PATH that belongs to this interpreter is plain `hostaway-mcp`; a
    wheel or folder run by `uvx --from` is that again; anything else falls back to `python -m`.
    """
    source = _installed_from()
    if source is not None and source[1]:
        checkout = source[0]
        # `uv run --directory` moves into the checkout; the shell's PWD is where the person is.
        here = Path(os.environ.get("PWD") or Path.cwd())
        inside = here.resolve().is_relative_to(checkout.resolve())
        return "uv run hostaway-mcp" if inside else f"uv run --directory {shlex.quote(str(checkout))} hostaway-mcp"
    on_path = shutil.which("hostaway-mcp")
    ours = Path(sys.executable).parent.resolve()
    if on_path is not None and Path(on_path).resolve().parent == ours and not _in_a_cache(ours):
        return "hostaway-mcp"
    if source is not None:
        return f"uvx --from {shlex.quote(str(source[0]))} hostaway-mcp"
    return f"{shlex.quote(sys.executable)} -m hostaway_mcp"


def _in_a_cache(folder: Path) -> bool:
    """Whether `folder` lies in a cache (a CACHEDIR.TAG above it): `uvx` runs from uv's cache, so the
    command it put on PATH is gone once it exits."""
    return any((parent / "CACHEDIR.TAG").is_file() for parent in folder.parents)


def _installed_from() -> tuple[Path, bool] | None:
    """Where this package was installed from (a folder or a wheel) and whether editably (PEP 610)."""
    try:
        text = distribution("hostaway-mcp").read_text("direct_url.json")
        record = json.loads(text) if text else None
    except (PackageNotFoundError, ValueError):
        return None
    if not isinstance(record, dict) or not str(record.get("url", "")).startswith("file://"):
        return None
    editable = bool((record.get("dir_info") or {}).get("editable"))
    return Path(unquote(urlsplit(record["url"]).path)), editable
