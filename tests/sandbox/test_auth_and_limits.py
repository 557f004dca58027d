"""Token endpoint, 403 on bad tokens, and Hostaway's rate limits (both profiles) on the fake clock."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from hostaway_mcp.sandbox import Sandbox
from hostaway_mcp.sandbox.limits import RateLimits
from tests.sandbox.helpers import BASE_URL, TOKEN_FORM, FakeClock

RATE_LIMIT_BODY = {
    "status": "fail",
    "message": "This error occurs because a server detects that your application has exceeded the rate "
    "limits or has made too many requests in a given period of time.",
}


def client_for(sandbox: Sandbox, client_key: str = "ip-1") -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=BASE_URL, transport=sandbox.transport(client_key=client_key))


async def mint(client: httpx.AsyncClient) -> str:
    response = await client.post("/accessTokens", data=TOKEN_FORM)
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert isinstance(token, str)
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_token_endpoint_speaks_plain_oauth_json(sb: Sandbox) -> None:
    async with client_for(sb) as client:
        response = await client.post("/accessTokens", data=TOKEN_FORM)
    body = response.json()
    assert set(body) == {"token_type", "expires_in", "access_token"}  # no status/result envelope
    assert body["token_type"] == "Bearer" and body["expires_in"] == 15_897_600
    assert body["access_token"].count(".") == 2  # JWT-shaped
    assert sb.request_log[-1].path == "/accessTokens" and sb.request_log[-1].body == TOKEN_FORM


@pytest.mark.parametrize(
    ("send", "status"),
    [
        ({"json": TOKEN_FORM}, 400),  # the endpoint takes form data, not JSON
        ({"data": {**TOKEN_FORM, "grant_type": "password"}}, 400),
        ({"data": {k: v for k, v in TOKEN_FORM.items() if k != "scope"}}, 400),
        ({"data": {**TOKEN_FORM, "client_secret": ""}}, 401),
    ],
)
async def test_token_endpoint_rejects_bad_requests(sb: Sandbox, send: dict[str, object], status: int) -> None:
    async with client_for(sb) as client:
        response = await client.post("/accessTokens", **send)  # type: ignore[arg-type]
    assert response.status_code == status and response.json()["status"] == "fail"


async def test_pinned_credentials(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(credentials=(59808, "sandbox-secret"))
    async with client_for(sandbox) as client:
        good = await client.post("/accessTokens", data=TOKEN_FORM)
        wrong = await client.post("/accessTokens", data={**TOKEN_FORM, "client_secret": "nope"})
    assert good.status_code == 200
    assert wrong.status_code == 401 and wrong.json() == {"status": "fail", "result": "Invalid client credentials."}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}])
async def test_missing_or_invalid_token_is_403(sb: Sandbox, headers: dict[str, str]) -> None:
    async with client_for(sb) as client:
        response = await client.get("/listings", headers=headers)
    assert response.status_code == 403 and response.json()["status"] == "fail"


async def test_fresh_token_is_valid_only_after_one_second(
    make_sandbox: Callable[..., Sandbox], fake_clock: FakeClock
) -> None:
    sandbox = make_sandbox(token_not_before_s=1.0)
    async with client_for(sandbox) as client:
        token = await mint(client)
        assert (await client.get("/listings", headers=bearer(token))).status_code == 403
        fake_clock.advance(0.999)
        assert (await client.get("/listings", headers=bearer(token))).status_code == 403
        fake_clock.advance(0.001)
        assert (await client.get("/listings", headers=bearer(token))).status_code == 200


async def test_expired_token_is_403(make_sandbox: Callable[..., Sandbox], fake_clock: FakeClock) -> None:
    sandbox = make_sandbox(token_ttl_s=3600)
    async with client_for(sandbox) as client:
        token = await mint(client)
        assert (await client.get("/amenities", headers=bearer(token))).status_code == 200
        fake_clock.advance(3600)
        assert (await client.get("/amenities", headers=bearer(token))).status_code == 403


async def test_expire_tokens_and_revocation(sb: Sandbox) -> None:
    async with client_for(sb) as client:
        first, second = await mint(client), await mint(client)
        revoked = await client.delete("/accessTokens", params={"token": first})
        assert revoked.json() == {"status": "success", "result": []}
        assert (await client.get("/amenities", headers=bearer(first))).status_code == 403
        assert (await client.get("/amenities", headers=bearer(second))).status_code == 200
        sb.expire_tokens()
        expired = await client.get("/amenities", headers=bearer(second))
        assert expired.status_code == 403 and "expired" in expired.json()["result"]
        assert (await client.get("/amenities", headers=bearer(await mint(client)))).status_code == 200


async def test_legacy_sixteenth_request_in_ten_seconds_gets_429_and_the_window_rolls(
    make_sandbox: Callable[..., Sandbox], fake_clock: FakeClock
) -> None:
    sandbox = make_sandbox(enforce_rate_limits=True, rate_limits="legacy")
    async with client_for(sandbox) as client:
        start = fake_clock.now
        token = await mint(client)  # the token request counts: 1
        fake_clock.advance(0.5)
        for _ in range(14):
            assert (await client.get("/amenities", headers=bearer(token))).status_code == 200
            fake_clock.advance(0.5)
        rejected = await client.get("/amenities", headers=bearer(token))
        assert rejected.status_code == 429 and rejected.json() == RATE_LIMIT_BODY
        assert "retry-after" not in rejected.headers  # not documented, so not sent
        assert not [name for name in rejected.headers if name.lower().startswith("x-ratelimit")]
        for _ in range(5):  # rejected requests do not count and do not extend the window
            assert (await client.get("/amenities", headers=bearer(token))).status_code == 429
        fake_clock.now = start + 9.999
        assert (await client.get("/amenities", headers=bearer(token))).status_code == 429
        fake_clock.now = start + 10.0  # the token request leaves the window: one slot frees
        assert (await client.get("/amenities", headers=bearer(token))).status_code == 200
        assert (await client.get("/amenities", headers=bearer(token))).status_code == 429
        fake_clock.now = start + 10.5  # the first /amenities call leaves too
        assert (await client.get("/amenities", headers=bearer(token))).status_code == 200
    assert sandbox.rate_limit_rejections == 8


async def test_legacy_account_limit_of_20_spans_client_keys(
    make_sandbox: Callable[..., Sandbox], fake_clock: FakeClock
) -> None:
    sandbox = make_sandbox(enforce_rate_limits=True, rate_limits="legacy")
    async with client_for(sandbox, "ip-1") as first, client_for(sandbox, "ip-2") as second:
        token = await mint(first)
        for _ in range(9):
            assert (await first.get("/amenities", headers=bearer(token))).status_code == 200
        for _ in range(10):
            assert (await second.get("/amenities", headers=bearer(token))).status_code == 200
        assert sandbox.requests_in_window() == 20 and sandbox.requests_in_window("ip-2") == 10
        over = await second.get("/amenities", headers=bearer(token))
        assert over.status_code == 429 and over.json() == RATE_LIMIT_BODY
        fake_clock.advance(10)
        assert (await second.get("/amenities", headers=bearer(token))).status_code == 200


async def test_rate_limits_can_be_switched_off(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(enforce_rate_limits=False)
    async with client_for(sandbox) as client:
        token = await mint(client)
        statuses = {(await client.get("/amenities", headers=bearer(token))).status_code for _ in range(40)}
    assert statuses == {200} and sandbox.rate_limit_rejections == 0


async def test_unknown_routes_and_paths_outside_v1_are_404(sb: Sandbox) -> None:
    async with client_for(sb) as client:
        token = await mint(client)
        assert (await client.get("/guests", headers=bearer(token))).status_code == 404
        assert (await client.delete("/listings/1", headers=bearer(token))).status_code == 404
        outside = await client.get("https://api.hostaway.com/listings", headers=bearer(token))
        assert outside.status_code == 404 and outside.json() == {"status": "fail", "result": "Not found."}


async def test_current_limits_allow_200_per_ten_seconds_and_say_why_on_429(
    make_sandbox: Callable[..., Sandbox], fake_clock: FakeClock
) -> None:
    sandbox = make_sandbox(enforce_rate_limits=True)
    async with client_for(sandbox) as client:
        start = fake_clock.now
        token = await mint(client)
        for _ in range(199):
            assert (await client.get("/amenities", headers=bearer(token))).status_code == 200
        fake_clock.advance(2.5)
        over = await client.get("/amenities", headers=bearer(token))
        assert over.status_code == 429 and over.json() == RATE_LIMIT_BODY
        assert over.headers["X-RateLimit-Limit"] == "200"
        assert over.headers["X-RateLimit-Remaining"] == "0"
        assert over.headers["X-RateLimit-Applied"] in ("account", "ip")
        assert int(over.headers["X-RateLimit-Retry-After"]) == int(start + 10.0)  # a Unix time, not seconds
        fake_clock.now = start + 10.0
        assert (await client.get("/amenities", headers=bearer(token))).status_code == 200


async def test_the_ip_gate_is_per_client_and_the_account_gate_spans_them(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = make_sandbox(enforce_rate_limits=True, rate_limits=RateLimits(account=(6, 10.0), ip=(4, 10.0)))
    async with client_for(sandbox, "ip-1") as first, client_for(sandbox, "ip-2") as second:
        token = await mint(first)
        for _ in range(3):
            assert (await first.get("/amenities", headers=bearer(token))).status_code == 200
        over_ip = await first.get("/amenities", headers=bearer(token))
        assert over_ip.status_code == 429 and over_ip.headers["X-RateLimit-Applied"] == "ip"
        for _ in range(2):
            assert (await second.get("/amenities", headers=bearer(token))).status_code == 200
        over_account = await second.get("/amenities", headers=bearer(token))
        assert over_account.status_code == 429 and over_account.headers["X-RateLimit-Applied"] == "account"
        assert over_account.headers["X-RateLimit-Limit"] == "6"


async def test_messages_have_their_own_bucket_of_30_per_minute(
    make_sandbox: Callable[..., Sandbox], fake_clock: FakeClock
) -> None:
    sandbox = make_sandbox(enforce_rate_limits=True)
    async with client_for(sandbox) as client:
        token = await mint(client)
        conversation = sandbox.account.conversations[0]["id"]
        send = {"body": "Hello", "communicationType": "email"}
        for _ in range(30):
            sent = await client.post(f"/conversations/{conversation}/messages", json=send, headers=bearer(token))
            assert sent.status_code == 200, sent.text
            fake_clock.advance(1.0)
        over = await client.post(f"/conversations/{conversation}/messages", json=send, headers=bearer(token))
        assert over.status_code == 429
        assert over.headers["X-RateLimit-Applied"] == "endpoint" and over.headers["X-RateLimit-Limit"] == "30"
        assert sandbox.requests_in_window() == 0, "sends do not draw from the general pool"
        assert sandbox.requests_in_window(gate="messages") == 30
        assert (await client.get("/amenities", headers=bearer(token))).status_code == 200
        fake_clock.advance(30.0)  # the first send is now 60 s old
        sent = await client.post(f"/conversations/{conversation}/messages", json=send, headers=bearer(token))
        assert sent.status_code == 200


async def test_legacy_counts_messages_in_the_general_pool(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(enforce_rate_limits=True, rate_limits="legacy")
    async with client_for(sandbox) as client:
        token = await mint(client)
        conversation = sandbox.account.conversations[0]["id"]
        send = {"body": "Hello", "communicationType": "email"}
        statuses = [
            (await client.post(f"/conversations/{conversation}/messages", json=send, headers=bearer(token))).status_code
            for _ in range(15)
        ]
    assert statuses == [200] * 14 + [429]
