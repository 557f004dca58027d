"""The write ledger seen through a real MCP client: reconciliation, damaged files, secrets, races.

Two servers built on one settings object share the cache folder, hence the ledger, exactly as
two processes of one user do (the real-process versions are in `test_write_processes.py`).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import ElicitRequestParams, ElicitResult

from tests.conftest import (
    PLANTED_SECRET,
    SECRET_TEXT,
    TEXT,
    accept_when_all_asked,
    booking_with_thread,
    cached_tokens,
    calendar,
    call_error,
    call_ok,
    free_range,
    message_posts,
    thread,
    writes,
)
from tests.faults import Fault, faults_of


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory(listings=6)


def ledger_rows(cache: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(cache / "ledger.sqlite3") as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute("SELECT * FROM writes ORDER BY created_at")]


def orphan_every_attempt(cache: Path) -> None:
    """Make every `attempt` row look like its process was killed with -9 (a pid that is gone)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with sqlite3.connect(cache / "ledger.sqlite3") as conn:
        conn.execute("UPDATE writes SET pid = ? WHERE outcome = 'attempt'", (child.pid,))


async def test_an_unknown_send_found_in_the_thread_is_reported_not_sent_again(
    server_factory: Callable[..., Any], sandbox: Any, tmp_path: Path
) -> None:
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    args = {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
    faults_of(sandbox).script(Fault("read_timeout", method="POST", path="/conversations"))
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "send_guest_message", args)
    assert "Outcome unknown" in error
    async with Client(server_factory(sandbox)) as client:  # a restart: a new server, the same ledger
        preview = await call_ok(client, "send_guest_message", {**args, "confirm": False})
        found = await call_ok(client, "send_guest_message", args)
    assert any("unknown outcome" in warning for warning in preview["warnings"])
    assert found["status"] == "already_sent" and "found in the thread" in found["next_step"]
    assert found["message_id"] == thread(sandbox, conversation["id"])[-1]["id"]
    assert len(message_posts(sandbox, conversation["id"])) == 1
    assert [row["outcome"] for row in ledger_rows(tmp_path / "cache")] == ["sent"]


async def test_a_found_send_is_sent_again_only_when_the_user_asks(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    args = {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
    faults_of(sandbox).script(Fault("read_timeout", method="POST", path="/conversations"))
    async with Client(server_factory(sandbox)) as client:
        await call_error(client, "send_guest_message", args)
        again = await call_ok(client, "send_guest_message", {**args, "allow_duplicate": True})
    assert again["status"] == "sent"
    assert len(message_posts(sandbox, conversation["id"])) == 2


async def test_an_attempt_of_a_killed_process_that_never_arrived_is_sent_once(
    server_factory: Callable[..., Any], sandbox: Any, tmp_path: Path
) -> None:
    """The attempt was recorded, then the process died before the POST left: a real absence."""
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    before = thread(sandbox, conversation["id"])
    args = {"booking_id": reservation["id"], "message": TEXT, "confirm": True}
    faults_of(sandbox).script(Fault("status", status=503, method="POST", path="/conversations"))  # not processed
    async with Client(server_factory(sandbox)) as client:
        await call_error(client, "send_guest_message", args)
    with sqlite3.connect(tmp_path / "cache" / "ledger.sqlite3") as conn:
        conn.execute("UPDATE writes SET outcome = 'attempt'")  # as if killed before recording "unknown"
    orphan_every_attempt(tmp_path / "cache")

    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "send_guest_message", args)
    assert result["status"] == "sent"
    assert len(thread(sandbox, conversation["id"])) == len(before) + 1
    outcomes = [(row["outcome"], row["detail"]) for row in ledger_rows(tmp_path / "cache")]
    assert outcomes[0][0] == "failed" and "not in the thread" in outcomes[0][1]
    assert outcomes[1] == ("sent", None)


async def test_two_servers_confirming_the_same_message_at_once_send_it_once(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    """Both plan, and both are confirmed, before either sends; the ledger lets exactly one through."""
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    before = thread(sandbox, conversation["id"])
    accept_when_both_asked, asked = accept_when_all_asked(2)

    args = {"booking_id": reservation["id"], "message": TEXT}
    one, two = server_factory(sandbox), server_factory(sandbox)
    async with (
        Client(one, mode="legacy", elicitation_callback=accept_when_both_asked) as first,
        Client(two, mode="legacy", elicitation_callback=accept_when_both_asked) as second,
    ):
        results = await asyncio.gather(
            first.call_tool("send_guest_message", args), second.call_tool("send_guest_message", args)
        )
    assert len(asked) == 2  # both were confirmed by the person before either sent
    assert sorted(result.is_error for result in results) == [False, True]
    why = next(result for result in results if result.is_error).content[0].text  # type: ignore[union-attr]
    # Whichever moment the second one reached the ledger: the first was in flight, or had just sent.
    assert "Refused" in why and ("being sent right now by another hostaway-mcp process" in why or "already sent" in why)
    assert len(thread(sandbox, conversation["id"])) == len(before) + 1


# -- calendar changes: reconciled by reading the calendar ---------------------------------------------


async def test_an_unknown_calendar_change_that_was_applied_is_not_sent_again(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    listing_id, start, end = free_range(sandbox, 2)
    args = {"property_id": listing_id, "start_date": start.isoformat(), "end_date": end.isoformat(), "confirm": True}
    async with Client(server_factory(sandbox)) as client:
        faults_of(sandbox).script(Fault("read_timeout", method="PUT", path="/listings"))  # applied, answer lost
        await call_error(client, "update_nightly_rates", {**args, "nightly_price": 111})
        done = await call_ok(client, "update_nightly_rates", {**args, "nightly_price": 111})
    assert done["status"] == "already_applied" and "already shows the change" in done["next_step"]
    assert [r.method for r in writes(sandbox)] == ["PUT"]
    assert {day["price"] for day in calendar(sandbox, listing_id, start, end)} == {111}


async def test_an_unknown_calendar_change_that_did_not_happen_is_sent(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    listing_id, start, end = free_range(sandbox, 2)
    args = {"property_id": listing_id, "start_date": start.isoformat(), "end_date": end.isoformat(), "confirm": True}
    async with Client(server_factory(sandbox)) as client:
        faults_of(sandbox).script(Fault("status", status=502, method="PUT", path="/listings"))  # not processed
        error = await call_error(client, "block_dates", args)
        assert "Outcome unknown" in error and "check_property_availability" in error
        done = await call_ok(client, "block_dates", args)
    assert done["status"] == "updated"
    assert [r.method for r in writes(sandbox)] == ["PUT", "PUT"]
    assert {day["status"] for day in calendar(sandbox, listing_id, start, end)} == {"blocked"}


# -- when the ledger cannot be used -------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["garbage", "directory"])
async def test_a_damaged_ledger_refuses_writes_and_never_breaks_reads(
    server_factory: Callable[..., Any], sandbox: Any, tmp_path: Path, damage: str
) -> None:
    path = tmp_path / "cache" / "ledger.sqlite3"
    path.parent.mkdir(parents=True, mode=0o700)
    if damage == "garbage":
        path.write_bytes(b"\x00\xffnot sqlite at all" * 100)
    else:
        path.mkdir()
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    args = {"booking_id": reservation["id"], "message": TEXT}
    async with Client(server_factory(sandbox)) as client:
        assert (await call_ok(client, "list_properties", {}))["total"] == 6
        preview = await call_ok(client, "send_guest_message", args)
        error = await call_error(client, "send_guest_message", {**args, "confirm": True})
        history = await call_ok(client, "get_conversation_history", {"booking_id": reservation["id"]})
    assert preview["status"] == "preview" and "refused" in preview["next_step"]
    assert "write ledger" in error and "mv '" in error and "Nothing was sent" in error
    assert history["total"] >= 1
    assert message_posts(sandbox, conversation["id"]) == []


async def test_a_damaged_ledger_shows_no_form_for_a_write_that_would_be_refused(
    server_factory: Callable[..., Any], sandbox: Any, tmp_path: Path
) -> None:
    path = tmp_path / "cache" / "ledger.sqlite3"
    path.parent.mkdir(parents=True, mode=0o700)
    path.write_bytes(b"garbage" * 100)
    asked: list[Any] = []

    async def answer(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params)
        return ElicitResult(action="accept", content={"confirm": True})

    reservation, conversation = booking_with_thread(sandbox, direct=False)
    async with Client(server_factory(sandbox), elicitation_callback=answer) as client:
        result = await call_ok(client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT})
    assert asked == [] and result["status"] == "preview"
    assert message_posts(sandbox, conversation["id"]) == []


# -- what the ledger holds ----------------------------------------------------------------------------


async def test_the_ledger_holds_no_message_text_token_or_secret(
    server_factory: Callable[..., Any], sandbox: Any, tmp_path: Path
) -> None:
    reservation, _ = booking_with_thread(sandbox, direct=False)
    cache = tmp_path / "cache"
    args = {"booking_id": reservation["id"], "message": SECRET_TEXT}
    async with Client(server_factory(sandbox)) as client:
        await call_ok(client, "send_guest_message", {**args, "confirm": True})
        await call_error(client, "send_guest_message", {**args, "confirm": True})  # a refused duplicate
        faults_of(sandbox).script(Fault("read_timeout", method="POST", path="/conversations"))
        await call_error(client, "send_guest_message", {**args, "message": SECRET_TEXT + " (2)", "confirm": True})

    rows = ledger_rows(cache)
    assert [row["outcome"] for row in rows] == ["sent", "refused", "unknown"]
    raw = b"".join(p.read_bytes() for p in cache.glob("ledger.sqlite3*"))
    dumped = json.dumps(rows)
    tokens = cached_tokens(cache)
    assert tokens
    for forbidden in [PLANTED_SECRET, *tokens, SECRET_TEXT, "DOOR-8642", "WIFI-SECRET-k9Q2xL7m", "door code"]:
        assert forbidden.encode() not in raw and forbidden not in dumped
    assert reservation["guestName"] not in dumped


# -- issue 14: messages to bookings that are over ----------------------------------------------------


def ended_booking(sandbox: Any, status: str) -> dict[str, Any]:
    threads: dict[int, int] = {}
    for conversation in sandbox.account.conversations:
        threads[conversation["reservationId"]] = threads.get(conversation["reservationId"], 0) + 1
    for reservation in sandbox.account.reservations:
        if reservation["status"] == status and threads.get(reservation["id"]) == 1:
            return dict(reservation)
    raise AssertionError(f"no {status} booking with a thread in the demo account")


@pytest.mark.parametrize(
    ("status", "words"), [("cancelled", "cancelled"), ("declined", "declined"), ("expired", "expired")]
)
async def test_the_preview_and_the_form_warn_about_a_booking_that_is_over(
    server_factory: Callable[..., Any], sandbox: Any, status: str, words: str
) -> None:
    booking = ended_booking(sandbox, status)
    args = {"booking_id": booking["id"], "message": TEXT}
    asked: list[str] = []

    async def decline(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="decline")

    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(client, "send_guest_message", args)
    async with Client(server_factory(sandbox), elicitation_callback=decline) as client:
        declined = await call_ok(client, "send_guest_message", args)
    warning = f"this booking is {words} (Hostaway status '{status}')"
    assert preview["booking_status"] == words
    assert any(warning in item for item in preview["warnings"])
    assert declined["status"] == "declined" and warning in asked[0]
    assert writes(sandbox) == []


async def test_a_confirmed_booking_gets_no_such_warning(server_factory: Callable[..., Any], sandbox: Any) -> None:
    reservation, _ = booking_with_thread(sandbox, direct=False)
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(client, "send_guest_message", {"booking_id": reservation["id"], "message": TEXT})
    assert not any("this booking is" in warning for warning in preview["warnings"])
