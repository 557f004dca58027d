"""Conversations and messages: shapes, order, filters, and POST appending a message."""

from __future__ import annotations

import httpx
import pytest

from hostaway_mcp.sandbox import Sandbox
from tests.sandbox.helpers import get_json


def latest_activity(conversation: dict[str, object]) -> tuple[str, int]:
    stamps = [s for s in (conversation["messageSentOn"], conversation["messageReceivedOn"]) if isinstance(s, str)]
    identifier = conversation["id"]
    assert isinstance(identifier, int)
    return (max(stamps) if stamps else "", identifier)


async def test_conversation_list_shape_and_default_order(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    page = await get_json(shared_api, "/conversations", limit=40, offset=40)
    assert set(page) == {"status", "result", "limit", "offset", "count", "page", "totalPages"}
    count = len(shared_sb.account.conversations)
    assert (page["count"], page["limit"], page["offset"], page["page"]) == (count, 40, 40, 2)
    assert page["totalPages"] == -(-count // 40)
    expected = sorted(shared_sb.account.conversations, key=latest_activity, reverse=True)[40:80]
    assert [c["id"] for c in page["result"]] == [c["id"] for c in expected]
    for served in page["result"]:
        assert len(served["conversationMessages"]) == 1
        assert served["hasUnreadMessages"] in (0, 1)
        assert served["Reservation"]["id"] == served["reservationId"]
        assert served["Reservation"]["listingName"] == ""  # as embedded in real responses


async def test_conversations_by_reservation(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    conversation = shared_sb.account.conversations[10]
    by_filter = await get_json(shared_api, "/conversations", reservationId=conversation["reservationId"])
    by_path = await get_json(shared_api, f"/reservations/{conversation['reservationId']}/conversations")
    assert [c["id"] for c in by_filter["result"]] == [c["id"] for c in by_path["result"]] == [conversation["id"]]
    assert by_filter["count"] == 1
    single = await get_json(shared_api, f"/conversations/{conversation['id']}")
    assert single["result"]["id"] == conversation["id"]
    assert (await shared_api.get("/conversations/1")).status_code == 404
    assert (await shared_api.get("/reservations/1/conversations")).status_code == 404


async def test_messages_default_to_sent_only_oldest_first(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    conversation_id, thread = next(
        (cid, thread) for cid, thread in shared_sb.account.messages.items() if {m["status"] for m in thread} > {"sent"}
    )
    default = await get_json(shared_api, f"/conversations/{conversation_id}/messages")
    everything = await get_json(shared_api, f"/conversations/{conversation_id}/messages", includeScheduledMessages=1)
    sent = [m for m in thread if m["status"] == "sent"]
    assert [m["id"] for m in default["result"]] == [m["id"] for m in sorted(sent, key=lambda m: (m["date"], m["id"]))]
    assert default["count"] == len(sent) < everything["count"] == len(thread)
    dates = [m["date"] for m in everything["result"]]
    assert dates == sorted(dates)
    assert set(default) == {"status", "result", "limit", "offset", "count", "page", "totalPages"}


async def test_messages_paging_past_the_end(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    conversation = shared_sb.account.conversations[3]
    page = await get_json(shared_api, f"/conversations/{conversation['id']}/messages", limit=100, offset=100)
    assert page["result"] == [] and page["page"] == 2 and page["totalPages"] == 1 and page["count"] >= 1


@pytest.mark.parametrize(("channel_id", "communication_type"), [(2018, "channel"), (2000, None)])
async def test_post_message_appends_and_returns_the_created_message(
    sb: Sandbox, api: httpx.AsyncClient, channel_id: int, communication_type: str | None
) -> None:
    conversation = next(
        c for c in sb.account.conversations if c["Reservation"]["channelId"] == channel_id and c["hasUnreadMessages"]
    )
    thread_before = list(sb.account.messages[conversation["id"]])
    payload = {"body": "Thanks, see you soon!"}
    if communication_type:
        payload["communicationType"] = communication_type
    response = await api.post(f"/conversations/{conversation['id']}/messages", json=payload)
    assert response.status_code == 200
    created = response.json()["result"]
    assert created["body"] == "Thanks, see you soon!" and created["isIncoming"] == 0 and created["status"] == "sent"
    assert created["communicationType"] == (communication_type or "email")  # the API default is email
    assert created["conversationId"] == conversation["id"] and created["reservationId"] == conversation["reservationId"]
    thread = sb.account.messages[conversation["id"]]
    assert thread[:-1] == thread_before and thread[-1] == created
    listed = await get_json(api, "/conversations", reservationId=conversation["reservationId"])
    served = listed["result"][0]
    assert served["conversationMessages"] == [created]
    assert served["hasUnreadMessages"] == 0 and served["messageSentOn"] == created["date"]
    assert conversation["Reservation"]["latestActivityOn"] == created["date"]
    messages = await get_json(api, f"/conversations/{conversation['id']}/messages")
    assert messages["result"][-1] == created
    assert [(r.method, r.path, r.body) for r in sb.request_log[-3:-2]] == [
        ("POST", f"/conversations/{conversation['id']}/messages", payload)
    ]


async def test_channel_message_on_a_direct_booking_fails(sb: Sandbox, api: httpx.AsyncClient) -> None:
    conversation = next(c for c in sb.account.conversations if c["Reservation"]["channelId"] == 2000)
    response = await api.post(
        f"/conversations/{conversation['id']}/messages", json={"body": "Hi", "communicationType": "channel"}
    )
    created = response.json()["result"]
    assert created["status"] == "failed" and created["reasonFailed"]
    assert created not in (await get_json(api, f"/conversations/{conversation['id']}/messages"))["result"]


@pytest.mark.parametrize(
    "payload", [{}, {"body": "   "}, {"body": "Hi", "communicationType": "pigeon"}, {"body": 42}, ["Hi"]]
)
async def test_invalid_messages_are_rejected_and_nothing_is_appended(
    sb: Sandbox, api: httpx.AsyncClient, payload: object
) -> None:
    conversation = sb.account.conversations[0]
    before = len(sb.account.messages[conversation["id"]])
    response = await api.post(f"/conversations/{conversation['id']}/messages", json=payload)
    assert response.status_code == 400 and response.json()["status"] == "fail"
    assert len(sb.account.messages[conversation["id"]]) == before
    unknown = await api.post("/conversations/1/messages", json={"body": "Hi"})
    assert unknown.status_code == 404
