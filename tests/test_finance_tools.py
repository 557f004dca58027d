"""get_revenue_report and get_property_financials through an MCP client, against the sandbox.

Expected figures are computed here, night by night, from the sandbox's raw reservations
(`sandbox.account.reservations`) with the documented definitions; never with the tools' helpers.
A few pure tests of `hostaway_mcp.revenue` use hand-made reservations with hand-worked answers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from mcp import Client

from hostaway_mcp import paging
from hostaway_mcp.domain import CONFIRMED_STATUSES
from hostaway_mcp.revenue import Period
from hostaway_mcp.revenue_report import compute_report
from hostaway_mcp.server import build_server
from tests.conftest import NOW, FakeClock, api_calls, call_error, call_ok
from tests.faults import Fault, faults_of
from tests.revenue_oracle import Acc, Expected, expected_report

METRIC_KEYS = {
    "currency",
    "revenue",
    "gross",
    "booked_nights",
    "owner_stay_nights",
    "available_nights",
    "occupancy",
    "adr",
    "revpar",
    "bookings",
    "cancellations",
    "cancelled_value",
}
CENT = 0.011  # rounding to cents on either side

PERIODS = {
    "quarter": (date(2026, 7, 1), date(2026, 9, 30)),
    "around_today": (date(2026, 11, 5), date(2026, 12, 4)),
    "single_day": (date(2026, 8, 15), date(2026, 8, 15)),
    "new_year": (date(2025, 12, 20), date(2026, 1, 10)),
    # About fifteen pages of reservations: read in arrival-date windows side by side.
    "year": (date(2025, 12, 1), date(2026, 11, 30)),
}


def assert_metrics(row: dict[str, Any], acc: Acc, where: str) -> None:
    assert set(row) >= METRIC_KEYS, where
    assert row["revenue"] == pytest.approx(acc.revenue, abs=CENT), where
    assert row["gross"] == pytest.approx(acc.gross, abs=CENT), where
    assert row["booked_nights"] == acc.booked, where
    assert row["owner_stay_nights"] == acc.owner, where
    assert row["blocked_nights"] == acc.blocked, where
    assert row["available_nights"] == acc.available, where
    assert row["cancellation_fees"] == pytest.approx(acc.fees, abs=CENT), where
    assert row["bookings"] == len(acc.bookings), where
    assert row["cancellations"] == len(acc.cancelled), where
    assert row["cancelled_value"] == pytest.approx(acc.cancelled_value, abs=CENT), where
    if acc.available:
        assert row["occupancy"] == pytest.approx(acc.booked / acc.available, abs=1e-4), where
        assert row["revpar"] == pytest.approx(acc.revenue / acc.available, abs=CENT), where
    else:
        assert row["occupancy"] is None and row["revpar"] is None, where
    if acc.booked:
        assert row["adr"] == pytest.approx(acc.revenue / acc.booked, abs=CENT), where
    else:
        assert row["adr"] is None, where


def assert_report(result: dict[str, Any], expected: Expected, case: str = "") -> None:
    totals = {row["currency"]: row for row in result["totals"]}
    assert set(totals) == set(expected.totals)
    for currency, acc in expected.totals.items():
        assert_metrics(totals[currency], acc, f"{case} total {currency}")
    groups = {(row["key"], row["currency"]): row for row in result["groups"]}
    assert len(groups) == len(result["groups"]), "a (key, currency) group appears twice"
    assert set(groups) == set(expected.groups), case
    for key, acc in expected.groups.items():
        assert_metrics(groups[key], acc, f"{case} group {key}")
    assert result["owner_stay_nights"] == expected.owner_nights, case
    assert result["ignored"] == expected.ignored, case
    assert list(result["ignored"]) == sorted(result["ignored"]), "ignored statuses come in name order"
    assert [row["currency"] for row in result["totals"]] == sorted(totals), "totals come in currency order"
    assert_group_order(result)


def assert_group_order(result: dict[str, Any]) -> None:
    """Groups come in the order the tool promises: months in calendar order; properties and
    channels by currency, then the biggest earner first."""
    rows = result["groups"]
    if result.get("group_by") == "month":
        keys = [(row["key"], row["currency"]) for row in rows]
        assert keys == sorted(keys), "months in calendar order"
        return
    currencies = [row["currency"] for row in rows]
    assert currencies == sorted(currencies), "groups by currency"
    for before, after in itertools.pairwise(rows):
        if before["currency"] == after["currency"]:
            assert before["revenue"] >= after["revenue"], f"{before['key']} before {after['key']}: biggest first"


# -- totals and groups match the independent computation ----------------------------------------


@pytest.mark.parametrize("period", list(PERIODS))
async def test_report_matches_independent_computation(
    sandbox: Any, server_factory: Callable[..., Any], period: str
) -> None:
    """Every grouping and both bases over one period (one server: building one costs more than a call)."""
    start, end = PERIODS[period]
    async with Client(server_factory(sandbox)) as client:
        for basis in ("stay", "arrival"):
            for group_by in ("property", "channel", "month"):
                result = await call_ok(
                    client,
                    "get_revenue_report",
                    {
                        "start_date": start.isoformat(),
                        "end_date": end.isoformat(),
                        "group_by": group_by,
                        "basis": basis,
                    },
                )
                assert (result["start_date"], result["end_date"]) == (start.isoformat(), end.isoformat())
                assert (result["basis"], result["group_by"]) == (basis, group_by)
                assert result["groups_total"] == len(result["groups"]) and result["next_offset"] is None
                expected = expected_report(sandbox.account, start, end, basis, group_by)
                assert_report(result, expected, f"{period}/{basis}/{group_by}")


async def test_the_quarter_holds_boundary_straddlers_and_cancellations(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    """The parametrised periods are only meaningful if they cut bookings: check the data does,
    and that a straddling booking counts exactly its nights inside the period."""
    async with Client(server_factory(sandbox)) as client:
        start, end = PERIODS["quarter"]
        straddlers = [
            r
            for r in sandbox.account.reservations
            if r["status"] in CONFIRMED_STATUSES
            and r["arrivalDate"] < start.isoformat() < r["departureDate"]
            and r["departureDate"] > (start + timedelta(days=1)).isoformat()
        ]
        cancelled = [
            r
            for r in sandbox.account.reservations
            if r["status"] == "cancelled" and start.isoformat() <= r["arrivalDate"] <= end.isoformat()
        ]
        assert straddlers and cancelled

        booking = straddlers[0]
        arrival, departure = date.fromisoformat(booking["arrivalDate"]), date.fromisoformat(booking["departureDate"])
        inside = (departure - start).days
        result = await call_ok(
            client,
            "get_property_financials",
            {"property_id": booking["listingMapId"], "start_date": start.isoformat(), "end_date": end.isoformat()},
        )
        lines = {line["booking_id"]: line for line in result["bookings"]}
        line = lines[booking["id"]]
        revenue = booking["totalPrice"] - booking["cleaningFee"] - booking["taxAmount"]
        assert line["nights"] == (departure - arrival).days and line["nights_in_period"] == inside
        assert line["revenue"] == pytest.approx(revenue, abs=CENT)
        assert line["revenue_in_period"] == pytest.approx(revenue * inside / (departure - arrival).days, abs=CENT)
        assert line["arrival_date"] == booking["arrivalDate"] and line["departure_date"] == booking["departureDate"]
        assert line["total_price"] == booking["totalPrice"] and line["cleaning_fee"] == booking["cleaningFee"]
        assert line["taxes"] == booking["taxAmount"]
        assert line["channel_commission"] == booking["channelCommissionAmount"]
        assert line["guest_name"] == booking["guestName"] and line["currency"] == booking["currency"]
        assert line["payout"] == booking["airbnbExpectedPayoutAmount"]

        # Under the arrival basis the same booking arrived before the period: it does not count.
        by_arrival = await call_ok(
            client,
            "get_property_financials",
            {
                "property_id": booking["listingMapId"],
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "basis": "arrival",
            },
        )
        assert booking["id"] not in {line["booking_id"] for line in by_arrival["bookings"]}


async def test_property_financials_match_and_list_every_counted_booking(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    async with Client(server_factory(sandbox)) as client:
        start, end = PERIODS["quarter"]
        # A property whose quarter holds a cancelled booking and an owner stay as well as revenue.
        listing = next(
            x
            for x in sandbox.account.listings
            if {"cancelled", "ownerStay"}
            <= {
                r["status"]
                for r in sandbox.account.reservations
                if r["listingMapId"] == x["id"]
                and r["arrivalDate"] <= end.isoformat()
                and r["departureDate"] > start.isoformat()
            }
        )
        expected = expected_report(sandbox.account, start, end, "stay", "property", [listing["id"]])
        lines: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            page = await call_ok(
                client,
                "get_property_financials",
                {
                    "property_id": listing["id"],
                    "start_date": start.isoformat(),
                    "end_date": end.isoformat(),
                    "limit": 10,
                    "offset": offset,
                },
            )
            assert page["property_name"] == listing["name"]
            assert_report(
                {**page, "groups": []}, Expected(expected.totals, {}, expected.owner_nights, expected.ignored)
            )
            lines += page["bookings"]
            offset = page["next_offset"]
        counted = {
            r["id"]: r
            for r in sandbox.account.reservations
            if r["listingMapId"] == listing["id"]
            and r["status"] in CONFIRMED_STATUSES | {"ownerStay", "cancelled"}
            and r["arrivalDate"] <= end.isoformat()
            and r["departureDate"] > start.isoformat()
        }
        assert sorted(line["booking_id"] for line in lines) == sorted(counted)
        assert page["total"] == len(counted)
        assert [line["arrival_date"] for line in lines] == sorted(line["arrival_date"] for line in lines)
        assert {line["status"] for line in lines} >= {"cancelled", "owner stay"}
        for line in lines:
            raw = counted[line["booking_id"]]
            if raw["status"] == "ownerStay":
                assert line["channel"] == "owner stay" and line["revenue_in_period"] == 0
        revenue_lines = [line for line in lines if counted[line["booking_id"]]["status"] in CONFIRMED_STATUSES]
        assert sum(line["revenue_in_period"] for line in revenue_lines) == pytest.approx(
            expected.totals[listing["currencyCode"]].revenue, abs=0.01 * len(revenue_lines) + CENT
        )


async def test_definitions_and_source_are_in_the_result(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(client, "get_revenue_report", {"start_date": "2026-07-01", "end_date": "2026-07-31"})
        definitions = result["definitions"]
        for term in (
            "revenue",
            "occupancy",
            "adr",
            "revpar",
            "available_nights",
            "owner_stay_nights",
            "cancelled_value",
        ):
            assert definitions[term]
        assert "totalPrice - cleaningFee - taxAmount" in definitions["revenue"]
        assert (
            "minus owner-stay nights" in definitions["available_nights"]
            and "blocked" in definitions["available_nights"]
        )
        assert "GET /reservations" in result["source"] and "GET /listings" in result["source"]
        assert "finance" in result["source"]
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        for name in ("get_revenue_report", "get_property_financials"):
            tool = tools[name]
            assert tool.annotations is not None and tool.annotations.read_only_hint is True
            assert tool.output_schema is not None
            assert "state" not in tool.input_schema["properties"]
        description = tools["get_revenue_report"].description or ""
        assert "totalPrice - cleaningFee - taxAmount" in description and "RevPAR" in description


# -- money is never summed across currencies -----------------------------------------------------


async def test_currencies_are_reported_apart(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox)) as client:
        start, end = PERIODS["quarter"]
        currency_of = {x["id"]: x["currencyCode"] for x in sandbox.account.listings}
        assert {"EUR", "USD"} <= set(currency_of.values())
        result = await call_ok(
            client, "get_revenue_report", {"start_date": start.isoformat(), "end_date": end.isoformat()}
        )
        totals = {row["currency"]: row for row in result["totals"]}
        assert set(totals) == set(currency_of.values()) == {"EUR", "USD", "NZD"}
        for group in result["groups"]:
            assert group["currency"] == currency_of[int(group["key"])]
        for currency, total in totals.items():
            own = [g for g in result["groups"] if g["currency"] == currency]
            assert total["revenue"] == pytest.approx(sum(g["revenue"] for g in own), abs=0.01 * len(own))
            assert total["available_nights"] == sum(g["available_nights"] for g in own)
            expected = sum(
                (r["totalPrice"] - r["cleaningFee"] - r["taxAmount"])
                * sum(
                    1 for d in range(r["nights"]) if start <= date.fromisoformat(r["arrivalDate"]) + timedelta(d) <= end
                )
                / r["nights"]
                for r in sandbox.account.reservations
                if r["status"] in CONFIRMED_STATUSES and currency_of[r["listingMapId"]] == currency
            )
            assert total["revenue"] == pytest.approx(expected, abs=CENT)
        # Channel groups split by currency too: the same channel appears once per currency.
        by_channel = await call_ok(
            client,
            "get_revenue_report",
            {"start_date": start.isoformat(), "end_date": end.isoformat(), "group_by": "channel"},
        )
        pairs = [(g["key"], g["currency"]) for g in by_channel["groups"]]
        assert len(pairs) == len(set(pairs))
        assert {c for k, c in pairs if k == "airbnb"} == {"EUR", "USD", "NZD"}


def matching(account: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    """What a reservations query selects under the sandbox's documented semantics (inclusive
    date filters, listingId equality), cursor ignored."""
    bounds = {
        "arrivalStartDate": ("arrivalDate", ">="),
        "arrivalEndDate": ("arrivalDate", "<="),
        "departureStartDate": ("departureDate", ">="),
        "departureEndDate": ("departureDate", "<="),
    }
    rows = account.reservations
    for name, (key, op) in bounds.items():
        if name in params:
            limit = params[name]
            rows = [r for r in rows if (r[key] >= limit if op == ">=" else r[key] <= limit)]
    if params.get("listingId"):
        rows = [r for r in rows if r["listingMapId"] == int(params["listingId"])]
    selected: list[dict[str, Any]] = rows
    return selected


async def test_property_ids_scope_the_report_in_the_fewest_calls(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    """One id: the listingId filter. Several: one unfiltered page tells how many pages the whole
    account needs; more pages than ids means one listingId query per id, else the unfiltered walk."""
    start, end = PERIODS["quarter"]
    listings = sandbox.account.listings
    eur = next(x["id"] for x in listings if x["currencyCode"] == "EUR")
    usd = next(x["id"] for x in listings if x["currencyCode"] == "USD")
    many = [x["id"] for x in listings[:8]]
    branches: set[str] = set()
    async with Client(server_factory(sandbox)) as client:
        for ids in ([eur], [eur, usd], many):
            for group_by in ("property", "month"):
                before = len(api_calls(sandbox))
                result = await call_ok(
                    client,
                    "get_revenue_report",
                    {
                        "start_date": start.isoformat(),
                        "end_date": end.isoformat(),
                        "property_ids": ids,
                        "group_by": group_by,
                    },
                )
                assert result["properties_in_scope"] == len(ids)
                case = f"{ids}/{group_by}"
                assert_report(result, expected_report(sandbox.account, start, end, "stay", group_by, ids), case)

                calls = [e for e in api_calls(sandbox)[before:] if e.path == "/reservations"]
                query = {k: v for k, v in calls[0].params.items() if k not in ("listingId", "limit")}
                unfiltered = matching(sandbox.account, query)
                whole_pages = math.ceil(len(unfiltered) / 100)
                assert whole_pages > 2, "the quarter must need several pages for this test to mean anything"
                per_id = {i: math.ceil(len(matching(sandbox.account, {**query, "listingId": i})) / 100) for i in ids}
                if len(ids) == 1:
                    branches.add("one id")
                    assert [e.params.get("listingId") for e in calls] == [str(eur)] * per_id[eur], case
                elif whole_pages - 1 > len(ids):
                    branches.add("per id")
                    assert calls[0].params.get("listingId") is None, case  # the probe
                    assert sorted(e.params.get("listingId") for e in calls[1:]) == sorted(
                        str(i) for i in ids for _ in range(per_id[i])
                    ), case
                else:
                    branches.add("unfiltered")
                    assert len(calls) == whole_pages, case
                    assert all(e.params.get("listingId") is None for e in calls), case
    assert branches == {"one id", "per id", "unfiltered"}


# -- API calls -----------------------------------------------------------------------------------


@pytest.mark.timeout(240)  # generating a 200-listing sandbox takes a while; the call itself is quick
async def test_quarter_of_a_200_listing_account_costs_reservation_pages_plus_listing_pages(
    sandbox_factory: Callable[..., Any], server_factory: Callable[..., Any]
) -> None:
    """Calls = pages of reservations + ceil(listings / 100) listing pages (2 for 200 listings) + one
    calendar read per property (its blocked nights are not available to rent); no finance calls."""
    sandbox = sandbox_factory(listings=200)
    start, end = PERIODS["quarter"]
    async with Client(server_factory(sandbox)) as client:
        result = await call_ok(
            client,
            "get_revenue_report",
            {"start_date": start.isoformat(), "end_date": end.isoformat(), "limit": 500},
        )
    calls = api_calls(sandbox)
    reservation_calls = [e for e in calls if e.path == "/reservations"]
    listing_calls = [e for e in calls if e.path == "/listings"]
    calendar_calls = [e for e in calls if e.path.endswith("/calendar")]
    assert len(calls) == len(reservation_calls) + len(listing_calls) + len(calendar_calls)
    expected_paths = sorted(f"/listings/{x['id']}/calendar" for x in sandbox.account.listings)
    assert sorted(e.path for e in calendar_calls) == expected_paths
    assert len(listing_calls) == math.ceil(200 / 100)
    # The filters sent must select every booking with a night in the period...
    sent = reservation_calls[0].params
    assert all(e.params.get("listingId") is None for e in reservation_calls)
    departure_floor = date.fromisoformat(sent["departureStartDate"])
    arrival_ceiling = date.fromisoformat(sent["arrivalEndDate"])
    assert departure_floor <= start + timedelta(days=1) and arrival_ceiling >= end
    # ...and the pages are exactly what that query holds (the sandbox's filters are inclusive).
    matching = [
        r
        for r in sandbox.account.reservations
        if r["departureDate"] >= departure_floor.isoformat() and r["arrivalDate"] <= arrival_ceiling.isoformat()
    ]
    assert len(matching) > 2_000
    # One page says how many there are; the rest is read in arrival-date windows side by side,
    # each walked with its own afterId cursor. A window costs at most one partly filled page.
    windows = {(e.params.get("arrivalStartDate"), e.params["arrivalEndDate"]) for e in reservation_calls[1:]}
    assert 2 <= len(windows) <= paging.CONCURRENCY
    assert len(reservation_calls) <= 1 + math.ceil(len(matching) / 100) + len(windows)
    for window in windows:
        walk = [
            e for e in reservation_calls[1:] if (e.params.get("arrivalStartDate"), e.params["arrivalEndDate"]) == window
        ]
        cursors = [e.params.get("afterId") for e in walk]
        assert cursors[0] is None and all(cursors[1:]) and len(set(cursors)) == len(cursors), window
    assert result["properties_in_scope"] == 200 and result["groups_total"] == 200
    assert_report(result, expected_report(sandbox.account, start, end, "stay", "property"))


async def test_bad_input_is_refused_before_any_call(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox)) as client:
        cases: list[tuple[str, dict[str, Any], str]] = [
            ("get_revenue_report", {"start_date": "2026-08-10", "end_date": "2026-08-01"}, "before start_date"),
            ("get_revenue_report", {"start_date": "2024-01-01", "end_date": "2026-06-30"}, "two years"),
            ("get_property_financials", {"property_id": 1, "start_date": "2026-08-10", "end_date": "2026-08-01"}, ""),
            ("get_revenue_report", {"start_date": "2026-13-01", "end_date": "2026-12-31"}, ""),
            ("get_revenue_report", {"start_date": "2026-08-01", "end_date": "2026-08-31", "group_by": "week"}, ""),
            ("get_revenue_report", {"start_date": "2026-08-01", "end_date": "2026-08-31", "property_ids": [0]}, ""),
        ]
        for tool, arguments, words in cases:
            text = await call_error(client, tool, arguments)
            assert words in text
        assert api_calls(sandbox) == []
        # Exactly two years (731 days) is allowed.
        await call_ok(client, "get_revenue_report", {"start_date": "2025-01-01", "end_date": "2026-12-31"})


async def test_unknown_property_says_where_ids_come_from(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox)) as client:
        text = await call_error(
            client,
            "get_property_financials",
            {"property_id": 999, "start_date": "2026-08-01", "end_date": "2026-08-31"},
        )
        assert "Property 999 not found: use list_properties" in text
        known = sandbox.account.listings[0]["id"]
        text = await call_error(
            client,
            "get_revenue_report",
            {"start_date": "2026-08-01", "end_date": "2026-08-31", "property_ids": [known, 999]},
        )
        assert "999 not found: use list_properties" in text
        assert all(e.path != "/reservations" for e in api_calls(sandbox))


# -- failures never give a partial total ---------------------------------------------------------


class ArmAfterFirstPage(httpx.AsyncBaseTransport):
    """Pass-through to the sandbox that scripts its faults once the first reservations page is
    served, so they hit a page in the middle of the report."""

    def __init__(self, sandbox: Any, faults: list[Fault]) -> None:
        self.inner = sandbox.transport()
        self.sandbox = sandbox
        self.faults = faults
        self.armed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response: httpx.Response = await self.inner.handle_async_request(request)
        if not self.armed and request.url.path.endswith("/reservations"):
            self.armed = True
            faults_of(self.sandbox).script(*self.faults)
        return response


def _server(sandbox: Any, transport: httpx.AsyncBaseTransport, settings: Any, clock: FakeClock) -> Any:
    return build_server(
        settings,
        transport=transport,
        sleep=clock.sleep,
        clock=clock,
        wall_clock=clock,
        now=lambda: NOW,
    )


@pytest.mark.parametrize("failures", [1, 5])
async def test_a_failing_page_mid_report_is_retried_or_fails_loudly(
    sandbox: Any, settings_factory: Callable[..., Any], clock: FakeClock, failures: int
) -> None:
    settings = settings_factory()
    assert settings.max_attempts == 5
    start, end = PERIODS["quarter"]
    transport = ArmAfterFirstPage(sandbox, [Fault("status", status=500, path="/reservations")] * failures)
    args = {"start_date": start.isoformat(), "end_date": end.isoformat(), "group_by": "month"}
    async with Client(_server(sandbox, transport, settings, clock)) as client:
        if failures < settings.max_attempts:
            result = await call_ok(client, "get_revenue_report", args)
            assert_report(result, expected_report(sandbox.account, start, end, "stay", "month"))
            pages = [e for e in api_calls(sandbox) if e.path == "/reservations"]
            assert pages[1].params.get("afterId") and pages[1].params == pages[2].params  # the retried page
        else:
            outcome = await client.call_tool("get_revenue_report", args)
            assert outcome.is_error and outcome.structured_content is None
            text = "\n".join(getattr(block, "text", "") for block in outcome.content)
            assert "no figures are returned" in text and "partial total" in text
            assert "/reservations" in text and "500" in text and "Try again" in text
            pages = [e for e in api_calls(sandbox) if e.path == "/reservations"]
            assert len(pages) == 1 + failures  # the first page, then every attempt at the second
    assert not faults_of(sandbox).pending


# -- the pure computation, on hand-made data ------------------------------------------------------


def _booking(rid: int, listing: int, arrival: str, departure: str, status: str = "new", **money: Any) -> dict[str, Any]:
    base = {"totalPrice": 0.0, "cleaningFee": 0.0, "taxAmount": 0.0, "currency": "EUR", "channelId": 2018}
    return {
        "id": rid,
        "listingMapId": listing,
        "arrivalDate": arrival,
        "departureDate": departure,
        "status": status,
        **base,
        **money,
    }


LISTINGS = [
    {"id": 1, "name": "Lisbon loft", "currencyCode": "EUR"},
    {"id": 2, "name": "Austin house", "currencyCode": "USD"},
]


def test_revenue_spreads_a_straddling_booking_over_its_nights() -> None:
    # 4 nights Jun 29 - Jul 2 at 400 accommodation revenue (500 total - 60 cleaning - 40 tax).
    booking = _booking(10, 1, "2026-06-29", "2026-07-03", totalPrice=500.0, cleaningFee=60.0, taxAmount=40.0)
    report = compute_report([booking], LISTINGS, Period(date(2026, 7, 1), date(2026, 7, 31)), group_by="month")
    eur = next(m for m in report.totals if m.currency == "EUR")
    assert eur.booked_nights == 2 and eur.revenue == pytest.approx(200.0) and eur.gross == pytest.approx(250.0)
    assert eur.available_nights == 31 and eur.bookings == 1 and eur.adr == pytest.approx(100.0)
    assert eur.revpar == pytest.approx(200 / 31) and eur.occupancy == pytest.approx(2 / 31)
    usd = next(m for m in report.totals if m.currency == "USD")
    assert usd.revenue == 0 and usd.available_nights == 31 and usd.adr is None and usd.occupancy == 0
    arrival = compute_report(
        [booking], LISTINGS, Period(date(2026, 6, 1), date(2026, 6, 30)), basis="arrival", group_by="month"
    )
    june = next(m for m in arrival.totals if m.currency == "EUR")
    assert june.booked_nights == 4 and june.revenue == pytest.approx(400.0)


def test_owner_stays_cancellations_and_ignored_statuses() -> None:
    rows = [
        _booking(1, 1, "2026-07-01", "2026-07-04", "ownerStay"),
        _booking(2, 1, "2026-07-10", "2026-07-12", "cancelled", totalPrice=300.0, cleaningFee=50.0, taxAmount=10.0),
        _booking(3, 1, "2026-07-20", "2026-07-22", "inquiry", totalPrice=999.0),
        _booking(4, 2, "2026-07-05", "2026-07-06", "modified", totalPrice=150.0, currency="USD"),
        _booking(4, 2, "2026-07-05", "2026-07-06", "modified", totalPrice=150.0, currency="USD"),  # duplicate page
        _booking(5, 1, "2026-07-30", "2026-08-02", "confirmed", totalPrice=90.0),
    ]
    report = compute_report(rows, LISTINGS, Period(date(2026, 7, 1), date(2026, 7, 31)), group_by="channel")
    eur = next(m for m in report.totals if m.currency == "EUR")
    assert eur.owner_stay_nights == 3 and report.owner_stay_nights == 3
    assert eur.cancellations == 1 and eur.cancelled_value == pytest.approx(240.0)
    assert eur.booked_nights == 2 and eur.revenue == pytest.approx(60.0)  # 2 of 3 nights of 90
    # Occupancy: the 2 booked nights over the 28 left to rent (31 days, 3 of them the owner's).
    assert eur.available_nights == 28
    assert eur.occupancy == pytest.approx(2 / 28)
    usd = next(m for m in report.totals if m.currency == "USD")
    assert usd.bookings == 1 and usd.revenue == pytest.approx(150.0)
    assert report.ignored == {"inquiry": 1}
    keys = {(g.key, g.metrics.currency) for g in report.groups}
    assert keys == {("owner_stay", "EUR"), ("airbnb", "EUR"), ("airbnb", "USD")}


def test_month_groups_split_nights_and_fill_empty_months() -> None:
    booking = _booking(1, 1, "2026-07-30", "2026-08-03", totalPrice=400.0)
    report = compute_report([booking], LISTINGS[:1], Period(date(2026, 7, 15), date(2026, 9, 10)), group_by="month")
    by_key = {g.key: g.metrics for g in report.groups}
    assert list(by_key) == ["2026-07", "2026-08", "2026-09"]
    assert by_key["2026-07"].booked_nights == 2 and by_key["2026-07"].revenue == pytest.approx(200.0)
    assert by_key["2026-08"].booked_nights == 2 and by_key["2026-08"].available_nights == 31
    assert by_key["2026-07"].available_nights == 17 and by_key["2026-09"].available_nights == 10
    assert by_key["2026-09"].bookings == 0 and report.totals[0].bookings == 1
    assert [g.label for g in report.groups] == ["July 2026", "August 2026", "September 2026"]
