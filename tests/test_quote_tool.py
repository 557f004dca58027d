"""quote_stay through a real MCP client: Hostaway's own price to the cent, the verdict, no made-up prices."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from mcp import Client

from tests.conftest import TODAY, call_error, call_ok
from tests.faults import Fault, faults_of
from tests.stays import bookable_stay, requests_to, stay_args

QUOTES = "/calendar/priceDetails"


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory(listings=6)


def lines_of(quote: dict[str, Any]) -> list[tuple[str, str, float, bool]]:
    return [(line["kind"], line["name"], line["amount"], line["in_total"]) for line in quote["lines"]]


def sandbox_lines(result: dict[str, Any]) -> list[tuple[str, str, float, bool]]:
    return [(c["type"], c["name"], c["total"], bool(c["isIncludedInTotalPrice"])) for c in result["components"]]


async def test_the_quote_is_the_sandboxs_own_price_across_a_weekend_and_a_price_change(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    listing, start, end = bookable_stay(sandbox, 3, weekend=True)
    friday = next(start + timedelta(days=n) for n in range(3) if (start + timedelta(days=n)).weekday() == 4)
    async with Client(server_factory(sandbox)) as client:
        before = await call_ok(client, "quote_stay", stay_args(listing, start, end))
        await call_ok(
            client,
            "update_nightly_rates",
            {"property_id": listing["id"], "start_date": friday.isoformat(),
             "end_date": (friday + timedelta(days=1)).isoformat(), "nightly_price": 417.35, "confirm": True},
        )  # fmt: skip
        after = await call_ok(client, "quote_stay", stay_args(listing, start, end))
    own = sandbox.quote(listing["id"], start, end, 2)
    assert after["bookable"] is True and after["reasons"] == []
    assert after["price"]["total"] == own["totalPrice"]
    assert lines_of(after) == sandbox_lines(own)
    prices = [sandbox.calendar_day(listing["id"], start + timedelta(days=n))["price"] for n in range(3)]
    assert 417.35 in prices and len(set(prices)) == 3, "the weekend and the new price both show"
    assert after["price"]["nights"] == round(sum(prices), 2)
    assert after["price"]["average_nightly"] == round(sum(prices) / 3, 2)
    assert after["price"]["total"] != before["price"]["total"]
    included = round(sum(line["amount"] for line in after["lines"] if line["in_total"]), 2)
    assert included == after["price"]["total"]
    assert after["currency"] == listing["currencyCode"]
    assert after["cancellation_policy"] == listing["cancellationPolicy"]
    assert len(requests_to(sandbox, "POST", QUOTES)) == 2


async def test_a_week_shows_its_discount_negative_and_every_kind_summed(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    listing, start, end = bookable_stay(sandbox, 7, guests=3)
    async with Client(server_factory(sandbox)) as client:
        quote = await call_ok(client, "quote_stay", stay_args(listing, start, end, 3))
    own = sandbox.quote(listing["id"], start, end, 3)
    price = quote["price"]
    assert lines_of(quote) == sandbox_lines(own)
    discount = next(line for line in quote["lines"] if line["kind"] == "discount")
    assert discount["name"] == "weeklyDiscount" and discount["amount"] < 0
    assert price["discounts"] == discount["amount"]
    assert price["taxes"] == round(sum(c["total"] for c in own["components"] if c["type"] == "tax"), 2)
    assert price["cleaning_fee"] == listing["cleaningFee"]
    total = price["nights"] + price["discounts"] + price["cleaning_fee"] + price["other_fees"] + price["taxes"]
    assert round(total, 2) == price["total"] == own["totalPrice"]


async def test_a_deposit_is_shown_apart_from_the_total(server_factory: Callable[..., Any], sandbox: Any) -> None:
    listing, start, end = bookable_stay(sandbox, 2, listing_filter=lambda x: x["refundableDamageDeposit"] > 0)
    async with Client(server_factory(sandbox)) as client:
        quote = await call_ok(client, "quote_stay", stay_args(listing, start, end))
    deposit = next(line for line in quote["lines"] if line["name"] == "damageDeposit")
    assert deposit["in_total"] is False and quote["price"]["not_in_total"] == listing["refundableDamageDeposit"]
    assert quote["price"]["total"] == sandbox.quote(listing["id"], start, end, 2)["totalPrice"]


def booked_middle(sandbox: Any) -> tuple[dict[str, Any], Any, Any, Any]:
    """A stay whose middle night is the first night of a real booking (the night before it free)."""
    listings = {x["id"]: x for x in sandbox.account.listings}
    for reservation in sandbox.account.reservations:
        arrival = date.fromisoformat(reservation["arrivalDate"])
        listing = listings[reservation["listingMapId"]]
        if reservation["status"] == "new" and arrival > TODAY + timedelta(days=10):
            before = sandbox.calendar_day(listing["id"], arrival - timedelta(days=1))
            if before["status"] == "available":
                return listing, arrival - timedelta(days=1), arrival + timedelta(days=1), arrival
    raise AssertionError("no booking with a free night before it")


@pytest.mark.parametrize("how", ["blocked", "booked"])
async def test_a_night_that_cannot_be_had_gives_not_bookable_and_no_price(
    server_factory: Callable[..., Any], sandbox: Any, how: str
) -> None:
    if how == "booked":
        listing, start, end, middle = booked_middle(sandbox)
    else:
        listing, start, end = bookable_stay(sandbox, 3)
        middle = start + timedelta(days=1)
    async with Client(server_factory(sandbox)) as client:
        if how == "blocked":
            await call_ok(
                client,
                "block_dates",
                {"property_id": listing["id"], "start_date": middle.isoformat(),
                 "end_date": (middle + timedelta(days=1)).isoformat(), "confirm": True},
            )  # fmt: skip
        since = len(sandbox.request_log)
        quote = await call_ok(client, "quote_stay", stay_args(listing, start, end))
    assert quote["bookable"] is False
    assert any(middle.isoformat() in reason and how in reason for reason in quote["reasons"]), quote["reasons"]
    assert quote["price"] is None and quote["lines"] == []
    assert "No price" in " ".join(quote["notes"])
    assert not [r for r in sandbox.request_log[since:] if QUOTES in r.path], "no quote is asked for"


async def test_rules_capacity_and_the_past_are_reasons_too(server_factory: Callable[..., Any], sandbox: Any) -> None:
    listing, start, end = bookable_stay(sandbox, 3)
    async with Client(server_factory(sandbox)) as client:
        crowd = await call_ok(client, "quote_stay", stay_args(listing, start, end, listing["personCapacity"] + 1))
        yesterday = TODAY - timedelta(days=1)
        past = await call_ok(client, "quote_stay", stay_args(listing, yesterday, yesterday + timedelta(days=3)))
    assert crowd["bookable"] is False and any("sleeps at most" in reason for reason in crowd["reasons"])
    assert past["bookable"] is False and "in the past" in past["reasons"][0] and past["price"] is None
    assert listing["timeZoneName"] in past["local_today"]


async def test_a_coupon_is_refused_before_anything_is_sent(server_factory: Callable[..., Any], sandbox: Any) -> None:
    listing, start, end = bookable_stay(sandbox, 3)
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "quote_stay", {**stay_args(listing, start, end), "coupon": "WELCOME10"})
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert "does not apply coupons" in error and "Nothing was sent" in error and "without coupon" in error
    assert [r for r in sandbox.request_log if r.path != "/accessTokens"] == []
    # The model is told before it calls: the coupon parameter says it is refused, and why.
    coupon = tools["quote_stay"].input_schema["properties"]["coupon"]["description"]
    assert "Refused" in coupon and "record" in coupon
    assert tools["quote_stay"].annotations is not None and tools["quote_stay"].annotations.read_only_hint is True


async def test_read_only_mode_still_quotes(server_factory: Callable[..., Any], sandbox: Any) -> None:
    listing, start, end = bookable_stay(sandbox, 2)
    async with Client(server_factory(sandbox, read_only=True)) as client:
        quote = await call_ok(client, "quote_stay", stay_args(listing, start, end))
    assert quote["price"]["total"] == sandbox.quote(listing["id"], start, end, 2)["totalPrice"]


async def test_a_quote_draws_on_the_quote_bucket_not_the_general_one(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    listing, start, end = bookable_stay(sandbox, 2)
    async with Client(server_factory(sandbox)) as client:
        await call_ok(client, "quote_stay", stay_args(listing, start, end))
    assert sandbox.requests_in_window(gate="quotes") == 1
    general = [r for r in sandbox.request_log if QUOTES not in r.path]
    assert sandbox.requests_in_window() == len(general)


async def test_real_account_shapes_in_a_quote_are_read_and_a_mismatch_is_said(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    """Amounts and flags as strings, a deleted component, an unknown type, a total that is not the sum."""
    listing, start, end = bookable_stay(sandbox, 2)
    components = [
        {"type": "price", "name": "baseRate", "title": "Base rate", "total": "200.00", "isIncludedInTotalPrice": "1"},
        {"type": "fee", "name": "cleaningFee", "title": "Cleaning", "value": 50, "isIncludedInTotalPrice": True},
        {"type": "fee", "name": "linen", "title": "Linen", "total": 9, "isIncludedInTotalPrice": 1, "isDeleted": 1},
        {"type": "surcharge", "name": "x", "title": "Resort fee", "total": 10, "isIncludedInTotalPrice": 1},
    ]
    body = {"status": "success", "result": {"totalPrice": "265.5", "components": components}}
    faults_of(sandbox).script(Fault("status", method="POST", path=f"/listings/{listing['id']}", status=200, body=body))
    async with Client(server_factory(sandbox)) as client:
        quote = await call_ok(client, "quote_stay", stay_args(listing, start, end))
    assert quote["price"]["total"] == 265.5
    assert [(line["name"], line["amount"], line["kind"]) for line in quote["lines"]] == [
        ("baseRate", 200.0, "price"),
        ("cleaningFee", 50.0, "fee"),
        ("x", 10.0, "fee"),
    ]
    notes = " ".join(quote["notes"])
    assert "'surcharge'" in notes and "not the sum of its lines (260.00)" in notes


async def test_a_quote_survives_a_transient_failure_of_the_quote_request(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    listing, start, end = bookable_stay(sandbox, 2)
    faults_of(sandbox).script(Fault("status", method="POST", path=f"/listings/{listing['id']}", status=503))
    async with Client(server_factory(sandbox)) as client:
        quote = await call_ok(client, "quote_stay", stay_args(listing, start, end))
    assert quote["price"]["total"] == sandbox.quote(listing["id"], start, end, 2)["totalPrice"]
    assert len(requests_to(sandbox, "POST", QUOTES)) == 2, "retried once, like a read"


# -- search_available_properties(with_quotes=true) ---------------------------------------------------


def far_search(nights: int = 2) -> dict[str, Any]:
    start = TODAY + timedelta(days=160)
    return {"check_in": start.isoformat(), "check_out": (start + timedelta(days=nights)).isoformat(), "guests": 2}


async def test_a_search_with_quotes_prices_its_first_results_with_hostaways_quote(
    server_factory: Callable[..., Any], sandbox_factory: Callable[..., Any]
) -> None:
    sandbox = sandbox_factory()  # 24 properties: more bookable ones than are quoted
    search = far_search()
    async with Client(server_factory(sandbox)) as client:
        plain = await call_ok(client, "search_available_properties", search)
        assert requests_to(sandbox, "POST", QUOTES) == []
        quoted = await call_ok(client, "search_available_properties", {**search, "with_quotes": True})
    items = quoted["items"]
    assert len(items) > 5 and [item["id"] for item in items] == [item["id"] for item in plain["items"]]
    start, end = date.fromisoformat(search["check_in"]), date.fromisoformat(search["check_out"])
    for item in items[:5]:
        assert item["quote"]["total"] == sandbox.quote(item["id"], start, end, 2)["totalPrice"], item["id"]
        assert item["quote"]["nights"] == item["total_price"]
    assert all("quote" not in item or item["quote"] is None for item in items[5:])
    assert all("quote" not in item or item["quote"] is None for item in plain["items"])
    assert len(requests_to(sandbox, "POST", QUOTES)) == 5
    assert sandbox.requests_in_window(gate="quotes") == 5
    assert any("The first 5 properties carry Hostaway's own price" in note for note in quoted["notes"])


async def test_a_search_never_quotes_more_than_the_quote_bucket_holds(
    server_factory: Callable[..., Any], sandbox_factory: Callable[..., Any]
) -> None:
    sandbox = sandbox_factory()
    async with Client(server_factory(sandbox, rate_limit_quotes="2/10")) as client:
        quoted = await call_ok(client, "search_available_properties", {**far_search(), "with_quotes": True})
    assert [bool(item.get("quote")) for item in quoted["items"][:3]] == [True, True, False]
    assert len(requests_to(sandbox, "POST", QUOTES)) == 2
    assert any("only 2 of the first 5" in note for note in quoted["notes"])
