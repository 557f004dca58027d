"""The sandbox over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from hostaway_mcp.sandbox import Sandbox
from hostaway_mcp.sandbox.http_server import serve_sandbox
from tests.faults import Fault, faults_of
from tests.sandbox.helpers import TOKEN_FORM, FakeClock


async def test_end_to_end_over_loopback(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox()
    with serve_sandbox(sandbox) as base_url:
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        async with httpx.AsyncClient(base_url=base_url) as client:
            token = await client.post("/accessTokens", data=TOKEN_FORM)
            assert token.status_code == 200
            client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            listings = await client.get("/listings", params={"city": "Berlin"})
            assert listings.status_code == 200
            assert [x["city"] for x in listings.json()["result"]] == ["Berlin"] * listings.json()["count"]
            conversation = sandbox.account.conversations[0]
            sent = await client.post(f"/conversations/{conversation['id']}/messages", json={"body": "Over HTTP"})
            assert sent.json()["result"]["body"] == "Over HTTP"
            assert sandbox.account.messages[conversation["id"]][-1]["body"] == "Over HTTP"
            outside = await client.get(base_url.removesuffix("/v1") + "/listings")
            assert outside.status_code == 404
    assert {r.client_key for r in sandbox.request_log} == {"127.0.0.1"}
    assert [r.path for r in sandbox.request_log[:3]] == [
        "/accessTokens",
        "/listings",
        f"/conversations/{conversation['id']}/messages",
    ]


async def test_clients_on_one_address_share_the_rate_limit(
    make_sandbox: Callable[..., Sandbox], fake_clock: FakeClock
) -> None:
    sandbox = make_sandbox(enforce_rate_limits=True, rate_limits="legacy")
    with serve_sandbox(sandbox) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as first, httpx.AsyncClient(base_url=base_url) as second:
            token = (await first.post("/accessTokens", data=TOKEN_FORM)).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            for _ in range(14):
                assert (await first.get("/amenities", headers=headers)).status_code == 200
            limited = await second.get("/amenities", headers=headers)
            assert limited.status_code == 429
            fake_clock.advance(10)
            assert (await second.get("/amenities", headers=headers)).status_code == 200


async def test_reset_over_loopback_is_a_transport_error(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox()
    faults_of(sandbox).script(Fault("reset"))
    with serve_sandbox(sandbox) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as client:
            with pytest.raises(httpx.TransportError):
                await client.post("/accessTokens", data=TOKEN_FORM)
            assert (await client.post("/accessTokens", data=TOKEN_FORM)).status_code == 200
    assert len(sandbox.request_log) == 2


async def test_read_timeout_over_loopback_processes_then_hangs(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox()
    faults_of(sandbox).script(Fault("read_timeout", path="/accessTokens"))
    with serve_sandbox(sandbox, hang_s=5.0) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(5.0, read=0.05)) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.post("/accessTokens", data=TOKEN_FORM)
    assert [r.path for r in sandbox.request_log] == ["/accessTokens"]
