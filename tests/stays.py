"""Stays picked from a sandbox account for the quote and booking tests, judged from its raw calendar days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.conftest import TODAY

FRIDAY, SATURDAY = 4, 5


def bookable(sandbox: Any, listing: dict[str, Any], start: date, nights: int, guests: int) -> bool:
    """Every night available and every stay rule met, read straight from the sandbox's days."""
    days = [sandbox.calendar_day(listing["id"], start + timedelta(days=n)) for n in range(nights + 1)]
    arrival, departure = days[0], days[-1]
    return (
        all(day["isAvailable"] == 1 and day["status"] == "available" for day in days[:-1])
        and (arrival["minimumStay"] or 1) <= nights <= (arrival["maximumStay"] or 10_000)
        and not arrival["closedOnArrival"]
        and not departure["closedOnDeparture"]
        and listing["personCapacity"] >= guests
    )


def bookable_stay(
    sandbox: Any,
    nights: int,
    *,
    guests: int = 2,
    weekend: bool = False,
    not_before: int = 14,
    skip: int = 0,
    listing_filter: Any = None,
) -> tuple[dict[str, Any], date, date]:
    """A listing and a stay it can take (`skip` passes over that many earlier finds); over a
    Friday and a Saturday night when `weekend`."""
    for listing in sandbox.account.listings:
        if listing_filter is not None and not listing_filter(listing):
            continue
        for offset in range(not_before, not_before + 200):
            start = TODAY + timedelta(days=offset)
            weekdays = {(start + timedelta(days=n)).weekday() for n in range(nights)}
            if weekend and not {FRIDAY, SATURDAY} <= weekdays:
                continue
            if bookable(sandbox, listing, start, nights, guests):
                if skip:
                    skip -= 1
                    continue
                return listing, start, start + timedelta(days=nights)
    raise AssertionError("the demo account has no such stay")


def stay_args(listing: dict[str, Any], start: date, end: date, guests: int = 2) -> dict[str, Any]:
    return {"property_id": listing["id"], "check_in": start.isoformat(), "check_out": end.isoformat(), "guests": guests}


def requests_to(sandbox: Any, method: str, fragment: str) -> list[Any]:
    return [r for r in sandbox.request_log if r.method == method and fragment in str(r.path)]
