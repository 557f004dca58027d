"""Realistic arguments for every tool, picked from a sandbox account.

Shared by the benchmarks and by the fault and fuzz suites, so a tool added to the catalogue is
exercised everywhere once it has an entry here. Tools without one get arguments derived from their
input schema (`schema_arguments`), which covers the usual parameter names.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

CONFIRMED = ("new", "modified")


def pick_booking(account: Any, today: date) -> dict[str, Any]:
    """An upcoming confirmed booking that has a guest conversation (the usual subject of a question)."""
    with_thread = {c.get("reservationId") for c in account.conversations}
    upcoming = [
        r
        for r in account.reservations
        if r.get("status") in CONFIRMED and r.get("arrivalDate", "") >= today.isoformat() and r["id"] in with_thread
    ]
    upcoming.sort(key=lambda r: (r["arrivalDate"], r["id"]))
    if not upcoming:
        raise LookupError("the sandbox account has no upcoming confirmed booking with a conversation")
    return dict(upcoming[0])


def pick_changed_booking(account: Any, today: date) -> dict[str, Any]:
    """A direct booking the team changed (its log names people), else the usual booking."""
    for reservation in account.reservations:
        if reservation.get("channelId") == 2000 and reservation.get("status") == "modified":
            return dict(reservation)
    return pick_booking(account, today)


def pick_review(account: Any) -> dict[str, Any]:
    """A published guest review without a reply, on a channel that takes one (else any review)."""
    for review in account.reviews:
        if (
            review.get("type") == "guest-to-host"
            and review.get("status") == "published"
            and review.get("channelId") == 2018
            and not review.get("revieweeResponse")
        ):
            return dict(review)
    if not account.reviews:
        raise LookupError("the sandbox account has no reviews")
    return dict(account.reviews[0])


def pick_changeable_booking(account: Any, today: date) -> dict[str, Any]:
    """An upcoming booking of two or more guests that Hostaway lets the API change (direct or Vrbo)."""
    upcoming = [
        r
        for r in account.reservations
        if r.get("status") in CONFIRMED
        and r.get("arrivalDate", "") >= (today + timedelta(days=7)).isoformat()
        and (r.get("numberOfGuests") or 0) >= 2
    ]
    upcoming.sort(key=lambda r: (r.get("channelId") not in (2000, 2002), r["arrivalDate"], r["id"]))
    if not upcoming:
        raise LookupError("the sandbox account has no upcoming booking of two or more guests")
    return dict(upcoming[0])


def pick_free_stay(account: Any, today: date, nights: int = 3) -> tuple[int, date, date]:
    """A bookable stay: free nights from a Monday at least three weeks out (no stay rule in the way)."""
    from hostaway_mcp.sandbox.calendar import CalendarBook  # the account's own calendar rules

    book = CalendarBook(account.pricing, account.reservations, account.owner_blocks)
    first = today + timedelta(days=21 + (7 - (today + timedelta(days=21)).weekday()) % 7)
    for weeks in range(26):
        start = first + timedelta(weeks=weeks)
        for listing in account.listings:
            days = [book.day(listing["id"], start + timedelta(days=n)) for n in range(nights + 1)]
            if all(day["isAvailable"] == 1 for day in days[:-1]) and (days[0]["minimumStay"] or 1) <= nights:
                return int(listing["id"]), start, start + timedelta(days=nights)
    raise LookupError("the sandbox account has no free stay in the next half year")


def _open_task(account: Any) -> int:
    """A pending task (the usual subject of an update): the first one the account lists."""
    pending = [t for t in getattr(account, "tasks", []) if t.get("status") == "pending"]
    return int(pending[0]["id"]) if pending else 1


def pick_paid_offline_charge(account: Any) -> dict[str, Any]:
    """A paid offline guest charge (cash, bank transfer...) of a booking: what record_refund refunds."""
    online = ("credit_card_online", "payment_link")
    for charge in getattr(account, "charges", []):
        if (
            charge.get("type") == "charge"
            and charge.get("status") == "paid"
            and charge.get("paymentMethod") not in online
        ):
            return dict(charge)
    raise LookupError("the sandbox account has no paid offline guest charge")


# Tools with no Hostaway bytes behind their answer (no share of raw to measure), with the reason.
NOT_FROM_HOSTAWAY = {
    "search_messages": "answers from the local mirror; what its sync reads is in bench/RESULTS.md (mirror)",
}


def quarter_of(today: date) -> tuple[date, date]:
    """The last complete calendar quarter before `today`."""
    first_month = 3 * ((today.month - 1) // 3) + 1
    this_quarter = date(today.year, first_month, 1)
    end = this_quarter - timedelta(days=1)
    start = date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    return start, end


def tool_arguments(account: Any, today: date) -> dict[str, dict[str, Any]]:
    """Arguments that make each tool answer a typical question about this account."""
    booking = pick_booking(account, today)
    listing = int(booking["listingMapId"])
    q_start, q_end = quarter_of(today)
    free, check_in, check_out = pick_free_stay(account, today)
    stay = {"property_id": free, "check_in": check_in.isoformat(), "check_out": check_out.isoformat(), "guests": 2}
    changeable = pick_changeable_booking(account, today)
    charge = pick_paid_offline_charge(account)
    statements = getattr(account, "owner_statements", [])

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    return {
        "list_properties": {},
        "get_property_details": {"property_id": listing},
        "search_available_properties": {"check_in": day(21), "check_out": day(24), "guests": 2},
        "check_property_availability": {"property_id": listing, "start_date": day(21), "end_date": day(35)},
        "search_bookings": {"arrival_from": day(0), "arrival_to": day(6)},
        "get_booking_details": {"booking_id": booking["id"]},
        "quote_stay": stay,
        "create_booking": {**stay, "guest_name": "Ana Lima", "guest_email": "ana.lima@example.org"},
        "update_booking": {"booking_id": changeable["id"], "guests": int(changeable["numberOfGuests"]) - 1},
        "cancel_booking": {"booking_id": changeable["id"]},
        "get_guest_info": {"booking_id": booking["id"]},
        "get_conversation_history": {"booking_id": booking["id"]},
        "list_guest_inbox": {},
        "get_booking_history": {"booking_id": pick_changed_booking(account, today)["id"]},
        "get_reply_templates": {"booking_id": booking["id"]},
        "list_reviews": {"needs_reply": True},
        "reply_to_review": {"review_id": pick_review(account)["id"], "text": "Thank you for staying with us!"},
        "get_revenue_report": {"start_date": q_start.isoformat(), "end_date": q_end.isoformat()},
        "get_property_financials": {
            "property_id": listing,
            "start_date": q_start.isoformat(),
            "end_date": q_end.isoformat(),
        },
        "send_guest_message": {
            "booking_id": booking["id"],
            "message": "Hello! Check-in is from 15:00; we look forward to welcoming you.",
        },
        "block_dates": {"property_id": listing, "start_date": day(300), "end_date": day(303)},
        "unblock_dates": {"property_id": listing, "start_date": day(300), "end_date": day(303)},
        "update_nightly_rates": {
            "property_id": listing,
            "start_date": day(300),
            "end_date": day(303),
            "nightly_price": 180,
        },
        "get_operations_day": {},
        "list_tasks": {"status": "open"},
        "create_task": {"title": "Check the water heater", "category": "maintenance", "booking_id": booking["id"]},
        "update_task": {"task_id": _open_task(account), "status": "confirmed"},
        "get_booking_payments": {"booking_id": int(charge["reservationId"])},
        "list_unpaid_balances": {"start_date": day(0), "end_date": day(119)},
        "list_expenses": {"property_id": listing},
        "get_owner_statement": {"statement_id": statements[-1]["id"]} if statements else {},
        "record_payment": {
            "booking_id": int(charge["reservationId"]),
            "amount": 100,
            "method": "cash",
            "title": "Cash at check-in",
        },
        "record_refund": {
            "booking_id": int(charge["reservationId"]),
            "charge_id": charge["id"],
            "amount": 10,
            "reason": "requested_by_customer",
        },
        "add_expense": {"amount": 120, "description": "Plumber: kitchen tap", "date": day(-1), "property_id": listing},
    }


def schema_arguments(schema: dict[str, Any], account: Any, today: date) -> dict[str, Any]:
    """Arguments for a tool with no entry above, from its input schema's required parameters."""
    booking = pick_booking(account, today)
    known: dict[str, Any] = {
        "property_id": int(booking["listingMapId"]),
        "booking_id": booking["id"],
        "check_in": (today + timedelta(days=21)).isoformat(),
        "check_out": (today + timedelta(days=24)).isoformat(),
        "start_date": (today + timedelta(days=21)).isoformat(),
        "end_date": (today + timedelta(days=24)).isoformat(),
        "week_start": today.isoformat(),
        "guests": 2,
        "message": "Hello!",
    }
    arguments: dict[str, Any] = {}
    for name in schema.get("required", []):
        if name in known:
            arguments[name] = known[name]
            continue
        kind = schema.get("properties", {}).get(name, {}).get("type")
        arguments[name] = {"integer": 1, "number": 1, "boolean": False, "array": []}.get(kind, "x")
    return arguments


def arguments_for(name: str, schema: dict[str, Any], account: Any, today: date) -> dict[str, Any]:
    scripted = tool_arguments(account, today)
    return dict(scripted[name]) if name in scripted else schema_arguments(schema, account, today)
