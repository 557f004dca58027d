"""Checks on tool arguments that a JSON schema cannot express (date order, ranges, the past).

Each failure is a `ToolError` that says what to fix, raised before any request is sent.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

MAX_STAY_NIGHTS = 366
MAX_REPORT_DAYS = 731

IsoDate = Annotated[
    date,
    Field(description="A date as YYYY-MM-DD."),
]
PropertyId = Annotated[int, Field(gt=0, description="Property (listing) id, from list_properties.")]
BookingId = Annotated[int, Field(gt=0, description="Booking (reservation) id, from search_bookings.")]


def check_night_range(
    start: date,
    end: date,
    *,
    start_name: str,
    end_name: str,
    today: date | None = None,
    max_nights: int = MAX_STAY_NIGHTS,
) -> int:
    """Validate a check-in/check-out style range and return its number of nights.

    `end` is not a night of the range. With `today`, the range may not start in the past.
    """
    if end <= start:
        raise ToolError(
            f"{end_name} ({end.isoformat()}) must be after {start_name} ({start.isoformat()}): "
            f"{end_name} is the morning the stay ends, so a one-night stay on {start.isoformat()} "
            f"has {end_name} {(start + timedelta(days=1)).isoformat()}."
        )
    nights = (end - start).days
    if nights > max_nights:
        raise ToolError(
            f"The range {start.isoformat()} to {end.isoformat()} is {nights} nights; the maximum is "
            f"{max_nights}. Split it into shorter ranges."
        )
    if today is not None and start < today:
        raise ToolError(
            f"{start_name} {start.isoformat()} is in the past (today is {today.isoformat()}). "
            "Use today or a later date."
        )
    return nights


def check_period(start: date, end: date, *, max_days: int = MAX_REPORT_DAYS) -> int:
    """Validate an inclusive reporting period and return its number of days."""
    if end < start:
        raise ToolError(
            f"end_date ({end.isoformat()}) is before start_date ({start.isoformat()}): periods are "
            "inclusive, so a single day has start_date == end_date."
        )
    days = (end - start).days + 1
    if days > max_days:
        raise ToolError(f"The period is {days} days; the maximum is {max_days} (two years). Ask for a shorter period.")
    return days
