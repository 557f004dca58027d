"""Fault injection: each kind does what the gateway's error handling needs to be tested against."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import httpx
import pytest

from hostaway_mcp.sandbox import Sandbox
from tests.faults import Fault, faults_of
from tests.sandbox.helpers import BASE_URL


async def test_status_fault_answers_without_processing(sb: Sandbox, api: httpx.AsyncClient) -> None:
    conversation = sb.account.conversations[0]
    before = len(sb.account.messages[conversation["id"]])
    faults_of(sb).script(Fault("status", status=429, headers={"Retry-After": "2"}))
    response = await api.post(f"/conversations/{conversation['id']}/messages", json={"body": "Hi"})
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    assert response.json()["message"].startswith("This error occurs because")
    assert len(sb.account.messages[conversation["id"]]) == before  # not processed
    assert sb.request_log[-1].method == "POST"  # but logged
    assert sb.rate_limit_rejections == 0  # an injected 429 is not a limiter rejection


async def test_status_fault_default_and_custom_bodies(sb: Sandbox, api: httpx.AsyncClient) -> None:
    faults_of(sb).script(
        Fault("status", status=500), Fault("status", status=403, body={"status": "fail", "result": "No"})
    )
    first, second = await api.get("/listings"), await api.get("/listings")
    assert first.status_code == 500 and first.json() == {"status": "fail", "result": "Internal Server Error"}
    assert second.status_code == 403 and second.json() == {"status": "fail", "result": "No"}
    assert (await api.get("/listings")).status_code == 200


async def test_read_timeout_on_post_creates_the_message_and_raises(sb: Sandbox, api: httpx.AsyncClient) -> None:
    conversation = sb.account.conversations[0]
    before = len(sb.account.messages[conversation["id"]])
    faults_of(sb).script(Fault("read_timeout", method="POST", path="/conversations"))
    with pytest.raises(httpx.ReadTimeout):
        await api.post(f"/conversations/{conversation['id']}/messages", json={"body": "Did this arrive?"})
    thread = sb.account.messages[conversation["id"]]
    assert len(thread) == before + 1 and thread[-1]["body"] == "Did this arrive?"
    assert sb.request_log[-1].path == f"/conversations/{conversation['id']}/messages"


async def test_reset_processes_then_raises_read_error(sb: Sandbox, api: httpx.AsyncClient) -> None:
    listing_id = sb.account.listings[0]["id"]
    faults_of(sb).script(Fault("reset"))
    with pytest.raises(httpx.ReadError, match="reset"):
        await api.put(
            f"/listings/{listing_id}/calendar", json={"startDate": "2027-03-01", "endDate": "2027-03-01", "price": 7}
        )
    assert sb.calendar_day(listing_id, date(2027, 3, 1))["price"] == 7


@pytest.mark.parametrize(
    ("kind", "error"), [("connect_error", httpx.ConnectError), ("connect_timeout", httpx.ConnectTimeout)]
)
async def test_connect_faults_prove_the_request_never_left(
    sb: Sandbox, api: httpx.AsyncClient, kind: str, error: type[Exception]
) -> None:
    conversation = sb.account.conversations[0]
    before = len(sb.account.messages[conversation["id"]])
    logged = len(sb.request_log)
    faults_of(sb).script(Fault(kind))  # type: ignore[arg-type]
    with pytest.raises(error):
        await api.post(f"/conversations/{conversation['id']}/messages", json={"body": "Hi"})
    assert len(sb.request_log) == logged and len(sb.account.messages[conversation["id"]]) == before


async def test_malformed_json_and_html_pages(sb: Sandbox, api: httpx.AsyncClient) -> None:
    faults_of(sb).script(Fault("malformed_json"), Fault("html"))
    malformed = await api.get("/listings")
    assert malformed.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(malformed.content)
    html = await api.get("/listings")
    assert html.status_code == 502 and html.headers["content-type"] == "text/html"
    assert "<center>nginx</center>" in html.text
    assert [r.path for r in sb.request_log[-2:]] == ["/listings", "/listings"]


async def test_filters_pick_the_next_matching_request(sb: Sandbox, api: httpx.AsyncClient) -> None:
    faults_of(sb).script(Fault("status", status=503, path="/conversations"), Fault("status", status=502, method="PUT"))
    assert (await api.get("/listings")).status_code == 200
    assert (await api.get("/reservations", params={"limit": 1})).status_code == 200
    assert (await api.get("/conversations", params={"limit": 1})).status_code == 503
    assert len(faults_of(sb).pending) == 1
    assert (await api.get("/conversations", params={"limit": 1})).status_code == 200
    listing_id = sb.account.listings[0]["id"]
    put = await api.put(f"/listings/{listing_id}/calendar", json={"startDate": "2027-01-01", "endDate": "2027-01-01"})
    assert put.status_code == 502 and not faults_of(sb).pending


def test_fault_validation() -> None:
    with pytest.raises(ValueError, match="status="):
        Fault("status")
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("explode")  # type: ignore[arg-type]


async def outcomes(sandbox: Sandbox, count: int) -> list[int | str]:
    """Status codes (or exception names) of `count` listing requests on a fresh token."""
    results: list[int | str] = []
    async with httpx.AsyncClient(base_url=BASE_URL, transport=sandbox.transport()) as client:
        token = await client.post(
            "/accessTokens",
            data={"grant_type": "client_credentials", "client_id": "1", "client_secret": "s", "scope": "general"},
        )
        assert token.status_code == 200  # random faults never hit the token endpoint
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        for _ in range(count):
            try:
                response = await client.get("/amenities")
                response.json()
                results.append(response.status_code)
            except httpx.ReadTimeout:
                results.append("timeout")
            except json.JSONDecodeError:
                results.append("malformed")
    return results


async def test_random_fault_rates_are_seeded_and_spare_the_token_endpoint(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    runs = []
    for _ in range(2):
        sandbox = make_sandbox()
        faults_of(sandbox).rates(seed=3, p_429=0.2, p_500=0.2, p_timeout=0.1, p_malformed=0.1)
        runs.append(await outcomes(sandbox, 60))
    assert runs[0] == runs[1]
    assert {200, 429, 500, "timeout", "malformed"} == set(runs[0])
    always = make_sandbox()
    faults_of(always).rates(p_500=1.0)
    assert set(await outcomes(always, 5)) == {500}
    faults_of(always).clear()
    assert set(await outcomes(always, 3)) == {200}


async def test_fixed_and_random_latency_go_through_the_injected_sleep(make_sandbox: Callable[..., Sandbox]) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    for latency in (0.25, (0.1, 0.3)):
        sandbox = make_sandbox(latency=latency)
        async with httpx.AsyncClient(base_url=BASE_URL, transport=sandbox.transport(sleep=sleep)) as client:
            for _ in range(5):
                await client.get("/listings")  # 403 without a token; latency applies all the same
    assert waits[:5] == [0.25] * 5
    assert all(0.1 <= wait <= 0.3 for wait in waits[5:]) and len(set(waits[5:])) == 5
