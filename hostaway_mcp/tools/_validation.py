"""Tool argument types, and checks that a JSON schema cannot express (date order, ranges, the past).

The types take arguments strictly where pydantic would otherwise guess: `true` is not booking 1,
`"١٢٣"` is not property 123 (and `"yes"` is not a confirmation: writes take `StrictBool`); dates
stay within years an account can hold, so arithmetic on them never overflows; free text has a
maximum length the schema states. Unknown argument names are refused by `_arguments.strict_tool`.

Each failed check is a `ToolError` that says what to fix, raised before any request is sent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from hostaway_mcp.localtime import LocalToday, earliest_today, past_reason

MAX_STAY_NIGHTS = 366
MAX_REPORT_DAYS = 731

# A JSON number is exact up to 2**53; Hostaway's ids are far below that.
MAX_ID = 2**53 - 1
# Wide enough for any account, narrow enough that a day or a year added to a date never leaves
# the calendar (9999-12-31 plus one day is an OverflowError).
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
SHORT_TEXT_CHARS = 100  # a city, a country, a channel
MAX_OFFSET = 100_000  # further than any list reaches; keeps page arithmetic and requests sane
MAX_AMOUNT = 100_000_000.0  # a price bound in any currency
NAME_CHARS = 200  # a property or guest name, an email address


def _whole_number(value: object) -> object:
    """An id as a model sends it: a JSON integer, or its ASCII digits in a string; nothing else."""
    if isinstance(value, bool):
        raise PydanticCustomError("id_type", "an id is a whole number such as 305, not true or false")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    raise PydanticCustomError("id_type", "an id is a whole number written with the digits 0-9, such as 305")


# Any id argument: a positive whole number (`"305"` too), never `true`, `3.5` or `"١٢٣"`.
WholeId = Annotated[int, BeforeValidator(_whole_number), Field(gt=0, le=MAX_ID)]
IsoDate = Annotated[
    date,
    Field(ge=EARLIEST_DATE, le=LATEST_DATE, description="A date as YYYY-MM-DD (years 2000 to 2099)."),
]


def _in_years(day: date) -> date:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise PydanticCustomError("date_range", "a date in the years 2000 to 2099")
    return day


# A date whose parameter says what it is (IsoDate repeats "a date as YYYY-MM-DD" in the schema).
Day = Annotated[date, AfterValidator(_in_years)]
# Where ids come from is said once, in the server's instructions.
PropertyId = WholeId
BookingId = WholeId


def check_night_range(
    start: date,
    end: date,
    *,
    start_name: str,
    end_name: str,
    local_today: LocalToday | None = None,
    max_nights: int = MAX_STAY_NIGHTS,
) -> int:
    """Validate a check-in/check-out style range and return its number of nights.

    `end` is not a night of the range. With `local_today` (the property's today, from
    `localtime`), the range may not start in the past there.
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
    if local_today is not None:
        check_not_past(start, local_today, start_name)
    return nights


def check_not_past(start: date, local_today: LocalToday, name: str) -> None:
    """Refuse a range starting before today at the property (its own time zone)."""
    reason = past_reason(start, local_today, name)
    if reason is not None:
        raise ToolError(f"{reason}. Use {local_today.today.isoformat()} or a later date.")


def check_not_past_anywhere(start: date, now: datetime, name: str) -> None:
    """Refuse a date that is in the past in every time zone, before any request is sent."""
    earliest = earliest_today(now)
    if start < earliest:
        raise ToolError(
            f"{name} {start.isoformat()} is in the past at every property (the earliest local date anywhere "
            f"is {earliest.isoformat()}). Use today or a later date."
        )


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
