"""Token minting, reuse across restarts, and the one-refresh rule for 403."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Callable

import httpx
import pytest
import respx

from hostaway_mcp.config import Settings
from hostaway_mcp.errors import AuthenticationError, PermissionDeniedError
from hostaway_mcp.gateway import HostawayGateway
from tests.conftest import BASE_URL, PLANTED_SECRET, PLANTED_TOKEN, FakeClock, token_body

LISTINGS = {"status": "success", "result": [], "count": 0, "limit": 100, "offset": 0}


@respx.mock(base_url=BASE_URL)
async def test_twenty_concurrent_first_calls_mint_once(respx_mock: respx.MockRouter, gateway: HostawayGateway) -> None:
    mint = respx_mock.post("/accessTokens").respond(200, json=token_body())
    listings = respx_mock.get("/listings").respond(200, json=LISTINGS)
    await asyncio.gather(*(gateway.get("listings") for _ in range(20)))
    assert mint.call_count == 1
    assert listings.call_count == 20
    form = dict(httpx.QueryParams(mint.calls.last.request.content.decode()))
    assert form == {
        "grant_type": "client_credentials",
        "client_id": "59808",
        "client_secret": PLANTED_SECRET,
        "scope": "general",
    }
    assert mint.calls.last.request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert listings.calls.last.request.headers["authorization"] == f"Bearer {PLANTED_TOKEN}"


@respx.mock(base_url=BASE_URL)
async def test_a_fresh_token_is_used_only_after_its_not_before_second(
    respx_mock: respx.MockRouter, gateway: HostawayGateway, clock: FakeClock
) -> None:
    respx_mock.post("/accessTokens").respond(200, json=token_body())
    seen: list[float] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(clock())
        return httpx.Response(200, json=LISTINGS)

    respx_mock.get("/listings").mock(side_effect=record)
    minted_at = clock()
    await gateway.get("listings")
    assert seen[0] >= minted_at + 1.0


@respx.mock(base_url=BASE_URL)
async def test_a_second_gateway_reuses_the_cached_token_file(
    respx_mock: respx.MockRouter, settings: Settings, clock: FakeClock
) -> None:
    mint = respx_mock.post("/accessTokens").respond(200, json=token_body())
    respx_mock.get("/listings").respond(200, json=LISTINGS)
    async with HostawayGateway(settings, clock=clock, wall_clock=clock, sleep=clock.sleep) as first:
        await first.get("listings")
    files = list(settings.cache_dir.glob("token-*.json"))
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert PLANTED_SECRET not in files[0].read_text()
    async with HostawayGateway(settings, clock=clock, wall_clock=clock, sleep=clock.sleep) as second:
        await second.get("listings")
    assert mint.call_count == 1


@respx.mock(base_url=BASE_URL)
async def test_403_refreshes_once_then_is_a_permission_error(
    respx_mock: respx.MockRouter, gateway: HostawayGateway
) -> None:
    mint = respx_mock.post("/accessTokens").respond(200, json=token_body())
    forbidden = respx_mock.get("/conversations").respond(
        403, json={"status": "fail", "result": "Messaging is not enabled for this account"}
    )
    with pytest.raises(PermissionDeniedError) as caught:
        await gateway.get("conversations")
    assert mint.call_count == 2
    assert forbidden.call_count == 2
    assert "Messaging is not enabled" in caught.value.message


@respx.mock(base_url=BASE_URL)
async def test_an_expired_token_is_replaced_transparently(
    respx_mock: respx.MockRouter, gateway: HostawayGateway
) -> None:
    respx_mock.post("/accessTokens").mock(
        side_effect=[httpx.Response(200, json=token_body("old")), httpx.Response(200, json=token_body("new"))]
    )

    def by_token(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == "Bearer new":
            return httpx.Response(200, json=LISTINGS)
        return httpx.Response(403, json={"status": "fail", "result": "Access denied"})

    respx_mock.get("/listings").mock(side_effect=by_token)
    assert (await gateway.get("listings")).count == 0
    assert gateway.tokens.mint_count == 2


@respx.mock(base_url=BASE_URL)
async def test_rejected_credentials_say_where_to_fix_them(
    respx_mock: respx.MockRouter, gateway: HostawayGateway
) -> None:
    respx_mock.post("/accessTokens").respond(401, json={"status": "fail", "result": "Invalid client"})
    with pytest.raises(AuthenticationError) as caught:
        await gateway.get("listings")
    assert "HOSTAWAY_SECRET_KEY" in caught.value.message
    assert "Settings > Hostaway API" in caught.value.message
    assert PLANTED_SECRET not in caught.value.message


@respx.mock(base_url=BASE_URL)
async def test_token_cache_can_be_turned_off(
    respx_mock: respx.MockRouter, settings_factory: Callable[..., Settings], clock: FakeClock
) -> None:
    settings = settings_factory(token_cache=False)
    respx_mock.post("/accessTokens").respond(200, json=token_body())
    respx_mock.get("/listings").respond(200, json=LISTINGS)
    async with HostawayGateway(settings, clock=clock, wall_clock=clock, sleep=clock.sleep) as gw:
        await gw.get("listings")
    assert not settings.cache_dir.exists() or not list(settings.cache_dir.glob("token-*"))
