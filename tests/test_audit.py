"""The audit log: one JSON line per write attempt, whatever the outcome, and never a secret.

Each attempt goes through a real MCP client against the sandbox; the log is read back from disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import stat
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import ElicitRequestParams, ElicitResult

from tests.conftest import (
    PLANTED_SECRET,
    SECRET_TEXT,
    booking_with_thread,
    cached_tokens,
    call_error,
    call_ok,
    free_range,
    future_booking,
)
from tests.faults import Fault, faults_of

# A message carrying the kind of thing a guest is told and a log must not keep.
REQUIRED_KEYS = {"time", "tool", "outcome"}


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory(listings=6)


@pytest.fixture
def audit_path(tmp_path: Path) -> Path:
    return tmp_path / "audit-dir" / "writes.jsonl"  # the folder does not exist yet


def audit_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]  # every line is valid JSON on its own
    assert all(isinstance(entry, dict) and entry.keys() >= REQUIRED_KEYS for entry in entries)
    return entries


def read_raw(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def seed_log(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(line + "\n", encoding="utf-8")
    path.chmod(0o600)


async def test_every_attempt_leaves_its_lines_attempt_first(
    sandbox: Any, server_factory: Callable[..., Any], audit_path: Path
) -> None:
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    booking = future_booking(sandbox)
    arrival = date.fromisoformat(booking["arrivalDate"])
    listing_id, start, end = free_range(sandbox, 2)
    send = {"booking_id": reservation["id"], "message": SECRET_TEXT}
    block = {"property_id": listing_id, "start_date": start.isoformat(), "end_date": end.isoformat()}
    booked = {
        "property_id": booking["listingMapId"],
        "start_date": arrival.isoformat(),
        "end_date": (arrival + timedelta(days=1)).isoformat(),
        "confirm": True,
    }

    async with Client(server_factory(sandbox, audit_log=audit_path)) as client:
        steps: list[tuple[str, dict[str, Any], list[str], bool]] = [
            ("send_guest_message", send, ["previewed"], True),
            ("send_guest_message", {**send, "confirm": True}, ["attempt", "sent"], True),
            ("send_guest_message", {**send, "confirm": True}, ["refused"], False),  # duplicate
            ("send_guest_message", {**send, "message": "   "}, ["refused"], False),  # blank
            ("block_dates", block, ["previewed"], True),
            ("block_dates", {**block, "confirm": True}, ["attempt", "sent"], True),
            ("block_dates", booked, ["refused"], False),
        ]
        for tool, args, outcomes, succeeds in steps:
            before = len(audit_lines(audit_path))
            if succeeds:
                await call_ok(client, tool, args)
            else:
                await call_error(client, tool, args)
            added = audit_lines(audit_path)[before:]
            assert [(e["tool"], e["outcome"]) for e in added] == [(tool, o) for o in outcomes]
            if outcomes == ["attempt", "sent"]:
                assert added[0]["attempt"] == added[1]["attempt"]  # one write, two lines

        other = {"booking_id": reservation["id"], "confirm": True}
        faults_of(sandbox).script(Fault("status", status=400, method="POST", path="/conversations"))
        await call_error(client, "send_guest_message", {**other, "message": "Refused by Hostaway."})
        faults_of(sandbox).script(Fault("read_timeout", method="POST", path="/conversations"))
        await call_error(client, "send_guest_message", {**other, "message": "Lost answer."})
        faults_of(sandbox).script(Fault("status", status=503, method="PUT", path="/listings"))
        await call_error(client, "unblock_dates", {**block, "confirm": True})

    entries = audit_lines(audit_path)
    assert [e["outcome"] for e in entries[-6:]] == ["attempt", "failed", "attempt", "unknown", "attempt", "unknown"]
    assert entries[-5]["detail"] == "InvalidRequestError HTTP 400"
    attempt, sent = entries[1], entries[2]
    assert attempt["booking_id"] == reservation["id"] and attempt["conversation_id"] == conversation["id"]
    assert attempt["channel"] == "channel" and attempt["confirmed_by"] == "confirm"
    assert attempt["target"] == f"conversation:{conversation['id']}"
    assert sent["message_id"] == sandbox.account.messages[conversation["id"]][-2]["id"]
    updated = entries[7]
    assert updated["outcome"] == "sent" and updated["property_id"] == listing_id
    assert (updated["first_night"], updated["last_night"], updated["nights"]) == (
        start.isoformat(),
        (end - timedelta(days=1)).isoformat(),
        2,
    )
    assert updated["changes"] == {"isAvailable": 0}
    assert f"booking {booking['id']}" in entries[8]["detail"]
    raw = read_raw(audit_path)
    assert booking["guestName"] not in raw and reservation["guestName"] not in raw


@pytest.mark.parametrize("action", ["decline", "cancel"])
async def test_a_no_in_the_form_is_one_declined_line(
    sandbox: Any, server_factory: Callable[..., Any], audit_path: Path, action: str
) -> None:
    reservation, _ = booking_with_thread(sandbox, direct=True)

    async def answer(context: Any, params: ElicitRequestParams) -> ElicitResult:
        return ElicitResult(action=action)

    server = server_factory(sandbox, audit_log=audit_path)
    async with Client(server, elicitation_callback=answer) as client:
        await call_ok(client, "send_guest_message", {"booking_id": reservation["id"], "message": "Hi!"})
    entries = audit_lines(audit_path)
    assert [(e["outcome"], e["response"]) for e in entries] == [("declined", action)]


async def test_lines_hold_no_secret_token_or_message_text(
    sandbox: Any, server_factory: Callable[..., Any], audit_path: Path, tmp_path: Path
) -> None:
    reservation, _ = booking_with_thread(sandbox, direct=False)
    async with Client(server_factory(sandbox, audit_log=audit_path)) as client:
        args = {"booking_id": reservation["id"], "message": SECRET_TEXT}
        await call_ok(client, "send_guest_message", args)
        await call_ok(client, "send_guest_message", {**args, "confirm": True})
        await call_error(client, "send_guest_message", {**args, "confirm": True})

    raw = read_raw(audit_path)
    tokens = cached_tokens(tmp_path / "cache")
    assert tokens, "the access token should have been cached where the test can read it"
    for forbidden in [PLANTED_SECRET, *tokens, SECRET_TEXT, "DOOR-8642", "WIFI-SECRET-k9Q2xL7m", "door code"]:
        assert forbidden not in raw
    digest = hashlib.sha256(SECRET_TEXT.encode()).hexdigest()[:16]
    entries = audit_lines(audit_path)
    assert [e["outcome"] for e in entries] == ["previewed", "attempt", "sent", "refused"]
    assert all(e["message_chars"] == len(SECRET_TEXT) and e["message_sha256"] == digest for e in entries)


async def test_each_attempt_is_summarised_on_stderr_without_the_text(
    sandbox: Any, server_factory: Callable[..., Any], audit_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hostaway_mcp.audit")
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    async with Client(server_factory(sandbox, audit_log=audit_path)) as client:
        await call_ok(
            client, "send_guest_message", {"booking_id": reservation["id"], "message": SECRET_TEXT, "confirm": True}
        )
    summaries = [r.getMessage() for r in caplog.records if r.name == "hostaway_mcp.audit"]
    assert [line.split()[2] for line in summaries] == ["attempt", "sent"]
    assert summaries[1].startswith("audit: send_guest_message sent")
    assert all(f"conversation_id={conversation['id']}" in line for line in summaries)
    assert "DOOR-8642" not in caplog.text and PLANTED_SECRET not in caplog.text


async def test_the_log_file_is_private_and_appended(
    sandbox: Any, server_factory: Callable[..., Any], audit_path: Path
) -> None:
    seed_log(audit_path, '{"time":"earlier","tool":"x","outcome":"sent"}')
    reservation, _ = booking_with_thread(sandbox, direct=False)
    async with Client(server_factory(sandbox, audit_log=audit_path)) as client:
        await call_ok(client, "send_guest_message", {"booking_id": reservation["id"], "message": "Hi!"})
    entries = audit_lines(audit_path)
    assert [e["tool"] for e in entries] == ["x", "send_guest_message"]
    assert file_mode(audit_path) == 0o600


async def test_a_new_log_file_is_created_private(
    sandbox: Any, server_factory: Callable[..., Any], audit_path: Path
) -> None:
    reservation, _ = booking_with_thread(sandbox, direct=False)
    async with Client(server_factory(sandbox, audit_log=audit_path)) as client:
        await call_ok(client, "send_guest_message", {"booking_id": reservation["id"], "message": "Hi!"})
    assert file_mode(audit_path) == 0o600


async def test_an_unwritable_log_refuses_the_write_and_sends_nothing(
    sandbox: Any, server_factory: Callable[..., Any], tmp_path: Path
) -> None:
    reservation, conversation = booking_with_thread(sandbox, direct=False)
    count = len(sandbox.account.messages[conversation["id"]])
    args = {"booking_id": reservation["id"], "message": "Hi!"}
    async with Client(server_factory(sandbox, audit_log=tmp_path)) as client:  # a folder: cannot be appended to
        preview = await call_ok(client, "send_guest_message", args)  # reads and previews still work
        error = await call_error(client, "send_guest_message", {**args, "confirm": True})
    assert preview["status"] == "preview"
    assert "audit log" in error and "HOSTAWAY_AUDIT_LOG" in error and "Nothing was sent" in error
    assert len(sandbox.account.messages[conversation["id"]]) == count
    assert [r for r in sandbox.request_log if r.method == "POST" and "messages" in str(r.path)] == []
