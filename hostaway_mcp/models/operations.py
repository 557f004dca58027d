"""Results of get_operations_day: each day's arrivals, departures, turnovers, stays, vacancies and tasks."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from hostaway_mcp.models.bookings import CompactResult
from hostaway_mcp.models.common import LocalDay, ResultModel, drop_field_titles
from hostaway_mcp.privacy import GUEST_NAME_NOTE


class Row(CompactResult):
    """A line of the view: fields at their default ("", 0, false, null) are left out."""

    model_config = ConfigDict(json_schema_extra=drop_field_titles)


class Arrival(Row):
    booking_id: int
    property_id: int
    property_name: str = ""
    day: date
    guest_name: str = Field(default="", description=GUEST_NAME_NOTE)
    guests: int | None = None
    check_in: str = Field(default="", description="Local HH:MM.")
    nights: int | None = None
    channel: str
    status: str = Field(default="confirmed", description="Left out when confirmed.")
    balance_due: float = Field(default=0, description="Still to pay, in currency.")
    currency: str = ""


class Departure(Row):
    booking_id: int
    property_id: int
    property_name: str = ""
    day: date
    guest_name: str = Field(default="", description=GUEST_NAME_NOTE)
    check_out: str = Field(default="", description="Local HH:MM.")


class Turnover(Row):
    """A departure and an arrival at one property on one day: the clean must fit between them."""

    property_id: int
    property_name: str = ""
    day: date
    departing_booking_id: int
    arriving_booking_id: int
    check_out: str = ""
    check_in: str = ""
    gap_hours: float | None = Field(default=None, description="Hours from check-out to check-in.")
    tight: bool = Field(default=False, description="Gap under 4 hours.")
    clean: str = Field(description="assigned, unassigned, in progress, done, or none (no cleaning task).")
    clean_task_id: int | None = None


class Stay(Row):
    booking_id: int
    property_id: int
    property_name: str = ""
    guest_name: str = Field(default="", description=GUEST_NAME_NOTE)
    departure: date


class Vacant(Row):
    property_id: int
    property_name: str = ""


class DayTask(Row):
    task_id: int
    title: str
    category: str
    status: str
    property_id: int | None = None
    property_name: str = ""
    booking_id: int | None = None
    due: str = Field(default="", description="Local time it should be done by.")
    unassigned: bool = False
    late: bool = False


class DayCounts(ResultModel):
    model_config = ConfigDict(json_schema_extra=drop_field_titles)

    arrivals: int
    departures: int
    turnovers: int
    staying: int
    vacant: int
    open_tasks: int
    unassigned_tasks: int


class OperationsDay(ResultModel):
    model_config = ConfigDict(json_schema_extra=drop_field_titles)

    dates: list[date] = Field(description="The local date(s) this day is at the properties (zones may differ).")
    counts: DayCounts = Field(description="Exact numbers; the lists below may be cut to keep the answer short.")
    arrivals: list[Arrival]
    departures: list[Departure]
    turnovers: list[Turnover]
    staying: list[Stay] = Field(description="Guests mid-stay (arrived before, leave after); first day only.")
    vacant: list[Vacant] = Field(description="Properties nobody stays at this night; first day only.")
    tasks: list[DayTask] = Field(description="Open tasks whose window includes this day.")


class Balance(Row):
    booking_id: int
    property_id: int
    property_name: str = ""
    guest_name: str = Field(default="", description=GUEST_NAME_NOTE)
    arrival: date
    departure: date
    balance_due: float
    currency: str = ""
    next_charge: date | None = Field(default=None, description="When the next scheduled charge is taken.")
    failed_charges: int = Field(default=0, description="Charges that were tried and failed (still owed).")


class OperationsView(ResultModel):
    """The manager's days: what happens at each property, and what needs a person."""

    model_config = ConfigDict(json_schema_extra=drop_field_titles)

    properties: int = Field(description="Properties covered.")
    local_today: list[LocalDay] = Field(description="Which date was the first day, per time zone.")
    days: list[OperationsDay]
    late_tasks: list[DayTask] = Field(description="Open tasks whose due time has passed.")
    balances: list[Balance] = Field(description="Bookings in these days still owing money, by arrival.")
    notes: list[str] = Field(default_factory=list)
