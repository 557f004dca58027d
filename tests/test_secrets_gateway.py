"""The API key and the access token never reach a log line or an error text."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from mcp import Client

from hostaway_mcp.errors import HostawayError
from hostaway_mcp.gateway import HostawayGateway
from tests.conftest import BASE_URL, PLANTED_SECRET, PLANTED_TOKEN, TODAY, call_error, token_body
from tests.faults import Fault, faults_of

pytestmark = pytest.mark.respx(base_url=BASE_URL, assert_all_called=False)

CARD = "4111 1111 1111 1111"
DOOR = "DOOR-8642"
WIFI = "WIFI-SECRET-k9Q2xL7m"
LOCKBOX = "LOCKBOX-3141"
# What an error body may echo: our credentials, and what a request or the account carried.
ECHO = (
    f"bad request for client_secret={PLANTED_SECRET} with Bearer {PLANTED_TOKEN}: guest note "
    f"'pay with card {CARD}, door code {DOOR}, wifi password: {WIFI}, lockbox {LOCKBOX}' is not allowed"
)
PLANTED_IN_ERRORS = (PLANTED_SECRET, PLANTED_TOKEN, CARD, CARD.replace(" ", ""), DOOR, WIFI, LOCKBOX, "4111 1111")


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(400, json={"status": "fail", "result": ECHO}),
        httpx.Response(200, json={"status": "fail", "result": ECHO}),
        httpx.Response(422, json={"status": "fail", "message": ECHO}),
        httpx.Response(500, text=f"<html><body><h1>Error</h1><p>{ECHO}</p></body></html>"),
        httpx.Response(200, text=f'{{"status": "success", "result": "{ECHO}'),
        httpx.Response(403, json={"status": "fail", "message": ECHO}),
        httpx.Response(404, json={"status": "fail", "result": ECHO}),
        httpx.Response(404, json={"status": "fail", "error": ECHO}),
    ],
    ids=["400", "fail-envelope", "422-message", "html-500", "malformed", "403", "404", "404-error"],
)
async def test_errors_and_logs_never_carry_a_secret_a_card_number_or_an_access_code(
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
    for text in (caught.value.message, str(caught.value), caplog.text):
        for planted in PLANTED_IN_ERRORS:
            assert planted not in text, planted
    assert "[redacted]" in caught.value.message or "HTTP" in caught.value.message


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


@pytest.mark.parametrize("cut_at", range(150, 175))
async def test_no_part_of_a_card_number_survives_the_cut_of_a_long_error(
    respx_mock: respx.MockRouter, gateway: HostawayGateway, cut_at: int
) -> None:
    body = "x" * (cut_at - 5) + f" card {CARD} " + "y" * 400  # the number straddles the excerpt's end
    respx_mock.post("/accessTokens").respond(200, json=token_body())
    respx_mock.get("/listings").respond(400, json={"status": "fail", "result": body})
    with pytest.raises(HostawayError) as caught:
        await gateway.get("listings")
    assert "4111" not in caught.value.message
    assert "1111 1111" not in caught.value.message


async def test_an_error_body_reaches_tool_results_and_state_files_masked(
    server_factory: Any, sandbox_factory: Any, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox = sandbox_factory(listings=3)
    listing_id = sandbox.account.listings[0]["id"]
    start = TODAY + timedelta(days=200)
    nights = {"start_date": start.isoformat(), "end_date": (start + timedelta(days=1)).isoformat()}
    refusal = {"status": "fail", "result": ECHO}
    async with Client(server_factory(sandbox)) as client:
        faults_of(sandbox).script(Fault("status", status=400, method="GET", path="/listings", body=refusal))
        read_error = await call_error(client, "get_property_details", {"property_id": listing_id})
        faults_of(sandbox).script(Fault("status", status=400, method="PUT", path="/listings", body=refusal))
        write_error = await call_error(client, "block_dates", {"property_id": listing_id, **nights, "confirm": True})
    assert "guest note" in read_error
    state = b"".join(path.read_bytes() for path in (tmp_path / "cache").rglob("*") if path.is_file())
    # (The sandbox mints its own tokens, so the planted token in the echo is nobody's: not checked.)
    for text in (read_error, write_error, caplog.text, state.decode("utf-8", "replace")):
        for planted in (p for p in PLANTED_IN_ERRORS if p != PLANTED_TOKEN):
            assert planted not in text, planted
