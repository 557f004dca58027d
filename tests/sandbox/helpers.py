"""Constants and helpers shared by the sandbox tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import httpx

from hostaway_mcp.sandbox import Sandbox

TODAY = date(2026, 11, 21)
BASE_URL = "https://api.hostaway.com/v1"
TOKEN_FORM = {
    "grant_type": "client_credentials",
    "client_id": "59808",
    "client_secret": "sandbox-secret",
    "scope": "general",
}


class FakeClock:
    """A monotonic clock that only moves when a test says so."""

    def __init__(self, start: float = 5_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@asynccontextmanager
async def authorized_client(sandbox: Sandbox, client_key: str = "test-client") -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on the sandbox transport that already holds a valid bearer token."""
    async with httpx.AsyncClient(base_url=BASE_URL, transport=sandbox.transport(client_key=client_key)) as client:
        response = await client.post("/accessTokens", data=TOKEN_FORM)
        assert response.status_code == 200, response.text
        client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        yield client


async def get_json(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()
