"""search_available_properties and check_property_availability through an MCP client.

Expected answers are computed here from the sandbox's own calendar (`sandbox.calendar_day`) and
raw listings, with the booking rules written out independently of the tools' code. Test stays
are picked from the generated data (a booked night, a minimum stay, a closed-to-arrival day)
rather than assumed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from mcp import Client

from hostaway_mcp.server import build_server
from tests.conftest import NOW, TODAY, FakeClock, api_calls, call_error, call_ok

STATUS_WORDS = {"available": "available", "reserved": "booked", "pending": "pending booking", "blocked": "blocked"}
SEARCH_WINDOW = range(3, 150)  # days after TODAY where test stays are looked for


def nights(start: date, end: date) -> Iterator[date]:
    day = start
    while day < end:
        yield day
        day += timedelta(days=1)


def calendar_requests(sandbox: Any) -> list[Any]:
    return [entry for entry in api_calls(sandbox) if entry.path.endswith("/calendar")]


def listing_requests(sandbox: Any) -> list[Any]:
    return [entry for entry in api_calls(sandbox) if entry.path == "/listings"]


@dataclass
class Expected:
    """The verdict on a stay, from the raw calendar."""

    problems: list[tuple[str, Any]]
    total: float

    @property
    def bookable(self) -> bool:
        return not self.problems


def expected_stay(sandbox: Any, listing_id: int, check_in: date, check_out: date) -> Expected:
    days = {day: sandbox.calendar_day(listing_id, day) for day in nights(check_in, check_out + timedelta(days=1))}
    stay = list(nights(check_in, check_out))
    problems: list[tuple[str, Any]] = []
    for night in stay:
        if days[night]["isAvailable"] != 1 or days[night]["status"] != "available":
            problems.append(("night", night))
    arrival = days[check_in]
    if len(stay) < arrival["minimumStay"]:
        problems.append(("min", arrival["minimumStay"]))
    if len(stay) > arrival["maximumStay"]:
        problems.append(("max", arrival["maximumStay"]))
    if arrival["closedOnArrival"]:
        problems.append(("arrival", check_in))
    if days[check_out]["closedOnDeparture"]:
        problems.append(("departure", check_out))
    return Expected(problems, round(sum(days[night]["price"] for night in stay), 2))


def find_stay(sandbox: Any, wanted: Callable[[Any, int, date], tuple[date, date] | None]) -> tuple[Any, date, date]:
    """The first (listing, check_in, check_out) in the data for which `wanted` returns a stay."""
    for listing in sandbox.account.listings:
        for offset in SEARCH_WINDOW:
            stay = wanted(listing, listing["id"], TODAY + timedelta(days=offset))
            if stay is not None:
                return listing, *stay
    pytest.fail("the sandbox data has no such stay")


def only_problem(kind: str, length: int | None = None) -> Callable[[Any], Callable[[Any, int, date], Any]]:
    """A finder for a stay whose only problem is `kind`."""

    def for_sandbox(sandbox: Any) -> Callable[[Any, int, date], Any]:
        def wanted(_listing: Any, listing_id: int, day: date) -> tuple[date, date] | None:
            stay_nights = length or max(1, sandbox.calendar_day(listing_id, day)["minimumStay"])
            check_out = day + timedelta(days=stay_nights)
            verdict = expected_stay(sandbox, listing_id, day, check_out)
            return (day, check_out) if [p[0] for p in verdict.problems] == [kind] else None

        return wanted

    return for_sandbox


def server_on(
    transport: httpx.AsyncBaseTransport, settings_factory: Callable[..., Any], clock: FakeClock, **overrides: Any
) -> Any:
    return build_server(
        settings_factory(**overrides),
        transport=transport,
        sleep=clock.sleep,
        clock=clock,
        wall_clock=clock,
        now=lambda: NOW,
    )


class RewriteListingSearch(httpx.AsyncBaseTransport):
    """The HTTP boundary: forwards to the sandbox, editing the availability query of GET /listings.

    `drop` removes the availability filters (an API that ignores them); `shift_end` moves
    availabilityDateEnd by some days (the other reading of its unconfirmed semantics).
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, *, drop: bool = False, shift_end: int = 0) -> None:
        self.inner, self.drop, self.shift_end = inner, drop, shift_end

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/listings"):
            params = []
            for key, value in request.url.params.multi_items():
                if self.drop and key.startswith("availability"):
                    continue
                if key == "availabilityDateEnd":
                    value = (date.fromisoformat(value) + timedelta(days=self.shift_end)).isoformat()
                params.append((key, value))
            request = httpx.Request(
                request.method,
                request.url.copy_with(params=params),
                headers=request.headers,
                extensions=request.extensions,
            )
        return await self.inner.handle_async_request(request)


# -- search_available_properties ----------------------------------------------------------------


async def search_in_city(client: Client, listing: dict[str, Any], check_in: date, check_out: date) -> dict[str, Any]:
    """search_available_properties for the stay, in the listing's city (25 results)."""
    arguments = {"check_in": check_in.isoformat(), "check_out": check_out.isoformat(), "city": listing["city"]}
    return await call_ok(client, "search_available_properties", {**arguments, "limit": 25})


async def test_search_returns_exactly_the_bookable_properties(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        check_in, check_out, guests = TODAY + timedelta(days=20), TODAY + timedelta(days=24), 2
        result = await call_ok(
            client,
            "search_available_properties",
            {"check_in": check_in.isoformat(), "check_out": check_out.isoformat(), "guests": guests, "limit": 25},
        )
        expected = {}
        for listing in sandbox.account.listings:
            verdict = expected_stay(sandbox, listing["id"], check_in, check_out)
            if verdict.bookable and listing["personCapacity"] >= guests:
                expected[listing["id"]] = (listing, verdict)
        assert expected, "pick dates with at least one free property"
        assert {item["id"] for item in result["items"]} == set(expected)
        for item in result["items"]:
            listing, verdict = expected[item["id"]]
            assert item["name"] == listing["name"] and item["city"] == listing["city"]
            assert item["total_price"] == pytest.approx(verdict.total)
            assert item["avg_nightly_price"] == pytest.approx(verdict.total / 4, abs=0.01)
            assert item["cleaning_fee"] == listing["cleaningFee"]
            assert item["total_with_cleaning"] == pytest.approx(verdict.total + listing["cleaningFee"])
            assert item["currency"] == listing["currencyCode"]
            assert item["max_guests"] == listing["personCapacity"] and item["bedrooms"] == listing["bedroomsNumber"]
        assert (result["first_night"], result["last_night"], result["nights"]) == (
            check_in.isoformat(),
            (check_out - timedelta(days=1)).isoformat(),
            4,
        )
        assert result["next_offset"] is None and result["total"] == len(expected)
        # One listings query narrows the portfolio; each calendar is fetched at most once.
        assert len(listing_requests(sandbox)) == 1
        paths = [entry.path for entry in calendar_requests(sandbox)]
        assert len(paths) == len(set(paths)) == result["candidates_checked"]


async def test_search_queries_the_availability_filter_for_a_superset(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        check_in, check_out = TODAY + timedelta(days=30), TODAY + timedelta(days=33)
        await call_ok(
            client,
            "search_available_properties",
            {"check_in": check_in.isoformat(), "check_out": check_out.isoformat(), "guests": 3, "city": "Lisbon"},
        )
        (query,) = listing_requests(sandbox)
        assert query.params["availabilityDateStart"] == check_in.isoformat()
        # The last night, not the check-out day: weaker or exact under both readings of the end date.
        assert query.params["availabilityDateEnd"] == (check_out - timedelta(days=1)).isoformat()
        assert str(query.params["availabilityGuestNumber"]) == "3"
        assert query.params["city"] == "Lisbon"
        for entry in calendar_requests(sandbox):
            assert entry.params["startDate"] == check_in.isoformat()
            assert entry.params["endDate"] == check_out.isoformat()


@pytest.mark.parametrize("shift_end", [-1, 0, 1])
async def test_search_answer_does_not_depend_on_the_end_date_reading(
    sandbox: Any, settings_factory: Callable[..., Any], clock: FakeClock, shift_end: int
) -> None:
    """Whatever the API makes of availabilityDateEnd, verification gives the same answer."""
    listing, check_in, check_out = find_stay(sandbox, _last_night_taken(sandbox))
    arguments = {"check_in": check_in.isoformat(), "check_out": check_out.isoformat(), "limit": 25}
    transport = RewriteListingSearch(sandbox.transport(), shift_end=shift_end)
    async with Client(server_on(transport, settings_factory, clock)) as client:
        result = await call_ok(client, "search_available_properties", arguments)
    expected = {
        other["id"]
        for other in sandbox.account.listings
        if expected_stay(sandbox, other["id"], check_in, check_out).bookable
    }
    if shift_end <= 0:  # exact or weaker filter: the complete answer
        assert {item["id"] for item in result["items"]} == expected
    else:  # a stricter filter can only lose properties, never add a wrong one
        assert {item["id"] for item in result["items"]} <= expected
    assert listing["id"] not in {item["id"] for item in result["items"]}


def _last_night_taken(sandbox: Any) -> Callable[[Any, int, date], tuple[date, date] | None]:
    def wanted(_listing: Any, listing_id: int, day: date) -> tuple[date, date] | None:
        check_out = day + timedelta(days=3)
        verdict = expected_stay(sandbox, listing_id, day, check_out)
        return (day, check_out) if verdict.problems == [("night", check_out - timedelta(days=1))] else None

    return wanted


async def test_search_reports_a_minimum_stay_near_miss(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        listing, check_in, check_out = find_stay(sandbox, only_problem("min", length=1)(sandbox))
        minimum = sandbox.calendar_day(listing["id"], check_in)["minimumStay"]
        result = await search_in_city(client, listing, check_in, check_out)
        assert listing["id"] not in {item["id"] for item in result["items"]}
        (miss,) = [miss for miss in result["near_misses"] if miss["id"] == listing["id"]]
        assert miss["name"] == listing["name"]
        assert any(f"minimum stay {minimum} nights" in reason for reason in miss["reasons"])


async def test_search_reports_a_closed_to_arrival_near_miss(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        listing, check_in, check_out = find_stay(sandbox, only_problem("arrival")(sandbox))
        result = await search_in_city(client, listing, check_in, check_out)
        assert listing["id"] not in {item["id"] for item in result["items"]}
        (miss,) = [miss for miss in result["near_misses"] if miss["id"] == listing["id"]]
        assert f"closed to arrival on {check_in.isoformat()}" in miss["reasons"]


async def test_search_rejects_a_booked_night_the_listing_filter_let_through(
    sandbox: Any, settings_factory: Callable[..., Any], clock: FakeClock
) -> None:
    """If Hostaway's filter lets a taken night through (or ignores the filter), verification catches it."""
    listing, check_in, check_out = find_stay(sandbox, _one_night_taken(sandbox))
    (taken,) = [
        night for night in nights(check_in, check_out) if not sandbox.calendar_day(listing["id"], night)["isAvailable"]
    ]
    status = STATUS_WORDS[sandbox.calendar_day(listing["id"], taken)["status"]]
    transport = RewriteListingSearch(sandbox.transport(), drop=True)
    async with Client(server_on(transport, settings_factory, clock)) as client:
        result = await search_in_city(client, listing, check_in, check_out)
    assert listing["id"] not in {item["id"] for item in result["items"]}
    (miss,) = [miss for miss in result["near_misses"] if miss["id"] == listing["id"]]
    assert f"night {taken.isoformat()} {status}" in miss["reasons"]


def _one_night_taken(sandbox: Any) -> Callable[[Any, int, date], tuple[date, date] | None]:
    def wanted(_listing: Any, listing_id: int, day: date) -> tuple[date, date] | None:
        check_out = day + timedelta(days=3)
        verdict = expected_stay(sandbox, listing_id, day, check_out)
        night_problems = [problem for problem in verdict.problems if problem[0] == "night"]
        return (day, check_out) if verdict.problems and verdict.problems == night_problems[:1] else None

    return wanted


async def test_search_filters_bedrooms_and_total_price(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        check_in, check_out = TODAY + timedelta(days=40), TODAY + timedelta(days=43)
        bookable = {
            listing["id"]: (listing, verdict)
            for listing in sandbox.account.listings
            if (verdict := expected_stay(sandbox, listing["id"], check_in, check_out)).bookable
        }
        # The city with the most bookable properties for these dates.
        city = Counter(listing["city"] for listing, _ in bookable.values()).most_common(1)[0][0]
        free = {key: value for key, value in bookable.items() if value[0]["city"] == city}
        assert len(free) >= 2, "pick dates with several free properties in the city"
        totals = sorted(verdict.total for _, verdict in free.values())
        ceiling = (totals[0] + totals[-1]) / 2
        result = await call_ok(
            client,
            "search_available_properties",
            {
                "check_in": check_in.isoformat(),
                "check_out": check_out.isoformat(),
                "city": city,
                "max_total_price": ceiling,
                "min_bedrooms": 1,
                "limit": 25,
            },
        )
        expected = {
            listing_id
            for listing_id, (listing, verdict) in free.items()
            if verdict.total <= ceiling and listing["bedroomsNumber"] >= 1
        }
        assert {item["id"] for item in result["items"]} == expected
        over = {
            listing_id
            for listing_id, (listing, verdict) in free.items()
            if verdict.total > ceiling and listing["bedroomsNumber"] >= 1
        }
        missed = {miss["id"]: miss["reasons"] for miss in result["near_misses"]}
        for listing_id in over:
            assert any("over max_total_price" in reason for reason in missed[listing_id])


async def test_search_on_200_listings_checks_only_what_it_needs(
    sandbox_factory: Callable[..., Any], server_factory: Callable[..., Any]
) -> None:
    """One listings query, then calendars only up to limit + a small constant, on a big portfolio.

    The searches share one 200-listing sandbox (generating it is the slow part) and one server
    run, so the second search also shows what the first one learned.
    """
    big = sandbox_factory(listings=200)
    check_in, check_out = TODAY + timedelta(days=60), TODAY + timedelta(days=63)
    stay = {"check_in": check_in.isoformat(), "check_out": check_out.isoformat(), "guests": 2, "limit": 10}
    async with Client(server_factory(big)) as client:
        searches = []
        big.request_log.clear()
        first = await call_ok(client, "search_available_properties", stay)
        searches.append((first, api_calls(big), calendar_requests(big)))
        # Its next page keeps the first page's query, although the server has learned since.
        big.request_log.clear()
        page_two = await call_ok(client, "search_available_properties", {**stay, "offset": first["next_offset"]})
        page_two_query = listing_requests(big)[0]
        for arguments in (stay, {**stay, "max_total_price": 1}):
            big.request_log.clear()
            result = await call_ok(client, "search_available_properties", arguments)
            searches.append((result, api_calls(big), calendar_requests(big)))

    for result, calls, calendars in searches:
        assert len([call for call in calls if call.path == "/listings"]) == 1
        assert len(calls) == 1 + len(calendars) == 1 + result["candidates_checked"] <= 1 + 10 + 5
        # Every checked calendar that is not in the results is a stay that really is not bookable.
        checked = {int(entry.path.split("/")[2]) for entry in calendars}
        returned = {item["id"] for item in result["items"]}
        assert returned <= checked and len(checked) == len(calendars)
        if result is searches[2][0]:
            continue  # the max_total_price search returns nothing, by design
        for listing_id in checked:
            assert expected_stay(big, listing_id, check_in, check_out).bookable is (listing_id in returned)

    first, second, broke = (search[0] for search in searches)
    # The first search sent the last night (a superset under either reading of the end date);
    # its calendars showed the sandbox reads it as the check-out day, so the second sent check_out.
    assert searches[0][1][0].params["availabilityDateEnd"] == (check_out - timedelta(days=1)).isoformat()
    assert searches[1][1][0].params["availabilityDateEnd"] == check_out.isoformat()
    assert first["next_offset"] is not None  # short or not, more candidates remain unchecked
    assert len(second["items"]) == 10 and second["candidates_checked"] < first["candidates_checked"] + 10
    assert [item["id"] for item in first["items"]] == [item["id"] for item in second["items"]][: len(first["items"])]
    assert page_two_query.params["availabilityDateEnd"] == (check_out - timedelta(days=1)).isoformat()
    assert page_two_query.params["offset"] == str(first["next_offset"])
    assert not {item["id"] for item in page_two["items"]} & {item["id"] for item in first["items"]}
    assert all(expected_stay(big, item["id"], check_in, check_out).bookable for item in page_two["items"])
    # Nothing fits a budget of 1: the call budget still holds, and the reasons say why.
    assert broke["items"] == [] and 10 < broke["candidates_checked"] <= 10 + 5
    assert broke["next_offset"] is not None
    assert broke["near_misses"] and all(
        any("over max_total_price" in reason for reason in miss["reasons"]) for miss in broke["near_misses"]
    )


async def test_search_keeps_the_superset_query_when_the_api_reads_the_end_as_the_last_night(
    sandbox: Any, settings_factory: Callable[..., Any], clock: FakeClock
) -> None:
    """An API that reads availabilityDateEnd as the last night never teaches the check-out reading."""
    _listing, check_in, check_out = find_stay(sandbox, _last_night_taken(sandbox))
    arguments = {"check_in": check_in.isoformat(), "check_out": check_out.isoformat(), "limit": 25}
    # The sandbox reads the end as the departure day; one day later makes it read it as the last night.
    transport = RewriteListingSearch(sandbox.transport(), shift_end=1)
    async with Client(server_on(transport, settings_factory, clock)) as client:
        for _ in range(2):
            result = await call_ok(client, "search_available_properties", arguments)
    # Both searches sent the last night; the sandbox saw it one day later (the rewrite above).
    queries = listing_requests(sandbox)
    assert [query.params["availabilityDateEnd"] for query in queries] == [check_out.isoformat()] * 2
    expected = {
        other["id"]
        for other in sandbox.account.listings
        if expected_stay(sandbox, other["id"], check_in, check_out).bookable
    }
    assert {item["id"] for item in result["items"]} == expected


# -- check_property_availability ----------------------------------------------------------------


async def test_availability_runs_match_the_calendar(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        listing, check_in, check_out = find_stay(sandbox, _one_night_taken(sandbox))
        start, end = check_in - timedelta(days=10), check_out + timedelta(days=20)
        result = await call_ok(
            client,
            "check_property_availability",
            {"property_id": listing["id"], "start_date": start.isoformat(), "end_date": end.isoformat()},
        )
        runs: list[dict[str, Any]] = []
        for night in nights(start, end):
            day = sandbox.calendar_day(listing["id"], night)
            status = STATUS_WORDS[day["status"]]
            # Bookable nights group by (status, price, minimum stay); the others by status alone.
            key = (status, day["price"], day["minimumStay"]) if status == "available" else (status, None, None)
            if runs and (runs[-1]["status"], runs[-1]["price"], runs[-1]["min_stay"]) == key:
                runs[-1]["last_night"], runs[-1]["nights"] = night.isoformat(), runs[-1]["nights"] + 1
            else:
                runs.append(
                    {
                        "first_night": night.isoformat(),
                        "last_night": night.isoformat(),
                        "nights": 1,
                        "status": key[0],
                        "price": key[1],
                        "min_stay": key[2],
                    }
                )
        assert result["runs"] == runs
        assert any(run["status"] != "available" and run["nights"] > 1 for run in runs)  # a stay, as one run
        assert len(runs) < (end - start).days
        verdict = expected_stay(sandbox, listing["id"], start, end)
        assert result["bookable"] is False and verdict.problems
        assert result["total_price"] == pytest.approx(verdict.total)
        assert result["currency"] == listing["currencyCode"]
        assert result["property_id"] == listing["id"] and result["property_name"] == listing["name"]
        assert (result["first_night"], result["last_night"], result["nights"]) == (
            start.isoformat(),
            (end - timedelta(days=1)).isoformat(),
            (end - start).days,
        )
        assert len(api_calls(sandbox)) == 2  # the listing (name, currency) and its calendar


async def test_availability_of_a_bookable_stay(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:

        def wanted(_listing: Any, listing_id: int, day: date) -> tuple[date, date] | None:
            check_out = day + timedelta(days=max(3, sandbox.calendar_day(listing_id, day)["minimumStay"]))
            return (day, check_out) if expected_stay(sandbox, listing_id, day, check_out).bookable else None

        listing, check_in, check_out = find_stay(sandbox, wanted)
        result = await call_ok(
            client,
            "check_property_availability",
            {"property_id": listing["id"], "start_date": check_in.isoformat(), "end_date": check_out.isoformat()},
        )
        assert result["bookable"] is True and result["reasons"] == []
        assert result["total_price"] == pytest.approx(expected_stay(sandbox, listing["id"], check_in, check_out).total)
        assert all(run["status"] == "available" for run in result["runs"])


@pytest.mark.parametrize("kind", ["min", "arrival", "departure", "night"])
async def test_availability_names_the_failing_rule(server_factory: Callable[..., Any], sandbox: Any, kind: str) -> None:
    async with Client(server_factory(sandbox)) as client:
        if kind == "night":
            finder = _one_night_taken(sandbox)
        else:  # a one-night stay can only break a minimum stay; the others use the minimum length
            finder = only_problem(kind, length=1 if kind == "min" else None)(sandbox)
        listing, check_in, check_out = find_stay(sandbox, finder)
        result = await call_ok(
            client,
            "check_property_availability",
            {"property_id": listing["id"], "start_date": check_in.isoformat(), "end_date": check_out.isoformat()},
        )
        assert result["bookable"] is False
        (problem,) = expected_stay(sandbox, listing["id"], check_in, check_out).problems
        expected_reason = {
            "min": f"minimum stay {problem[1]} nights for arrival on {check_in.isoformat()}",
            "arrival": f"closed to arrival on {check_in.isoformat()}",
            "departure": f"closed to departure on {check_out.isoformat()}",
            "night": f"night {problem[1]} ",
        }[kind]
        assert any(reason.startswith(expected_reason) for reason in result["reasons"]), result["reasons"]
        assert len(result["reasons"]) == 1


async def test_availability_of_an_unknown_property(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        unknown = max(listing["id"] for listing in sandbox.account.listings) + 1
        text = await call_error(
            client,
            "check_property_availability",
            {"property_id": unknown, "start_date": "2026-12-01", "end_date": "2026-12-05"},
        )
        assert f"Property {unknown} not found" in text and "list_properties" in text


# -- validation: every bad input is refused before any request -----------------------------------

SEARCH_OK = {"check_in": "2026-12-01", "check_out": "2026-12-05"}
AVAILABILITY_OK = {"property_id": 1, "start_date": "2026-12-01", "end_date": "2026-12-05"}


BAD_INPUTS: list[tuple[str, dict[str, Any], str]] = [
    ("search_available_properties", {**SEARCH_OK, "check_out": "2026-12-01"}, "must be after check_in"),
    ("search_available_properties", {**SEARCH_OK, "check_out": "2026-11-28"}, "must be after check_in"),
    ("search_available_properties", {"check_in": "2026-11-19", "check_out": "2026-11-25"}, "in the past"),
    ("search_available_properties", {**SEARCH_OK, "check_out": "2027-12-05"}, "maximum is 366"),
    ("search_available_properties", {**SEARCH_OK, "guests": 0}, "guests"),
    ("search_available_properties", {**SEARCH_OK, "guests": 51}, "guests"),
    ("search_available_properties", {**SEARCH_OK, "check_in": "2026-02-30"}, "check_in"),
    ("search_available_properties", {**SEARCH_OK, "check_in": "next friday"}, "check_in"),
    ("search_available_properties", {**SEARCH_OK, "limit": 0}, "limit"),
    ("search_available_properties", {**SEARCH_OK, "max_total_price": -5}, "max_total_price"),
    ("search_available_properties", {**SEARCH_OK, "min_bedrooms": -1}, "min_bedrooms"),
    ("check_property_availability", {**AVAILABILITY_OK, "property_id": 0}, "property_id"),
    ("check_property_availability", {**AVAILABILITY_OK, "property_id": -3}, "property_id"),
    ("check_property_availability", {**AVAILABILITY_OK, "end_date": "2026-12-01"}, "must be after start_date"),
    ("check_property_availability", {**AVAILABILITY_OK, "end_date": "2028-01-01"}, "maximum is 366"),
]


async def test_every_bad_input_is_refused_before_any_call(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        for tool, arguments, hint in BAD_INPUTS:
            text = await call_error(client, tool, arguments)
            assert hint in text, (tool, arguments, text)
            assert sandbox.request_log == [], (tool, arguments)
