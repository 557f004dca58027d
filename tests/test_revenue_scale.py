"""Revenue at scale: refuse an over-large period after one page, read the rest side by side, keep little.

The figures themselves are checked against an independent computation in test_finance_tools.py
(whose "year" period takes the windowed path); here: what is fetched, when it stops, and what is
kept while pages arrive.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import respx
from mcp import Client

from hostaway_mcp.revenue import Period
from hostaway_mcp.revenue_report import REPORT_FIELDS, ReservationFold, compute_report
from hostaway_mcp.server import build_server
from tests.conftest import BASE_URL, NOW, FakeClock, Watched, call_error, call_ok, token_body

YEAR = {"start_date": "2025-12-01", "end_date": "2026-11-30"}
LISTINGS = [{"id": 11, "name": "Loft", "currencyCode": "EUR"}, {"id": 12, "name": "House", "currencyCode": "EUR"}]


def reservations_page(count: int) -> dict[str, Any]:
    rows = [
        {
            "id": 1000 + n,
            "listingMapId": 11,
            "status": "new",
            "arrivalDate": "2026-03-01",
            "departureDate": "2026-03-04",
        }
        for n in range(100)
    ]
    return {"status": "success", "result": rows, "count": str(count), "limit": 100, "offset": 0}


@pytest.fixture
def huge_account(respx_mock: respx.MockRouter) -> respx.MockRouter:
    """An account whose reservations query says 60,000 bookings match (more than one report reads)."""
    respx_mock.post("/accessTokens").respond(200, json=token_body())
    respx_mock.get("/listings").respond(200, json={"status": "success", "result": LISTINGS, "count": 2})
    respx_mock.get("/listings/11").respond(200, json={"status": "success", "result": LISTINGS[0]})
    respx_mock.get("/reservations").respond(200, json=reservations_page(60_000))
    return respx_mock


@pytest.mark.respx(base_url=BASE_URL, assert_all_called=False)
@pytest.mark.parametrize(
    ("tool", "arguments", "first_pages"),
    [
        ("get_revenue_report", YEAR, 1),
        ("get_revenue_report", {**YEAR, "property_ids": [11]}, 1),
        # Two ids: the unfiltered page is too long to walk, so each id's own query is asked for;
        # each says 60,000 too, on its first page.
        ("get_revenue_report", {**YEAR, "property_ids": [11, 12]}, 3),
        ("get_property_financials", {**YEAR, "property_id": 11}, 1),
    ],
)
async def test_an_over_large_period_is_refused_after_one_reservations_request(
    huge_account: respx.MockRouter,
    settings_factory: Callable[..., Any],
    clock: FakeClock,
    tool: str,
    arguments: dict[str, Any],
    first_pages: int,
) -> None:
    server = build_server(
        settings_factory(), sleep=clock.sleep, clock=clock, wall_clock=clock, now=lambda: NOW, token_not_before_s=0
    )
    async with Client(server) as client:
        text = await call_error(client, tool, arguments)
    assert "60000 reservations match this period" in text and "shorter period" in text
    pages = [c for c in huge_account.calls if c.request.url.path.endswith("/reservations")]
    assert len(pages) == first_pages  # the first page's count decided it: nothing more was fetched
    assert all("afterId" not in c.request.url.params for c in pages)


async def test_a_year_read_side_by_side_survives_a_middle_page_failing_once(
    sandbox: Any, settings_factory: Callable[..., Any], clock: FakeClock
) -> None:
    reference = compute_report(
        sandbox.account.reservations, sandbox.account.listings, Period(date(2025, 12, 1), date(2026, 11, 30))
    )
    watched = Watched(sandbox)
    server = build_server(
        settings_factory(), transport=watched, sleep=clock.sleep, clock=clock, wall_clock=clock, now=lambda: NOW
    )
    async with Client(server) as client:
        whole = await call_ok(client, "get_revenue_report", {**YEAR, "limit": 500})
        windows = {e.params.get("arrivalStartDate") for e in sandbox.request_log if e.params.get("afterId") is not None}
        assert len(windows) > 1, "a year must be read in several windows for this test to mean anything"
        # Fail, once, an afterId page of a window in the middle of the year.
        middle = sorted(w for w in windows if w)[0]
        cursor = next(
            e.params["afterId"]
            for e in sandbox.request_log
            if e.params.get("arrivalStartDate") == middle and e.params.get("afterId")
        )
        watched.fail({"arrivalStartDate": middle, "afterId": str(cursor)}, times=1)
        retried = await call_ok(client, "get_revenue_report", {**YEAR, "limit": 500})
        assert len(watched.failed) == 1
        assert retried == whole
        # A page that keeps failing fails the report: no partial total.
        watched.fail({"arrivalStartDate": middle}, times=99)
        text = await call_error(client, "get_revenue_report", {**YEAR, "limit": 500})
    assert "no figures are returned" in text and "partial total" in text
    totals = {m["currency"]: m for m in whole["totals"]}
    for metrics in reference.totals:
        assert totals[metrics.currency]["revenue"] == round(metrics.revenue, 2)
        assert totals[metrics.currency]["booked_nights"] == metrics.booked_nights


async def test_calendars_are_read_side_by_side_with_the_reservation_pages(
    sandbox_factory: Callable[..., Any], settings_factory: Callable[..., Any], clock: FakeClock
) -> None:
    # Each answer takes a (fake) moment, so the two reads interleave.
    sandbox = sandbox_factory(latency=0.1, token_not_before_s=0.0)
    server = build_server(
        settings_factory(),
        transport=sandbox.transport(sleep=clock.sleep),
        sleep=clock.sleep,
        clock=clock,
        wall_clock=clock,
        now=lambda: NOW,
        token_not_before_s=0,
    )
    async with Client(server) as client:
        await call_ok(client, "get_revenue_report", {**YEAR, "limit": 500})
    paths = [e.path for e in sandbox.request_log if e.path != "/accessTokens"]
    first_calendar = next(i for i, p in enumerate(paths) if p.endswith("/calendar"))
    pages = [i for i, p in enumerate(paths) if p == "/reservations"]
    assert len(pages) > 5 and sum(p.endswith("/calendar") for p in paths) == len(sandbox.account.listings)
    # Not one calendar before the first reservations page has passed the size check; then both
    # reads share the rate budget instead of the calendars waiting for the last page.
    assert pages[0] < first_calendar < pages[-1]


class Raw(dict[str, Any]):
    """A reservation as Hostaway sends it, which (unlike a plain dict) a weak reference can watch."""


def test_each_page_is_cut_down_to_the_fields_the_report_reads(sandbox: Any) -> None:
    raw = [Raw(r, guestNote="x" * 500, reservationFees=[{"x": 1}] * 20) for r in sandbox.account.reservations]
    assert len(raw[0]) > 4 * len(REPORT_FIELDS)
    watched = [weakref.ref(r) for r in raw]
    fold = ReservationFold()
    for start in range(0, len(raw), 100):
        fold.add(raw[start : start + 100])
    assert len(fold) == len({r["id"] for r in raw})
    period = Period(date(2026, 7, 1), date(2026, 9, 30))
    assert fold.report(sandbox.account.listings, period) == compute_report(raw, sandbox.account.listings, period)
    del raw
    gc.collect()
    assert not [ref for ref in watched if ref() is not None]  # the fold holds none of Hostaway's objects


def test_the_fold_gives_the_same_figures_whatever_order_pages_arrive_in(sandbox: Any) -> None:
    rows = sandbox.account.reservations
    period = Period(date(2026, 1, 1), date(2026, 12, 31))
    pages = [rows[i : i + 100] for i in range(0, len(rows), 100)]
    forward, backward = ReservationFold(), ReservationFold()
    for page in pages:
        forward.add(page)
    for page in reversed(pages):
        backward.add([*page, *pages[0][:5]])  # and a few repeated, as neighbouring windows do
    first = forward.report(sandbox.account.listings, period, group_by="month")
    second = backward.report(sandbox.account.listings, period, group_by="month")
    assert first.totals == second.totals and first.groups == second.groups
    assert [s.id for s in first.shares] == [s.id for s in second.shares]


def test_a_newer_copy_of_a_booking_replaces_an_older_one_in_any_order() -> None:
    listing = [{"id": 1, "currencyCode": "EUR"}]
    base = {"id": 5, "listingMapId": 1, "arrivalDate": "2026-07-01", "departureDate": "2026-07-03", "totalPrice": 200}
    booked = {**base, "status": "new", "updatedOn": "2026-06-01 10:00:00"}
    cancelled = {**base, "status": "cancelled", "updatedOn": "2026-06-02 10:00:00"}
    period = Period(date(2026, 7, 1), date(2026, 7, 31))
    for order in ([booked, cancelled], [cancelled, booked]):
        fold = ReservationFold()
        for row in order:
            fold.add([row])
        (totals,) = fold.report(listing, period).totals
        assert (totals.bookings, totals.cancellations) == (0, 1)
