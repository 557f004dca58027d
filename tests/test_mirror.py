"""The local mirror: backfill, watermark syncs, reconciliation, damage, sharing, and what is on disk."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from hostaway_mcp.mirror.service import Mirror
from hostaway_mcp.mirror.store import MirrorStore
from hostaway_mcp.sandbox import catalog as sandbox_catalog
from hostaway_mcp.sandbox.rand import fmt_datetime
from hostaway_mcp.tools._runtime import app_state
from tests.conftest import FakeClock, api_calls, card_numbers_in, file_mode

LISTINGS = 4
READ_RESOURCES = ("listings", "reservations")


@pytest.fixture
def small(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory(listings=LISTINGS)


async def with_mirror(server_factory: Callable[..., Any], sandbox: Any, work: Callable[[Mirror], Any]) -> Any:
    """Run `work(mirror)` inside a server's lifespan (its gateway, clocks and settings)."""
    server = server_factory(sandbox, mirror=True)
    async with server.settings.lifespan(server) as context:
        state = await app_state(context)  # opened on first use
        assert state.mirror is not None
        return await work(state.mirror)


def db(mirror: Mirror, work: Callable[[sqlite3.Connection], Any]) -> Any:
    return mirror.store.run(work)


def modify(sandbox: Any, reservation: dict[str, Any], *, bump: bool = True, **changes: Any) -> None:
    reservation.update(changes)
    if bump:
        reservation["updatedOn"] = fmt_datetime(sandbox.now().replace(microsecond=0))


def newest_booking(sandbox: Any) -> dict[str, Any]:
    confirmed = [r for r in sandbox.account.reservations if r["status"] in ("new", "modified")]
    found: dict[str, Any] = min(confirmed, key=lambda r: r["updatedOn"])  # the oldest update: furthest from the top
    return found


async def test_backfill_fills_every_table_and_a_watermark_check_costs_one_call_per_resource(
    server_factory: Callable[..., Any], small: Any, clock: FakeClock, settings_factory: Callable[..., Any]
) -> None:
    async def backfill(mirror: Mirror) -> Any:
        report = await mirror.backfill()
        return report, await mirror.status()

    report, status = await with_mirror(server_factory, small, backfill)
    account = small.account
    assert status.ready
    assert status.rows["listings"] == LISTINGS
    assert status.rows["reservations"] == len(account.reservations)
    assert status.rows["conversations"] == len(account.conversations)
    sent = sum(1 for thread in account.messages.values() for m in thread if m["status"] == "sent")
    assert status.rows["messages"] == sent
    assert status.rows["reviews"] == len(account.reviews)
    assert report.calls == len(api_calls(small))

    path = settings_factory(mirror=True).mirror_path
    assert file_mode(path) == 0o600 and file_mode(path.parent) == 0o700

    async def check(mirror: Mirror) -> Any:
        before = len(api_calls(small))
        within = await mirror.fresh(READ_RESOURCES)
        after_within = len(api_calls(small))
        clock.advance(61)
        due = await mirror.fresh(READ_RESOURCES)
        return before, within, after_within, due, len(api_calls(small))

    before, within, after_within, due, after_due = await with_mirror(server_factory, small, check)
    assert within is not None and not within.synced and after_within == before  # inside the max age: 0 calls
    assert due is not None and due.synced and after_due - before == 2  # one reservations page, one listings page


async def test_a_modified_booking_shows_after_one_watermark_sync(
    server_factory: Callable[..., Any], small: Any, clock: FakeClock
) -> None:
    await with_mirror(server_factory, small, lambda m: m.backfill())
    booking = newest_booking(small)
    clock.advance(120)
    arrival = (small.today + timedelta(days=40)).isoformat()
    departure = (small.today + timedelta(days=43)).isoformat()
    modify(small, booking, status="cancelled", totalPrice=987.65, arrivalDate=arrival, departureDate=departure)

    async def sync(mirror: Mirror) -> Any:
        before = len(api_calls(small))
        await mirror.fresh(READ_RESOURCES)
        return len(api_calls(small)) - before, db(mirror, lambda c: MirrorStore.reservation(c, booking["id"]))

    calls, row = await with_mirror(server_factory, small, sync)
    assert calls == 2
    assert row is not None
    assert (row["status"], row["totalPrice"], row["arrivalDate"], row["departureDate"]) == (
        "cancelled",
        987.65,
        arrival,
        departure,
    )


async def test_a_change_the_watermark_cannot_see_is_caught_by_the_full_reconciliation(
    server_factory: Callable[..., Any], small: Any, clock: FakeClock
) -> None:
    """A booking changed while the backfill runs, by an edit that did not move `updatedOn` (rows
    shift between pages, clocks lag): the watermark sync misses it, `sync --full` does not. A
    booking deleted from Hostaway is only ever seen by the reconciliation too."""
    ordered = sorted(small.account.reservations, key=lambda r: (r["updatedOn"], r["id"]), reverse=True)
    assert len(ordered) > 300
    booking = ordered[150]  # on the backfill's second page, past the watermark scan's first
    gone = ordered[-1]
    changed = False
    later_pages = 0

    class ChangeMidway(httpx.AsyncBaseTransport):
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def handle_async_request(self, request: Any) -> Any:
            nonlocal changed, later_pages
            if not changed and "reservations" in str(request.url) and "afterId" in str(request.url):
                later_pages += 1
                if later_pages == 2:  # the third page: the second, holding the booking, was read
                    changed = True
                    modify(small, booking, bump=False, totalPrice=1234.5)
            return await self.inner.handle_async_request(request)

    class Wired:
        def transport(self) -> Any:
            return ChangeMidway(small.transport())

    server = server_factory(Wired(), mirror=True)
    async with server.settings.lifespan(server) as context:
        state = await app_state(context)  # opened on first use
        assert state.mirror is not None
        await state.mirror.backfill()
    assert changed
    small.account.reservations.remove(gone)

    async def watermark_then_full(mirror: Mirror) -> Any:
        clock.advance(61)
        await mirror.fresh(READ_RESOURCES)
        after_watermark = db(mirror, lambda c: MirrorStore.reservation(c, booking["id"]))
        await mirror.full()
        after_full = db(mirror, lambda c: MirrorStore.reservation(c, booking["id"]))
        deleted = db(mirror, lambda c: MirrorStore.reservation(c, gone["id"]))
        return after_watermark, after_full, deleted

    after_watermark, after_full, deleted = await with_mirror(server_factory, small, watermark_then_full)
    assert after_watermark is not None and after_watermark["totalPrice"] != 1234.5
    assert after_full is not None and after_full["totalPrice"] == 1234.5
    assert deleted is None


async def test_the_backfill_resumes_where_a_failure_stopped_it(server_factory: Callable[..., Any], small: Any) -> None:
    from hostaway_mcp.errors import HostawayError
    from tests.faults import Fault, faults_of

    faults_of(small).script(*(Fault("status", method="GET", path="/reviews", status=503) for _ in range(5)))

    async def first(mirror: Mirror) -> Any:
        with pytest.raises(HostawayError):
            await mirror.backfill()
        return await mirror.status()

    status = await with_mirror(server_factory, small, first)
    assert not status.ready and status.states["conversations"].backfilled and not status.states["reviews"].backfilled
    before = len(api_calls(small))
    status = await with_mirror(server_factory, small, lambda m: _backfill_status(m))
    assert status.ready
    resumed = api_calls(small)[before:]
    assert {r.path for r in resumed} == {"/reviews"}  # nothing done before is read again


async def test_a_backfill_stopped_between_thread_pages_resumes_masking_every_door_code(
    server_factory: Callable[..., Any], small: Any, settings_factory: Callable[..., Any]
) -> None:
    """Each page of threads is read with its bookings' access values before the cursor moves, so a
    restart never reads a thread whose door code it no longer knows (the code, written bare in a
    message, has no label for the text rules to catch)."""
    from hostaway_mcp.errors import HostawayError
    from hostaway_mcp.sandbox.sandbox import Intercepted, Outcome
    from tests.faults import Fault, fault_response

    account = small.account
    by_id = {r["id"]: r for r in account.reservations}
    planted = []
    for conversation in account.conversations:
        code = by_id.get(conversation["reservationId"], {}).get("doorCode")
        sent = next((m for m in account.messages[conversation["id"]] if m["status"] == "sent"), None)
        if code and sent:
            sent["body"] = f"Thanks, {code} worked fine."
            planted.append(code)
    assert len(account.conversations) > 200 and len(planted) > 100  # three pages of threads
    listings_seen = 0

    def second_listing_page_fails(request: Intercepted) -> Outcome | None:
        nonlocal listings_seen
        if request.method == "GET" and request.path == "/conversations":
            listings_seen += 1
            if listings_seen >= 2:
                request.log()
                return Outcome(fault_response(Fault("status", status=503)))
        return None

    small.hook = second_listing_page_fails

    async def first(mirror: Mirror) -> Any:
        with pytest.raises(HostawayError):
            await mirror.backfill()
        return await mirror.status()

    status = await with_mirror(server_factory, small, first)
    assert not status.states["conversations"].backfilled
    assert status.rows["messages"] > 0  # the first page's threads, read before the second page failed
    small.hook = None
    status = await with_mirror(server_factory, small, lambda m: _backfill_status(m))
    assert status.ready and status.rows["conversations"] == len(account.conversations)
    path = settings_factory(mirror=True).mirror_path
    text = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file()).decode(errors="replace")
    assert [code for code in planted if code in text] == []


async def _backfill_status(mirror: Mirror) -> Any:
    await mirror.backfill()
    return await mirror.status()


async def test_nothing_results_withhold_is_written_to_the_mirror(
    server_factory: Callable[..., Any], small: Any, settings_factory: Callable[..., Any]
) -> None:
    thread = next(iter(small.account.messages.values()))
    sent = next(m for m in thread if m["status"] == "sent")
    sent["body"] = "The door code is DOOR-8642, Wi-Fi password: WIFI-SECRET-k9Q2xL7m, my card 4111 1111 1111 1111."
    await with_mirror(server_factory, small, lambda m: m.backfill())
    path = settings_factory(mirror=True).mirror_path
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())
    text = raw.decode("utf-8", errors="replace")
    planted = [
        sandbox_catalog.DOOR_CODE_PREFIX,
        sandbox_catalog.LISTING_DOOR_CODE_PREFIX,
        sandbox_catalog.LOCKBOX_PREFIX,
        sandbox_catalog.WIFI_PASSWORD_PREFIX,
    ]
    in_account = [m for m in planted if any(m in str(r) for r in small.account.reservations + small.account.listings)]
    assert in_account, "the sandbox plants these values"
    for marker in planted:
        assert marker not in text, marker
    planted_cards = [c for r in small.account.reservations for c in card_numbers_in(str(r.get("guestNote") or ""))]
    assert planted_cards, "the sandbox plants card numbers in guest notes"
    assert card_numbers_in(text) == [] and "4111 1111" not in text and "k9Q2xL7m" not in text
    emails = [r["guestEmail"] for r in small.account.reservations if r.get("guestEmail")]
    assert emails and not any(email in text for email in emails)


async def test_a_damaged_mirror_is_discarded_with_one_warning_and_rebuilt(
    server_factory: Callable[..., Any], small: Any, settings_factory: Callable[..., Any], caplog: Any
) -> None:
    await with_mirror(server_factory, small, lambda m: m.backfill())
    path = settings_factory(mirror=True).mirror_path
    for sidecar in path.parent.glob(path.name + "-*"):
        sidecar.unlink()
    path.write_bytes(b"this is not a database" * 500)
    caplog.set_level(logging.WARNING)

    async def use(mirror: Mirror) -> Any:
        served = await mirror.fresh(READ_RESOURCES)  # the empty rebuilt file: not ready, answer live
        await mirror.backfill()
        return served, await mirror.status()

    served, status = await with_mirror(server_factory, small, use)
    assert served is None
    assert status.ready and status.rows["listings"] == LISTINGS
    warnings = [r for r in caplog.records if "local mirror" in r.getMessage()]
    assert len(warnings) == 1 and "discarded" in warnings[0].getMessage()


async def test_a_symlink_in_the_mirrors_place_is_replaced_never_followed(
    server_factory: Callable[..., Any], small: Any, settings_factory: Callable[..., Any], tmp_path: Path
) -> None:
    path = settings_factory(mirror=True).mirror_path
    path.parent.mkdir(parents=True, mode=0o700)
    target = tmp_path / "precious.txt"
    target.write_text("do not touch")
    os.symlink(target, path)
    status = await with_mirror(server_factory, small, _backfill_status)
    assert status.ready
    assert not path.is_symlink() and target.read_text() == "do not touch"


async def test_two_processes_share_one_mirror_one_syncs_the_other_reads(
    server_factory: Callable[..., Any], small: Any, clock: FakeClock
) -> None:
    """Two servers (their own gateways and Mirror objects, one file): while one holds the writer
    lock to sync, the other waits, then finds the mirror fresh and makes no call of its own."""
    await with_mirror(server_factory, small, lambda m: m.backfill())
    clock.advance(61)
    first, second = server_factory(small, mirror=True), server_factory(small, mirror=True)
    async with first.settings.lifespan(first) as ctx_one, second.settings.lifespan(second) as ctx_two:
        one, two = await app_state(ctx_one), await app_state(ctx_two)
        assert one.mirror is not None and two.mirror is not None
        before = len(api_calls(small))
        async with one.mirror.writer():
            waiting = asyncio.ensure_future(two.mirror.fresh(READ_RESOURCES))
            await asyncio.sleep(0.1)
            assert not waiting.done()  # the other process waits for the writer
            sync = one.mirror._sync()
            await sync.refresh(READ_RESOURCES)
        served = await waiting
        assert served is not None and not served.synced
        assert len(api_calls(small)) - before == 2  # one sync between them
        rows = one.mirror.store.run(MirrorStore.counts)
        assert rows == two.mirror.store.run(MirrorStore.counts)


async def test_the_mirror_is_off_with_hostaway_mirror_false(server_factory: Callable[..., Any], small: Any) -> None:
    server = server_factory(small, mirror=False)
    async with server.settings.lifespan(server) as context:
        state = await app_state(context)  # opened on first use
        assert state.mirror is None


async def test_a_confirmed_write_shows_in_the_next_mirrored_read_without_waiting(
    server_factory: Callable[..., Any], small: Any
) -> None:
    from mcp import Client

    from tests.conftest import DIRECT_IDS, TODAY, call_ok

    await with_mirror(server_factory, small, lambda m: m.backfill())
    booking = next(
        r
        for r in sorted(small.account.reservations, key=lambda r: r["id"])
        if r["status"] in ("new", "modified") and r["channelId"] in DIRECT_IDS and r["arrivalDate"] > str(TODAY)
    )
    search = {"property_id": booking["listingMapId"], "statuses": ["cancelled"], "limit": 100}
    async with Client(server_factory(small, mirror=True)) as client:
        before = await call_ok(client, "search_bookings", search)
        assert before["as_of"] and booking["id"] not in [b["id"] for b in before["items"]]
        await call_ok(client, "cancel_booking", {"booking_id": booking["id"], "confirm": True})
        after = await call_ok(client, "search_bookings", search)  # well inside the max age
    assert after["as_of"] and booking["id"] in [b["id"] for b in after["items"]]


async def test_the_status_resource_shows_the_mirrors_size_age_and_last_sync(
    server_factory: Callable[..., Any], small: Any, clock: FakeClock
) -> None:
    import json

    from mcp import Client

    async def status_text(**settings: Any) -> str:
        async with Client(server_factory(small, **settings)) as client:
            result = await client.read_resource("hostaway://status")
            return str(json.loads(getattr(result.contents[0], "text", "{}"))["mirror"])

    assert "not built yet" in await status_text(mirror=True)
    assert "off" in await status_text(mirror=False)
    await with_mirror(server_factory, small, lambda m: m.backfill())
    clock.advance(30)
    built = await status_text(mirror=True)
    import re

    age = re.search(r" MB, last synced (\d+) s ago", built)
    assert age is not None and 30 <= int(age.group(1)) < 90, built
    assert f"{LISTINGS} properties" in built
    assert re.search(r"read in full \d+ s ago", built), built  # the backfill read everything: none due yet


async def test_a_serving_process_fills_the_mirror_in_the_background_and_reconciles_a_day_later(
    settings_factory: Callable[..., Any], small: Any, clock: FakeClock
) -> None:
    """The backfill read everything, so it counts as the day's full sync: no second reading of the
    whole account follows it (that would double the first sync's cost)."""
    from hostaway_mcp.server import build_server
    from tests.conftest import NOW

    server = build_server(
        settings_factory(mirror=True),
        transport=small.transport(),
        sleep=clock.sleep,
        clock=clock,
        wall_clock=clock,
        now=lambda: NOW,
        background_sync=True,
    )
    lifespan = server.settings.lifespan
    assert lifespan is not None
    async with lifespan(server) as context:
        mirror = (await app_state(context)).mirror
        assert mirror is not None

        async def filled() -> Any:
            while True:
                status = await mirror.status()
                if status.ready and status.last_full_sync and not mirror.backfilling:
                    return status
                await asyncio.sleep(0.01)

        status = await asyncio.wait_for(filled(), timeout=30)
        assert status.rows["reservations"] == len(small.account.reservations)
        assert status.last_full_sync is not None and status.last_full_sync <= clock()
        calls = len(api_calls(small))
        for _ in range(50):
            await asyncio.sleep(0)
        assert len(api_calls(small)) == calls  # the next full sync waits for its day
        assert not mirror.backfilling


async def test_a_question_during_the_backfill_is_answered_live_at_once(
    server_factory: Callable[..., Any], settings_factory: Callable[..., Any], small: Any, clock: FakeClock
) -> None:
    """A first sync holds the writer lock for minutes; a question must not wait for it."""
    from mcp import Client

    from hostaway_mcp.server import build_server
    from tests.conftest import NOW, call_ok

    await with_mirror(server_factory, small, lambda m: m.backfill())  # the reports' part is there
    clock.advance(120)  # past the max age: a watermark check is due

    reached, released = asyncio.Event(), asyncio.Event()

    class Stalled(httpx.AsyncBaseTransport):
        """The sandbox, with the backfill's pages of threads held until the test lets them go."""

        def __init__(self) -> None:
            self.inner = small.transport()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/conversations"):
                reached.set()
                await released.wait()
            response: httpx.Response = await self.inner.handle_async_request(request)
            return response

    def forget_messages(conn: sqlite3.Connection) -> None:  # the messages' part is not done yet
        conn.execute("UPDATE sync_state SET backfilled = 0, cursor = NULL WHERE resource = 'conversations'")

    await with_mirror(server_factory, small, lambda m: m.db(forget_messages))
    server = build_server(
        settings_factory(mirror=True),
        transport=Stalled(),
        sleep=clock.sleep,
        clock=clock,
        wall_clock=clock,
        now=lambda: NOW,
        background_sync=True,
    )
    async with Client(server) as client:
        try:
            await call_ok(client, "list_properties", {"limit": 1})  # the state opens: the backfill starts
            async with asyncio.timeout(30):  # a hang detector: the answer never waits for `released`
                await reached.wait()  # the backfill is reading threads, under the writer lock
                answer = await call_ok(client, "search_bookings", {"limit": 5})
        finally:
            released.set()
    assert answer["items"] and not answer.get("as_of")  # live: the mirror was busy being filled


async def test_a_page_of_nothing_new_ends_a_watermark_scan_however_busy_the_overlap(
    server_factory: Callable[..., Any], sandbox_factory: Callable[..., Any], clock: FakeClock
) -> None:
    """More than a page of listings and bookings updated within the overlap: the check still
    costs one call each, because their first pages hold nothing the mirror does not have."""
    busy = sandbox_factory(listings=120)
    stamp = fmt_datetime(busy.now().replace(microsecond=0))
    for listing in busy.account.listings:
        listing["latestActivityOn"] = stamp
    for reservation in busy.account.reservations[:150]:
        reservation["updatedOn"] = stamp

    async def fill(mirror: Mirror) -> None:
        sync = mirror._sync()
        async with mirror.writer():
            await sync.listings_full()
            await sync.reservations_backfill()
            await sync.calendars_backfill()

    await with_mirror(server_factory, busy, fill)
    clock.advance(61)

    async def check(mirror: Mirror) -> int:
        before = len(api_calls(busy))
        assert await mirror.fresh(READ_RESOURCES) is not None
        return len(api_calls(busy)) - before

    assert await with_mirror(server_factory, busy, check) == 2
    busy.account.listings[-1]["name"] = "Renamed"  # a change inside the overlap is still read
    busy.account.listings[-1]["latestActivityOn"] = fmt_datetime(busy.now().replace(microsecond=0))
    clock.advance(61)
    assert await with_mirror(server_factory, busy, check) == 3  # its page held news: one more page read

    async def name(mirror: Mirror) -> Any:
        return {x["id"]: x["name"] for x in db(mirror, MirrorStore.listings)}[busy.account.listings[-1]["id"]]

    assert await with_mirror(server_factory, busy, name) == "Renamed"
