"""`list_tasks`: cleaning, maintenance, check-in, check-out and back-office tasks, with who does them.

`GET /tasks` filters by booking, status and dates only: it has **no listing and no assignee
filter** (hostaway-api-2026.md §1.4), so property, category and assignee are filtered here, over
every task in the date window, and the result says so. Dates are the property's local dates: a
task is in the window when its start-to-due span meets it. Assignees and groups are named from
the team (`_team.py`); emails only when asked. Task descriptions are staff text that may hold a
door code: access details in them are withheld unless the operator shares them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, StrictBool

from hostaway_mcp.localtime import earliest_today
from hostaway_mcp.models.common import next_offset
from hostaway_mcp.models.tasks import TaskList, TaskSummary, TeamMember
from hostaway_mcp.paging import together
from hostaway_mcp.privacy import ACCESS_MASK, free_text, withhold_access_details
from hostaway_mcp.tasks import (
    OPEN_STATUSES,
    STATUS_WORDS,
    TaskView,
    TooManyTasksError,
    clock,
    read_tasks,
    status_value,
    views,
)
from hostaway_mcp.tools._directory import PropertyFacts, portfolio, zone_lookup
from hostaway_mcp.tools._runtime import AppState, State
from hostaway_mcp.tools._team import Team, team
from hostaway_mcp.tools._validation import MAX_OFFSET, NAME_CHARS, Day, WholeId

StatusChoice = Literal["any", "open", "pending", "confirmed", "in progress", "completed", "cancelled"]
CategoryChoice = Literal["any", "cleaning", "maintenance", "check-in", "check-out", "back office", "other"]
DEFAULT_DAYS = 7
MAX_WINDOW_DAYS = 92
MAX_TEAM = 60
UNASSIGNED = "unassigned"


def _window(
    state: AppState, start: dt.date | None, end: dt.date | None, booking: int | None
) -> tuple[dt.date, dt.date] | None:
    if start is None and end is None:
        if booking is not None:
            return None  # every task of the booking
        first = earliest_today(state.now())
        return first, first + dt.timedelta(days=DEFAULT_DAYS)
    first = start if start is not None else (end or dt.date.min) - dt.timedelta(days=DEFAULT_DAYS - 1)
    last = end if end is not None else first + dt.timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise ToolError(
            f"end_date ({last}) is before start_date ({first}): both are inclusive, so for one day pass the same date."
        )
    if (last - first).days + 1 > MAX_WINDOW_DAYS:
        raise ToolError(
            f"The window is {(last - first).days + 1} days; the maximum is {MAX_WINDOW_DAYS}. Ask for a shorter one."
        )
    return first, last


def _statuses(word: str) -> frozenset[str] | None:
    if word == "any":
        return None
    if word == "open":
        return OPEN_STATUSES
    found = status_value(word)
    return frozenset({found}) if found else None


def assignee_filter(people: Team, words: str) -> tuple[str, frozenset[int] | None]:
    """What the `assignee` argument means: ("unassigned", None) or (names, their user ids)."""
    if words.strip().lower() in (UNASSIGNED, "nobody", "none"):
        return UNASSIGNED, None
    found = people.find(words)
    if not found:
        known = ", ".join(sorted(m.name for m in people.members.values() if m.active)[:30])
        raise ToolError(f"Nobody called {words!r} is in the team. Known people: {known}.")
    return ", ".join(m.name for m in found), frozenset(m.user_id for m in found)


def summary(
    task: TaskView, facts: dict[int, PropertyFacts], people: Team, now: dt.datetime, *, share: bool, emails: bool
) -> tuple[TaskSummary, bool]:
    """The task as listed, and whether access details were withheld from its description."""
    place = facts.get(task.property_id) if task.property_id is not None else None
    member = people.members.get(task.assignee_id) if task.assignee_id is not None else None
    description = free_text(task.description)
    scrubbed = False
    if description is not None and not share:
        cleaned = withhold_access_details(description)
        scrubbed = cleaned != description
        description = cleaned
    row = TaskSummary(
        id=task.id,
        title=task.title,
        category=task.category,
        status=STATUS_WORDS.get(task.status, task.status),
        property_id=task.property_id,
        property_name=(place.name if place else None) or "",
        booking_id=task.booking_id,
        assignee=people.name_of(task.assignee_id) or "",
        assignee_user_id=task.assignee_id,
        assignee_email=(member.email or "") if emails and member else "",
        group=(people.group_name(task.group_id) or "") if task.assignee_id is None else "",
        starts=clock(task.starts) or "",
        due=clock(task.due) or "",
        late=task.late(now),
        description=description or "",
    )
    return row, scrubbed


def team_list(people: Team) -> list[TeamMember]:
    active = sorted((m for m in people.members.values() if m.active), key=lambda m: (m.group or "", m.name))
    return [TeamMember(user_id=m.user_id, name=m.name, group=m.group) for m in active[:MAX_TEAM]]


async def list_tasks(
    state: State,
    start_date: Annotated[Day | None, Field(description="Default: today.")] = None,
    end_date: Annotated[Day | None, Field(description="Inclusive. Default: a week on.")] = None,
    property_id: Annotated[WholeId | None, Field(description="Only this property.")] = None,
    booking_id: Annotated[WholeId | None, Field(description="Only this booking's tasks, any date.")] = None,
    status: Annotated[StatusChoice, Field(description="open: pending, confirmed or in progress.")] = "any",
    category: CategoryChoice = "any",
    assignee: Annotated[
        str | None,
        Field(max_length=NAME_CHARS, description="A name (or part), a user id, or 'unassigned'."),
    ] = None,
    show_emails: Annotated[StrictBool, Field(description="true only if the user asked for emails.")] = False,
    limit: Annotated[int, Field(ge=1, le=100)] = 25,
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0,
) -> TaskList:
    """List cleaning, maintenance, check-in, check-out and back-office tasks: property, assignee, due time.

    Times are the property's local time. Also lists the team: the user ids for create_task and
    update_task.
    """
    window = _window(state, start_date, end_date, booking_id)
    wanted_statuses = _statuses(status)
    wanted_category = None if category == "any" else category
    params: dict[str, Any] = {}
    if window is not None:
        params["shouldEndByStart"] = (window[0] - dt.timedelta(days=1)).isoformat()
        params["canStartFromEnd"] = (window[1] + dt.timedelta(days=1)).isoformat()
    if booking_id is not None:
        params["reservationId"] = booking_id
    if wanted_statuses is not None and len(wanted_statuses) == 1:
        params["status"] = next(iter(wanted_statuses))
    try:
        facts, people, raw_tasks = await together(
            lambda: portfolio(state), lambda: team(state), lambda: read_tasks(state.gateway, params)
        )
    except TooManyTasksError as exc:
        raise ToolError(f"The window holds {exc}; ask for a shorter one, or a booking.") from None
    who, assignees = assignee_filter(people, assignee) if assignee else (None, None)
    now = state.now()
    kept = [
        task
        for task in views(raw_tasks, zone_lookup(facts))
        if _keeps(task, window, property_id, booking_id, wanted_statuses, wanted_category, who, assignees)
    ]
    kept.sort(key=lambda t: (t.due or t.starts or dt.datetime.max, t.id))
    share = state.settings.share_access_details
    rows, scrubbed = [], False
    for task in kept[offset : offset + limit]:
        row, withheld = summary(task, facts, people, now, share=share, emails=show_emails)
        rows.append(row)
        scrubbed = scrubbed or withheld
    notes = [f"{len(raw_tasks)} task(s) read from Hostaway"]
    local = [
        name
        for name, value in (("property", property_id), ("category", wanted_category), ("assignee", assignee))
        if value
    ]
    if local:
        notes.append(f"filtered by {', '.join(local)} on this server (Hostaway's task list cannot)")
    if scrubbed:
        notes.append(
            f"access details in descriptions shown as {ACCESS_MASK!r} (HOSTAWAY_SHARE_ACCESS_DETAILS=true shares them)"
        )
    return TaskList(
        items=rows,
        total=len(kept),
        offset=offset,
        limit=limit,
        next_offset=next_offset(offset, len(rows), len(kept)),
        team=team_list(people),
        note="; ".join(notes) + ".",
    )


def _keeps(
    task: TaskView,
    window: tuple[dt.date, dt.date] | None,
    property_id: int | None,
    booking_id: int | None,
    statuses: frozenset[str] | None,
    category: str | None,
    who: str | None,
    assignees: frozenset[int] | None,
) -> bool:
    if window is not None and not task.touches(*window):
        return False
    if property_id is not None and task.property_id != property_id:
        return False
    if booking_id is not None and task.booking_id != booking_id:
        return False
    if statuses is not None and task.status not in statuses:
        return False
    if category is not None and task.category != category:
        return False
    if who == UNASSIGNED:
        return task.assignee_id is None
    return assignees is None or task.assignee_id in assignees
