"""The sandbox as an httpx transport: `httpx.AsyncClient(transport=sandbox.transport())`.

The request never leaves the process. Faults surface as the same httpx exceptions a real network
raises, so the gateway's error handling is tested against the real exception types.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import httpx

from hostaway_mcp.sandbox.wire import SandboxRequest

if TYPE_CHECKING:
    from hostaway_mcp.sandbox.sandbox import Sandbox


class SandboxTransport(httpx.AsyncBaseTransport):
    """Serves httpx requests from a Sandbox; `client_key` plays the caller's IP address."""

    def __init__(
        self,
        sandbox: Sandbox,
        *,
        client_key: str = "in-process",
        sleep: Callable[[float], Awaitable[Any]] | None = None,
    ) -> None:
        self._sandbox = sandbox
        self._client_key = client_key
        self._sleep = sleep or asyncio.sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        outcome = self._sandbox.dispatch(
            SandboxRequest(
                method=request.method,
                path=request.url.path,
                query=request.url.query.decode("ascii", errors="replace"),
                headers={name.lower(): value for name, value in request.headers.items()},
                body=body,
                client_key=self._client_key,
            )
        )
        if outcome.failure == "connect_error":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if outcome.failure == "connect_timeout":
            raise httpx.ConnectTimeout("timed out while connecting", request=request)
        if outcome.delay > 0:
            await self._sleep(outcome.delay)
        if outcome.failure == "read_timeout":
            raise httpx.ReadTimeout("The read operation timed out", request=request)
        if outcome.failure == "reset":
            raise httpx.ReadError("Connection reset by peer", request=request)
        response = outcome.response
        assert response is not None  # only connect failures carry no response
        return httpx.Response(
            response.status, headers=list(response.headers), content=response.content, request=request
        )
