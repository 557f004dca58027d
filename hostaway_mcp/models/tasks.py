"""Results of the task tools: the task list with the team, and a task created or changed."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from hostaway_mcp.models.bookings import CompactResult
from hostaway_mcp.models.common import PageInfo, ResultModel, drop_field_titles


class TaskSummary(CompactResult):
    model_config = ConfigDict(json_schema_extra=drop_field_titles)

    id: int = Field(description="Task id, for update_task.")
    title: str
    category: str = Field(description="cleaning, maintenance, check-in, check-out, back office or other.")
    status: str = Field(description="pending, confirmed, in progress, completed or cancelled.")
    property_id: int | None = None
    property_name: str = ""
    booking_id: int | None = None
    assignee: str = Field(default="", description="Who does it (a name); left out: nobody yet.")
    assignee_user_id: int | None = None
    assignee_email: str = Field(default="", description="Only when asked for (show_emails).")
    group: str = Field(default="", description="The group that may pick it up while unassigned.")
    starts: str = Field(default="", description="Earliest start, local time.")
    due: str = Field(default="", description="Done by, local time.")
    late: bool = Field(default=False, description="Still open after its due time.")
    description: str = ""


class TeamMember(ResultModel):
    model_config = ConfigDict(json_schema_extra=drop_field_titles)

    user_id: int = Field(description="For assignee_user_id in create_task and update_task.")
    name: str
    group: str | None


class TaskList(PageInfo):
    items: list[TaskSummary]
    team: list[TeamMember] = Field(description="Everyone who can be assigned tasks.")
    note: str | None = None


TaskWriteStatus = Literal["preview", "created", "updated", "already_done", "declined", "cancelled"]


class TaskWriteResult(ResultModel):
    """A task created or changed: previewed (nothing sent), done, found done already, or declined."""

    model_config = ConfigDict(json_schema_extra=drop_field_titles)

    status: TaskWriteStatus = Field(
        description="preview: nothing was sent yet; created/updated: done in Hostaway; already_done: an earlier "
        "attempt whose outcome was unknown turned out to have worked, nothing was sent again; declined/cancelled: "
        "the user said no in the confirmation form, nothing was sent."
    )
    action: Literal["create", "update"]
    task_id: int | None = Field(description="The task's id (null for a create not made yet).")
    title: str
    category: str
    task_status: str = Field(description="The task's status after the change.")
    property_id: int | None
    property_name: str | None
    booking_id: int | None
    assignee: str | None = Field(description="Who does it after the change (a name); null: nobody.")
    group: str | None = Field(description="The group that may pick it up while unassigned.")
    starts: str | None = Field(description="Earliest start, the property's local time.")
    due: str | None = Field(description="Should be done by, the property's local time.")
    changes: list[str] = Field(description="What is (or would be) set, in words; for an update before -> after.")
    confirmed_by: Literal["form", "confirm"] | None = None
    warnings: list[str] = Field(default_factory=list)
    next_step: str
