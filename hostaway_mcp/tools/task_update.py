"""The plan of `update_task`: the task as it is, the changes asked for, and the body that makes them.

Read-modify-write: the task is read, the writable fields (`task_change.WRITABLE`) are taken as they
are, the changes applied, and only a real difference is a change (asking for what the task already
has is refused, saying so). The preview shows each change before -> after, in the property's time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

from hostaway_mcp.domain import ident, text
from hostaway_mcp.errors import NotFoundError
from hostaway_mcp.gateway import JSONObject
from hostaway_mcp.paging import together
from hostaway_mcp.tasks import STATUS_WORDS, status_value, view
from hostaway_mcp.tasks import clock as local_clock
from hostaway_mcp.tools._directory import portfolio
from hostaway_mcp.tools._runtime import State
from hostaway_mcp.tools._team import Team, team
from hostaway_mcp.tools.confirmation import audited_planning
from hostaway_mcp.tools.task_change import (
    STATUS_CHOICES,
    UPDATE,
    WRITABLE,
    TaskPlan,
    TaskShown,
    check_order,
    member_name,
    same_value,
    to_utc,
    wire,
)
from hostaway_mcp.tools.writes import screened


def _current(task: JSONObject) -> JSONObject:
    """The task's writable fields as read, ids as numbers."""
    body = {name: task.get(name) for name in WRITABLE if name in task}
    for name in ("listingMapId", "reservationId", "assigneeUserId", "canBePickedByGroupId", "supervisorUserId"):
        if name in body:
            body[name] = ident(body[name])
    return body


def _time_words(value: Any, zone: str | None) -> str:
    moment = view({"id": 1, "canStartFrom": value}, zone)
    return (local_clock(moment.starts) if moment else None) or "none"


async def plan_update(
    state: State,
    task_id: int,
    status: str | None,
    assignee_user_id: int | None,
    unassign: bool,
    start: dt.datetime | None,
    due: dt.datetime | None,
    title: str | None,
    description: str | None,
) -> TaskPlan:
    with audited_planning(state.settings, UPDATE.tool, task_id=task_id, assignee_user_id=assignee_user_id):
        if all(v is None for v in (status, assignee_user_id, start, due, title, description)) and not unassign:
            raise ToolError(
                "Nothing to change: pass status, assignee_user_id (or unassign), start, due, title or description. "
                "Nothing was changed."
            )
        if unassign and assignee_user_id is not None:
            raise ToolError("Give assignee_user_id or unassign=true, not both. Nothing was changed.")
        new_status = status_value(status) if status is not None else None
        if status is not None and new_status is None:
            raise ToolError(f"Unknown task status {status!r}. Use one of: {STATUS_CHOICES}.")
        if title is not None and not title.strip():
            raise ToolError("title is blank: give the task a short title, or leave title out. Nothing was changed.")
        check_order(start, due)
        try:
            task, facts_all, people = await together(
                lambda: state.gateway.get(f"tasks/{task_id}"), lambda: portfolio(state), lambda: team(state)
            )
        except NotFoundError:
            raise ToolError(
                f"Task {task_id} not found: use list_tasks to find the task id. Nothing was changed."
            ) from None
        raw = task.object
        property_id = ident(raw.get("listingMapId"))
        facts = facts_all.get(property_id) if property_id is not None else None
        zone = facts.time_zone if facts else None
        before = _current(raw)
        asked: JSONObject = {}
        if new_status is not None:
            asked["status"] = new_status
        if unassign:
            asked["assigneeUserId"] = None
        elif assignee_user_id is not None:
            member_name(people, assignee_user_id, "changed")
            asked["assigneeUserId"] = assignee_user_id
        if start is not None:
            asked["canStartFrom"] = wire(to_utc(start, zone))
        if due is not None:
            asked["shouldEndBy"] = wire(to_utc(due, zone))
        if title is not None:
            asked["title"] = title.strip()
        if description is not None:
            asked["description"] = text(description)
        body = {**before, **asked}
        # The write is named by what was asked (a retry after a lost answer is the same write, even
        # once the task shows it); the preview lists what actually differs.
        requested = tuple(n for n in WRITABLE if n in asked)
        changed = tuple(n for n in requested if not same_value(n, body[n], before.get(n)))
        if (
            body.get("canStartFrom")
            and body.get("shouldEndBy")
            and str(body["shouldEndBy"]) < str(body["canStartFrom"])
        ):
            raise ToolError(
                f"The due time would be before the start ({_time_words(body['shouldEndBy'], zone)} < "
                f"{_time_words(body['canStartFrom'], zone)}). Nothing was changed: change both, or pick another time."
            )
        changes = [_change_words(name, before, body, people, zone) for name in changed]
        warnings = []
        if before.get("status") in ("completed", "cancelled") and "status" not in changed:
            warnings.append(f"The task is {STATUS_WORDS.get(str(before['status']))}; it stays so.")
        after = view({**raw, **body}, zone)
        assert after is not None
        plan = TaskPlan(
            action="update",
            task_id=task_id,
            body=body,
            shown=TaskShown(
                title=after.title,
                category=after.category,
                status=STATUS_WORDS.get(after.status, after.status),
                property_id=property_id,
                property_name=facts.name if facts else None,
                booking_id=after.booking_id,
                assignee=people.name_of(after.assignee_id),
                group=people.group_name(after.group_id) if after.assignee_id is None else None,
                starts=local_clock(after.starts),
                due=local_clock(after.due),
                description=None,
            ),
            changes=changes,
            changed_fields=requested,
            warnings=warnings,
        )
        plan = await screened(state, UPDATE, plan)
        if not changed and not plan.screening.unsettled:
            raise ToolError(f"Task {task_id} already has these values; nothing to change. Nothing was changed.")
        return plan


def _change_words(name: str, before: JSONObject, after: JSONObject, people: Team, zone: str | None) -> str:
    old, new = before.get(name), after.get(name)
    if name == "status":
        return f"status: {STATUS_WORDS.get(str(old), old or 'none')} -> {STATUS_WORDS.get(str(new), new)}"
    if name == "assigneeUserId":
        return f"assignee: {people.name_of(ident(old)) or 'nobody'} -> {people.name_of(ident(new)) or 'nobody'}"
    if name in ("canStartFrom", "shouldEndBy"):
        label = "start" if name == "canStartFrom" else "due"
        return f"{label}: {_time_words(old, zone)} -> {_time_words(new, zone)} (the property's local time)"
    if name == "title":
        return f"title: {old!r} -> {new!r}"
    if name == "description":  # the old text may hold an access detail: only the new one is shown
        return f"description: replaced by {new!r}" if new else "description: removed"
    return f"{name}: changed"
