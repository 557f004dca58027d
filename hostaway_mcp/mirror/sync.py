"""Filling the mirror and keeping it current, with as few Hostaway calls as the API allows.

Per resource (hostaway-api-2026.md §4.3), every step resumable after a restart because each
page is committed with the cursor that follows it:

- **listings**: every page once (one call per 100); then `sortOrder=latestActivityDesc` pages
  until a listing older than the watermark, or a page of nothing new (usually one call).
- **reservations**: the backfill walks the default order (`updatedOn DESC, id DESC`) with the
  `afterId` cursor; a watermark sync reads the same order from the top and stops at the first
  row updated before the watermark minus `OVERLAP` (rows shift between pages while they are
  read), usually after one call.
- **calendars**: each listing's calendar once for the mirror's window of past nights
  (`CALENDAR_WINDOW_DAYS`, up to yesterday at the property): a past night is final, so the
  revenue report's occupancy reads live only what is not yet past. A full sync extends it.
- **conversations and messages**: the backfill lists every thread and reads each thread's
  messages once (the one unavoidable per-thread cost), a page of threads at a time. After that,
  messages are read again only for threads whose last-message stamps changed, found through
  reservations sorted by `lastConversationMessageReceivedDesc` (and `...SentDesc` for replies
  sent elsewhere): the walk stops at the first thread older than the watermark, so a quiet
  account costs two calls, not one per thread (the 805-call trap).
- **reviews**: `sortBy=id&sortOrder=desc` down to the highest id already held.
- **full** (`hostaway-mcp sync --full`, and whenever the last one is a day old): everything
  again, deleting rows Hostaway no longer returns; it catches what watermarks cannot see
  (deletions, a change that did not move `updatedOn`).

Message bodies are masked before they are stored (card numbers always; door codes, lock-box codes
and Wi-Fi passwords always, whatever `HOSTAWAY_SHARE_ACCESS_DETAILS` says): nothing results
withhold is written to disk. Callers hold the writer lock (`lock.py`) around every method here.
"""

# Over 400 lines: one fetch plan per resource (backfill, watermark, full), each a few lines, sharing
# the page-commit and progress helpers; splitting them would scatter the cursor rules.

from __future__ import annotations

import asyncio
import functools
import logging
import math
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from hostaway_mcp import paging
from hostaway_mcp.bodies import Fields
from hostaway_mcp.calendar import STATUS_FIELDS, night_status, read_days
from hostaway_mcp.domain import ident
from hostaway_mcp.errors import HostawayError
from hostaway_mcp.gateway import PAGE_SIZE, HostawayGateway, JSONObject
from hostaway_mcp.localtime import Now, listing_today
from hostaway_mcp.mirror.schema import (
    CONVERSATION_FIELDS,
    RESERVATION_FIELDS,
    RESOURCES,
    REVIEW_FIELDS,
    stored_message,
)
from hostaway_mcp.mirror.store import LISTING_FIELDS, MirrorStore, SyncState, thread_stamps
from hostaway_mcp.privacy import RESERVATION_ACCESS_FIELDS, AccessGuard, access_details

logger = logging.getLogger(__name__)
T = TypeVar("T")

OVERLAP = timedelta(minutes=5)
# Past nights of each calendar the mirror holds: 13 months and a little, so "the last 12 months"
# and "last year" always fit, whatever the day of the month.
CALENDAR_WINDOW_DAYS = 400
CALENDAR_SPAN_DAYS = 366  # one calendar read at most (as the revenue report reads them)
# Requests of the backfill in flight at once: a background job leaves most of the shared budget
# to the tools a person is waiting for.
BACKFILL_CONCURRENCY = 2
MESSAGE_PAGE_SIZE = 100
THREAD_BATCH = 100  # threads committed together
MAX_WATERMARK_PAGES = 50  # past this a watermark scan is a full read: say so and let --full do it
FULL_SYNC_EVERY_S = 86_400.0
STAMP = "%Y-%m-%d %H:%M:%S"

Say = Callable[[str], None]


@dataclass
class SyncReport:
    """What one sync did: requests made and rows written, per resource."""

    calls: int = 0
    rows: dict[str, int] | None = None

    def add(self, resource: str, rows: int) -> None:
        self.rows = self.rows or {}
        self.rows[resource] = self.rows.get(resource, 0) + rows


def _log_progress(message: str) -> None:
    logger.info("mirror: %s", message)


def _minus(stamp: str | None, delta: timedelta) -> str | None:
    if stamp is None:
        return None
    try:
        return (datetime.strptime(stamp[:19], STAMP) - delta).strftime(STAMP)
    except ValueError:
        return None


def _newest(stamps: list[str | None], current: str | None) -> str | None:
    known = [s for s in stamps if s]
    if current:
        known.append(current)
    return max(known) if known else None


def _access_values(raw: JSONObject) -> tuple[str, ...]:
    return tuple((access_details(raw, RESERVATION_ACCESS_FIELDS, share=True) or {}).values())


class MirrorSync:
    """The fetch plans that fill one account's mirror (call each under the writer lock)."""

    def __init__(
        self,
        gateway: HostawayGateway,
        store: MirrorStore,
        *,
        now: Now,
        wall_clock: Callable[[], float],
        say: Say = _log_progress,
    ) -> None:
        self.gateway = gateway
        self.store = store
        self.now = now
        self.wall_clock = wall_clock
        self.say = say
        self.report = SyncReport()

    async def db(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.to_thread(self.store.run, work)

    async def get(self, path: str, params: dict[str, Any], fields: Fields | None = None) -> Any:
        self.report.calls += 1
        return await self.gateway.get(path, params, fields=fields)

    async def _state(self, resource: str) -> SyncState:
        return await self.db(lambda conn: MirrorStore.state(conn, resource))

    async def _save(self, state: SyncState) -> None:
        await self.db(lambda conn: MirrorStore.save_state(conn, state))

    # -- the whole plan ------------------------------------------------------------------------------

    async def backfill(self, only: tuple[str, ...] = RESOURCES) -> SyncReport:
        """Fill each resource of `only` not yet backfilled, resuming where an earlier run stopped; one
        read here from its first page counts as fully synced as of when its reading began."""
        for resource, step in (
            ("listings", self.listings_full),
            ("reservations", self.reservations_backfill),
            ("calendars", self.calendars_backfill),
            ("conversations", self.conversations_backfill),
            ("reviews", self.reviews_backfill),
        ):
            state = await self._state(resource)
            if resource in only and not state.backfilled:
                began = self.wall_clock()
                await step()
                if state.cursor is None:
                    await self._save(replace(await self._state(resource), last_full_sync=began))
        return self.report

    async def full(self) -> SyncReport:
        """Reconcile everything with Hostaway: read it all again, drop what is gone."""
        await self.listings_full(reconcile=True)
        await self.reservations_backfill(reconcile=True)
        await self.calendars_backfill(again=True)
        await self.conversations_backfill(reconcile=True)
        await self.reviews_backfill(reconcile=True)
        stamp = self.wall_clock()
        for resource in RESOURCES:
            state = await self._state(resource)
            await self._save(replace(state, last_full_sync=stamp))
        return self.report

    async def refresh(self, resources: tuple[str, ...]) -> SyncReport:
        """Watermark syncs of `resources`, after fetching any rows a write marked stale."""
        await self.stale_rows()
        steps = {
            "listings": self.listings_watermark,
            "reservations": self.reservations_watermark,
            "conversations": self.messages_watermark,
            "reviews": self.reviews_watermark,
        }
        for resource in resources:
            if resource in steps:
                await steps[resource]()
        return self.report

    # -- listings --------------------------------------------------------------------------------------

    async def listings_full(self, reconcile: bool = False) -> None:
        pages = await paging.offset_pages(
            self.gateway,
            "listings",
            {"includeResources": 0},
            what="properties",
            fields=LISTING_FIELDS,
        )
        self.report.calls += len(pages)
        listings = paging.items_of(pages)
        watermark = _newest([_text(x.get("latestActivityOn")) for x in listings], None)
        keep = {i for x in listings if (i := ident(x.get("id"))) is not None}

        def write(conn: sqlite3.Connection) -> None:
            MirrorStore.put_listings(conn, listings)
            if reconcile:
                MirrorStore.remove_missing(conn, "listings", keep)
            old = MirrorStore.state(conn, "listings")
            MirrorStore.save_state(
                conn,
                replace(
                    old, watermark=_newest([watermark], old.watermark), backfilled=True, last_sync=self.wall_clock()
                ),
            )

        await self.db(write)
        self.report.add("listings", len(listings))
        self.say(f"properties: {len(listings)} stored")

    async def listings_watermark(self) -> None:
        state = await self._state("listings")
        floor = _minus(state.watermark, OVERLAP)
        seen: list[JSONObject] = []
        for number in range(MAX_WATERMARK_PAGES):
            page = await self.get(
                "listings",
                {
                    "sortOrder": "latestActivityDesc",
                    "limit": PAGE_SIZE,
                    "offset": number * PAGE_SIZE,
                    "includeResources": 0,
                },
                LISTING_FIELDS,
            )
            items = page.items
            unchanged = await self.db(functools.partial(_listings_unchanged, items))
            seen += items
            older = floor is None or unchanged or any((_text(x.get("latestActivityOn")) or "") < floor for x in items)
            if older or len(items) < PAGE_SIZE:
                break
        watermark = _newest([_text(x.get("latestActivityOn")) for x in seen], state.watermark)

        def write(conn: sqlite3.Connection) -> None:
            MirrorStore.put_listings(conn, seen)  # read with LISTING_FIELDS only; it stores those
            MirrorStore.save_state(conn, replace(state, watermark=watermark, last_sync=self.wall_clock()))

        await self.db(write)
        self.report.add("listings", len(seen))

    # -- reservations ----------------------------------------------------------------------------------

    async def reservations_backfill(self, reconcile: bool = False) -> None:
        """Every reservation, newest-updated first, by `afterId`; resumes from the stored cursor."""
        state = await self._state("reservations")
        after = None if reconcile else ident(state.cursor)
        keep: set[int] = set()
        total: int | None = None
        number = 0
        while True:
            params: dict[str, Any] = {"limit": PAGE_SIZE, "includeResources": 0}
            if after is not None:
                params["afterId"] = after
            page = await self.get("reservations", params, RESERVATION_FIELDS)
            items = page.items
            number += 1
            total = total if total is not None else page.count
            keep |= {i for x in items if (i := ident(x.get("id"))) is not None}
            last = ident(items[-1].get("id")) if items else None
            done = not items or len(items) < PAGE_SIZE or last is None or last == after
            watermark = _newest([_text(x.get("updatedOn")) for x in items], None)

            await self.db(functools.partial(self._reservation_page, items, last, watermark, done, reconcile, keep))
            self.report.add("reservations", len(items))
            pages = math.ceil(total / PAGE_SIZE) if total else number
            self.say(f"reservations: page {number} of {max(pages, number)}")
            if done:
                return
            after = last

    def _reservation_page(
        self,
        items: list[JSONObject],
        last: int | None,
        watermark: str | None,
        done: bool,
        reconcile: bool,
        keep: set[int],
        conn: sqlite3.Connection,
    ) -> None:
        """Commit one backfill page with the cursor after it (so a restart resumes there)."""
        MirrorStore.put_reservations(conn, items)
        old = MirrorStore.state(conn, "reservations")
        if done and reconcile:
            MirrorStore.remove_missing(conn, "reservations", keep)
        MirrorStore.save_state(
            conn,
            replace(
                old,
                watermark=_newest([watermark], old.watermark),
                cursor=None if done else str(last),
                backfilled=old.backfilled or done,
                last_sync=self.wall_clock() if done else old.last_sync,
            ),
        )

    async def reservations_watermark(self) -> None:
        """From the newest-updated down to the watermark (minus the overlap): usually one call.

        A page whose every row the mirror already holds with the same `updatedOn` also ends the
        scan: rows below it were updated no later, so nothing there is new unless its stamp lags
        (the full reconciliation catches those). Without this, a burst of more than a page of
        updates inside the overlap would cost a second call on every check.
        """
        state = await self._state("reservations")
        floor = _minus(state.watermark, OVERLAP)
        after: int | None = None
        newest = state.watermark
        for _ in range(MAX_WATERMARK_PAGES):
            params: dict[str, Any] = {"limit": PAGE_SIZE, "includeResources": 0}
            if after is not None:
                params["afterId"] = after
            page = await self.get("reservations", params, RESERVATION_FIELDS)
            items = page.items
            stamps = [_text(x.get("updatedOn")) for x in items]
            newest = _newest(stamps, newest)
            unchanged = await self.db(functools.partial(_unchanged, items))
            await self.db(functools.partial(_put, MirrorStore.put_reservations, items))
            self.report.add("reservations", len(items))
            last = ident(items[-1].get("id")) if items else None
            reached = floor is None or unchanged or any((s or "") < floor for s in stamps)
            if reached or len(items) < PAGE_SIZE or last is None or last == after:
                break
            after = last
        else:
            logger.warning("mirror: reservations changed on more than %d pages; run a full sync", MAX_WATERMARK_PAGES)
        await self._save(replace(await self._state("reservations"), watermark=newest, last_sync=self.wall_clock()))

    # -- calendars (past blocked nights) ----------------------------------------------------------------

    async def calendars_backfill(self, again: bool = False) -> None:
        """Each listing's past nights in the window, once (`again`: re-read them all)."""
        listings, coverage = await self.db(lambda conn: (MirrorStore.listings(conn), MirrorStore.coverage(conn)))
        now = self.now()
        todo: list[tuple[int, date, date]] = []
        for listing in listings:
            listing_id = ident(listing.get("id"))
            if listing_id is None:
                continue
            yesterday = listing_today(listing, now).today - timedelta(days=1)
            first = yesterday - timedelta(days=CALENDAR_WINDOW_DAYS - 1)
            held = coverage.get(listing_id)
            if again or held is None or held[1] < yesterday:
                todo.append((listing_id, first, yesterday))
        done = 0

        async def read(listing_id: int, first: date, last: date) -> None:
            nonlocal done
            blocked: list[date] = []
            start = first
            while start <= last:
                end = min(last, start + timedelta(days=CALENDAR_SPAN_DAYS - 1))
                self.report.calls += 1
                days = await read_days(self.gateway, listing_id, start, end, fields=STATUS_FIELDS)
                blocked += [night for night, day in days.items() if night_status(day) == "blocked"]
                start = end + timedelta(days=1)
            await self.db(lambda conn: MirrorStore.put_calendar(conn, listing_id, first, last, blocked))
            done += 1
            if done % 25 == 0 or done == len(todo):
                self.say(f"calendars: {done} of {len(todo)} properties")

        await paging.gather_bounded([functools.partial(read, *job) for job in todo], limit=max(BACKFILL_CONCURRENCY, 4))
        state = await self._state("calendars")
        await self._save(replace(state, backfilled=True, last_sync=self.wall_clock()))
        self.report.add("calendars", len(todo))

    # -- conversations and messages ----------------------------------------------------------------------

    async def conversations_backfill(self, reconcile: bool = False) -> None:
        """Every thread's stamps (offset pages), each page's stale threads read before the next.

        Reading a page's messages before moving its cursor keeps one page of work and of access
        values (what masks door codes in the messages) in memory, not the account's (15,000
        threads hold 7 MB of them), and a restart resumes with the access values of every thread
        it has left to read.
        """
        state = await self._state("conversations")
        start = 0 if reconcile else int(state.cursor or 0)
        keep: set[int] = set()
        offset = start
        while True:
            query = {"limit": PAGE_SIZE, "offset": offset, "includeResources": 1}
            page = await self.get("conversations", query, CONVERSATION_FIELDS)
            items = page.items
            known: dict[int, tuple[str, ...]] = {}
            for item in items:
                conversation_id = ident(item.get("id"))
                embedded = item.get("Reservation")
                if conversation_id is not None:
                    known[conversation_id] = _access_values(embedded) if isinstance(embedded, dict) else ()
            if reconcile:
                keep.update(known)
            offset += len(items)
            done = not items or (page.count is not None and offset >= page.count) or len(items) < PAGE_SIZE

            await self.db(functools.partial(_conversation_page, items))
            await self.fetch_threads(known)
            await self.db(functools.partial(_conversation_cursor, None if done else str(offset)))
            total = page.count or offset
            self.say(f"conversations: {min(offset, total)} of {total} listed and read")
            if done:
                break
        if reconcile:
            await self.db(lambda conn: MirrorStore.remove_missing(conn, "conversations", keep))
        await self.fetch_threads()  # threads listed before a restart whose messages are still stale
        stamps = await self.db(_newest_thread_stamps)
        state = await self._state("conversations")
        await self._save(
            replace(
                state,
                watermark=_newest([stamps], state.watermark),
                cursor=None,
                backfilled=True,
                last_sync=self.wall_clock(),
            )
        )

    async def fetch_threads(self, known: dict[int, tuple[str, ...]] | None = None) -> int:
        """Read the messages of every thread whose stored messages are out of date, or, given
        `known` (thread -> the access values of its booking, to mask in the messages), of those
        threads only.

        Threads are read and committed in batches of `THREAD_BATCH` (one transaction each), so a
        restart loses at most one batch of work and memory holds one batch.
        """
        among = None if known is None else list(known)
        total = len(among) if among is not None else await self.db(MirrorStore.stale_thread_count)
        read = 0
        after = 0
        while batch := await self.db(
            functools.partial(MirrorStore.threads_to_fetch, after=after, limit=THREAD_BATCH, among=among)
        ):
            threads = await paging.gather_bounded(
                [functools.partial(self.fetch_thread, cid, (known or {}).get(cid, ())) for cid, _ in batch],
                limit=BACKFILL_CONCURRENCY,
            )
            await self.db(functools.partial(_put_threads, batch, threads))
            self.report.add("messages", sum(len(thread) for thread in threads))
            read += len(batch)
            after = batch[-1][0]
            if among is None:
                self.say(f"messages: {read} of {total} threads read")
        self.report.add("threads", read)
        return read

    async def fetch_thread(self, conversation_id: int, access: tuple[str, ...]) -> list[dict[str, Any]]:
        """One thread's sent messages, masked (what the mirror keeps of them)."""
        guard = AccessGuard(share=False, known=access)
        messages: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = await self.get(
                f"conversations/{conversation_id}/messages", {"limit": MESSAGE_PAGE_SIZE, "offset": offset}
            )
            items = page.items
            for raw in items:
                if str(raw.get("status") or "sent") != "sent":
                    continue  # scheduled, failed or cancelled: not part of the conversation yet
                embedded = raw.get("Reservation")
                known = access + (_access_values(embedded) if isinstance(embedded, dict) else ())
                if known != guard.known:
                    guard = AccessGuard(share=False, known=known)
                messages.append(stored_message(raw, guard))
            offset += len(items)
            if not items or len(items) < MESSAGE_PAGE_SIZE or (page.count is not None and offset >= page.count):
                return messages

    async def messages_watermark(self) -> None:
        """Threads whose last message is newer than the watermark, found by the two sort orders."""
        state = await self._state("conversations")
        floor = _minus(state.watermark, OVERLAP)
        newest = state.watermark
        for order, stamp_field in (
            ("lastConversationMessageReceivedDesc", "messageReceivedOn"),
            ("lastConversationMessageSentDesc", "messageSentOn"),
        ):
            newest = _newest([await self._walk_threads(order, stamp_field, floor)], newest)
        await self.fetch_threads()
        await self._save(replace(await self._state("conversations"), watermark=newest, last_sync=self.wall_clock()))

    async def _walk_threads(self, order: str, stamp_field: str, floor: str | None) -> str | None:
        """Reservations in `order`; each one's thread stamps until one is older than `floor`."""
        newest: str | None = None
        after: int | None = None
        for _ in range(MAX_WATERMARK_PAGES):
            params: dict[str, Any] = {"sortOrder": order, "limit": PAGE_SIZE, "includeResources": 0}
            if after is not None:
                params["afterId"] = after
            page = await self.get("reservations", params, ("id",))
            for reservation in page.items:
                reservation_id = ident(reservation.get("id"))
                if reservation_id is None:
                    continue
                threads = await self.get(
                    "conversations",
                    {"reservationId": reservation_id, "limit": 5, "offset": 0, "includeResources": 0},
                    CONVERSATION_FIELDS,
                )
                stamps = [_text(c.get(stamp_field)) for c in threads.items]
                newest = _newest(stamps, newest)

                def write(conn: sqlite3.Connection, items: list[JSONObject] = threads.items) -> None:
                    for item in items:
                        MirrorStore.put_conversation(conn, item)

                await self.db(write)
                if floor is None or all((s or "") < floor for s in stamps):
                    return newest
            items = page.items
            last = ident(items[-1].get("id")) if items else None
            if len(items) < PAGE_SIZE or last is None or last == after:
                return newest
            after = last
        return newest

    # -- reviews -------------------------------------------------------------------------------------------

    async def reviews_backfill(self, reconcile: bool = False) -> None:
        await self._reviews(stop_at=None, reconcile=reconcile)

    async def reviews_watermark(self) -> None:
        state = await self._state("reviews")
        await self._reviews(stop_at=ident(state.watermark), reconcile=False)

    async def _reviews(self, stop_at: int | None, reconcile: bool) -> None:
        """Reviews by id, highest first, down to `stop_at` (None: all of them)."""
        keep: set[int] = set()
        highest: int | None = None
        offset = 0
        while True:
            page = await self.get(
                "reviews", {"sortBy": "id", "sortOrder": "desc", "limit": PAGE_SIZE, "offset": offset}, REVIEW_FIELDS
            )
            items = page.items
            ids = [i for x in items if (i := ident(x.get("id"))) is not None]
            keep |= set(ids)
            highest = max([*ids, highest or 0]) or None
            await self.db(functools.partial(_put, MirrorStore.put_reviews, items))
            self.report.add("reviews", len(items))
            offset += len(items)
            reached = stop_at is not None and any(i <= stop_at for i in ids)
            if reached or len(items) < PAGE_SIZE or (page.count is not None and offset >= page.count):
                break

        def write(conn: sqlite3.Connection) -> None:
            if reconcile:
                MirrorStore.remove_missing(conn, "reviews", keep)
            old = MirrorStore.state(conn, "reviews")
            mark = max(highest or 0, ident(old.watermark) or 0) or None
            MirrorStore.save_state(
                conn,
                replace(
                    old,
                    watermark=str(mark) if mark else None,
                    backfilled=True,
                    last_sync=self.wall_clock(),
                ),
            )

        await self.db(write)

    # -- rows a write touched -----------------------------------------------------------------------------

    async def stale_rows(self) -> None:
        """Fetch again each row a confirmed write touched (`service.Mirror.touched`)."""
        for kind, row_id in await self.db(MirrorStore.stale):
            if kind == "reservation":
                try:
                    page = await self.get(f"reservations/{row_id}", {}, RESERVATION_FIELDS)
                except HostawayError:  # gone or unreadable: the watermark and full sync settle it
                    logger.debug("mirror: could not re-read reservation %s", row_id, exc_info=True)
                else:
                    if isinstance(page.result, dict):
                        await self.db(functools.partial(_put, MirrorStore.put_reservations, [page.result]))
            elif kind == "conversation":
                await self.db(functools.partial(_forget_thread, row_id))
            await self.db(functools.partial(_clear_stale, kind, row_id))


def _put(
    put: Callable[[sqlite3.Connection, list[JSONObject]], int], rows: list[JSONObject], conn: sqlite3.Connection
) -> int:
    return put(conn, rows)


def _listings_unchanged(items: list[JSONObject], conn: sqlite3.Connection) -> bool:
    """Whether the mirror holds every listing of a page with the same `latestActivityOn` (the
    listings' twin of `_unchanged`: a page of nothing new ends the scan)."""
    ids = {i: _text(x.get("latestActivityOn")) for x in items if (i := ident(x.get("id"))) is not None}
    if not ids or len(ids) < len(items):
        return False
    marks = ",".join("?" * len(ids))
    held = dict(
        conn.execute(f"SELECT id, latest_activity_on FROM listings WHERE id IN ({marks})", list(ids)).fetchall()
    )
    return all(held.get(i) == stamp for i, stamp in ids.items())


def _unchanged(items: list[JSONObject], conn: sqlite3.Connection) -> bool:
    """Whether the mirror holds every row of a page with the same `updatedOn` already."""
    ids = {i: _text(x.get("updatedOn")) for x in items if (i := ident(x.get("id"))) is not None}
    if not ids or len(ids) < len(items):
        return False
    marks = ",".join("?" * len(ids))
    held = dict(conn.execute(f"SELECT id, updated_on FROM reservations WHERE id IN ({marks})", list(ids)).fetchall())
    return all(held.get(i) == stamp for i, stamp in ids.items())


def _put_threads(
    threads: list[tuple[int, str]], messages: list[list[dict[str, Any]]], conn: sqlite3.Connection
) -> None:
    conn.execute("BEGIN")
    try:
        for (conversation_id, stamps), thread in zip(threads, messages, strict=True):
            MirrorStore.put_messages(conn, conversation_id, stamps, thread)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _forget_thread(conversation_id: int, conn: sqlite3.Connection) -> None:
    MirrorStore.forget_thread_stamps(conn, conversation_id)


def _clear_stale(kind: str, row_id: int, conn: sqlite3.Connection) -> None:
    MirrorStore.clear_stale(conn, kind, row_id)


def _conversation_page(items: list[JSONObject], conn: sqlite3.Connection) -> None:
    for item in items:
        MirrorStore.put_conversation(conn, item)


def _conversation_cursor(cursor: str | None, conn: sqlite3.Connection) -> None:
    MirrorStore.save_state(conn, replace(MirrorStore.state(conn, "conversations"), cursor=cursor))


def _newest_thread_stamps(conn: sqlite3.Connection) -> str | None:
    row = conn.execute(
        "SELECT max(max(coalesce(received_on, ''), coalesce(sent_on, ''))) FROM conversations"
    ).fetchone()
    return (row[0] or None) if row else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


__all__ = ["MirrorSync", "SyncReport", "thread_stamps"]
