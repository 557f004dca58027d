"""Every page of a Hostaway list, fetched side by side where the API allows it; one home for paging.

Two kinds of list, two ways to read them all:

- **Offset-paged** (`/listings`, `/conversations`, `/conversations/{id}/messages`): the first page's
  `count` says how many items there are, so the other pages are requested together (at most
  `CONCURRENCY` in flight) and returned in offset order, which is exactly what a sequential walk
  returns. The first page's length is the stride, so a server that caps `limit` below what we
  asked for skips nothing. Without a `count` the walk is sequential, as before.
- **Cursor-paged `/reservations`** (`afterId`; offset is deprecated there): one cursor walk is
  sequential by nature. `reservation_pages` reads the query's first page (its `count` is the
  total), then, when the rest is long, splits the query's arrival dates into windows and walks
  them side by side, each with its own cursor. The windows' date bounds are sent one day wide
  (whether Hostaway's bounds are inclusive is UNCONFIRMED), so neighbours may share a boundary
  day's bookings: consumers deduplicate by id (`dedupe` keeps the most recently updated copy).
  The union of the windows is exactly the original query: the first window keeps its lower
  bound and the last its upper bound.

A page that fails is retried under the gateway's policy; one that still fails fails the whole
read and cancels its siblings, so a caller never gets a partial list. Each page reports progress
("reservations: page 12 of 40") through `hostaway_mcp.progress`.
"""

# Over 400 lines on purpose: one home for paging; the offset walk and the windowed cursor walk share
# the failure rule (one page fails, the read fails) and the progress they report.

from __future__ import annotations

import asyncio
import functools
import logging
import math
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar, overload

from hostaway_mcp import progress
from hostaway_mcp.bodies import Fields
from hostaway_mcp.domain import ident
from hostaway_mcp.errors import HostawayError
from hostaway_mcp.gateway import PAGE_SIZE, Envelope, HostawayGateway, JSONObject, QueryParams

logger = logging.getLogger(__name__)

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")

# Requests of one read in flight at once: enough to hide latency (a year on 200 listings in under
# 10 s at Hostaway's 200 / 10 s), few enough to leave room in the rate budget for the other tools
# and processes sharing the account, and to keep a big read's memory small (each page in flight
# is ~1 MB parsed).
CONCURRENCY = 4
MAX_PAGES = 1000
# A reservation scan is split only when each window gets at least this many pages, into at most
# one window per worker: every window costs one partly filled page of its own (plus the few
# bookings two windows share), so more windows than workers would add calls, not speed.
MIN_WINDOW_PAGES = 4
MAX_WINDOWS = CONCURRENCY

OnPage = Callable[[list[JSONObject]], None]


class IncompleteReadError(HostawayError):
    """A list kept going past its page bound; refused rather than returned partly."""


@dataclass(frozen=True)
class CursorPage:
    """One page of a cursor walk; `count` is the first page's total (later pages may differ)."""

    items: list[JSONObject]
    count: int | None
    number: int


@dataclass
class ScanStats:
    """What a full read cost: requests made, records received, windows walked."""

    pages: int = 0
    records: int = 0
    windows: int = 1


class _Tally:
    """Pages done and expected for one read, told to the call's progress reporter."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.done = 0
        self.expected = 0
        self.reporter = progress.current()

    def expect(self, pages: int) -> None:
        """`pages` more (or, negative, fewer) pages than said so far."""
        self.expected += pages
        self.reporter.expect(pages)

    async def page_done(self) -> None:
        self.done += 1
        said = f"page {self.done} of {max(self.expected, self.done)}"
        await self.reporter.step(f"{self.what}: {said}" if self.what else said)


# -- offset-paged lists --------------------------------------------------------------------------


async def offset_pages(
    gateway: HostawayGateway,
    path: str,
    params: QueryParams | None = None,
    *,
    page_size: int = PAGE_SIZE,
    start: int = 0,
    max_pages: int = MAX_PAGES,
    what: str = "",
    fields: Fields | None = None,
    shape: Callable[[JSONObject], JSONObject] | None = None,
    fold: Callable[[list[JSONObject]], None] | None = None,
) -> list[Envelope]:
    """Pages of an offset-paged list from `start` until `count`, in offset order (at most `max_pages`).

    `fields` keeps only those fields of each item, skipped unread while the page is parsed
    (`bodies.parse_items`); `shape` cuts each item down further as its page arrives. Either way a
    caller that needs a few fields of big objects never holds a page whole. `fold` takes each
    page's items as it arrives (in any order) and the page keeps none: a caller that reduces the
    list (the worst few, a total) never holds it all.
    """
    tally = _Tally(what)
    tally.expect(1)
    stride = 0
    sizes: dict[int, int] = {}  # offset -> items read there (a folded page keeps none)

    async def fetch(offset: int) -> Envelope:
        nonlocal stride
        page = await gateway.get(path, {**(params or {}), "limit": page_size, "offset": offset}, fields=fields)
        sizes[offset] = len(page.items)
        stride = stride or sizes[offset]
        if shape is not None:  # before the next await: the raw page never waits beside its siblings
            page = Envelope([shape(item) for item in page.items], page.count, page.limit, page.offset)
        if fold is not None:
            fold(page.items)
            page = Envelope([], page.count, page.limit, page.offset)
        await tally.page_done()
        return page

    first = await fetch(start)
    if not stride or max_pages <= 1:
        return [first]
    if first.count is None:
        return [first, *await _sequential_offsets(fetch, sizes, start + stride, max_pages - 1)]
    offsets = list(range(start + stride, first.count, stride))[: max_pages - 1]
    tally.expect(len(offsets))
    rest = await gather_bounded([functools.partial(fetch, offset) for offset in offsets])
    return [first, *rest]


async def _sequential_offsets(
    fetch: Callable[[int], Awaitable[Envelope]], sizes: dict[int, int], offset: int, pages: int
) -> list[Envelope]:
    found: list[Envelope] = []
    for _ in range(pages):
        page = await fetch(offset)
        if not sizes[offset]:
            break
        found.append(page)
        offset += sizes[offset]
    return found


def with_id(fields: Fields | None) -> Fields | None:
    """`fields` with `id` (a cursor walk's position, and every consumer's key) kept too."""
    return fields if fields is None or "id" in fields else ("id", *fields)


def items_of(pages: Iterable[Envelope]) -> list[JSONObject]:
    return [item for page in pages for item in page.items]


# -- cursor-paged reservations --------------------------------------------------------------------


async def cursor_pages(
    gateway: HostawayGateway,
    path: str,
    params: QueryParams | None = None,
    *,
    page_size: int = PAGE_SIZE,
    max_pages: int = MAX_PAGES,
    first: Envelope | None = None,
    what: str = "reservations",
    tally: _Tally | None = None,
    expected: int = 0,
    stats: ScanStats | None = None,
    fields: Fields | None = None,
) -> AsyncGenerator[CursorPage, None]:
    """Pages of `/reservations` in order, walked with the `afterId` cursor (a sequential walk).

    Stops at the first page's `count` (later pages' `count` may mean "remaining", undocumented),
    at an empty page, or when a page ends on the cursor it was asked to pass (the cursor was
    ignored). `first` is the query's first page when the caller already read (and counted) it.
    `tally` is shared by the walks of one read, which told it `expected` pages for this walk;
    `stats` counts the requests made. `fields`: only these of each item (`id` always, the cursor).
    """
    tally = tally or _Tally(what)
    fields = with_id(fields)
    told = expected  # pages of this walk the tally has been told to expect
    total: int | None = None
    seen = 0
    fetched = 1 if first is not None else 0
    told = max(told, fetched)
    after_id: int | None = None
    try:
        for number in range(1, max_pages + 1):
            fetched_now = first is None  # else the caller's first page, its request already reported
            if first is not None:
                page, first = first, None  # held from here on only as the current page
            else:
                if number > told:
                    tally.expect(1)
                    told += 1
                query: dict[str, Any] = {**(params or {}), "limit": page_size}
                if after_id is not None:
                    query["afterId"] = after_id
                page = await gateway.get(path, query, fields=fields)
                fetched += 1
                if stats is not None:
                    stats.pages += 1
            items = page.items
            if number == 1:
                total = page.count
            last_id = ident(items[-1].get("id")) if items else None  # real accounts send some ids as strings
            ends = not items or (after_id is not None and last_id == after_id)
            if not ends:
                # The consumer folds the page before this walk awaits anything (its progress step
                # included), so a raw page is never held while other walks parse theirs.
                yield CursorPage(items, total, number)
                seen += len(items)
            del page, items
            if fetched_now:
                await tally.page_done()
            if number == 1 and total is not None:
                known = max(1, math.ceil(total / page_size))
                tally.expect(known - told)
                told = known
            if ends or (total is not None and seen >= total) or last_id is None:
                return
            after_id = last_id
        logger.warning("stopped paging %s after %d pages", path, max_pages)
    finally:
        if fetched < told:
            tally.expect(fetched - told)  # fewer pages than the count promised


async def first_page(
    gateway: HostawayGateway, path: str, query: QueryParams, *, what: str, fields: Fields | None = None
) -> Envelope:
    """The first page of a cursor-paged list: its `count` is the total matching."""
    tally = _Tally(what)
    tally.expect(1)
    page = await gateway.get(path, {**query, "limit": PAGE_SIZE}, fields=with_id(fields))
    await tally.page_done()
    return page


async def reservation_pages(
    gateway: HostawayGateway,
    query: QueryParams,
    on_page: OnPage,
    *,
    first: Envelope | None = None,
    arrivals: tuple[date, date] | None = None,
    max_pages: int = MAX_PAGES,
    what: str = "reservations",
    fields: Fields | None = None,
) -> ScanStats:
    """Every reservation `query` matches, handed page by page to `on_page` as pages arrive.

    `first` is the query's first page if already read (a caller that checks its `count` first).
    `arrivals` is the range of arrival dates the query covers; when given and the rest is long,
    the rest is read in date windows side by side (see the module docstring), else by one cursor
    walk. Pages reach `on_page` in completion order, and window boundaries repeat a few records:
    deduplicate by id. Raises `IncompleteReadError` rather than stopping short at `max_pages`.
    `fields`: only these of each reservation (`id` always), as for `cursor_pages`.
    """
    tally = _Tally(what)
    stats = ScanStats()
    if first is None:
        tally.expect(1)
        first = await gateway.get("reservations", {**query, "limit": PAGE_SIZE}, fields=with_id(fields))
        await tally.page_done()
    else:
        tally.done = tally.expected = 1  # the caller's request, already reported
    total = first.count
    pages = math.ceil(total / PAGE_SIZE) if total else 1
    windows = _window_count(pages, arrivals)
    if windows <= 1 or arrivals is None:
        walk = _walk(gateway, query, on_page, stats, tally, first=first, max_pages=max_pages, fields=fields)
        first = None  # the walk holds it only until it is folded
        await walk
        return stats
    stats.pages, stats.records, stats.windows = 1, len(first.items), windows
    on_page(first.items)  # the windows read these again; consumers deduplicate
    first = None  # folded: not held for the rest of the scan
    estimate = math.ceil(pages / windows) + 1
    tally.expect(estimate * windows)

    async def walk_window(window: QueryParams) -> None:
        await _walk(gateway, window, on_page, stats, tally, max_pages=max_pages, expected=estimate, fields=fields)

    await gather_bounded([functools.partial(walk_window, w) for w in split_arrivals(query, arrivals, windows)])
    return stats


async def _walk(
    gateway: HostawayGateway,
    query: QueryParams,
    on_page: OnPage,
    stats: ScanStats,
    tally: _Tally,
    *,
    max_pages: int,
    first: Envelope | None = None,
    expected: int = 0,
    fields: Fields | None = None,
) -> None:
    """One sequential cursor walk into `on_page`, counted in `stats` and the read's `tally`."""
    last_size = pages = 0
    if first is not None:
        stats.pages += 1
    walk = cursor_pages(
        gateway,
        "reservations",
        query,
        max_pages=max_pages,
        first=first,
        tally=tally,
        expected=expected,
        stats=stats,
        fields=fields,
    )
    first = None  # the cursor walk holds it only until it is folded
    async for page in walk:
        pages = page.number
        last_size = len(page.items)
        stats.records += last_size
        on_page(page.items)
        del page  # folded: let it go before the walk awaits the next one
    if pages >= max_pages and last_size >= PAGE_SIZE:
        raise IncompleteReadError(
            f"Hostaway still had more reservations after {max_pages} pages of {PAGE_SIZE}; stopped, "
            "so as not to return a partial list. Ask for a shorter period or fewer properties."
        )


def _window_count(pages: int, arrivals: tuple[date, date] | None) -> int:
    if arrivals is None:
        return 1
    days = (arrivals[1] - arrivals[0]).days + 1
    return max(1, min(MAX_WINDOWS, pages // MIN_WINDOW_PAGES, days))


def split_arrivals(query: QueryParams, arrivals: tuple[date, date], windows: int) -> list[dict[str, Any]]:
    """`query` split into `windows` queries over consecutive spans of arrival dates.

    Inner bounds are sent one day wide on each side (inclusive or exclusive, nothing is missed);
    the first window keeps the query's own lower bound and the last its upper bound, so their
    union is exactly the query.
    """
    first_day, last_day = arrivals
    days = (last_day - first_day).days + 1
    windows = max(1, min(windows, days))
    edges = [first_day + timedelta(days=round(days * i / windows)) for i in range(windows + 1)]
    split: list[dict[str, Any]] = []
    for index in range(windows):
        window: dict[str, Any] = dict(query)
        if index > 0:
            window["arrivalStartDate"] = (edges[index] - timedelta(days=1)).isoformat()
        if index < windows - 1:
            window["arrivalEndDate"] = edges[index + 1].isoformat()  # the day after the span's last
        split.append(window)
    return split


def dedupe(records: Iterable[JSONObject]) -> list[JSONObject]:
    """One copy per id, the most recently updated (`updatedOn`), in first-seen order; records
    without an id are kept as they are. A record that moved between pages during a read, or that
    two date windows share, counts once."""
    by_id: dict[int, JSONObject] = {}
    anonymous: list[JSONObject] = []
    for record in records:
        record_id = ident(record.get("id"))
        if record_id is None:
            anonymous.append(record)
            continue
        kept = by_id.get(record_id)
        if kept is None or newer(record, kept):
            by_id[record_id] = record
    return [*by_id.values(), *anonymous]


def newer(candidate: JSONObject, kept: JSONObject) -> bool:
    """Whether `candidate` replaces `kept` (same id): a later `updatedOn`, or an equal one."""
    return updated_of(candidate) >= updated_of(kept)


def updated_of(record: Mapping[str, Any]) -> str:
    """A record's `updatedOn` as `newer` compares it (missing or null: before any time)."""
    return str(record.get("updatedOn") or "")


# -- bounded concurrency --------------------------------------------------------------------------


async def gather_bounded(jobs: Sequence[Callable[[], Awaitable[T]]], limit: int = CONCURRENCY) -> list[T]:
    """Run `jobs` with at most `limit` at once; results in job order. The first failure cancels
    the rest and is raised as itself (not wrapped in an ExceptionGroup).

    Plain tasks and `asyncio.wait`, not `asyncio.TaskGroup`: the MCP server runs tools under
    anyio cancel scopes, which a TaskGroup's cancelling of its parent task would trip.
    """
    if not jobs:
        return []
    semaphore = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[T]]) -> T:
        async with semaphore:
            return await job()

    tasks = [asyncio.ensure_future(run(job)) for job in jobs]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()  # a no-op for the finished ones
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    return [task.result() for task in tasks]


@overload
async def together(a: Callable[[], Awaitable[A]], b: Callable[[], Awaitable[B]], /) -> tuple[A, B]: ...
@overload
async def together(
    a: Callable[[], Awaitable[A]], b: Callable[[], Awaitable[B]], c: Callable[[], Awaitable[C]], /
) -> tuple[A, B, C]: ...
@overload
async def together(
    a: Callable[[], Awaitable[A]],
    b: Callable[[], Awaitable[B]],
    c: Callable[[], Awaitable[C]],
    d: Callable[[], Awaitable[D]],
    /,
) -> tuple[A, B, C, D]: ...
async def together(*reads: Callable[[], Awaitable[Any]]) -> tuple[Any, ...]:
    """A few different reads side by side (the portfolio, the bookings, the tasks): `gather_bounded`
    for jobs of different result types, typed per position."""
    return tuple(await gather_bounded(reads))
