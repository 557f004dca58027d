"""Every page of a list, read side by side: the same answer as a sequential read, or an error.

Against the sandbox (listings, conversations, a thread's messages, reservations) and, for the
paging rules themselves, respx. Each concurrent read is compared with a sequential walk written
out here with plain `gateway.get` calls, never with the helpers under test.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import itertools
import weakref
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from typing import Any, cast

import httpx
import pytest
import respx

from hostaway_mcp import paging, progress
from hostaway_mcp.errors import UpstreamError
from hostaway_mcp.gateway import Envelope, HostawayGateway
from tests.conftest import BASE_URL, FakeClock, Watched, api_calls

YEAR = (date(2025, 12, 1), date(2026, 11, 30))
# What get_revenue_report sends for a year on the stay basis (see tools.finance.reservation_query).
YEAR_QUERY = {"departureStartDate": YEAR[0].isoformat(), "arrivalEndDate": "2026-12-01"}


@pytest.fixture
def watched(sandbox: Any) -> Watched:
    return Watched(sandbox)


@pytest.fixture
async def gw(settings: Any, clock: FakeClock, watched: Watched) -> AsyncIterator[HostawayGateway]:
    async with HostawayGateway(settings, transport=watched, clock=clock, wall_clock=clock, sleep=clock.sleep) as gw:
        await gw.tokens.token()
        yield gw


async def sequential_offsets(gw: HostawayGateway, path: str, params: dict[str, Any], size: int) -> list[Any]:
    items: list[Any] = []
    offset = 0
    while True:
        page = await gw.get(path, {**params, "limit": size, "offset": offset})
        items.extend(page.items)
        offset += len(page.items)
        if not page.items or (page.count is not None and offset >= page.count):
            return items


async def sequential_cursor(gw: HostawayGateway, query: dict[str, Any]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    after: int | None = None
    while True:
        page = await gw.get("reservations", {**query, "limit": 100, **({"afterId": after} if after else {})})
        if not page.items:
            return found
        found.update((r["id"], r) for r in page.items)
        after = page.items[-1]["id"]


# -- offset-paged lists ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "size"),
    [
        ("listings", {"includeResources": 0}, 5),
        ("conversations", {"includeResources": 0}, 100),
    ],
)
async def test_offset_pages_side_by_side_equal_the_sequential_read(
    gw: HostawayGateway, sandbox: Any, watched: Watched, path: str, params: dict[str, Any], size: int
) -> None:
    expected = await sequential_offsets(gw, path, params, size)
    pages_needed = -(-len(expected) // size)
    assert pages_needed >= 5, "the list must span several pages for this test to mean anything"
    before = len(api_calls(sandbox, "/" + path))
    watched.max_in_flight = 0

    pages = await paging.offset_pages(gw, path, params, page_size=size)

    assert paging.items_of(pages) == expected  # same items, same order
    assert len(api_calls(sandbox, "/" + path)) - before == pages_needed  # no page read twice, none extra
    assert watched.max_in_flight == min(paging.CONCURRENCY, pages_needed - 1)  # side by side, bounded


async def test_a_threads_messages_side_by_side_equal_the_sequential_read(
    gw: HostawayGateway, sandbox: Any, watched: Watched
) -> None:
    conversation_id, thread = max(sandbox.account.messages.items(), key=lambda pair: len(pair[1]))
    path, params = f"conversations/{conversation_id}/messages", {"includeScheduledMessages": 1}
    expected = await sequential_offsets(gw, path, params, 2)
    assert len(expected) == len(thread) >= 6
    watched.max_in_flight = 0
    pages = await paging.offset_pages(gw, path, params, page_size=2)
    assert paging.items_of(pages) == expected
    assert watched.max_in_flight > 1


async def test_a_middle_offset_page_that_fails_once_is_retried(
    gw: HostawayGateway, sandbox: Any, watched: Watched, clock: FakeClock
) -> None:
    expected = await sequential_offsets(gw, "listings", {}, 5)
    watched.fail({"offset": "10"}, times=1)
    watched.seen.clear()
    pages = await paging.offset_pages(gw, "listings", page_size=5)
    assert paging.items_of(pages) == expected
    assert [r.url.params["offset"] for r in watched.failed] == ["10"]
    assert sorted(int(p["offset"]) for p in watched.seen) == [0, 5, 10, 10, 15, 20]  # failed, then retried


async def test_a_middle_offset_page_that_keeps_failing_fails_the_read(
    gw: HostawayGateway, watched: Watched, settings: Any
) -> None:
    watched.fail({"offset": "10"}, times=settings.max_attempts)
    with pytest.raises(UpstreamError) as caught:
        await paging.offset_pages(gw, "listings", page_size=5)
    assert "/listings" in caught.value.message and "500" in caught.value.message
    assert len(watched.failed) == settings.max_attempts
    assert watched.in_flight == 0  # the other pages were finished or cancelled, none left hanging


# -- reservations in date windows ----------------------------------------------------------------


async def windowed(gw: HostawayGateway, query: dict[str, Any]) -> tuple[dict[int, Any], paging.ScanStats]:
    received: list[Any] = []
    stats = await paging.reservation_pages(gw, query, received.extend, arrivals=YEAR)
    return {r["id"]: r for r in paging.dedupe(received)}, stats


async def test_reservation_windows_side_by_side_equal_the_sequential_walk(
    gw: HostawayGateway, sandbox: Any, watched: Watched
) -> None:
    expected = await sequential_cursor(gw, YEAR_QUERY)
    assert len(expected) > 1000
    before = len(api_calls(sandbox, "/reservations"))
    watched.max_in_flight = 0

    found, stats = await windowed(gw, YEAR_QUERY)

    assert found == expected  # the same bookings, each exactly as Hostaway sent it
    calls = api_calls(sandbox, "/reservations")[before:]
    windows = {(e.params.get("arrivalStartDate"), e.params["arrivalEndDate"]) for e in calls[1:]}
    assert stats.windows == len(windows) > 1
    assert len(calls) == stats.pages <= 1 + -(-len(expected) // 100) + stats.windows
    assert 1 < watched.max_in_flight <= paging.CONCURRENCY
    # The first window keeps the query's own lower bound (none: stays arriving before the period
    # count too) and the last its upper bound, so the windows together are exactly the query.
    assert (None, YEAR_QUERY["arrivalEndDate"]) not in windows
    assert min(windows, key=lambda w: w[1])[0] is None
    assert max(windows, key=lambda w: w[1])[1] == YEAR_QUERY["arrivalEndDate"]
    assert all(e.params["departureStartDate"] == YEAR_QUERY["departureStartDate"] for e in calls)


async def test_a_middle_window_page_that_fails_once_is_retried(
    gw: HostawayGateway, sandbox: Any, watched: Watched
) -> None:
    expected = await sequential_cursor(gw, YEAR_QUERY)
    # The second page of the second window: an afterId page in the middle of the read.
    window = paging.split_arrivals(YEAR_QUERY, YEAR, 3)[1]
    first = await gw.get("reservations", {**window, "limit": 100})
    watched.fail({"arrivalStartDate": window["arrivalStartDate"], "afterId": str(first.items[-1]["id"])}, 1)

    found, _ = await windowed(gw, YEAR_QUERY)

    assert found == expected
    assert len(watched.failed) == 1


async def test_a_window_page_that_keeps_failing_fails_the_read(
    gw: HostawayGateway, watched: Watched, settings: Any
) -> None:
    window = paging.split_arrivals(YEAR_QUERY, YEAR, 3)[1]
    watched.fail({"arrivalStartDate": window["arrivalStartDate"]}, times=settings.max_attempts)
    received: list[Any] = []
    with pytest.raises(UpstreamError):
        await paging.reservation_pages(gw, YEAR_QUERY, received.extend, arrivals=YEAR)
    assert len(watched.failed) == settings.max_attempts
    assert watched.in_flight == 0


def test_windows_partition_the_arrival_dates_with_one_day_of_slack() -> None:
    query: dict[str, str | int] = {"arrivalStartDate": "2026-06-30", "arrivalEndDate": "2026-10-01", "listingId": 7}
    windows = paging.split_arrivals(query, (date(2026, 7, 1), date(2026, 9, 30)), 4)
    assert [w["listingId"] for w in windows] == [7] * 4
    assert windows[0]["arrivalStartDate"] == "2026-06-30" and windows[-1]["arrivalEndDate"] == "2026-10-01"
    for left, right in itertools.pairwise(windows):
        # Sent one day wide: an exclusive reading of both bounds still misses no arrival day.
        assert date.fromisoformat(right["arrivalStartDate"]) < date.fromisoformat(left["arrivalEndDate"])
        gap = date.fromisoformat(left["arrivalEndDate"]) - date.fromisoformat(right["arrivalStartDate"])
        assert gap.days == 1
    assert len(paging.split_arrivals(query, (date(2026, 7, 1), date(2026, 7, 2)), 6)) == 2  # no empty window


def test_dedupe_keeps_the_most_recently_updated_copy() -> None:
    older = {"id": 1, "updatedOn": "2026-01-01 10:00:00", "status": "new"}
    newer = {"id": 1, "updatedOn": "2026-01-02 10:00:00", "status": "cancelled"}
    assert paging.dedupe([newer, older, {"id": 2}]) == [newer, {"id": 2}]
    assert paging.dedupe([older, newer]) == [newer]


# -- the paging rules, on scripted answers ---------------------------------------------------------


@pytest.fixture
def api(respx_mock: respx.MockRouter) -> respx.MockRouter:
    from tests.conftest import token_body

    respx_mock.post("/accessTokens").respond(200, json=token_body())
    return respx_mock


@pytest.mark.respx(base_url=BASE_URL, assert_all_called=False)
async def test_cursor_paging_walks_after_id_and_stops_at_the_total(
    api: respx.MockRouter, gateway: HostawayGateway
) -> None:
    pages = {None: [{"id": 9}, {"id": 4}], "4": [{"id": 7}, {"id": 2}], "2": [{"id": 5}]}

    def page(request: httpx.Request) -> httpx.Response:
        items = pages[request.url.params.get("afterId")]
        return httpx.Response(200, json={"status": "success", "result": items, "count": 5, "limit": 2, "offset": 0})

    route = api.get("/reservations").mock(side_effect=page)
    walk = paging.cursor_pages(gateway, "reservations", page_size=2)
    ids = [item["id"] async for page in walk for item in page.items]
    assert ids == [9, 4, 7, 2, 5]
    assert route.call_count == 3
    assert "offset" not in route.calls.last.request.url.params


@pytest.mark.respx(base_url=BASE_URL, assert_all_called=False)
async def test_offset_paging_stops_at_count_and_strides_by_what_the_server_sends(
    api: respx.MockRouter, gateway: HostawayGateway
) -> None:
    """Asked for 4 a page, the server sends 2 (its own cap): the next pages start 2 apart."""

    def page(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        items = [{"id": i} for i in range(offset, min(offset + 2, 5))]
        return httpx.Response(200, json={"status": "success", "result": items, "count": 5})

    route = api.get("/listings").mock(side_effect=page)
    pages = await paging.offset_pages(gateway, "listings", page_size=4)
    assert [i["id"] for i in paging.items_of(pages)] == [0, 1, 2, 3, 4]
    assert sorted(int(c.request.url.params["offset"]) for c in route.calls) == [0, 2, 4]


@pytest.mark.respx(base_url=BASE_URL, assert_all_called=False)
@pytest.mark.parametrize("folded", [False, True], ids=["kept", "folded"])
async def test_offset_paging_without_a_count_walks_until_an_empty_page(
    api: respx.MockRouter, gateway: HostawayGateway, folded: bool
) -> None:
    """Kept or folded (a folded page keeps no items to count), the walk stops at the empty page."""

    def page(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        items = [{"id": i} for i in range(offset, min(offset + 2, 5))]
        return httpx.Response(200, json={"status": "success", "result": items})

    route = api.get("/listings").mock(side_effect=page)
    seen: list[int] = []
    fold = (lambda items: seen.extend(i["id"] for i in items)) if folded else None
    pages = await paging.offset_pages(gateway, "listings", page_size=2, fold=fold)
    assert (seen if folded else [i["id"] for i in paging.items_of(pages)]) == [0, 1, 2, 3, 4]
    assert route.call_count == 4  # three pages, then the empty one that says it is over


async def test_gather_bounded_raises_the_first_failure_itself_and_cancels_the_rest() -> None:
    started: list[int] = []
    cancelled: list[int] = []
    running = [0, 0]  # now, most at once

    async def job(n: int) -> int:
        started.append(n)
        running[0] += 1
        running[1] = max(running)
        try:
            await asyncio.sleep(0)
            if n == 1:
                raise UpstreamError("page 2 failed")
            await asyncio.sleep(3600)
            return n
        except asyncio.CancelledError:
            cancelled.append(n)
            raise
        finally:
            running[0] -= 1

    jobs: list[Callable[[], Any]] = [functools.partial(job, n) for n in range(6)]
    with pytest.raises(UpstreamError, match="page 2 failed"):
        await paging.gather_bounded(jobs, limit=3)
    assert running == [0, 3]  # bounded, and nothing left running
    assert sorted(cancelled) == sorted(n for n in started if n != 1) and len(started) < 6
    assert await paging.gather_bounded([functools.partial(asyncio.sleep, 0, n) for n in range(4)], limit=2) == [
        0,
        1,
        2,
        3,
    ]


# -- raw pages held at once ---------------------------------------------------------------------


class _Raw(dict[str, Any]):
    """An item as Hostaway sent it; weakly referable (a plain dict is not), so a test can count the
    raw pages still alive."""


class _PageWatch:
    """A gateway stand-in serving one list from memory: offset or `afterId` paging, arrival-date
    bounds, a total `count`. At each request it counts the raw pages of earlier answers still
    alive: a read that folds or cuts each page before it awaits anything holds none then."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.served: list[list[weakref.ref[_Raw]]] = []
        self.alive_at_requests: list[int] = []

    async def get(self, path: str, params: Any = None, fields: Any = None) -> Envelope:
        await asyncio.sleep(0)  # a real request awaits the network: the read's other pages run
        gc.collect()
        self.alive_at_requests.append(sum(any(ref() is not None for ref in page) for page in self.served))
        params = dict(params or {})
        rows = [
            r
            for r in self.records
            if r["arrivalDate"] >= params.get("arrivalStartDate", "")
            and r["arrivalDate"] <= params.get("arrivalEndDate", "9999")
        ]
        limit = int(params["limit"])
        if "offset" in params:
            chosen = rows[int(params["offset"]) :][:limit]
        else:
            after = int(params.get("afterId") or 0)
            chosen = [r for r in rows if r["id"] > after][:limit]
        items = [_Raw(r) for r in chosen]
        self.served.append([weakref.ref(item) for item in items])
        return Envelope(items, count=len(rows))


def _records(n: int) -> list[dict[str, Any]]:
    days = (YEAR[1] - YEAR[0]).days + 1
    return [
        {"id": i, "arrivalDate": (YEAR[0] + timedelta(days=i * days // n)).isoformat(), "guestName": "x" * 50}
        for i in range(1, n + 1)
    ]


async def _slow_send(value: float, total: float | None, message: str | None) -> None:
    await asyncio.sleep(0)  # a progress notification is written to the client: the read's others run


async def test_a_windowed_reservation_scan_folds_each_page_before_it_awaits_anything() -> None:
    watch = _PageWatch(_records(1600))  # 16 pages: four date windows walked side by side
    folded: list[dict[str, Any]] = []
    with progress.reporting(_slow_send):
        stats = await paging.reservation_pages(
            cast(HostawayGateway, watch),
            {},
            lambda page: folded.extend({"id": r["id"]} for r in page),
            arrivals=YEAR,
        )
    assert stats.windows == paging.MAX_WINDOWS
    assert {r["id"] for r in folded} == set(range(1, 1601))
    assert len(watch.alive_at_requests) == stats.pages > 16
    assert max(watch.alive_at_requests) == 0  # no raw page waited beside another window's request


async def test_offset_pages_cut_each_page_before_it_awaits_anything() -> None:
    watch = _PageWatch(_records(1000))
    with progress.reporting(_slow_send):
        pages = await paging.offset_pages(
            cast(HostawayGateway, watch), "reviews", {}, page_size=100, shape=lambda r: {"id": r["id"]}
        )
    assert [r["id"] for r in paging.items_of(pages)] == list(range(1, 1001))
    assert len(watch.alive_at_requests) == 10
    assert max(watch.alive_at_requests) == 0  # the shaped pages are kept, never a raw one


async def test_offset_pages_fold_each_page_as_it_arrives_and_keep_none() -> None:
    watch = _PageWatch(_records(1000))
    folded: list[int] = []
    with progress.reporting(_slow_send):
        pages = await paging.offset_pages(
            cast(HostawayGateway, watch),
            "reviews",
            {},
            page_size=100,
            fold=lambda items: folded.extend(r["id"] for r in items),
        )
    assert sorted(folded) == list(range(1, 1001))
    assert len(pages) == 10 and paging.items_of(pages) == []  # what was folded is not held as well
    assert max(watch.alive_at_requests) == 0  # no raw page waited for another request
