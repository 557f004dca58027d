"""The API key and the access token never reach a log line or an error text."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from hostaway_mcp.errors import HostawayError
from hostaway_mcp.gateway import HostawayGateway
from tests.conftest import BASE_URL, PLANTED_SECRET, PLANTED_TOKEN
from tests.test_tokens import token_body

pytestmark = pytest.mark.respx(base_url=BASE_URL, assert_all_called=False)

ECHO = f"bad request for client_secret={PLANTED_SECRET} with Bearer {PLANTED_TOKEN}"


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(400, json={"status": "fail", "result": ECHO}),
        httpx.Response(200, json={"status": "fail", "result": ECHO}),
        httpx.Response(500, text=f"<html><body><h1>Error</h1><p>{ECHO}</p></body></html>"),
        httpx.Response(200, text=f'{{"status": "success", "result": "{ECHO}'),
        httpx.Response(403, json={"status": "fail", "message": ECHO}),
        httpx.Response(404, json={"status": "fail", "result": ECHO}),
    ],
    ids=["400", "fail-envelope", "html-500", "malformed", "403", "404"],
)
async def test_errors_and_logs_never_carry_the_secret_or_token(
    respx_mock: respx.MockRouter,
    gateway: HostawayGateway,
    caplog: pytest.LogCaptureFixture,
    response: httpx.Response,
) -> None:
    caplog.set_level(logging.DEBUG)
    respx_mock.post("/accessTokens").respond(200, json=token_body())
    respx_mock.get("/listings").mock(return_value=response)
    with pytest.raises(HostawayError) as caught:
        await gateway.get("listings", {"city": "Lisbon"})
    texts = [caught.value.message, str(caught.value), caplog.text]
    for text in texts:
        assert PLANTED_SECRET not in text
        assert PLANTED_TOKEN not in text
    assert "[redacted]" in caught.value.message


async def test_a_successful_session_logs_no_secret_token_or_query_values(
    respx_mock: respx.MockRouter, gateway: HostawayGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    respx_mock.post("/accessTokens").respond(200, json=token_body())
    respx_mock.get("/reservations").respond(200, json={"status": "success", "result": [], "count": 0})
    await gateway.get("reservations", {"guestEmail": "guest.private@example.com"})
    assert PLANTED_SECRET not in caplog.text
    assert PLANTED_TOKEN not in caplog.text
    assert "guest.private@example.com" not in caplog.text
    assert "GET /reservations -> 200" in caplog.text
