"""Response bodies parse as they did with httpx's `response.json()`, faster; malformed ones fail the same way."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from hostaway_mcp.errors import UpstreamError
from hostaway_mcp.gateway import HostawayGateway, parse_body
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
