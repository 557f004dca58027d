"""list_properties and get_property_details through an MCP client, against the sandbox account.

Expected answers come from the sandbox's raw listing dicts (`sandbox.account.listings`), never
from the tools' own helpers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from mcp import Client

from tests.conftest import api_calls, call_error, call_ok

LISTING_SECRETS = ("doorSecurityCode", "wifiPassword", "keyPickup")


def compact(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def result_text(result: Any) -> str:
    """Everything a client receives: structured content and every text block."""
    texts = [getattr(block, "text", "") for block in result.content]
    return json.dumps(result.structured_content, ensure_ascii=False) + "\n".join(texts)


# -- list_properties ----------------------------------------------------------------------------


async def test_list_properties_pages_the_whole_portfolio(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        listings = sandbox.account.listings
        first = await call_ok(client, "list_properties", {"limit": 5})
        assert first["total"] == len(listings)
        assert first["offset"] == 0 and first["limit"] == 5 and first["next_offset"] == 5
        raw = listings[0]
        assert first["items"][0] == {
            "id": raw["id"],
            "name": raw["name"],
            "city": raw["city"],
            "country": raw["country"],
            "bedrooms": raw["bedroomsNumber"],
            "bathrooms": raw["bathroomsNumber"],
            "max_guests": raw["personCapacity"],
            "base_price": raw["price"],
            "currency": raw["currencyCode"],
        }
        seen = [item["id"] for item in first["items"]]
        offset = first["next_offset"]
        while offset is not None:
            page = await call_ok(client, "list_properties", {"limit": 5, "offset": offset})
            seen += [item["id"] for item in page["items"]]
            offset = page["next_offset"]
        assert sorted(seen) == sorted(listing["id"] for listing in listings)
        assert len(seen) == len(set(seen))


async def test_list_properties_filters_by_city_in_one_call(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        city = sandbox.account.listings[3]["city"]
        expected = sorted(listing["id"] for listing in sandbox.account.listings if listing["city"] == city)
        result = await call_ok(client, "list_properties", {"city": city, "limit": 100})
        assert sorted(item["id"] for item in result["items"]) == expected
        assert result["total"] == len(expected) and result["next_offset"] is None
        calls = api_calls(sandbox)
        assert len(calls) == 1
        assert calls[0].path == "/listings" and calls[0].params.get("city") == city


async def test_list_properties_name_filter(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        word = sandbox.account.listings[0]["name"].split()[0]  # an adjective like "Sunny"
        expected = {listing["id"] for listing in sandbox.account.listings if word.lower() in listing["name"].lower()}
        result = await call_ok(client, "list_properties", {"name": word, "limit": 100})
        assert {item["id"] for item in result["items"]} == expected


# -- get_property_details -----------------------------------------------------------------------


async def test_property_details_match_the_listing(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        raw = sandbox.account.listings[2]
        details = await call_ok(client, "get_property_details", {"property_id": raw["id"]})
        images = sorted(raw["listingImages"], key=lambda image: image["sortOrder"])
        assert details["id"] == raw["id"] and details["name"] == raw["name"]
        assert details["address"] == raw["address"]
        assert details["lat"] == pytest.approx(raw["lat"], abs=1e-5)
        assert details["lng"] == pytest.approx(raw["lng"], abs=1e-5)
        assert details["max_guests"] == raw["personCapacity"]
        assert details["guests_included"] == raw["guestsIncluded"]
        assert (details["bedrooms"], details["beds"], details["bathrooms"]) == (
            raw["bedroomsNumber"],
            raw["bedsNumber"],
            raw["bathroomsNumber"],
        )
        assert sorted(details["amenities"]) == sorted(item["amenityName"] for item in raw["listingAmenities"])
        assert details["check_in"] == f"{raw['checkInTimeStart']:02d}:00-{raw['checkInTimeEnd']:02d}:00"
        assert details["check_out"] == f"{raw['checkOutTime']:02d}:00"
        assert details["house_rules"] == raw["houseRules"].strip()
        assert (details["min_nights"], details["max_nights"]) == (raw["minNights"], raw["maxNights"])
        assert details["cancellation_policy"] == raw["cancellationPolicy"]
        assert details["base_price"] == raw["price"]
        assert details["cleaning_fee"] == raw["cleaningFee"]
        assert details["extra_guest_fee"] == raw["priceForExtraPerson"]
        assert details["currency"] == raw["currencyCode"]
        assert details["timezone"] == raw["timeZoneName"]
        assert details["instant_booking"] is bool(raw["instantBookable"])
        assert details["image_count"] == len(images)
        assert details["images"] == [image["url"] for image in images[: len(details["images"])]]
        assert 1 <= len(details["images"]) <= 5
        assert len(api_calls(sandbox)) == 1


async def test_property_details_are_at_most_15_percent_of_the_raw_listing(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        ratios = []
        for raw in sandbox.account.listings:
            details = await call_ok(client, "get_property_details", {"property_id": raw["id"]})
            ratios.append(len(compact(details)) / len(compact(raw)))
        assert max(ratios) <= 0.15, f"largest result is {max(ratios):.1%} of its raw listing"


async def test_access_details_are_withheld_by_default(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        for raw in sandbox.account.listings[:6]:
            result = await client.call_tool("get_property_details", {"property_id": raw["id"]})
            assert not result.is_error
            everything = result_text(result)
            for field in LISTING_SECRETS:
                if raw.get(field):
                    assert raw[field] not in everything, f"{field} of listing {raw['id']} leaked"
            assert "KEYPAD-" not in everything and "WIFI-SECRET-" not in everything and "LOCKBOX-" not in everything
            assert result.structured_content is not None
            assert result.structured_content["access_details"] is None
            note = result.structured_content["withheld"]
            assert "door code" in note and "Wi-Fi" in note and "HOSTAWAY_SHARE_ACCESS_DETAILS" in note


async def test_access_details_are_shared_when_the_operator_opts_in(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    raw = sandbox.account.listings[1]
    async with Client(server_factory(sandbox, share_access_details=True)) as client:
        details = await call_ok(client, "get_property_details", {"property_id": raw["id"]})
    assert details["access_details"]["door_code"] == raw["doorSecurityCode"]
    assert details["access_details"]["wifi_password"] == raw["wifiPassword"]
    assert details["access_details"]["wifi_network"] == raw["wifiUsername"]
    assert details["withheld"] is None


async def test_card_numbers_in_house_rules_are_masked(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        raw = sandbox.account.listings[0]
        raw["houseRules"] = "No parties. Deposit goes on card 4111 1111 1111 1111 at check-in."
        details = await call_ok(client, "get_property_details", {"property_id": raw["id"]})
        assert "4111" not in details["house_rules"]
        assert details["house_rules"].startswith("No parties.")


async def test_amenity_ids_are_resolved_with_one_cached_catalogue_call(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        first, second = sandbox.account.listings[0], sandbox.account.listings[1]
        expected = {}
        for raw in (first, second):
            expected[raw["id"]] = sorted(item["amenityName"] for item in raw["listingAmenities"])
            for item in raw["listingAmenities"]:
                del item["amenityName"]  # as the documented shape: {id, amenityId}
        for raw in (first, second):
            details = await call_ok(client, "get_property_details", {"property_id": raw["id"]})
            assert sorted(details["amenities"]) == expected[raw["id"]]
        catalogue_calls = [entry for entry in api_calls(sandbox) if entry.path == "/amenities"]
        assert len(catalogue_calls) == 1


async def test_unknown_property_says_where_to_find_ids(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        unknown = max(listing["id"] for listing in sandbox.account.listings) + 1
        text = await call_error(client, "get_property_details", {"property_id": unknown})
        assert f"Property {unknown} not found" in text and "list_properties" in text


BAD_INPUTS: list[tuple[str, dict[str, Any]]] = [
    ("get_property_details", {"property_id": 0}),
    ("get_property_details", {"property_id": -4}),
    ("get_property_details", {"property_id": "abc"}),
    ("list_properties", {"limit": 0}),
    ("list_properties", {"limit": 500}),
    ("list_properties", {"offset": -1}),
]


async def test_every_bad_input_is_refused_before_any_call(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        for tool, arguments in BAD_INPUTS:
            text = await call_error(client, tool, arguments)
            assert next(iter(arguments)) in text, (tool, arguments, text)  # names the field to fix
            assert sandbox.request_log == [], (tool, arguments)
