"""The generated account: deterministic, internally consistent, realistic, with planted secrets."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from hostaway_mcp.sandbox import Sandbox, catalog
from hostaway_mcp.sandbox.generator import clear_memo, generate_account
from tests.conftest import card_numbers_in
from tests.sandbox.helpers import TODAY, FakeClock, authorized_client

DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
EU_COUNTRIES = {"PT", "ES", "DE"}


async def snapshot(sandbox: Sandbox) -> list[bytes]:
    """Raw bytes of a broad set of data responses."""
    listing_id = sandbox.account.listings[3]["id"]
    reservation_id = sandbox.account.reservations[100]["id"]
    conversation_id = sandbox.account.conversations[50]["id"]
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/listings", {}),
        ("GET", f"/listings/{listing_id}", {}),
        ("GET", f"/listings/{listing_id}/calendar", {"startDate": "2026-11-01", "endDate": "2027-01-31"}),
        ("GET", "/reservations", {}),
        ("GET", "/reservations", {"sortOrder": "arrivalDate", "limit": 100, "offset": 300}),
        ("GET", f"/reservations/{reservation_id}", {"includeResources": 1}),
        ("GET", "/conversations", {"limit": 50}),
        ("GET", f"/conversations/{conversation_id}/messages", {"includeScheduledMessages": 1}),
        ("GET", f"/financeField/{reservation_id}", {}),
        ("GET", "/amenities", {}),
        ("GET", "/tasks", {}),
        ("GET", "/users", {}),
        ("GET", "/userGroups", {}),
        ("GET", "/guestPayments/charges", {"limit": 500}),
    ]
    bodies = []
    async with authorized_client(sandbox) as client:
        for method, path, params in requests:
            response = await client.request(method, path, params=params)
            assert response.status_code == 200, (path, response.text)
            bodies.append(response.content)
        report = await client.post(
            "/finance/report/consolidated", data={"fromDate": "2026-01-01", "toDate": "2026-12-31", "format": "json"}
        )
        bodies.append(report.content)
    return bodies


def build(seed: int = 7, today: date = TODAY, listings: int = 8) -> Sandbox:
    """Small portfolios keep these generate-from-scratch tests fast; the code paths are the same."""
    return Sandbox(
        seed=seed, today=today, listings=listings, clock=FakeClock(), token_not_before_s=0.0, enforce_rate_limits=False
    )


async def test_same_seed_and_today_give_byte_identical_responses() -> None:
    clear_memo()  # generate twice from scratch, not once and copied
    first = await snapshot(build())
    clear_memo()
    second = await snapshot(build())
    assert first == second


def test_generation_does_not_depend_on_hash_randomisation() -> None:
    script = (
        "import hashlib, json, sys; from datetime import date;"
        "from hostaway_mcp.sandbox.generator import generate_account;"
        "a = generate_account(7, date(2026, 11, 21), 6);"
        "data = [a.listings, a.reservations, a.conversations, sorted(a.messages.items()), a.tasks, a.charges, a.users];"
        "sys.stdout.write(hashlib.sha256(json.dumps(data).encode()).hexdigest())"
    )
    # This process hashes str with its own random seed; the child uses a fixed, different one.
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    child = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    account = generate_account(7, TODAY, 6)
    data = [
        account.listings,
        account.reservations,
        account.conversations,
        sorted(account.messages.items()),
        account.tasks,
        account.charges,
        account.users,
    ]
    assert child.stdout == hashlib.sha256(json.dumps(data).encode()).hexdigest()


async def test_different_seeds_or_days_give_different_accounts() -> None:
    base, other_seed, other_day = build(7), build(8), build(7, TODAY + timedelta(days=1))
    async with (
        authorized_client(base) as a,
        authorized_client(other_seed) as b,
        authorized_client(other_day) as c,
    ):
        listings = [(await client.get("/listings")).content for client in (a, b)]
        reservations = [(await client.get("/reservations")).content for client in (a, b, c)]
    assert listings[0] != listings[1]
    assert len(set(reservations)) == 3


def test_portfolio_shape_cities_currencies_and_size(shared_sb: Sandbox) -> None:
    listings = shared_sb.account.listings
    assert len(listings) == 24
    assert len({listing["city"] for listing in listings}) >= 4
    assert {listing["currencyCode"] for listing in listings} == {"EUR", "USD", "NZD"}
    for listing in listings:
        expected = (
            "EUR" if listing["countryCode"] in EU_COUNTRIES else "NZD" if listing["countryCode"] == "NZ" else "USD"
        )
        assert listing["currencyCode"] == expected
    # Properties whose date differs from the server's (UTC) for part of every day, both ways.
    zones = {listing["timeZoneName"] for listing in listings}
    assert {"Pacific/Honolulu", "Pacific/Auckland"} <= zones
    assert [listing["id"] for listing in listings] == sorted(listing["id"] for listing in listings)
    assert len(build(listings=6).account.listings) == 6


def test_listings_are_realistically_large_and_complete(shared_sb: Sandbox) -> None:
    for listing in shared_sb.account.listings:
        assert len(listing) == 144  # the key count of a real listing object
        assert len(json.dumps(listing)) > 8_000
        assert 5 <= len(listing["listingImages"]) <= 15
        assert all({"amenityId", "amenityName"} <= set(item) for item in listing["listingAmenities"])
        assert all(catalog.AMENITY_NAMES[a["amenityId"]] == a["amenityName"] for a in listing["listingAmenities"])
        assert 0 <= listing["checkInTimeStart"] <= 23 and 0 <= listing["checkOutTime"] <= 23
        assert listing["cancellationPolicy"] in {"flexible", "moderate", "strict"}
        assert listing["personCapacity"] >= 1 and listing["bathroomsNumber"] >= 1
        assert isinstance(listing["lat"], float) and isinstance(listing["lng"], float)
        assert listing["instantBookable"] in (0, 1)
        assert re.fullmatch(r"KEYPAD-\d{4}#", listing["doorSecurityCode"])
        assert re.fullmatch(r"WIFI-SECRET-[A-Za-z0-9]{8}", listing["wifiPassword"])
        assert listing["keyPickup"] is None or re.search(r"LOCKBOX-\d{4}", listing["keyPickup"])


def test_reservations_span_the_window_with_the_real_status_and_channel_mix(shared_sb: Sandbox) -> None:
    reservations = shared_sb.account.reservations
    statuses = Counter(r["status"] for r in reservations)
    assert {"new", "modified", "cancelled", "inquiry", "ownerStay", "declined", "expired"} <= set(statuses)
    assert statuses["new"] + statuses["modified"] > len(reservations) / 2
    assert {(r["channelId"], r["channelName"]) for r in reservations} == {
        (2018, "airbnbOfficial"),
        (2005, "bookingcom"),
        (2002, "homeaway"),
        (2000, "direct"),
    }
    arrivals = [date.fromisoformat(r["arrivalDate"]) for r in reservations]
    assert min(arrivals) >= TODAY - timedelta(days=365) and max(arrivals) <= TODAY + timedelta(days=182)
    assert min(arrivals) <= TODAY - timedelta(days=330) and max(arrivals) >= TODAY + timedelta(days=150)
    generated_at = shared_sb.account.generated_at
    listings = {listing["id"]: listing for listing in shared_sb.account.listings}
    for r in reservations:
        nights = (date.fromisoformat(r["departureDate"]) - date.fromisoformat(r["arrivalDate"])).days
        assert r["nights"] == nights >= 1
        assert r["hostawayReservationId"] == str(r["id"]) and isinstance(r["id"], int)
        assert r["currency"] == listings[r["listingMapId"]]["currencyCode"]
        assert r["numberOfGuests"] == r["adults"] + r["children"] <= listings[r["listingMapId"]]["personCapacity"]
        for field in ("reservationDate", "insertedOn", "updatedOn", "latestActivityOn"):
            assert DATETIME.match(r[field]) and datetime.fromisoformat(r[field]) < generated_at, (field, r[field])
        if r["status"] == "ownerStay":
            assert r["totalPrice"] == 0
        elif r["status"] in {"new", "modified"}:
            assert r["totalPrice"] > 0 and r["doorCode"].startswith("DOOR-")


def test_no_night_is_held_twice_and_owner_blocks_do_not_overlap_bookings(shared_sb: Sandbox) -> None:
    held: dict[tuple[int, date], int] = {}
    for r in shared_sb.account.reservations:
        if r["status"] not in catalog.BLOCKING_STATUSES:
            continue
        arrival = date.fromisoformat(r["arrivalDate"])
        for offset in range(r["nights"]):
            night = (r["listingMapId"], arrival + timedelta(days=offset))
            assert night not in held, f"{night} held by {held[night]} and {r['id']}"
            held[night] = r["id"]
    for listing_id, blocks in shared_sb.account.owner_blocks.items():
        for start, end, _ in blocks:
            for offset in range((end - start).days):
                assert (listing_id, start + timedelta(days=offset)) not in held


def test_calendar_status_agrees_with_reservations_and_owner_blocks(shared_sb: Sandbox) -> None:
    holder: dict[tuple[int, date], str] = {}
    for r in shared_sb.account.reservations:
        if r["status"] in catalog.BLOCKING_STATUSES:
            arrival = date.fromisoformat(r["arrivalDate"])
            for offset in range(r["nights"]):
                holder[(r["listingMapId"], arrival + timedelta(days=offset))] = r["status"]
    blocked = {
        (listing_id, start + timedelta(days=offset))
        for listing_id, blocks in shared_sb.account.owner_blocks.items()
        for start, end, _ in blocks
        for offset in range((end - start).days)
    }
    seen: Counter[str] = Counter()
    for listing in shared_sb.account.listings[:8]:
        for offset in range(-365, 190):
            day = TODAY + timedelta(days=offset)
            served = shared_sb.calendar_day(listing["id"], day)
            status = holder.get((listing["id"], day))
            if status in catalog.PENDING_STATUSES:
                expected = "pending"
            elif status is not None:
                expected = "reserved"
            else:
                expected = "blocked" if (listing["id"], day) in blocked else "available"
            assert served["status"] == expected, (listing["id"], day)
            assert served["isAvailable"] == (1 if expected == "available" else 0)
            assert served["price"] > 0 and served["minimumStay"] >= 1
            seen[expected] += 1
    assert seen["reserved"] > seen["available"] / 4 and seen["blocked"] > 0 and seen["available"] > 0


def test_calendar_rules_vary_prices_and_restrictions(shared_sb: Sandbox) -> None:
    days = [
        shared_sb.calendar_day(listing["id"], TODAY + timedelta(days=offset))
        for listing in shared_sb.account.listings
        for offset in range(180)
    ]
    assert len({d["price"] for d in days}) > 50
    assert {d["minimumStay"] for d in days} >= {1, 2, 3}
    assert any(d["closedOnArrival"] == 1 for d in days) and any(d["closedOnDeparture"] == 1 for d in days)


def test_every_conversation_belongs_to_an_existing_reservation(shared_sb: Sandbox) -> None:
    account = shared_sb.account
    reservations = {r["id"]: r for r in account.reservations}
    assert len(account.conversations) > len(account.reservations) / 2
    for conversation in account.conversations:
        reservation = reservations[conversation["reservationId"]]
        assert conversation["listingMapId"] == reservation["listingMapId"]
        assert conversation["Reservation"] is reservation
        thread = account.messages[conversation["id"]]
        assert 1 <= len(thread) <= 8 or len(thread) == catalog.LONG_THREAD_MESSAGES
        assert all(m["conversationId"] == conversation["id"] for m in thread)
        assert all(m["reservationId"] == reservation["id"] for m in thread)
        sent = [m for m in thread if m["status"] == "sent"]
        latest = max(sent, key=lambda m: (m["date"], m["id"]))
        assert conversation["conversationMessages"] == [latest]
        assert conversation["hasUnreadMessages"] in (0, 1)
        expected_type = "channel" if reservation["channelId"] != 2000 else "email"
        assert {m["communicationType"] for m in thread} == {expected_type}


def test_real_account_thread_shapes_long_thread_and_attachment_only_messages(shared_sb: Sandbox) -> None:
    threads = shared_sb.account.messages
    assert max(len(thread) for thread in threads.values()) == catalog.LONG_THREAD_MESSAGES
    assert sum(1 for thread in threads.values() if len(thread) > 8) == 1  # one long thread
    with_files = [m for thread in threads.values() for m in thread if m["attachments"]]
    attachment_only = [m for m in with_files if m["body"] is None]
    assert attachment_only and attachment_only == with_files  # files come without text, as reported
    for message in with_files:
        for attachment in message["attachments"]:
            assert attachment["conversationMessageId"] == message["id"] and attachment["id"]
            assert attachment["name"] and attachment["mimeType"] and attachment["extension"]
            assert ("X-Amz-Expires=604800" in attachment["url"]) is (attachment["isPublic"] == 0)
    assert {a["isPublic"] for m in with_files for a in m["attachments"]} == {0, 1}
    assert all(m["attachments"] == [] for thread in threads.values() for m in thread if m["body"] is not None)


def test_threads_go_both_ways_and_some_await_a_reply(shared_sb: Sandbox) -> None:
    account = shared_sb.account
    messages = [m for thread in account.messages.values() for m in thread]
    assert {m["isIncoming"] for m in messages} == {0, 1}
    assert {m["status"] for m in messages} >= {"sent", "awaiting", "failed"}
    awaiting = [
        c for c in account.conversations if c["conversationMessages"][0]["isIncoming"] and c["hasUnreadMessages"]
    ]
    assert len(awaiting) >= 3
    ids = [m["id"] for m in messages]
    assert len(set(ids)) == len(ids)


def test_planted_secrets_are_present_for_withholding_tests(shared_sb: Sandbox) -> None:
    account = shared_sb.account
    notes = [r["guestNote"] for r in account.reservations if r["guestNote"]]
    cards = [card for note in notes for card in card_numbers_in(note)]
    assert len(cards) == len(catalog.NOTE_CARD_STYLES), notes  # one in each way guests write them
    injected = [
        c
        for c in account.conversations
        if catalog.PROMPT_INJECTION_MARKER in (c["conversationMessages"][0]["body"] or "")
    ]
    assert len(injected) == 1
    assert injected[0]["hasUnreadMessages"] == 1 and injected[0]["conversationMessages"][0]["isIncoming"] == 1
    checkins = [m["body"] for t in account.messages.values() for m in t if m["subject"] == "Check-in instructions"]
    assert checkins and all("DOOR-" in body and "WIFI-SECRET-" in body for body in checkins)


def test_listing_activity_stamp_follows_its_reservations(shared_sb: Sandbox) -> None:
    latest: dict[int, str] = defaultdict(str)
    for r in shared_sb.account.reservations:
        latest[r["listingMapId"]] = max(latest[r["listingMapId"]], r["latestActivityOn"])
    for listing in shared_sb.account.listings:
        assert listing["latestActivityOn"] == latest[listing["id"]]


async def test_a_sandbox_mutates_only_its_own_copy(make_sandbox: Any) -> None:
    first, second = make_sandbox(), make_sandbox()
    conversation = first.account.conversations[0]
    async with authorized_client(first) as client:
        response = await client.post(f"/conversations/{conversation['id']}/messages", json={"body": "Hi!"})
        assert response.status_code == 200
    first.account.listings[0]["name"] = "changed by a test"
    assert len(first.account.messages[conversation["id"]]) == len(second.account.messages[conversation["id"]]) + 1
    assert second.account.listings[0]["name"] != "changed by a test"
    assert make_sandbox().account.listings[0]["name"] != "changed by a test"


def test_transport_is_an_httpx_transport(sb: Sandbox) -> None:
    assert isinstance(sb.transport(), httpx.AsyncBaseTransport)
