"""Message templates, reservation logs, users and queued automated messages in the sandbox.

Expected values come from the raw account (reservations, listings, users), not from the
sandbox's own helpers.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import httpx

from hostaway_mcp.sandbox import Sandbox, catalog
from hostaway_mcp.sandbox.feedback_catalog import TEAM_EMAIL_DOMAIN
from hostaway_mcp.sandbox.generator import clear_memo
from tests.sandbox.helpers import TODAY, FakeClock, authorized_client, get_json

DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def booking(sb: Sandbox, **wanted: Any) -> dict[str, Any]:
    return next(r for r in sb.account.reservations if all(r.get(k) == v for k, v in wanted.items()))


def listing_of(sb: Sandbox, reservation: dict[str, Any]) -> dict[str, Any]:
    return next(listing for listing in sb.account.listings if listing["id"] == reservation["listingMapId"])


# -- message templates ---------------------------------------------------------------------------


async def test_booking_templates_are_filled_for_that_booking(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    reservation = booking(shared_sb, status="new", channelId=2018)
    listing = listing_of(shared_sb, reservation)
    page = await get_json(shared_api, f"/reservations/{reservation['id']}/messageTemplates")
    assert set(page) == {"status", "result"}
    templates = {t["name"]: t for t in page["result"]}
    checkin = templates["Check-in instructions"]["message"]
    for value in (reservation["guestFirstName"], reservation["doorCode"], listing["wifiPassword"], listing["address"]):
        assert value in checkin
    assert "{{" not in checkin
    assert "{{listing_custom_field_parking_spot}}" in templates["Parking"]["message"]  # Hostaway cannot fill it
    assert "Airbnb house rules reminder" in templates  # this is an Airbnb booking
    raw = {t["id"]: t for t in shared_sb.account.templates}
    for template in page["result"]:
        assert {k: v for k, v in template.items() if k != "message"} == {
            k: v for k, v in raw[template["id"]].items() if k != "message"
        }
        # Ids on templates are strings in the docs' sample, and here.
        assert template["channelId"] is None or isinstance(template["channelId"], str)
        assert isinstance(template["messageTemplateGroupId"], str)


async def test_channel_and_listing_templates_apply_only_where_they_belong(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient
) -> None:
    first_listing = shared_sb.account.listings[0]["id"]
    direct = next(
        r for r in shared_sb.account.reservations if r["channelId"] == 2000 and r["listingMapId"] != first_listing
    )
    names = {
        t["name"] for t in (await get_json(shared_api, f"/reservations/{direct['id']}/messageTemplates"))["result"]
    }
    assert "Airbnb house rules reminder" not in names and "Pool opening hours" not in names
    own = booking(shared_sb, listingMapId=first_listing)
    names = {t["name"] for t in (await get_json(shared_api, f"/reservations/{own['id']}/messageTemplates"))["result"]}
    assert "Pool opening hours" in names
    assert (await shared_api.get("/reservations/1/messageTemplates")).status_code == 404


async def test_the_template_list_is_filled_only_for_a_reservation(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient
) -> None:
    plain = await get_json(shared_api, "/messageTemplates")
    assert [t["message"] for t in plain["result"]] == [t["message"] for t in shared_sb.account.templates]
    assert plain["count"] == len(shared_sb.account.templates)
    reservation = booking(shared_sb, status="modified")
    filled = await get_json(shared_api, "/messageTemplates", reservationId=reservation["id"])
    assert all("{{guest_first_name}}" not in t["message"] for t in filled["result"])
    one = shared_sb.account.templates[2]
    assert (await get_json(shared_api, f"/messageTemplates/{one['id']}"))["result"] == one
    single = await get_json(shared_api, f"/reservations/{reservation['id']}/messageTemplates/{one['id']}")
    assert reservation["guestFirstName"] in single["result"]["message"]
    assert (await shared_api.get("/messageTemplates/1")).status_code == 404


# -- reservation logs and users ------------------------------------------------------------------


async def test_users_list_the_team_with_names_and_emails(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    page = await get_json(shared_api, "/users")
    # The office team of four, then the crew who do the tasks (crew.py).
    assert page["result"] == shared_sb.account.users and page["count"] == len(shared_sb.account.users) > 4
    assert all(
        u["email"].endswith("@" + TEAM_EMAIL_DOMAIN) and u["firstName"] and u["lastName"] for u in page["result"]
    )
    first = page["result"][0]
    assert (await get_json(shared_api, f"/user/{first['id']}"))["result"] == first
    assert (await shared_api.get(f"/user/{shared_sb.account.former_user_id}")).status_code == 404


async def test_logs_agree_with_the_booking_and_come_newest_first(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient
) -> None:
    emails = {u["id"]: u["email"] for u in shared_sb.account.users}
    checked = Counter[str]()
    for reservation in shared_sb.account.reservations[::7]:
        page = await get_json(shared_api, f"/reservations/{reservation['id']}/logs")
        assert set(page) == {"status", "result"}  # no count/offset without limit or offset
        entries = page["result"]
        stamps = [e["insertedOn"] for e in entries]
        assert stamps == sorted(stamps, reverse=True)
        changes = {e["updatedField"]: e for e in entries}
        for entry in entries:
            assert entry["reservationId"] == reservation["id"] and DATETIME.match(entry["insertedOn"])
            assert entry["source"] in {"reservation", "financeStandardField", "financeCustomFormula"}
            assert isinstance(entry["previousValue"], str) and isinstance(entry["newValue"], str)
            if entry["updatedByUserId"] is None:
                assert entry["updatedByUserName"] is None
            else:  # an email, of a listed user or of the one who left
                assert entry["updatedByUserName"].endswith("@" + TEAM_EMAIL_DOMAIN)
                assert emails.get(entry["updatedByUserId"], entry["updatedByUserName"]) == entry["updatedByUserName"]
                checked["by a person"] += 1
                checked["by a former member"] += entry["updatedByUserId"] == shared_sb.account.former_user_id
            if entry["source"] == "financeCustomFormula":
                assert entry["updatedByUserId"] is None
        if reservation["doorCode"]:
            assert changes["doorCode"]["newValue"] == reservation["doorCode"]
            checked["door code"] += 1
        if reservation["previousArrivalDate"]:
            moved = changes["arrivalDate"]
            assert (moved["previousValue"], moved["newValue"]) == (
                reservation["previousArrivalDate"],
                reservation["arrivalDate"],
            )
            checked["moved"] += 1
        if reservation["status"] == "cancelled":
            cancelled = changes["status"]
            assert cancelled["newValue"] == "cancelled" and cancelled["insertedOn"] <= reservation["updatedOn"]
            checked["cancelled"] += 1
    assert all(checked[k] for k in ("by a person", "by a former member", "door code", "moved", "cancelled")), checked


async def test_logs_page_with_count_and_offset(shared_sb: Sandbox, shared_api: httpx.AsyncClient) -> None:
    reservation = next(
        r for r in shared_sb.account.reservations if r["status"] == "modified" and r["previousArrivalDate"]
    )
    whole = (await get_json(shared_api, f"/reservations/{reservation['id']}/logs"))["result"]
    assert len(whole) >= 3
    first = await get_json(shared_api, f"/reservations/{reservation['id']}/logs", limit=2)
    rest = await get_json(shared_api, f"/reservations/{reservation['id']}/logs", limit=2, offset=2)
    assert set(first) == {"status", "result", "count", "offset"} and first["count"] == len(whole)
    assert first["result"] + rest["result"] == whole[:4] and rest["offset"] == 2
    assert (await shared_api.get("/reservations/1/logs")).status_code == 404


# -- queued automated messages -------------------------------------------------------------------


def test_threads_hold_every_unsent_status_from_automations(shared_sb: Sandbox) -> None:
    reservations = {r["id"]: r for r in shared_sb.account.reservations}
    unsent = [m for thread in shared_sb.account.messages.values() for m in thread if m["status"] != "sent"]
    assert {m["status"] for m in unsent} == {"awaiting", "paused", "failed", "cancelled_by_user", "cancelled_by_system"}
    for message in unsent:
        assert message["isIncoming"] == 0 and message["originatedBy"].startswith("Automation #")
        stay = reservations[message["reservationId"]]
        if message["status"] in ("awaiting", "paused"):
            assert stay["status"] in ("new", "modified")
        if message["status"] == "awaiting":  # queued for later (a paused one may be overdue)
            assert message["date"] > f"{TODAY.isoformat()} 09:00:00"
        if message["status"] == "cancelled_by_system":
            assert stay["status"] == "cancelled"
    # Automations never push a thread past the generator's bound (the one long thread has its own size).
    assert all(
        1 <= len(thread) <= 8 or len(thread) == catalog.LONG_THREAD_MESSAGES
        for thread in shared_sb.account.messages.values()
    )


async def test_unsent_messages_come_only_with_include_scheduled(
    shared_sb: Sandbox, shared_api: httpx.AsyncClient
) -> None:
    for status in ("paused", "cancelled_by_user", "cancelled_by_system"):
        conversation_id = next(
            cid for cid, thread in shared_sb.account.messages.items() if any(m["status"] == status for m in thread)
        )
        default = await get_json(shared_api, f"/conversations/{conversation_id}/messages")
        everything = await get_json(
            shared_api, f"/conversations/{conversation_id}/messages", includeScheduledMessages=1
        )
        assert status not in {m["status"] for m in default["result"]}
        assert status in {m["status"] for m in everything["result"]}


# -- determinism ----------------------------------------------------------------------------------


async def _snapshot(sandbox: Sandbox) -> list[bytes]:
    reservation = sandbox.account.reservations[120]["id"]
    conversation = next(
        cid for cid, thread in sandbox.account.messages.items() if any(m["status"] == "paused" for m in thread)
    )
    requests: list[tuple[str, dict[str, Any]]] = [
        ("/reviews", {"limit": 500}),
        ("/reviews", {"statuses[]": "published", "sortBy": "rating", "preview": 1}),
        (f"/reservations/{reservation}/messageTemplates", {}),
        (f"/reservations/{reservation}/logs", {}),
        ("/users", {}),
        (f"/conversations/{conversation}/messages", {"includeScheduledMessages": 1}),
    ]
    async with authorized_client(sandbox) as client:
        return [(await client.get(path, params=params)).content for path, params in requests]


async def test_same_seed_gives_byte_identical_guest_care_data() -> None:
    def build() -> Sandbox:
        return Sandbox(
            seed=11, today=TODAY, listings=8, clock=FakeClock(), token_not_before_s=0.0, enforce_rate_limits=False
        )

    clear_memo()
    first = await _snapshot(build())
    clear_memo()
    second = await _snapshot(build())
    assert first == second
    other = Sandbox(
        seed=12, today=TODAY, listings=8, clock=FakeClock(), token_not_before_s=0.0, enforce_rate_limits=False
    )
    assert (await _snapshot(other))[0] != first[0]
