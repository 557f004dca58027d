"""Real-account threads: 1,200 messages, Hostaway's own total, and messages that are only files.

The demo account has one 1,200-message thread (a long stay) and guest messages that carry only
attachments (`body` null), some public and some behind private links that expire after 7 days.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from mcp import Client

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.server import build_server
from tests.conftest import NOW, api_calls, call_ok, thread_of


def long_conversation(sandbox: Any) -> dict[str, Any]:
    return next(
        c
        for c in sandbox.account.conversations
        if len(sandbox.account.messages[c["id"]]) == catalog.LONG_THREAD_MESSAGES
    )


async def test_a_1200_message_thread_reports_its_total_and_pages_back_to_the_first(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    conversation = long_conversation(sandbox)
    thread = [m["id"] for m in thread_of(sandbox, conversation)]
    booking = {"booking_id": conversation["reservationId"]}
    async with Client(server_factory(sandbox)) as client:
        newest = await call_ok(client, "get_conversation_history", booking)
        calls = len(api_calls(sandbox))
        oldest = await call_ok(client, "get_conversation_history", {**booking, "offset": 1150, "limit": 100})

    assert newest["total"] == oldest["total"] == 1200
    assert [m["id"] for m in newest["messages"]] == thread[-50:]  # the newest 50, oldest to newest
    assert newest["next_offset"] == 50
    assert "Showing messages 1151 to 1200 of 1200" in newest["note"] and "offset=50" in newest["note"]
    assert [m["id"] for m in oldest["messages"]] == thread[:50]  # offset 1150: back to the first message
    assert oldest["next_offset"] is None and oldest.get("note") is None
    # The whole thread is read (its order is not documented): 1 lookup + 12 pages of 100, no cap.
    assert calls == 1 + 12


class _CountsMore(httpx.AsyncBaseTransport):
    """Hostaway's answer with `count` raised on message pages: a thread it could not fully serve."""

    def __init__(self, inner: httpx.AsyncBaseTransport, extra: int) -> None:
        self.inner, self.extra = inner, extra

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith("/messages"):
            return response
        body = json.loads(await response.aread())
        body["count"] += self.extra
        return httpx.Response(response.status_code, headers={"Content-Type": "application/json"}, json=body)


async def test_a_thread_hostaway_counts_longer_than_it_serves_is_said_to_be_truncated(
    sandbox: Any, settings_factory: Callable[..., Any], clock: Any
) -> None:
    conversation = long_conversation(sandbox)
    server = build_server(
        settings_factory(),
        transport=_CountsMore(sandbox.transport(), extra=7),
        sleep=clock.sleep,
        clock=clock,
        wall_clock=clock,
        now=lambda: NOW,
    )
    async with Client(server) as client:
        result = await call_ok(client, "get_conversation_history", {"booking_id": conversation["reservationId"]})

    assert result["total"] == 1207
    assert "Hostaway counts 1207 messages in this thread but returned 1200" in result["note"]
    assert "truncated" in result["note"]


async def test_attachment_only_messages_show_their_files_and_public_links_only(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    shown: list[tuple[dict[str, Any], dict[str, Any]]] = []
    async with Client(server_factory(sandbox)) as client:
        for want_public in (0, 1):
            conversation, position = next(
                (c, i)
                for c in sandbox.account.conversations
                for i, m in enumerate(thread_of(sandbox, c))
                if m["attachments"] and m["attachments"][0]["isPublic"] == want_public
            )
            thread = thread_of(sandbox, conversation)
            page = await call_ok(
                client,
                "get_conversation_history",
                {"booking_id": conversation["reservationId"], "limit": 1, "offset": len(thread) - 1 - position},
            )
            (message,) = page["messages"]
            assert message["id"] == thread[position]["id"]
            shown.append((page, thread[position]))

    for page, raw in shown:
        (message,) = page["messages"]
        (attachment,) = message["attachments"]
        (file,) = raw["attachments"]
        assert message["body"] is None and message["direction"] == "guest"
        assert attachment["name"] == file["name"] and attachment["type"] == file["mimeType"]
        if file["isPublic"]:
            assert attachment["url"] == file["url"]
        else:
            assert "url" not in attachment  # private links expire: never handed out
            assert "expire after 7 days" in page["withheld"]
    assert "X-Amz-Signature" not in json.dumps([page for page, _ in shown])
