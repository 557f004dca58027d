"""The write ledger on its own: claims, conflicts, races, damaged files, rebuilds and file modes.

Two `WriteLedger`s on one settings object stand for two server processes on one machine: they
share nothing but the SQLite file, as processes do. Races run the claims in real threads.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hostaway_mcp.audit import AuditLogError
from hostaway_mcp.config import Settings
from hostaway_mcp.ledger import Conflict, Entry, LedgerError, WriteKey, WriteLedger
from tests.conftest import FakeClock, file_mode

KEY = WriteKey("send_guest_message", "conversation:7", "abc123")
FIELDS = {"booking_id": 1, "conversation_id": 7, "message_chars": 5, "message_sha256": "abc123"}


@pytest.fixture
def settings(settings_factory: Callable[..., Settings], tmp_path: Path) -> Settings:
    return settings_factory(audit_log=tmp_path / "audit.jsonl")


def ledger(settings: Settings, clock: FakeClock, **options: Any) -> WriteLedger:
    return WriteLedger(settings, clock=clock, **options)


async def begin(book: WriteLedger, *, repeatable: bool = False, key: WriteKey = KEY) -> Entry | Conflict:
    return await book.begin(key, FIELDS, confirmed_by="confirm", window_s=600, repeatable=repeatable)


def audit_lines(settings: Settings) -> list[dict[str, Any]]:
    return [json.loads(line) for line in settings.audit_log_path.read_text().splitlines()]


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def test_an_intent_is_recorded_with_its_attempt_line_before_the_outcome(
    settings: Settings, clock: FakeClock
) -> None:
    book = ledger(settings, clock)
    entry = await begin(book)
    assert isinstance(entry, Entry) and entry.outcome == "attempt"
    lines = audit_lines(settings)
    assert [line["outcome"] for line in lines] == ["attempt"]
    assert lines[0]["attempt"] == entry.id and lines[0]["target"] == "conversation:7"
    assert lines[0]["pid"] == os.getpid() and lines[0]["confirmed_by"] == "confirm"

    await book.finish(entry, "sent", message_id=99)
    assert [line["outcome"] for line in audit_lines(settings)] == ["attempt", "sent"]
    assert audit_lines(settings)[1]["message_id"] == 99
    (row,) = await book.recent(5)
    assert (row.id, row.outcome, row.fields["message_id"]) == (entry.id, "sent", 99)


async def test_the_same_write_in_another_process_is_a_duplicate_within_the_window(
    settings: Settings, clock: FakeClock
) -> None:
    first, second = ledger(settings, clock), ledger(settings, clock)
    entry = await begin(first)
    assert isinstance(entry, Entry)
    await first.finish(entry, "sent")

    clock.advance(599)
    conflict = await begin(second)
    assert isinstance(conflict, Conflict) and conflict.reason == "duplicate" and conflict.entry.id == entry.id
    assert isinstance(await begin(second, repeatable=True), Entry)  # the person asked to repeat it
    clock.advance(601)
    other = WriteKey(KEY.tool, KEY.target, "different")
    assert isinstance(await begin(second, key=other), Entry)


async def test_a_failed_or_refused_write_does_not_count_as_sent(settings: Settings, clock: FakeClock) -> None:
    book = ledger(settings, clock)
    entry = await begin(book)
    assert isinstance(entry, Entry)
    await book.finish(entry, "failed", "InvalidRequestError HTTP 400")
    again = await begin(book)
    assert isinstance(again, Entry)


async def test_an_attempt_of_a_live_process_is_in_flight_and_of_a_dead_one_unresolved(
    settings: Settings, clock: FakeClock
) -> None:
    first, second = ledger(settings, clock), ledger(settings, clock)
    entry = await begin(first)
    assert isinstance(entry, Entry)
    in_flight = await begin(second)
    assert isinstance(in_flight, Conflict) and in_flight.reason == "in_flight"

    # The same attempt, as if its process had been killed with -9: unresolved, to be reconciled.
    def orphan(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE writes SET pid = ? WHERE id = ?", (dead_pid(), entry.id))

    await second._in_thread(orphan)
    unresolved = await begin(second)
    assert isinstance(unresolved, Conflict) and unresolved.reason == "unresolved"
    assert [e.id for e in await second.history(KEY, 600)] == [entry.id]


async def test_an_attempt_older_than_any_send_can_take_is_no_longer_in_flight(
    settings: Settings, clock: FakeClock
) -> None:
    book = ledger(settings, clock, max_in_flight_s=90)
    entry = await begin(book)
    assert isinstance(entry, Entry) and book.in_flight(entry)
    clock.advance(91)
    assert not book.in_flight(entry)
    conflict = await begin(book)
    assert isinstance(conflict, Conflict) and conflict.reason == "unresolved"


async def test_resolving_an_unknown_outcome_is_recorded_once(settings: Settings, clock: FakeClock) -> None:
    book = ledger(settings, clock)
    entry = await begin(book)
    assert isinstance(entry, Entry)
    await book.finish(entry, "unknown", "HostawayTimeoutError")
    await book.resolve(entry, "sent", "found in the thread", message_id=5)
    (row,) = await book.recent(5)
    assert row.outcome == "sent" and row.fields["message_id"] == 5
    last = audit_lines(settings)[-1]
    assert (last["outcome"], last["reconciled"], last["attempt"]) == ("sent", True, entry.id)
    conflict = await begin(book)
    assert isinstance(conflict, Conflict) and conflict.reason == "duplicate"


async def test_eight_processes_racing_on_one_write_record_exactly_one_attempt(
    settings: Settings, clock: FakeClock
) -> None:
    books = [ledger(settings, clock) for _ in range(8)]
    outcomes = await asyncio.gather(*(begin(book) for book in books))
    assert sum(isinstance(outcome, Entry) for outcome in outcomes) == 1
    assert all(o.reason == "in_flight" for o in outcomes if isinstance(o, Conflict))
    assert [line["outcome"] for line in audit_lines(settings)] == ["attempt"]


async def test_files_are_private_and_the_journal_is_wal(settings: Settings, clock: FakeClock) -> None:
    await begin(ledger(settings, clock))
    path = settings.ledger_path
    assert file_mode(path) == 0o600 and file_mode(path.parent) == 0o700
    for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if companion.exists():
            assert file_mode(companion) == 0o600
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert file_mode(settings.audit_log_path) == 0o600


# -- damaged, unreadable, foreign and vanished ledgers -------------------------------------------------


def plant(path: Path, content: bytes | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if content is not None:
        path.write_bytes(content)


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("garbage", "is damaged"),
        ("not-utf8", "is damaged"),
        ("foreign-table", "is damaged"),
        ("newer", "newer version"),
        ("wrong-types", "is damaged"),
        ("directory", "not a regular file"),
        ("symlink", "symlink"),
    ],
)
async def test_a_ledger_that_cannot_be_used_refuses_with_how_to_recover(
    settings: Settings, clock: FakeClock, tmp_path: Path, damage: str, expected: str
) -> None:
    path = settings.ledger_path
    plant(path)
    if damage == "garbage":
        path.write_bytes(b"this is not a database, it is a note someone left here\n" * 40)
    elif damage == "not-utf8":
        path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 8)
    elif damage == "foreign-table":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE writes (something TEXT)")
    elif damage == "wrong-types":
        await begin(ledger(settings, clock))
        settings.audit_log_path.unlink()
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE writes SET pid = 'x', created_at = 'yesterday'")
    elif damage == "newer":
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA user_version = 99")
    elif damage == "directory":
        path.mkdir()
    else:
        target = tmp_path / "elsewhere.sqlite3"
        target.write_bytes(b"")
        path.symlink_to(target)
    book = ledger(settings, clock)
    with pytest.raises(LedgerError) as caught:
        await begin(book)
    message = caught.value.message
    assert expected in message and "Nothing was sent" in message
    if damage != "newer":
        assert f"mv '{path}'" in message and "Reads work as before" in message
    if damage == "symlink":
        assert (tmp_path / "elsewhere.sqlite3").read_bytes() == b""  # never written through the link
    assert not settings.audit_log_path.exists()  # refused before any attempt line


async def test_a_moved_aside_ledger_is_rebuilt_from_the_audit_log(settings: Settings, clock: FakeClock) -> None:
    book = ledger(settings, clock)
    sent = await begin(book, key=WriteKey(KEY.tool, KEY.target, "sent-one"))
    assert isinstance(sent, Entry)
    await book.finish(sent, "sent", message_id=3)
    lost = await begin(book)  # its process dies before any outcome is known
    assert isinstance(lost, Entry)

    settings.ledger_path.rename(settings.ledger_path.with_name("ledger.sqlite3.damaged"))
    for companion in settings.ledger_path.parent.glob("ledger.sqlite3-*"):
        companion.unlink()

    later = ledger(settings, clock)
    history = await later.history(KEY, 600)
    assert [(e.id, e.outcome, e.fields.get("conversation_id")) for e in history] == [(lost.id, "attempt", 7)]
    duplicate = await begin(later, key=WriteKey(KEY.tool, KEY.target, "sent-one"))
    assert isinstance(duplicate, Conflict) and duplicate.reason == "duplicate"


async def test_a_ledger_emptied_under_a_running_server_is_rebuilt_too(settings: Settings, clock: FakeClock) -> None:
    book = ledger(settings, clock)
    entry = await begin(book)
    assert isinstance(entry, Entry)
    await book.finish(entry, "unknown", "HostawayTimeoutError")
    for path in settings.ledger_path.parent.glob("ledger.sqlite3*"):
        path.unlink()
    (again,) = await book.history(KEY, 600)
    assert (again.id, again.outcome) == (entry.id, "unknown")


async def test_an_unwritable_audit_log_refuses_the_write_and_leaves_it_refused(
    settings_factory: Callable[..., Settings], clock: FakeClock, tmp_path: Path
) -> None:
    settings = settings_factory(audit_log=tmp_path)  # a folder: cannot be appended to
    book = ledger(settings, clock)
    with pytest.raises(AuditLogError) as caught:
        await begin(book)
    assert "HOSTAWAY_AUDIT_LOG" in caught.value.message and "Nothing was sent" in caught.value.message
    (row,) = await book.recent(5)
    assert (row.outcome, row.detail) == ("refused", "the audit log could not be written")
    with pytest.raises(AuditLogError):  # refused again for the same reason, not as "in flight"
        await begin(book)


# -- edges the mutation run found untested (bench/RESULTS.md) ----------------------------------------


async def test_a_late_reconciliation_never_overwrites_a_settled_outcome(settings: Settings, clock: FakeClock) -> None:
    book = ledger(settings, clock)
    entry = await begin(book)
    assert isinstance(entry, Entry)
    await book.finish(entry, "sent", message_id=5)
    await book.resolve(entry, "failed", "not found in the thread")  # a stale reconciliation
    (row,) = await book.recent(5)
    assert row.outcome == "sent", "only an attempt or an unknown outcome is resolved"


async def test_a_reconciliation_is_audited_with_what_it_found_even_when_the_log_is_gone(
    settings_factory: Callable[..., Settings], clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "audit.jsonl"
    settings = settings_factory(audit_log=log)
    book = ledger(settings, clock)
    entry = await begin(book)
    assert isinstance(entry, Entry)
    await book.finish(entry, "unknown", "HostawayTimeoutError")
    await book.resolve(entry, "sent", "found in the thread")
    assert audit_lines(settings)[-1]["detail"] == "found in the thread"

    second = await begin(book, key=WriteKey("send_guest_message", "conversation:8", "def456"))
    assert isinstance(second, Entry)
    await book.finish(second, "unknown", "HostawayTimeoutError")
    log.unlink()
    log.mkdir()  # the audit log can no longer be written: the outcome is recorded all the same
    await book.resolve(second, "failed", "not in the thread")
    rows = {row.id: row.outcome for row in await book.recent(5)}
    assert rows[second.id] == "failed"


async def test_a_refusal_is_noted_as_a_row_and_an_audit_line(settings: Settings, clock: FakeClock) -> None:
    book = ledger(settings, clock)
    await book.note(KEY, "refused", FIELDS, "the booking is cancelled")
    (row,) = await book.recent(5)
    assert row.outcome == "refused" and row.detail == "the booking is cancelled"
    assert row.finished_at == clock(), "a note is final when it is written"
    assert row.fields == FIELDS
    (line,) = audit_lines(settings)
    assert (line["outcome"], line["attempt"], line["detail"]) == ("refused", row.id, "the booking is cancelled")


async def test_recent_writes_can_be_listed_for_one_tool(settings: Settings, clock: FakeClock) -> None:
    book = ledger(settings, clock)
    await book.note(KEY, "declined", FIELDS)
    clock.advance(1)
    await book.note(WriteKey("block_dates", "listing:3", "f00d"), "declined", {})
    assert [row.tool for row in await book.recent(5)] == ["block_dates", "send_guest_message"]
    assert [row.tool for row in await book.recent(5, tool="send_guest_message")] == ["send_guest_message"]


async def test_an_attempt_exactly_as_old_as_the_longest_send_is_no_longer_in_flight(
    settings: Settings, clock: FakeClock
) -> None:
    book = ledger(settings, clock, max_in_flight_s=90)
    entry = await begin(book)
    assert isinstance(entry, Entry)
    clock.advance(90)
    assert not book.in_flight(entry)


async def test_another_machines_claim_is_in_flight_whatever_its_pid_says(settings: Settings, clock: FakeClock) -> None:
    book = ledger(settings, clock)
    entry = await begin(book)
    assert isinstance(entry, Entry)
    elsewhere = dataclasses.replace(entry, remote=True, host="another-machine", pid=dead_pid())
    assert book.in_flight(elsewhere), "trusted until its Redis key expires"
    assert not book.in_flight(dataclasses.replace(elsewhere, remote=False, host=book.host)), "a dead pid here"


@pytest.mark.parametrize(
    ("raised", "alive"),
    [(None, True), (ProcessLookupError, False), (PermissionError, True), (OSError, False)],
)
async def test_whether_an_attempts_process_lives_is_probed_without_signalling_it(
    settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, raised: type[OSError] | None, alive: bool
) -> None:
    """Signal 0 only asks; someone else's process (PermissionError) is alive, any other error not."""
    book = ledger(settings, clock)
    entry = await begin(book)
    assert isinstance(entry, Entry)
    probes: list[tuple[int, int]] = []

    def probe(pid: int, signal: int) -> None:
        probes.append((pid, signal))
        if raised is not None:
            raise raised()

    monkeypatch.setattr(os, "kill", probe)
    other = dataclasses.replace(entry, pid=entry.pid + 100_000)
    assert book.in_flight(other) is alive
    assert probes == [(entry.pid + 100_000, 0)]


async def test_a_reconciliation_reaches_the_other_machines(
    settings_factory: Callable[..., Settings], clock: FakeClock, tmp_path: Path, redis_url: str, redis_client: Any
) -> None:
    """Machine A's unknown send blocks machine B (through Redis) until A resolves it as sent."""
    pytest.importorskip("redis")
    a, b = (
        ledger(
            settings_factory(redis_url=redis_url, cache_dir=tmp_path / name, audit_log=tmp_path / f"{name}.jsonl"),
            clock,
        )
        for name in ("a", "b")
    )
    try:
        entry = await begin(a)
        assert isinstance(entry, Entry)
        await a.finish(entry, "unknown", "HostawayTimeoutError")
        blocked = await begin(b)
        assert isinstance(blocked, Conflict) and blocked.reason == "unresolved" and blocked.entry.remote
        (refused,) = await b.recent(5)
        assert (refused.outcome, refused.detail) == ("refused", "unresolved elsewhere"), "B's own record says why"
        await a.resolve(entry, "sent", "found in the thread")
        after = await begin(b)
        assert isinstance(after, Conflict) and after.reason == "duplicate", "B now knows it was sent"
        again = await begin(b, repeatable=True)
        assert isinstance(again, Entry), "a harmless write may go again, on any machine"
    finally:
        await a.aclose()
        await b.aclose()


async def test_an_outcome_keeps_its_detail_in_the_row_and_the_audit_line(settings: Settings, clock: FakeClock) -> None:
    book = ledger(settings, clock)
    entry = await begin(book)
    assert isinstance(entry, Entry)
    await book.finish(entry, "unknown", "HostawayTimeoutError")
    (row,) = await book.recent(5)
    assert (row.outcome, row.detail) == ("unknown", "HostawayTimeoutError")
    assert audit_lines(settings)[-1]["detail"] == "HostawayTimeoutError"
    conflict = await begin(book)
    assert isinstance(conflict, Conflict) and conflict.reason == "unresolved" and conflict.entry.id == entry.id


async def test_an_outcome_the_ledger_cannot_record_is_logged_with_the_write_and_still_audited(
    settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The send is over, so finishing never raises; the log then holds the only record of it."""
    book = ledger(settings, clock)
    entry = await begin(book)
    assert isinstance(entry, Entry)
    for leftover in settings.ledger_path.parent.glob(settings.ledger_path.name + "*"):
        leftover.unlink()
    settings.ledger_path.write_bytes(b"this is not a database" * 100)
    await book.finish(entry, "sent", message_id=5)
    (record,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.getMessage().startswith(f"could not record the outcome (sent) of write {entry.id}: ")
    assert "is damaged" in record.getMessage() and "mv " in record.getMessage(), "what is wrong, how to recover"
    last = audit_lines(settings)[-1]
    assert (last["outcome"], last["attempt"], last["message_id"]) == ("sent", entry.id, 5)


async def test_a_note_the_ledger_cannot_record_is_logged(
    settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    settings.ledger_path.parent.mkdir(parents=True, exist_ok=True)
    settings.ledger_path.write_bytes(b"this is not a database" * 100)
    book = ledger(settings, clock)
    await book.note(KEY, "declined", FIELDS)
    (record,) = [r for r in caplog.records if r.levelname == "WARNING" and "could not record" in r.message]
    assert record.getMessage().startswith("could not record a declined write in the ledger: ")
    assert "is damaged" in record.getMessage() and "mv " in record.getMessage(), "what is wrong, how to recover"
    assert audit_lines(settings)[-1]["outcome"] == "declined"


async def test_an_outcome_is_recorded_even_when_the_audit_log_cannot_be_written(
    settings_factory: Callable[..., Settings], clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "audit.jsonl"
    settings = settings_factory(audit_log=log)
    book = ledger(settings, clock)
    entry = await begin(book)
    assert isinstance(entry, Entry)
    log.unlink()
    log.mkdir()
    await book.finish(entry, "sent")  # no AuditLogError: the send is over
    await book.note(WriteKey("block_dates", "listing:3", "f00d"), "declined", {})
    assert {row.outcome for row in await book.recent(5)} == {"sent", "declined"}


async def test_unreachable_redis_refuses_the_write_and_records_why(
    settings_factory: Callable[..., Settings], clock: FakeClock, tmp_path: Path
) -> None:
    pytest.importorskip("redis")
    from tests.conftest import free_port

    settings = settings_factory(redis_url=f"redis://127.0.0.1:{free_port()}/0", audit_log=tmp_path / "audit.jsonl")
    book = ledger(settings, clock)
    try:
        with pytest.raises(LedgerError):
            await begin(book)
        (row,) = await book.recent(5)
        assert (row.outcome, row.detail) == ("refused", "Redis unreachable")
    finally:
        await book.aclose()


async def test_history_holds_the_window_and_the_other_machines_last_send(
    settings_factory: Callable[..., Settings], clock: FakeClock, tmp_path: Path, redis_url: str, redis_client: Any
) -> None:
    pytest.importorskip("redis")
    machines = [
        settings_factory(redis_url=redis_url, cache_dir=tmp_path / name, audit_log=tmp_path / f"{name}.jsonl")
        for name in ("a", "b")
    ]
    a, b = (ledger(machine, clock) for machine in machines)
    try:
        entry = await begin(a)
        assert isinstance(entry, Entry)
        await a.finish(entry, "sent")
        assert [e.id for e in await a.history(KEY, 600)] == [entry.id], "ours once, though Redis knows it too"
        (seen,) = await b.history(KEY, 600)
        assert (seen.id, seen.remote) == (entry.id, True), "the other machine's send, from Redis"
    finally:
        await a.aclose()
        await b.aclose()


async def test_history_is_the_window_before_now(settings: Settings, clock: FakeClock) -> None:
    book = ledger(settings, clock)
    entry = await begin(book)
    assert isinstance(entry, Entry)
    await book.finish(entry, "sent")
    clock.advance(500)
    assert [e.id for e in await book.history(KEY, 600)] == [entry.id]
    clock.advance(200)
    assert await book.history(KEY, 600) == [], "sent 700 s ago: outside a 600 s window"


async def test_audit_lines_stamp_the_attempt_with_its_origin_and_the_outcome_with_its_time(
    settings: Settings, clock: FakeClock
) -> None:
    clock.now = 1_800_000_000.123456
    book = ledger(settings, clock)
    entry = await begin(book)
    assert isinstance(entry, Entry)
    clock.advance(5.0)
    await book.finish(entry, "sent")
    attempt, sent = audit_lines(settings)
    assert (attempt["at"], attempt["host"], attempt["pid"]) == (1_800_000_000.123, book.host, os.getpid())
    assert sent["at"] == 1_800_000_005.123
    assert sent.get("host") is None and sent.get("pid") is None, "only the attempt says where it ran"


def test_a_demo_run_is_a_scope_of_its_own_per_account(settings_factory: Callable[..., Settings]) -> None:
    from hostaway_mcp.ledger import scope_of

    live = scope_of(settings_factory())
    demo = scope_of(settings_factory(demo=True))
    other_demo = scope_of(settings_factory(demo=True, account_id="99999"))
    assert len({live, demo, other_demo}) == 3


async def test_an_attempt_counts_as_in_flight_for_the_longest_a_send_can_take(
    settings_factory: Callable[..., Settings], clock: FakeClock, tmp_path: Path
) -> None:
    """By default connect timeout + read timeout + a minute for the limiter; or as configured."""
    settings = settings_factory(connect_timeout_s=5.0, timeout_s=30.0, audit_log=tmp_path / "audit.jsonl")
    book = ledger(settings, clock)
    entry = await begin(book)
    assert isinstance(entry, Entry)
    clock.advance(94.9)
    assert book.in_flight(entry)
    clock.advance(0.1)
    assert not book.in_flight(entry), "95 s: 5 + 30 + 60"
    patient = ledger(settings, clock, max_in_flight_s=1000.0)
    assert patient.in_flight(dataclasses.replace(entry, created_at=clock() - 500))
