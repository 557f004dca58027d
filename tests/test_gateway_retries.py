"""Retry policy, envelope unwrapping and error texts of the gateway."""

from __future__ import annotations

import email.utils
from collections.abc import Callable

import httpx
import pytest
import respx

from hostaway_mcp.config import Settings
from hostaway_mcp.errors import (
    HostawayTimeoutError,
    InvalidRequestError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    ReadOnlyError,
    TransportError,
    UpstreamError,
)
from hostaway_mcp.gateway import HostawayGateway
from tests.conftest import BASE_URL, FakeClock, token_body

OK = {"status": "success", "result": [{"id": 1}], "count": "1", "limit": 100, "offset": 0}
RATE_LIMITED = {
    "status": "fail",
    "message": "This error occurs because a server detects that your application has exceeded the rate limits",
}
HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>" + (
    "<hr><center>nginx</center></body></html>"
)


@pytest.fixture
def api(respx_mock: respx.MockRouter) -> respx.MockRouter:
    respx_mock.post("/accessTokens").respond(200, json=token_body())
    return respx_mock


pytestmark = pytest.mark.respx(base_url=BASE_URL, assert_all_called=False)


async def test_429_then_200_waits_the_retry_after(
    api: respx.MockRouter, gateway: HostawayGateway, clock: FakeClock
) -> None:
    route = api.get("/listings").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "3"}, json=RATE_LIMITED), httpx.Response(200, json=OK)]
    )
    page = await gateway.get("listings")
    assert page.count == 1  # "1" as a string in the envelope
    assert route.call_count == 2
    assert 3.0 in clock.sleeps
    assert gateway.stats.rate_limited == 1


async def test_retry_after_as_an_http_date_is_honoured(
    api: respx.MockRouter, gateway: HostawayGateway, clock: FakeClock
) -> None:
    when = email.utils.formatdate(clock() + 7, usegmt=True)
    api.get("/listings").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": when}, json=RATE_LIMITED),
            httpx.Response(200, json=OK),
        ]
    )
    await gateway.get("listings")
    assert any(6.0 <= s <= 8.0 for s in clock.sleeps)


async def test_hostaways_retry_after_timestamp_is_honoured(
    api: respx.MockRouter, gateway: HostawayGateway, clock: FakeClock
) -> None:
    headers = {"X-RateLimit-Retry-After": str(int(clock()) + 3), "Retry-After": "30"}
    route = api.get("/listings").mock(
        side_effect=[httpx.Response(429, headers=headers, json=RATE_LIMITED), httpx.Response(200, json=OK)]
    )
    await gateway.get("listings")
    assert route.call_count == 2
    assert clock.sleeps[-1] == pytest.approx(3.0, abs=1.0), "a Unix timestamp, not 1.8 billion seconds"


async def test_429_without_retry_after_backs_off_and_recovers(
    api: respx.MockRouter, gateway: HostawayGateway, clock: FakeClock
) -> None:
    api.get("/listings").mock(side_effect=[httpx.Response(429, json=RATE_LIMITED)] * 2 + [httpx.Response(200, json=OK)])
    await gateway.get("listings")
    assert gateway.stats.retries == 2
    first, second = clock.sleeps[-2:]  # before them: the token's not-before second
    assert 0.5 <= first <= 1.0 and 1.0 <= second <= 1.5  # 0.5·2^n plus up to 0.5 s of jitter


async def test_500_forever_fails_clearly_after_bounded_attempts(
    api: respx.MockRouter, gateway: HostawayGateway, settings: Settings, clock: FakeClock
) -> None:
    route = api.get("/reservations").respond(500, json={"status": "fail", "result": "Internal error"})
    with pytest.raises(UpstreamError) as caught:
        await gateway.get("reservations")
    assert route.call_count == settings.max_attempts
    assert "HTTP 500" in caught.value.message and "Try again" in caught.value.message
    assert sum(clock.sleeps) <= settings.max_retry_time_s + 2


async def test_an_absurd_retry_after_stops_instead_of_hanging(api: respx.MockRouter, gateway: HostawayGateway) -> None:
    route = api.get("/listings").respond(429, headers={"Retry-After": "3600"}, json=RATE_LIMITED)
    with pytest.raises(RateLimitedError) as caught:
        await gateway.get("listings")
    assert route.call_count == 1
    assert "3600" in caught.value.message


async def test_a_post_that_timed_out_reading_is_not_sent_again(api: respx.MockRouter, gateway: HostawayGateway) -> None:
    route = api.post("/conversations/5/messages").mock(side_effect=httpx.ReadTimeout("read timed out"))
    with pytest.raises(OutcomeUnknownError) as caught:
        await gateway.post("conversations/5/messages", {"body": "hi", "communicationType": "email"})
    assert route.call_count == 1
    assert "NOT retried" in caught.value.message


async def test_a_post_refused_at_connect_is_retried(api: respx.MockRouter, gateway: HostawayGateway) -> None:
    route = api.post("/conversations/5/messages").mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(200, json={"status": "success", "result": {"id": 9}}),
        ]
    )
    sent = await gateway.post("conversations/5/messages", {"body": "hi"})
    assert sent.object == {"id": 9}
    assert route.call_count == 2


async def test_a_post_answered_500_is_not_retried(api: respx.MockRouter, gateway: HostawayGateway) -> None:
    route = api.put("/listings/1/calendar").respond(500, json={"status": "fail", "result": "boom"})
    with pytest.raises(UpstreamError) as caught:
        await gateway.put("listings/1/calendar", {"startDate": "2026-12-01"})
    assert route.call_count == 1
    assert "may or may not have been applied" in caught.value.message


async def test_a_get_timeout_is_retried_then_reported(api: respx.MockRouter, gateway: HostawayGateway) -> None:
    route = api.get("/listings").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(HostawayTimeoutError):
        await gateway.get("listings")
    assert route.call_count == gateway.settings.max_attempts


async def test_a_dead_network_is_a_clear_error(api: respx.MockRouter, gateway: HostawayGateway) -> None:
    api.get("/listings").mock(side_effect=httpx.ConnectError("Name or service not known"))
    with pytest.raises(TransportError) as caught:
        await gateway.get("listings")
    assert "Could not reach Hostaway" in caught.value.message


async def test_malformed_json_is_an_upstream_error_with_an_excerpt(
    api: respx.MockRouter, gateway: HostawayGateway
) -> None:
    api.get("/listings").respond(200, text='{"status": "success", "result": [{"id": 1,')
    with pytest.raises(UpstreamError) as caught:
        await gateway.get("listings")
    assert "not JSON" in caught.value.message
    assert '"result": [{"id": 1,' in caught.value.message


async def test_an_html_502_page_becomes_a_short_readable_error(api: respx.MockRouter, gateway: HostawayGateway) -> None:
    api.get("/listings").respond(502, text=HTML_502, headers={"Content-Type": "text/html"})
    with pytest.raises(UpstreamError) as caught:
        await gateway.get("listings")
    assert "502 Bad Gateway" in caught.value.message
    assert "<" not in caught.value.message


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (200, {"status": "fail", "result": 'The "images" parameter is required'}, InvalidRequestError, "images"),
        (404, {"status": "fail", "result": "Listing not found"}, NotFoundError, "Listing not found"),
        (400, {"status": "fail", "message": "Bad date"}, InvalidRequestError, "Bad date"),
    ],
)
async def test_failure_envelopes_become_typed_errors_with_hostaways_text(
    api: respx.MockRouter,
    gateway: HostawayGateway,
    status: int,
    body: dict[str, str],
    error: type[Exception],
    text: str,
) -> None:
    api.get("/listings/7").respond(status, json=body)
    with pytest.raises(error) as caught:
        await gateway.get("listings/7")
    assert text in str(caught.value)


async def test_read_only_mode_refuses_writes_before_sending(
    api: respx.MockRouter, settings_factory: Callable[..., Settings], clock: FakeClock
) -> None:
    settings = settings_factory(read_only=True)
    async with HostawayGateway(settings, clock=clock, wall_clock=clock, sleep=clock.sleep) as gw:
        with pytest.raises(ReadOnlyError):
            await gw.post("conversations/1/messages", {"body": "x"})
        with pytest.raises(ReadOnlyError):
            await gw.put("listings/1/calendar", {"isAvailable": 0})
    assert len(api.calls) == 0


async def test_a_price_quote_is_a_post_that_only_reads(
    api: respx.MockRouter, settings_factory: Callable[..., Settings], clock: FakeClock
) -> None:
    """priceDetails changes nothing: read-only mode sends it, and a 503 or a timeout is retried like a GET."""
    quote = api.post("/listings/7/calendar/priceDetails").mock(
        side_effect=[httpx.Response(503), httpx.ReadTimeout("slow"), httpx.Response(200, json=OK)]
    )
    booking = api.post("/reservations").respond(503)
    settings = settings_factory(read_only=True)
    async with HostawayGateway(settings, clock=clock, wall_clock=clock, sleep=clock.sleep) as gw:
        await gw.post("listings/7/calendar/priceDetails", {"version": 2})
        with pytest.raises(ReadOnlyError):
            await gw.post("listings/7/calendar/priceDetails/../../../reservations", {})
    assert quote.call_count == 3 and booking.call_count == 0
    async with HostawayGateway(settings_factory(), clock=clock, wall_clock=clock, sleep=clock.sleep) as gw:
        with pytest.raises(UpstreamError, match="may or may not have been applied"):
            await gw.post("reservations", {"channelId": 2000})
    assert booking.call_count == 1, "a booking is never sent twice"


async def test_every_attempt_goes_through_the_limiter(api: respx.MockRouter, gateway: HostawayGateway) -> None:
    api.get("/listings").mock(side_effect=[httpx.Response(500)] * 2 + [httpx.Response(200, json=OK)])
    await gateway.get("listings")
    budget = gateway.limiter.budget()
    assert budget.in_window == 4  # the token exchange and three attempts


async def test_request_counters_are_per_endpoint_not_per_id(api: respx.MockRouter, gateway: HostawayGateway) -> None:
    """A long session touches thousands of bookings; the counters must not grow with them."""
    api.get(path__regex=r"/reservations/\d+$").respond(200, json={"status": "success", "result": {"id": 1}})
    for booking_id in (11, 22, 33):
        await gateway.get(f"reservations/{booking_id}")
    assert gateway.stats.by_path == {"/accessTokens": 1, "/reservations/{id}": 3}
