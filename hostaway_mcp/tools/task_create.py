"""The plan of `create_task`: a new task, checked against the booking, the team and the tasks Hostaway holds.

Reads what the task touches (the booking, the property's zone and hours, the team, the tasks that
might already be this one) side by side, refuses what must not happen (an unknown assignee, a due
time before the start, a task Hostaway already has, a booking at another property) and builds the
exact `POST /tasks` body. A booking's clean, check-in or check-out task gets the usual window when
no time is given. `task_change.py` is what the write path does with the plan.
"""

from __future__ import annotations

import datetime as dt

from mcp.server.mcpserver.exceptions import ToolError

from hostaway_mcp.domain import ENDED_STATUSES, ident, parse_date, status_words, text, whole
from hostaway_mcp.gateway import JSONObject
from hostaway_mcp.localtime import zone_of
from hostaway_mcp.paging import together
from hostaway_mcp.tasks import (
    CATEGORY_IDS,
    CATEGORY_WORDS,
    STATUS_WORDS,
    TooManyTasksError,
    category_id,
    read_tasks,
    view,
)
from hostaway_mcp.tasks import clock as local_clock
from hostaway_mcp.tools._directory import PropertyFacts, portfolio
from hostaway_mcp.tools._lookups import fetch_reservation
from hostaway_mcp.tools._runtime import AppState, State
from hostaway_mcp.tools._team import Team, team
from hostaway_mcp.tools.confirmation import audited_planning
from hostaway_mcp.tools.task_change import (
    CREATE,
    TaskPlan,
    TaskShown,
    check_order,
    member_name,
    same_value,
    to_local,
    to_utc,
    wire,
)
from hostaway_mcp.tools.writes import screened


def _at(day: dt.date, hour: int | None, fallback: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour if hour is not None else fallback))


def _default_window(
    category: int, reservation: JSONObject | None, facts: PropertyFacts | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """For a booking's clean, check-in or check-out task: the usual window in local time."""
    if reservation is None:
        return None, None
    arrival, departure = parse_date(reservation.get("arrivalDate")), parse_date(reservation.get("departureDate"))
    check_in = whole(reservation.get("checkInTime")) or (facts.check_in_hour if facts else None)
    check_out = whole(reservation.get("checkOutTime")) or (facts.check_out_hour if facts else None)
    if category == 1 and departure is not None:  # the turnover clean: check-out to the next check-in hour
        start = _at(departure, check_out, 11)
        due = _at(departure, check_in, 15)
        return start, due if due > start else start + dt.timedelta(hours=4)
    if category == 3 and arrival is not None:
        hour = check_in if check_in is not None else 15
        return _at(arrival, max(0, hour - 1), 14), _at(arrival, min(23, hour + 1), 16)
    if category == 4 and departure is not None:
        hour = check_out if check_out is not None else 11
        return _at(departure, max(0, hour - 1), 10), _at(departure, hour, 11)
    return None, None


def _existing(tasks: list[JSONObject], body: JSONObject) -> JSONObject | None:
    """A task Hostaway already holds that is this one: the booking's task of this category, or the
    property's task of this title due the same day (cancelled tasks do not count)."""
    for task in tasks:
        if task.get("status") == "cancelled" or not same_value(
            "categoriesMap", body["categoriesMap"], task.get("categoriesMap")
        ):
            continue
        if body.get("reservationId") is not None:
            if ident(task.get("reservationId")) == body["reservationId"]:
                return task
        elif (
            ident(task.get("listingMapId")) == body.get("listingMapId")
            and (text(task.get("title")) or "").lower() == body["title"].lower()
            and str(task.get("shouldEndBy") or "")[:10] == str(body.get("shouldEndBy") or "")[:10]
        ):
            return task
    return None


async def plan_create(
    state: State,
    title: str,
    category: str,
    property_id: int | None,
    booking_id: int | None,
    start: dt.datetime | None,
    due: dt.datetime | None,
    assignee_user_id: int | None,
    description: str | None,
    allow_duplicate: bool,
) -> TaskPlan:
    ids = {"property_id": property_id, "booking_id": booking_id, "assignee_user_id": assignee_user_id}
    with audited_planning(state.settings, CREATE.tool, **ids):
        clean_title = title.strip()
        if not clean_title:
            raise ToolError("title is blank: give the task a short title (1 to 255 characters). Nothing was created.")
        number = category_id(category)
        if number is None:
            raise ToolError(f"Unknown task category {category!r}. Use one of: {', '.join(CATEGORY_IDS)}.")
        check_order(start, due)
        facts_all, people, reservation = await together(
            lambda: portfolio(state), lambda: team(state), lambda: _booking(state, booking_id)
        )
        if reservation is not None:
            booked_at = ident(reservation.get("listingMapId"))
            if property_id is not None and booked_at != property_id:
                raise ToolError(
                    f"Booking {booking_id} is at property {booked_at}, not {property_id}: leave property_id out, or "
                    "check the booking id. Nothing was created."
                )
            property_id = booked_at
        facts = facts_all.get(property_id) if property_id is not None else None
        if property_id is not None and facts is None:
            raise ToolError(f"Property {property_id} not found: use list_properties to find the property id.")
        zone = facts.time_zone if facts else None
        warnings: list[str] = []
        defaulted = start is None and due is None
        if defaulted:
            start, due = _default_window(number, reservation, facts)
        assignee = member_name(people, assignee_user_id, "created") if assignee_user_id is not None else None
        body: JSONObject = {"title": clean_title, "categoriesMap": [number], "status": "pending"}
        for key, value in (("listingMapId", property_id), ("reservationId", booking_id)):
            if value is not None:
                body[key] = value
        if assignee_user_id is not None:
            body["assigneeUserId"] = assignee_user_id
        if start is not None:
            body["canStartFrom"] = wire(to_utc(start, zone))
        if due is not None:
            body["shouldEndBy"] = wire(to_utc(due, zone))
        clean_description = text(description)
        if clean_description is not None:
            body["description"] = clean_description
        warnings += _create_warnings(state, reservation, zone, property_id, due)
        lookup: JSONObject = {"reservationId": booking_id} if booking_id is not None else {"match": clean_title}
        try:
            seen = await read_tasks(state.gateway, lookup, max_pages=20)
        except TooManyTasksError:
            seen = []
            warnings.append("Too many tasks match to check for an existing one; look with list_tasks first.")
        found = _existing(seen, body)
        if found is not None and allow_duplicate:
            warnings.append(
                f"WARNING: Hostaway already has this task (task {ident(found.get('id'))}); this makes a second one."
            )
        local_start = to_local(start, zone) if start is not None else None
        local_due = to_local(due, zone) if due is not None else None
        changes = [f"Category: {CATEGORY_WORDS[number]}"]
        if local_start or local_due:
            when = f"From {local_clock(local_start) or 'any time'} to {local_clock(local_due) or 'no due time'}"
            changes.append(
                when + " (the property's local time)" + (" (the usual window for this booking)" if defaulted else "")
            )
        changes.append(f"Assigned to {assignee}" if assignee else "Assigned to nobody yet")
        if clean_description is not None:
            changes.append(f"Description: {clean_description}")
        plan = TaskPlan(
            action="create",
            task_id=None,
            body=body,
            shown=TaskShown(
                title=clean_title,
                category=CATEGORY_WORDS[number],
                status="pending",
                property_id=property_id,
                property_name=facts.name if facts else None,
                booking_id=booking_id,
                assignee=assignee,
                group=None,
                starts=local_clock(local_start),
                due=local_clock(local_due),
                description=clean_description,
            ),
            changes=changes,
            lookup=lookup,
            seen_max_id=max((ident(t.get("id")) or 0 for t in seen), default=0),
            warnings=warnings,
        )
        plan = await screened(state, CREATE, plan, allow_duplicate)
        # An earlier attempt whose outcome is unknown may be the task seen: confirming then reports it.
        if found is not None and not allow_duplicate and not plan.screening.unsettled:
            raise _already_there(found, people, zone, clean_title)
        return plan


def _already_there(found: JSONObject, people: Team, zone: str | None, title: str) -> ToolError:
    shown = view(found, zone)
    who = people.name_of(ident(found.get("assigneeUserId"))) or "nobody"
    status = STATUS_WORDS.get(str(found.get("status")), str(found.get("status")))
    return ToolError(
        f"Refused: Hostaway already has this task (task {ident(found.get('id'))}, "
        f"{shown.title if shown else title}, {status}, assigned to {who}). Nothing was created: use "
        "update_task to change it; only if the user wants a second one, call again with allow_duplicate=true."
    )


async def _booking(state: AppState, booking_id: int | None) -> JSONObject | None:
    return None if booking_id is None else await fetch_reservation(state.gateway, booking_id)


def _create_warnings(
    state: AppState, reservation: JSONObject | None, zone: str | None, property_id: int | None, due: dt.datetime | None
) -> list[str]:
    warnings = []
    status = text(reservation.get("status")) if reservation else None
    if status in ENDED_STATUSES:
        warnings.append(f"WARNING: the booking is {status_words(status)}: nobody is staying.")
    if property_id is not None and zone_of(zone) is None:
        warnings.append("The property has no known time zone: the times were taken as UTC.")
    if due is not None and to_utc(due, zone) < state.now().astimezone(dt.UTC).replace(tzinfo=None):
        warnings.append("The due time has already passed at the property.")
    return warnings
