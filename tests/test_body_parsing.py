"""Response bodies parse as they did with httpx's `response.json()`, faster; malformed ones fail the same way."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from hostaway_mcp.bodies import parse_body, parse_items
from hostaway_mcp.errors import InvalidRequestError, UpstreamError
from hostaway_mcp.gateway import HostawayGateway
from tests.conftest import BASE_URL, token_body

BODIES = [
    b'{"status":"success","result":[{"id":1,"price":99.5,"name":"Caf\\u00e9 \xc3\xa9"}],"count":"1"}',
    b'{"a": NaN, "b": Infinity, "c": -Infinity}',  # the standard library accepts these; msgspec does not
    '{"status":"success","result":{"id":7}}'.encode("utf-16"),
    '{"status":"success","result":{"id":7}}'.encode("utf-32"),
    b'  {"nested": {"deep": [1, [2, [3, {"x": null, "y": true, "z": false}]]]}}  ',
    b'"just a string"',
    b"[]",
]
MALFORMED = [b'{"status":"success","result":[{"id":1', b"", b"<html>502</html>", b"\xff\xfe\xfd", b"{'a': 1}"]


@pytest.mark.parametrize("body", BODIES)
def test_every_body_parses_to_what_the_standard_library_gives(body: bytes) -> None:
    parsed, reference = parse_body(body), json.loads(body)
    assert json.dumps(parsed, sort_keys=True) == json.dumps(reference, sort_keys=True)


@pytest.mark.parametrize("body", MALFORMED)
def test_a_malformed_body_fails_as_a_value_error_like_before(body: bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(body)
    with pytest.raises(ValueError):
        parse_body(body)


def test_sandbox_pages_parse_identically(sandbox: Any) -> None:
    from hostaway_mcp.sandbox.wire import encode_json

    for body in (
        encode_json({"status": "success", "result": sandbox.account.reservations[:100], "count": 1}),
        encode_json({"status": "success", "result": sandbox.account.listings, "count": 24}),
    ):
        assert parse_body(body) == json.loads(body)


@pytest.mark.respx(base_url=BASE_URL)
@pytest.mark.parametrize("body", MALFORMED[:3])
async def test_a_malformed_answer_is_the_same_upstream_error(
    respx_mock: respx.MockRouter, gateway: HostawayGateway, body: bytes
) -> None:
    respx_mock.post("/accessTokens").respond(200, json=token_body())
    respx_mock.get("/listings").mock(return_value=httpx.Response(200, content=body))
    with pytest.raises(UpstreamError) as caught:
        await gateway.get("listings")
    assert caught.value.message.startswith("Hostaway sent a response that is not JSON for GET /listings (HTTP 200)")
    assert "Try again in a moment." in caught.value.message


# -- only the fields a caller reads (`parse_items`) --------------------------------------------------

FIELDS = ("id", "name", "price", "missing")
ENVELOPES = [
    *BODIES,
    b'{"status":"success","result":[{"id":1,"name":"A","extra":{"deep":[1,2]}},{"id":"2","price":null}],"count":2}',
    b'{"status":"success","result":{"id":7,"name":"One","other":1},"message":"kept out"}',
    b'{"status":"success","result":[{"id":1},3,"x",null],"count":"4"}',  # items that are not objects stay as they are
    b'{"status":"fail","result":"Listing not found"}',
    b'{"status":"success","result":[],"count":0,"limit":100,"offset":0}',
    b'{"result":[{"name":"no status","id":3}]}',
    b'{"access_token":"t","expires_in":60}',  # not an envelope: the token endpoint's plain JSON
    b'{"status":"success","result":[{"id":1,"price":NaN}]}',  # msgspec refuses NaN: parsed whole, then cut
    b'{"status":"success","result":[{"id":1,"id":2,"name":"last wins"}]}',
]


def _reference(body: bytes, fields: tuple[str, ...]) -> Any:
    """Parsing whole, then keeping `fields` of each object in `result`: what `parse_items` must equal."""
    parsed = json.loads(body)
    if not isinstance(parsed, dict) or ("status" not in parsed and "result" not in parsed):
        return parsed
    cut = {key: parsed[key] for key in ("status", "result", "count", "limit", "offset") if key in parsed}
    result = cut.get("result")
    if isinstance(result, list):
        cut["result"] = [{k: i[k] for k in fields if k in i} if isinstance(i, dict) else i for i in result]
    elif isinstance(result, dict):
        cut["result"] = {k: result[k] for k in fields if k in result}
    return cut


@pytest.mark.parametrize("body", ENVELOPES)
def test_only_the_fields_asked_for_are_kept_as_if_parsed_whole_and_cut(body: bytes) -> None:
    assert json.dumps(parse_items(body, FIELDS), sort_keys=True) == json.dumps(_reference(body, FIELDS), sort_keys=True)


NESTED = ("id", ("Reservation", ("id", "doorCode")), ("messages", ("id", "body")))
NESTED_ENVELOPES = [
    *ENVELOPES,
    b'{"status":"success","result":[{"id":1,"Reservation":{"id":9,"doorCode":"4711","x":[1]},"other":2},'
    b'{"id":2,"Reservation":null},{"id":3,"Reservation":"not an object"},{"id":4,"Reservation":7}]}',
    b'{"status":"success","result":[{"id":1,"messages":[{"id":5,"body":"hi","extra":{"a":1}},{"id":6}]},'
    b'{"id":2,"messages":[]}]}',
    b'{"status":"success","result":[{"id":1,"messages":[{"id":5},3,"x",null]}]}',  # not all objects
    b'{"status":"success","result":{"id":1,"Reservation":{"id":2,"doorCode":null,"guest":"kept out"}}}',
    b'{"status":"success","result":[{"id":1,"Reservation":{"doorCode":NaN}}]}',
]


def _reference_nested(body: bytes) -> Any:
    """`_reference` for NESTED, written out: Reservation's object, and each object of messages, cut."""
    cut = _reference(body, ("id", "Reservation", "messages"))
    if not isinstance(cut, dict) or ("status" not in cut and "result" not in cut):
        return cut
    result = cut.get("result")
    for item in result if isinstance(result, list) else [result]:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("Reservation"), dict):
            item["Reservation"] = {k: item["Reservation"][k] for k in ("id", "doorCode") if k in item["Reservation"]}
        if isinstance(item.get("messages"), list):
            item["messages"] = [
                {k: m[k] for k in ("id", "body") if k in m} if isinstance(m, dict) else m for m in item["messages"]
            ]
    return cut


@pytest.mark.parametrize("body", NESTED_ENVELOPES)
def test_an_inner_object_is_cut_to_its_own_fields_as_if_parsed_whole_and_cut(body: bytes) -> None:
    expected = json.dumps(_reference_nested(body), sort_keys=True)
    assert json.dumps(parse_items(body, NESTED), sort_keys=True) == expected


def test_inner_objects_keep_their_fields_in_order(sandbox: Any) -> None:
    from hostaway_mcp.sandbox.wire import encode_json

    wrapped = [{"id": r["id"], "Reservation": r} for r in sandbox.account.reservations[:50]]
    body = encode_json({"status": "success", "result": wrapped, "count": 50})
    fields = ("id", ("Reservation", ("status", "id", "guestName")))
    cut = parse_items(body, fields)
    assert cut["result"][0] == {
        "id": wrapped[0]["id"],
        "Reservation": {k: wrapped[0]["Reservation"][k] for k in ("status", "id", "guestName")},
    }
    assert list(cut["result"][0]["Reservation"]) == ["status", "id", "guestName"]


@pytest.mark.parametrize("body", MALFORMED)
def test_a_malformed_body_still_fails_as_a_value_error_when_cutting(body: bytes) -> None:
    with pytest.raises(ValueError):
        parse_items(body, FIELDS)


def test_sandbox_pages_keep_exactly_the_fields_asked_for_in_their_order(sandbox: Any) -> None:
    from hostaway_mcp.revenue_report import REPORT_FIELDS
    from hostaway_mcp.sandbox.wire import encode_json

    body = encode_json({"status": "success", "result": sandbox.account.reservations[:100], "count": 100})
    cut = parse_items(body, REPORT_FIELDS)
    assert cut == _reference(body, REPORT_FIELDS)
    first = cut["result"][0]
    assert list(first) == [key for key in REPORT_FIELDS if key in sandbox.account.reservations[0]]
    assert len(first) < len(sandbox.account.reservations[0]) / 4  # the other ~100 fields were never built


def test_field_names_need_not_be_python_identifiers() -> None:
    body = b'{"status":"success","result":[{"id":1,"class":"a","weird key":2,"_x":3,"Reservation":{"id":9}}]}'
    fields = ("class", "weird key", "_x", "Reservation")
    assert parse_items(body, fields)["result"] == [{"class": "a", "weird key": 2, "_x": 3, "Reservation": {"id": 9}}]


@pytest.mark.respx(base_url=BASE_URL)
async def test_the_gateway_cuts_each_item_to_the_fields_asked_for(
    respx_mock: respx.MockRouter, gateway: HostawayGateway
) -> None:
    respx_mock.post("/accessTokens").respond(200, json=token_body())
    listing = {"id": "5", "name": "Sea view", "description": "long " * 1000, "currencyCode": "EUR"}
    respx_mock.get("/listings").respond(200, json={"status": "success", "result": [listing], "count": "1"})
    page = await gateway.get("listings", {"limit": 1}, fields=("id", "name"))
    assert page.items == [{"id": "5", "name": "Sea view"}]
    assert page.count == 1
    whole = await gateway.get("listings", {"limit": 1})
    assert whole.items == [listing]


@pytest.mark.respx(base_url=BASE_URL)
async def test_a_refusal_is_reported_the_same_when_cutting(
    respx_mock: respx.MockRouter, gateway: HostawayGateway
) -> None:
    respx_mock.post("/accessTokens").respond(200, json=token_body())
    respx_mock.get("/listings").respond(200, json={"status": "fail", "result": "Bad filter value"})
    with pytest.raises(InvalidRequestError, match="Bad filter value"):
        await gateway.get("listings", fields=("id",))


def test_cutting_while_parsing_builds_a_fraction_of_the_objects(sandbox: Any) -> None:
    """The reason `parse_items` exists: the skipped fields are never built (not parsed whole, then cut)."""
    import tracemalloc

    from hostaway_mcp.revenue_report import REPORT_FIELDS
    from hostaway_mcp.sandbox.wire import encode_json

    body = encode_json({"status": "success", "result": sandbox.account.reservations[:100], "count": 100})
    peaks = []
    for parse in (parse_body, lambda content: parse_items(content, REPORT_FIELDS)):
        parse(body)  # the decoder is built once, outside the measurement
        tracemalloc.start()
        try:
            parse(body)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    whole, cut = peaks
    assert cut * 3 < whole


@pytest.mark.respx(base_url=BASE_URL)
async def test_an_answer_is_freed_when_dropped_not_left_to_the_garbage_collector(
    respx_mock: respx.MockRouter, gateway: HostawayGateway
) -> None:
    """httpx links a response and its stream to each other; the gateway breaks that link, so a
    page's body (megabytes on a big account) goes as soon as the page is dropped."""
    import gc

    respx_mock.post("/accessTokens").respond(200, json=token_body())
    respx_mock.get("/listings").respond(200, json={"status": "success", "result": [{"id": 1}], "count": 1})
    await gateway.get("listings")
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(3):
            await gateway.get("listings", fields=("id",))
        gc.collect()
        left = [thing for thing in gc.garbage if isinstance(thing, httpx.Response)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == []
