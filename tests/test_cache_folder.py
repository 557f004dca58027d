"""Every file the server writes in its cache folder survives corruption, and all of it is private.

One server run writes everything it keeps (access token, shared rate-limit window, audit log);
then each of those files is corrupted in every way below, and a tool call must still succeed with
at most one warning per file. `STATE_FILES` names each file the server may write: a new kind of
file fails `test_every_file_in_the_cache_folder_is_known` until it is added here, with its
corruption handling.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from tests.conftest import NOW, PLANTED_TOKEN, TODAY, call_ok


@dataclass(frozen=True)
class StateFile:
    """What this test checks of one kind of file: corrupted and re-read, and 0600."""

    corrupt: bool
    private: bool = True
    why: str = ""  # why a check is left to another test (or not yet done)


STATE_FILES: dict[str, StateFile] = {
    "token-*.json": StateFile(corrupt=True),
    "ratelimit-*.json": StateFile(corrupt=True),
    "ratelimit-*.json.lock": StateFile(corrupt=False, why="a lock file: its content is never read"),
    "audit.jsonl": StateFile(corrupt=False, why="append-only: read back only to rebuild a lost ledger"),
    # Reads never open the ledger, so corrupting it must leave them untouched; what a write does
    # with a damaged ledger (refuses, saying how to recover) is tests/test_ledger.py's.
    "ledger.sqlite3*": StateFile(corrupt=True),
}


def _retype(value: Any) -> Any:
    """The same shape with every scalar of the wrong type: strings become numbers and so on."""
    if isinstance(value, dict):
        return {key: _retype(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_retype(item) for item in value]
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return 12345
    return {}


def _wrong_types(path: Path) -> None:
    if path.name.startswith("ledger.sqlite3"):  # SQLite: the same rows, each value of the wrong type
        if path.name == "ledger.sqlite3":
            with sqlite3.connect(path) as conn:
                conn.execute("UPDATE writes SET pid = 'x', created_at = 'yesterday', fields = '[1, 2]'")
        return
    path.write_text(json.dumps(_retype(json.loads(path.read_text()))))


def _half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _replace_with(content: bytes) -> Callable[[Path], None]:
    def replace(path: Path) -> None:
        path.write_bytes(content)

    return replace


def _symlink_elsewhere(path: Path) -> None:
    elsewhere = path.parent.parent / f"elsewhere-{path.name}"
    elsewhere.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(elsewhere)


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path, 0o600)


CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "invalid-utf8": _replace_with(b"\xff\xfe\xfd{\x80}"),
    "empty": _replace_with(b""),
    "truncated": _half,
    "not-json": _replace_with(b"this is not json"),
    "json-list": _replace_with(b"[1, 2, 3]"),
    "json-scalar": _replace_with(b'"a string"'),
    "wrong-types": _wrong_types,
    "symlink": _symlink_elsewhere,
    "folder": _folder,
    "fifo": _fifo,
}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


async def one_run(server_factory: Callable[..., Any], sandbox: Any, cache: Path) -> None:
    """A server run that writes every state file: a read (token, limiter) and a write preview (audit)."""
    async with Client(server_factory(sandbox, cache_dir=cache, shared_rate_limit=True)) as client:
        await read_and_preview_a_write(client)


async def read_and_preview_a_write(client: Client) -> None:
    properties = await call_ok(client, "list_properties", {"limit": 1})
    start = TODAY + timedelta(days=300)
    nights = {"start_date": start.isoformat(), "end_date": (start + timedelta(days=1)).isoformat()}
    await client.call_tool("block_dates", {"property_id": properties["items"][0]["id"], **nights})


def files_in(cache: Path) -> list[Path]:
    return sorted(path for path in cache.iterdir() if not path.name.startswith("."))


def kind_of(path: Path) -> str | None:
    return next((pattern for pattern in STATE_FILES if fnmatch.fnmatch(path.name, pattern)), None)


async def test_every_file_in_the_cache_folder_is_known_and_private(
    server_factory: Callable[..., Any], sandbox: Any, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    old = os.umask(0o022)
    try:
        await one_run(server_factory, sandbox, cache)
    finally:
        os.umask(old)
    found = files_in(cache)
    assert [p.name for p in found if kind_of(p) is None] == [], "a new state file: add it to STATE_FILES"
    assert {kind_of(p) for p in found} >= {"token-*.json", "audit.jsonl"}
    assert mode(cache) == 0o700
    for path in found:
        assert stat.S_ISREG(path.lstat().st_mode), path
        if STATE_FILES[kind_of(path) or ""].private:
            assert mode(path) == 0o600, f"{path.name} is {mode(path):o}"


@pytest.mark.parametrize("how", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
async def test_a_tool_call_succeeds_whatever_happened_to_the_state_files(
    server_factory: Callable[..., Any],
    sandbox: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    how: Callable[[Path], None],
) -> None:
    cache = tmp_path / "cache"
    await one_run(server_factory, sandbox, cache)
    corrupted = [path for path in files_in(cache) if STATE_FILES[kind_of(path) or ""].corrupt]
    assert corrupted, "nothing to corrupt"
    for path in corrupted:
        how(path)

    with caplog.at_level(logging.WARNING):
        server = server_factory(sandbox, cache_dir=cache, shared_rate_limit=True)
        async with Client(server) as client:
            for _ in range(2):
                result = await call_ok(client, "list_properties", {"limit": 2})
                assert len(result["items"]) == 2

    for path in corrupted:
        about = [r for r in caplog.records if r.levelno >= logging.WARNING and str(path) in r.getMessage()]
        assert len(about) <= 1, [r.getMessage() for r in about]
    assert "Traceback" not in caplog.text
    assert PLANTED_TOKEN not in caplog.text


async def test_the_demo_cache_folder_is_private(tmp_path: Path) -> None:
    from hostaway_mcp.config import Settings
    from hostaway_mcp.server import build_server

    cache = tmp_path / "demo-cache"
    settings = Settings(demo=True, demo_listings=3, cache_dir=cache, _env_file=None)
    old = os.umask(0o022)
    try:
        async with Client(build_server(settings, now=lambda: NOW)) as client:
            await read_and_preview_a_write(client)
    finally:
        os.umask(old)
    assert (cache / "audit.jsonl").exists()
    assert mode(cache) == 0o700
    assert mode(cache / "audit.jsonl") == 0o600
