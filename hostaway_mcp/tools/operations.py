"""The operations view: `get_operations_day`, the manager's morning question in one call.

Four reads, side by side, whatever the number of days: the portfolio (names, zones and hours, one
`GET /listings` page for up to 500 properties, kept a few minutes), the reservations overlapping
the days (`arrivalEndDate`/`departureStartDate`, cursor pages), the tasks around them (`GET /tasks`
by date, pages) and the open guest charges (`GET /guestPayments/charges`, one page of 500). Their
date bounds are known before the portfolio is: every property's today lies between UTC-12 and
UTC+14, so the bounds span that and the answer is cut to each property's own dates afterwards
(`day_view.py`). Bounds are sent a day wider than needed (whether Hostaway's date filters
include their ends is UNCONFIRMED), and the charges' departure window stays within the documented
60 days.

Always read live, never from the local mirror: the balances due are each booking's
`remainingBalance`, which moves with payments that need not move the booking's `updatedOn` (no
watermark sees them), and the tasks and open charges are not mirrored at all; the mirror could
save only the reservations read, which runs side by side with those two anyway.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from hostaway_mcp.gateway import HostawayGateway, JSONObject
from hostaway_mcp.localtime import LocalToday, earliest_today, today_in
from hostaway_mcp.models.operations import OperationsView
from hostaway_mcp.paging import together
from hostaway_mcp.tasks import TaskView, TooManyTasksError, read_tasks, views
from hostaway_mcp.tools._directory import PropertyFacts, portfolio, zone_lookup
from hostaway_mcp.tools._runtime import State
from hostaway_mcp.tools._validation import Day, WholeId
from hostaway_mcp.tools.day_view import build_view

MAX_DAYS = 14
MAX_PROPERTY_IDS = 200  # the charges filter takes at most 200 listing ids
# The furthest ahead of UTC any zone is (UTC+14): no property's today is later than now + 14 h.
MOST_AHEAD = dt.timedelta(hours=14)
# Open tasks due this many days before the first day still show, as late.
LATE_LOOKBACK_DAYS = 14
CHARGE_WINDOW_DAYS = 60  # the most a pair of charge date bounds may span
CHARGES_PAGE = 500
# What `day_view` reads of a reservation and of a charge: their pages are parsed down to these, so
# a big portfolio's day never holds its bookings whole. A line there that reads another field adds
# it here.
BOOKING_FIELDS = (
    "id",
    "listingMapId",
    "status",
    "arrivalDate",
    "departureDate",
    "checkInTime",
    "checkOutTime",
    "numberOfGuests",
    "guestName",
    "guestFirstName",
    "guestLastName",
    "channelId",
    "channelName",
    "currency",
    "remainingBalance",
)
CHARGE_FIELDS = ("id", "reservationId", "type", "status", "amount", "scheduledDate")


async def _reservations(gateway: HostawayGateway, first: dt.date, last: dt.date, listing: int | None) -> list[Any]:
    params: dict[str, Any] = {
        "arrivalEndDate": (last + dt.timedelta(days=1)).isoformat(),
        "departureStartDate": (first - dt.timedelta(days=1)).isoformat(),
        "includePayments": 1,  # remainingBalance is only served with it
    }
    if listing is not None:
        params["listingId"] = listing
    pages = gateway.iter_cursor_pages("reservations", params, fields=BOOKING_FIELDS)
    return [row async for page in pages for row in page]


async def _tasks(gateway: HostawayGateway, first: dt.date, last: dt.date) -> list[JSONObject]:
    params = {
        "shouldEndByStart": (first - dt.timedelta(days=LATE_LOOKBACK_DAYS + 1)).isoformat(),
        "canStartFromEnd": (last + dt.timedelta(days=1)).isoformat(),
    }
    try:
        return await read_tasks(gateway, params)
    except TooManyTasksError as exc:
        raise ToolError(f"These days hold {exc}; ask for fewer days or pass property_ids.") from None


async def _charges(gateway: HostawayGateway, first: dt.date, property_ids: list[int] | None) -> list[JSONObject]:
    start = first - dt.timedelta(days=1)
    params: dict[str, Any] = {
        "departureDateFrom": start.isoformat(),
        "departureDateTo": (start + dt.timedelta(days=CHARGE_WINDOW_DAYS)).isoformat(),
        "statuses[]": ["awaiting", "failed"],
        "types[]": ["charge"],
    }
    if property_ids:
        params["listingMapIds"] = ",".join(str(i) for i in property_ids)
    pages = gateway.iter_offset_pages("guestPayments/charges", params, page_size=CHARGES_PAGE, fields=CHARGE_FIELDS)
    return [row async for page in pages for row in page.items]


def _starts(
    facts: dict[int, PropertyFacts], scope: list[int], first_date: dt.date | None, now: dt.datetime
) -> dict[int, LocalToday]:
    starts: dict[int, LocalToday] = {}
    for property_id in scope:
        local = today_in(facts[property_id].time_zone, now)
        starts[property_id] = local if first_date is None else LocalToday(first_date, local.time_zone, local.known)
    return starts


def _in_scope(task: TaskView, scope: set[int], everything: bool) -> bool:
    return task.property_id in scope if task.property_id is not None else everything


async def get_operations_day(
    state: State,
    date: Annotated[Day | None, Field(description="First day. Default: each property's today.")] = None,
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = 1,
    property_ids: Annotated[
        list[WholeId] | None, Field(min_length=1, max_length=MAX_PROPERTY_IDS, description="Only these properties.")
    ] = None,
) -> OperationsView:
    """Show the day's operations: arrivals, departures, turnovers, stays, vacancies, tasks, balances due.

    "What happens today?" for every property in its own time zone. Turnovers: a departure and an
    arrival on one day, with the gap in hours and the clean. Cancelled, inquiry and declined
    bookings never appear.
    """
    now = state.now()
    first_date = date
    first = first_date if first_date is not None else earliest_today(now)
    last = (first_date if first_date is not None else (now + MOST_AHEAD).date()) + dt.timedelta(days=days - 1)
    wanted = list(dict.fromkeys(property_ids)) if property_ids else None
    listing = wanted[0] if wanted and len(wanted) == 1 else None
    gateway = state.gateway
    facts, reservations, raw_tasks, charges = await together(
        lambda: portfolio(state),
        lambda: _reservations(gateway, first, last, listing),
        lambda: _tasks(gateway, first, last),
        lambda: _charges(gateway, first, wanted),
    )
    scope = wanted if wanted is not None else list(facts)
    unknown = [property_id for property_id in scope if property_id not in facts]
    if unknown:
        raise ToolError(
            f"Property {', '.join(map(str, unknown[:10]))} not found: use list_properties to find the property ids."
        )
    if not scope:
        raise ToolError("The account has no properties yet, so there is no day to show.")
    scope_set = set(scope)
    tasks = [t for t in views(raw_tasks, zone_lookup(facts)) if _in_scope(t, scope_set, wanted is None)]
    return build_view(facts, _starts(facts, scope, first_date, now), days, reservations, tasks, charges, now)
