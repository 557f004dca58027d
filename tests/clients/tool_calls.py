"""One valid call for every tool, picked from the demo account's own data (for the client suite).

A tool added to the server without an entry here makes the TypeScript SDK test fail with
"listed by the server but the plan has no call for it": add one below.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hostaway_mcp.sandbox import Sandbox

GREETING = "Hello! Your apartment is ready from 3 pm. Let us know your arrival time."


def _day(value: date) -> str:
    return value.isoformat()


def booking_with_thread(sandbox: Sandbox) -> dict[str, Any]:
    """A confirmed, future booking that has exactly one guest conversation."""
    threads: dict[int, int] = {}
    for conversation in sandbox.account.conversations:
        threads[conversation["reservationId"]] = threads.get(conversation["reservationId"], 0) + 1
    for reservation in sorted(sandbox.account.reservations, key=lambda r: r["id"]):
        future = date.fromisoformat(reservation["departureDate"]) > sandbox.today
        if reservation["status"] in ("new", "modified") and future and threads.get(reservation["id"]) == 1:
            return reservation
    raise AssertionError("the demo account has no confirmed future booking with one conversation")


def free_nights(sandbox: Sandbox, nights: int, *, skip: int = 0) -> tuple[int, date, date]:
    """A listing and `nights` free nights in a row, well ahead; `skip` finds a later, separate run."""
    for listing in sandbox.account.listings:
        offset = 30
        while offset < 300:
            start = sandbox.today + timedelta(days=offset)
            days = [start + timedelta(days=i) for i in range(nights + 1)]
            if all(sandbox.calendar_day(listing["id"], day)["status"] == "available" for day in days):
                if skip == 0:
                    return listing["id"], start, start + timedelta(days=nights)
                skip -= 1
                offset += nights + 1
            else:
                offset += 1
    raise AssertionError("no free nights in the demo account")


def bookable_nights(sandbox: Sandbox, nights: int, *, skip: int = 0) -> tuple[int, date, date]:
    """Free nights a booking may take: the stay rules of the arrival and departure days met too."""
    while True:
        listing_id, start, end = free_nights(sandbox, nights, skip=skip)
        arrival, departure = sandbox.calendar_day(listing_id, start), sandbox.calendar_day(listing_id, end)
        rules_met = (arrival["minimumStay"] or 1) <= nights and not arrival["closedOnArrival"]
        if rules_met and not departure["closedOnDeparture"]:
            return listing_id, start, end
        skip += 1


def changeable_bookings(sandbox: Sandbox) -> list[dict[str, Any]]:
    """Future direct bookings (the API may change them; Airbnb's and Booking.com's it may not)."""
    return [
        r
        for r in sorted(sandbox.account.reservations, key=lambda r: r["id"])
        if r["status"] in ("new", "modified")
        and r["channelId"] == 2000
        and date.fromisoformat(r["arrivalDate"]) > sandbox.today + timedelta(days=7)
        and r["numberOfGuests"] >= 2
    ]


def owner_block(sandbox: Sandbox) -> tuple[int, date, date]:
    """A future owner block (nights the owner closed), which unblock_dates can reopen."""
    for listing_id, blocks in sorted(sandbox.account.owner_blocks.items()):
        for start, end, _note in blocks:
            if start > sandbox.today + timedelta(days=2):
                return listing_id, start, end
    raise AssertionError("the demo account has no future owner block")


def unanswered_review(sandbox: Sandbox) -> dict[str, Any]:
    """A published Airbnb guest review without a reply (Airbnb has no reply window)."""
    for review in sandbox.account.reviews:
        published = review["type"] == "guest-to-host" and review["status"] == "published"
        if published and review["channelId"] == 2018 and not review["revieweeResponse"] and review["publicReview"]:
            return review
    raise AssertionError("the demo account has no unanswered Airbnb review")


def offline_payment(sandbox: Sandbox) -> dict[str, Any]:
    """A paid cash or bank-transfer charge of a booking: one record_refund can refund."""
    for charge in sandbox.account.charges:
        if (
            charge["type"] == "charge"
            and charge["status"] == "paid"
            and charge["paymentMethod"] in ("cash", "bank_transfer")
        ):
            return charge
    raise AssertionError("the demo account has no paid offline charge")


def pending_task(sandbox: Sandbox) -> dict[str, Any]:
    """A pending task of the demo account: one update_task can confirm."""
    for task in sorted(sandbox.account.tasks, key=lambda t: t["id"]):
        if task["status"] == "pending":
            return task
    raise AssertionError("the demo account has no pending task")


def read_calls(sandbox: Sandbox) -> list[dict[str, Any]]:
    listing_id, start, end = free_nights(sandbox, 3)
    booking = booking_with_thread(sandbox)
    month_ago, today = sandbox.today - timedelta(days=30), sandbox.today
    period = {"start_date": _day(month_ago), "end_date": _day(today)}
    calls: list[tuple[str, dict[str, Any]]] = [
        ("list_properties", {"limit": 5}),
        ("get_property_details", {"property_id": listing_id}),
        ("search_available_properties", {"check_in": _day(start), "check_out": _day(end), "guests": 2}),
        ("check_property_availability", {"property_id": listing_id, "start_date": _day(start), "end_date": _day(end)}),
        ("search_bookings", {"arrival_from": _day(today), "arrival_to": _day(today + timedelta(days=14))}),
        ("get_booking_details", {"booking_id": booking["id"]}),
        ("quote_stay", {"property_id": listing_id, "check_in": _day(start), "check_out": _day(end), "guests": 2}),
        ("get_guest_info", {"booking_id": booking["id"]}),
        ("get_conversation_history", {"booking_id": booking["id"], "limit": 10}),
        ("list_guest_inbox", {"limit": 5}),
        ("search_messages", {"query": "arrival", "limit": 5}),
        ("get_reply_templates", {"booking_id": booking["id"]}),
        ("get_booking_history", {"booking_id": booking["id"]}),
        ("list_reviews", {"needs_reply": True, "limit": 5}),
        ("get_revenue_report", {**period, "group_by": "channel"}),
        ("get_property_financials", {"property_id": listing_id, **period}),
        ("list_expenses", {"property_id": listing_id, "limit": 5}),
        ("get_owner_statement", {"statement_id": sandbox.account.owner_statements[-1]["id"]}),
        ("list_unpaid_balances", {"limit": 5}),
        ("get_booking_payments", {"booking_id": offline_payment(sandbox)["reservationId"]}),
        ("get_operations_day", {"days": 2}),
        ("list_tasks", {"status": "open", "limit": 5}),
    ]
    return [{"tool": tool, "arguments": arguments} for tool, arguments in calls]


def write_calls(sandbox: Sandbox, *, confirm: bool) -> list[dict[str, Any]]:
    """Each write tool once: previews (confirm false) change nothing; confirmed ones act."""
    booking = booking_with_thread(sandbox)
    block_listing, block_start, block_end = free_nights(sandbox, 2)
    rate_listing, rate_start, rate_end = free_nights(sandbox, 2, skip=1)
    owner_listing, owner_start, owner_end = owner_block(sandbox)
    stay_listing, stay_start, stay_end = bookable_nights(sandbox, 2, skip=2)
    stay = {"property_id": stay_listing, "check_in": _day(stay_start), "check_out": _day(stay_end), "guests": 2}
    changed, cancelled = changeable_bookings(sandbox)[:2]
    calls: list[tuple[str, dict[str, Any]]] = [
        ("send_guest_message", {"booking_id": booking["id"], "message": GREETING}),
        ("reply_to_review", {"review_id": unanswered_review(sandbox)["id"], "text": "Thank you for staying with us!"}),
        (
            "block_dates",
            {"property_id": block_listing, "start_date": _day(block_start), "end_date": _day(block_end)},
        ),
        ("unblock_dates", {"property_id": owner_listing, "start_date": _day(owner_start), "end_date": _day(owner_end)}),
        (
            "update_nightly_rates",
            {
                "property_id": rate_listing,
                "start_date": _day(rate_start),
                "end_date": _day(rate_end),
                "nightly_price": 321.0,
            },
        ),
        ("create_booking", {**stay, "guest_name": "Ana Lima", "guest_email": "ana.lima@example.org"}),
        ("update_booking", {"booking_id": changed["id"], "guests": changed["numberOfGuests"] - 1}),
        ("cancel_booking", {"booking_id": cancelled["id"]}),
        (
            "add_expense",
            {
                "amount": 85.5,
                "description": "Plumber: kitchen tap",
                "date": _day(sandbox.today),
                "property_id": rate_listing,
            },
        ),
        (
            "record_payment",
            {"booking_id": booking["id"], "amount": 50.0, "method": "cash", "title": "Cash at check-in"},
        ),
        (
            "record_refund",
            {
                "booking_id": offline_payment(sandbox)["reservationId"],
                "charge_id": offline_payment(sandbox)["id"],
                "amount": 5.0,
                "reason": "requested_by_customer",
            },
        ),
        ("create_task", {"title": "Deep clean", "category": "cleaning", "property_id": rate_listing}),
        ("update_task", {"task_id": pending_task(sandbox)["id"], "status": "confirmed"}),
    ]
    return [{"tool": tool, "arguments": {**arguments, "confirm": confirm}} for tool, arguments in calls]


def preview_changes_nothing(sandbox: Sandbox) -> dict[str, Any]:
    """A block_dates preview between two reads of the same nights: the reads must be identical."""
    listing_id, start, end = free_nights(sandbox, 2)
    nights = {"property_id": listing_id, "start_date": _day(start), "end_date": _day(end)}
    return {
        "write": {"tool": "block_dates", "arguments": nights},  # no confirm: the default is a preview
        "probe": {"tool": "check_property_availability", "arguments": nights},
    }
