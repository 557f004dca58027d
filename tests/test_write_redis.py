"""Writes on several machines agree through Redis (`HOSTAWAY_REDIS_URL`): one sends, the others know.

Two servers with separate cache folders stand for two machines: their SQLite ledgers share
nothing, so only Redis can stop the second one. Skipped without a redis-server (the `redis_url`
fixture in `conftest.py` starts one, or uses CI's).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from tests.conftest import (
    TEXT,
    accept_when_all_asked,
    booking_with_thread,
    call_error,
    call_ok,
    free_port,
    message_posts,
    thread,
)
from tests.faults import Fault, faults_of


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory(listings=6)


@pytest.fixture
def machines(
    server_factory: Callable[..., Any],
    sandbox: Any,
    redis_url: str,
    tmp_path: Path,
) -> Callable[[], Any]:
    """`machine()`: a new server on its own cache folder (its own machine), sharing one Redis."""
    from redis import Redis

    Redis.from_url(redis_url).flushdb()
    count = 0

    def machine() -> Any:
        nonlocal count
        count += 1
        return server_factory(sandbox, redis_url=redis_url, cache_dir=tmp_path / f"machine-{count}")

    return machine


async def test_two_machines_confirming_the_same_message_at_once_send_it_once(
    machines: Callable[[], Any], sandbox: Any
) -> None:
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    before = thread(sandbox, conversation["id"])
    accept_when_both_asked, asked = accept_when_all_asked(2)

    args = {"booking_id": reservation["id"], "message": TEXT}
    async with (
        Client(machines(), mode="legacy", elicitation_callback=accept_when_both_asked) as first,
        Client(machines(), mode="legacy", elicitation_callback=accept_when_both_asked) as second,
    ):
        results = await asyncio.gather(
            first.call_tool("send_guest_message", args), second.call_tool("send_guest_message", args)
        )
    assert len(asked) == 2  # both were confirmed by the person before either sent
    assert sorted(result.is_error for result in results) == [False, True]
    why = next(result for result in results if result.is_error).content[0].text  # type: ignore[union-attr]
    assert "Refused" in why and ("on another machine" in why or "already sent" in why)
    assert len(thread(sandbox, conversation["id"])) == len(before) + 1


async def test_a_message_sent_on_one_machine_is_a_duplicate_on_another(
    machines: Callable[[], Any], sandbox: Any
) -> None:
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    args = {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
    async with Client(machines()) as first:
        await call_ok(first, "send_guest_message", args)
    async with Client(machines()) as second:
        error = await call_error(second, "send_guest_message", args)
        again = await call_ok(second, "send_guest_message", {**args, "allow_duplicate": True})
    assert "already sent" in error and again["status"] == "sent"
    assert len(message_posts(sandbox, conversation["id"])) == 2


async def test_an_unknown_outcome_on_one_machine_is_reconciled_on_another(
    machines: Callable[[], Any], sandbox: Any
) -> None:
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    args = {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
    faults_of(sandbox).script(Fault("read_timeout", method="POST", path="/conversations"))
    async with Client(machines()) as first:
        assert "Outcome unknown" in await call_error(first, "send_guest_message", args)
    async with Client(machines()) as second:
        found = await call_ok(second, "send_guest_message", args)
        duplicate = await call_error(second, "send_guest_message", args)
    assert found["status"] == "already_sent"
    assert "already sent" in duplicate
    assert len(message_posts(sandbox, conversation["id"])) == 1


async def test_an_unreachable_redis_refuses_writes_and_never_breaks_reads(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    pytest.importorskip("redis")
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    server = server_factory(sandbox, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    async with Client(server) as client:
        assert (await call_ok(client, "list_properties", {}))["total"] == 6
        preview = await call_ok(client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT})
        error = await call_error(
            client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
        )
    assert preview["status"] == "preview" and "Redis" in preview["next_step"]
    assert "Redis (HOSTAWAY_REDIS_URL) cannot be reached" in error and "Nothing was sent" in error
    assert "redis://" not in error  # the URL may hold a password
    assert message_posts(sandbox, conversation["id"]) == []
