"""What a task write is: its plan, how it is sent and reconciled, and its result.

Two kinds on the one write path (`tools/writes.py`); `task_writes.py` has the tools that plan them.

- **Create** (`POST /tasks`): two creates are two tasks, so a repeat is a second effect: the same
  task again within 10 minutes is refused unless the person asks for it (`allow_duplicate`), and
  so is one Hostaway already holds (checked while planning). An attempt whose outcome is unknown
  is reconciled by reading the tasks back (the booking's, else those matching the title) for the
  same task with an id above the highest seen while planning.
- **Update** (`PUT /tasks/{id}`): setting the same values twice leaves the same task, so a repeat
  is harmless; reconciled by reading the task for the new values. The body is the task as read
  with the changes applied (read-modify-write), since whether Hostaway's PUT is partial is
  UNCONFIRMED; checklist items, custom fields and expenses are never sent back (how they are
  written is UNCONFIRMED, and a partial PUT keeps them).

Times in and out are the property's local time; Hostaway takes UTC, converted with the property's
zone (UTC, said so, when the property has none). Audit lines and ledger rows hold ids, dates and
sizes, never a title or description.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator

from hostaway_mcp import audit
from hostaway_mcp.domain import ident, text
from hostaway_mcp.gateway import Envelope, HostawayGateway, JSONObject
from hostaway_mcp.ledger import Entry
from hostaway_mcp.localtime import zone_of
from hostaway_mcp.models.tasks import TaskWriteResult, TaskWriteStatus
from hostaway_mcp.tasks import TooManyTasksError, read_tasks
from hostaway_mcp.tools._team import Team
from hostaway_mcp.tools._validation import EARLIEST_DATE, LATEST_DATE
from hostaway_mcp.tools.writes import Finding, Inconclusive, Step, Unsent, WriteKind, WritePlan

MAX_TITLE_CHARS = 255
MAX_DESCRIPTION_CHARS = 2000
# What a task PUT carries back: the task as read, these fields only (see task_change.py).
WRITABLE = (
    "title", "description", "categoriesMap", "listingMapId", "reservationId", "assigneeUserId",
    "canBePickedByGroupId", "supervisorUserId", "canStartFrom", "shouldEndBy", "status", "priority", "cost",
    "costCurrency", "costDescription", "color", "resolutionNote",
)  # fmt: skip
STATUS_CHOICES = "pending, confirmed, in progress, completed, cancelled"


def in_years(value: dt.datetime) -> dt.datetime:
    if not EARLIEST_DATE.year <= value.year <= LATEST_DATE.year:
        raise ValueError("a time in the years 2000 to 2099")
    return value


# A time at the property, as YYYY-MM-DDTHH:MM (the parameter's description says which).
LocalTime = Annotated[dt.datetime, AfterValidator(in_years)]
CategoryWord = Literal["cleaning", "maintenance", "check-in", "check-out", "back office", "other"]
StatusWord = Literal["pending", "confirmed", "in progress", "completed", "cancelled"]


def to_utc(moment: dt.datetime, time_zone: str | None) -> dt.datetime:
    """A local (naive) or aware time as naive UTC, for Hostaway."""
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC).replace(tzinfo=None)
    zone = zone_of(time_zone)
    return moment if zone is None else moment.replace(tzinfo=zone).astimezone(dt.UTC).replace(tzinfo=None)


def to_local(moment: dt.datetime, time_zone: str | None) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    zone = zone_of(time_zone)
    return moment.astimezone(zone or dt.UTC).replace(tzinfo=None)


def wire(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat(" ")


def check_order(start: dt.datetime | None, due: dt.datetime | None) -> None:
    if start is None or due is None:
        return
    if (start.tzinfo is None) == (due.tzinfo is None) and due < start:
        raise ToolError(
            f"due ({due.isoformat()}) must be after start ({start.isoformat()}). Nothing was changed: give a due "
            "time after the start."
        )


def member_name(people: Team, user_id: int, verb: str) -> str:
    member = people.members.get(user_id)
    if member is None or not member.active:
        raise ToolError(
            f"User {user_id} is not in the team (or is disabled): list_tasks lists the team with their user ids. "
            f"Nothing was {verb}."
        )
    return member.name


Action = Literal["create", "update"]
# Fields compared when looking for a created task (its identity) or an applied update.
IDENTITY = ("title", "categoriesMap", "listingMapId", "reservationId", "canStartFrom", "shouldEndBy")
ID_FIELDS = frozenset({"listingMapId", "reservationId", "assigneeUserId", "canBePickedByGroupId", "supervisorUserId"})


@dataclass(frozen=True)
class TaskShown:
    """The task as the person sees it in the form and the result (names, local times)."""

    title: str
    category: str
    status: str
    property_id: int | None
    property_name: str | None
    booking_id: int | None
    assignee: str | None
    group: str | None
    starts: str | None
    due: str | None
    description: str | None


@dataclass(frozen=True, kw_only=True)
class TaskPlan(WritePlan):
    """Exactly what one task write sends, built from fresh reads before anything is asked."""

    action: Action
    task_id: int | None  # None for a create
    body: JSONObject
    shown: TaskShown
    changes: list[str]
    changed_fields: tuple[str, ...] = ()
    lookup: JSONObject = field(default_factory=dict)  # create: how to read the tasks back
    seen_max_id: int | None = None  # create: the highest task id among those read while planning

    def question(self) -> str:
        shown = self.shown
        where = f" at {shown.property_name} (property {shown.property_id})" if shown.property_id else ""
        booking = f", for booking {shown.booking_id}" if shown.booking_id else ""
        if self.action == "create":
            lines = [f"Create this {shown.category} task in Hostaway{where}{booking}?", f"  Title: {shown.title}"]
            lines += [f"  {change}" for change in self.changes]
        else:
            lines = [f"Change task {self.task_id} ({shown.title}{where})?"]
            lines += [f"  {change}" for change in self.changes]
        lines += [note if note.startswith("WARNING") else f"Note: {note}" for note in self.notes()]
        return "\n".join(lines)

    def audit_fields(self) -> dict[str, Any]:
        body = self.body
        return {
            "task_id": self.task_id,
            "property_id": ident(body.get("listingMapId")),
            "booking_id": ident(body.get("reservationId")),
            "categories": body.get("categoriesMap"),
            "assignee_user_id": ident(body.get("assigneeUserId")),
            "status": text(body.get("status")),
            "can_start_from": text(body.get("canStartFrom")),
            "should_end_by": text(body.get("shouldEndBy")),
            "title_chars": len(str(body.get("title") or "")),
            "title_sha256": audit.text_digest(str(body.get("title") or "")),
            "description_chars": len(str(body.get("description") or "")) or None,
            "fields": list(self.changed_fields) or None,
            "seen_max_id": self.seen_max_id,
        }


def digest(values: JSONObject) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]


def same_value(name: str, sent: Any, found: Any) -> bool:
    """Whether Hostaway shows the value sent (ids may come back as strings; times without seconds)."""
    if name in ID_FIELDS:
        return ident(sent) == ident(found)
    if name in ("canStartFrom", "shouldEndBy") and isinstance(sent, str) and isinstance(found, str):
        return sent[:16] == found[:16]
    if name == "categoriesMap":
        return [ident(v) for v in sent or []] == [ident(v) for v in found or []]
    return bool(sent == found) or (sent in (None, "") and found in (None, ""))


def _result(
    plan: TaskPlan, status: TaskWriteStatus, step: Step, *, next_step: str, task_id: int | None = None
) -> TaskWriteResult:
    shown = plan.shown
    return TaskWriteResult(
        status=status,
        action=plan.action,
        task_id=task_id if task_id is not None else plan.task_id,
        title=shown.title,
        category=shown.category,
        task_status=shown.status,
        property_id=shown.property_id,
        property_name=shown.property_name,
        booking_id=shown.booking_id,
        assignee=shown.assignee,
        group=shown.group,
        starts=shown.starts,
        due=shown.due,
        changes=plan.changes,
        confirmed_by=step.confirmed_by,
        warnings=[*plan.notes(), *step.warnings],
        next_step=next_step,
    )


class TaskCreate(WriteKind[TaskPlan, TaskWriteResult]):
    """One new task; the same task twice is two tasks."""

    tool = "create_task"
    repeats = "on_request"
    window_s = 600.0
    nothing = "nothing was created"
    not_done = "The task was NOT created."

    def target(self, plan: TaskPlan) -> str:
        booking, listing = ident(plan.body.get("reservationId")), ident(plan.body.get("listingMapId"))
        return f"booking:{booking}:tasks" if booking else (f"listing:{listing}:tasks" if listing else "account:tasks")

    def fingerprint(self, plan: TaskPlan) -> str:
        return digest({name: plan.body.get(name) for name in IDENTITY})

    def what(self, plan: TaskPlan) -> str:
        booking, listing = plan.shown.booking_id, plan.shown.property_id
        return f"the new {plan.shown.category} task" + (
            f" for booking {booking}" if booking else (f" at property {listing}" if listing else "")
        )

    def check_hint(self, plan: TaskPlan) -> str:
        if plan.shown.booking_id:
            return f"check list_tasks with booking_id={plan.shown.booking_id}"
        if plan.shown.property_id:
            return f"check list_tasks with property_id={plan.shown.property_id}"
        return "check list_tasks"

    async def send(self, gateway: HostawayGateway, plan: TaskPlan) -> Envelope:
        return await gateway.post("tasks", plan.body)

    async def reconcile(self, gateway: HostawayGateway, plan: TaskPlan, earlier: list[Entry]) -> Finding:
        """Read the tasks back: found when one matches the plan and is newer than those seen then."""
        marks = [e.fields.get("seen_max_id") for e in earlier]
        seen = min((m for m in marks if isinstance(m, int)), default=0) if marks else 0
        try:
            tasks = await read_tasks(gateway, plan.lookup, max_pages=20)
        except TooManyTasksError as exc:
            raise Inconclusive(f"Hostaway holds {exc} to look through") from None
        for task in tasks:
            task_id = ident(task.get("id")) or 0
            if task_id > seen and all(same_value(n, plan.body.get(n), task.get(n)) for n in IDENTITY):
                return Finding(True, f"found as task {task_id}", {"task_id": task_id})
        return Finding(False, f"not among the {len(tasks)} task(s) read back")

    def sent_fields(self, plan: TaskPlan, answer: Envelope) -> dict[str, Any]:
        created = answer.result if isinstance(answer.result, dict) else {}
        return {"task_id": ident(created.get("id"))}

    preview_note = "The user must see the title, property, times and assignee."

    def unsent(self, plan: TaskPlan, step: Step, status: Unsent, next_step: str) -> TaskWriteResult:
        return _result(plan, status, step, next_step=next_step)

    def found(self, plan: TaskPlan, step: Step, finding: Finding) -> TaskWriteResult:
        task_id = finding.fields.get("task_id")
        return _result(
            plan,
            "already_done",
            step,
            task_id=task_id,
            next_step=f"Not created again: an earlier attempt whose outcome was unknown had created it "
            f"({finding.detail}). Tell the user the task exists.",
        )

    def done(self, plan: TaskPlan, step: Step, answer: Envelope) -> TaskWriteResult:
        created = answer.result if isinstance(answer.result, dict) else {}
        task_id = ident(created.get("id"))
        return _result(
            plan,
            "created",
            step,
            task_id=task_id,
            next_step=f"Created (task {task_id}). Tell the user; update_task changes it.",
        )


class TaskUpdate(WriteKind[TaskPlan, TaskWriteResult]):
    """One PUT of a task's fields; the same values twice leave the same task."""

    tool = "update_task"
    repeats = "harmless"
    nothing = "nothing was changed"
    not_done = "The task was NOT changed."

    def target(self, plan: TaskPlan) -> str:
        return f"task:{plan.task_id}"

    def fingerprint(self, plan: TaskPlan) -> str:
        return digest({name: plan.body.get(name) for name in plan.changed_fields})

    def what(self, plan: TaskPlan) -> str:
        return f"the change to task {plan.task_id}"

    def check_hint(self, plan: TaskPlan) -> str:
        booking = plan.shown.booking_id
        return f"check list_tasks with booking_id={booking}" if booking else "check the task with list_tasks"

    async def send(self, gateway: HostawayGateway, plan: TaskPlan) -> Envelope:
        return await gateway.put(f"tasks/{plan.task_id}", plan.body)

    async def reconcile(self, gateway: HostawayGateway, plan: TaskPlan, earlier: list[Entry]) -> Finding:
        """Read the task: found when it shows every value this write sets."""
        task = (await gateway.get(f"tasks/{plan.task_id}")).object
        differing = [n for n in plan.changed_fields if not same_value(n, plan.body.get(n), task.get(n))]
        if not differing:
            return Finding(True, "the task already shows the change")
        return Finding(False, f"the task does not show {', '.join(differing)} yet")

    def unsent(self, plan: TaskPlan, step: Step, status: Unsent, next_step: str) -> TaskWriteResult:
        return _result(plan, status, step, next_step=next_step)

    def found(self, plan: TaskPlan, step: Step, finding: Finding) -> TaskWriteResult:
        return _result(
            plan,
            "already_done",
            step,
            next_step="Not sent again: an earlier attempt whose outcome was unknown was applied. "
            f"Tell the user task {plan.task_id} is changed.",
        )

    def done(self, plan: TaskPlan, step: Step, answer: Envelope) -> TaskWriteResult:
        return _result(plan, "updated", step, next_step=f"Done. Tell the user task {plan.task_id} is changed.")


CREATE = TaskCreate()
UPDATE = TaskUpdate()
