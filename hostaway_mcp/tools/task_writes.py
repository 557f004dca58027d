"""`create_task` and `update_task`: cleaning and maintenance work, confirmed by a person, made at most once.

The tools on the one write path (`tools/writes.py`): `task_create.py` and `task_update.py` plan
them (read, refuse, build the exact request), `task_change.py` says how each kind is sent and
reconciled. Times are the property's local time.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import ElicitationResult, Resolve
from pydantic import Field, StrictBool

from hostaway_mcp.models.tasks import TaskWriteResult
from hostaway_mcp.tools._runtime import State
from hostaway_mcp.tools._validation import WholeId
from hostaway_mcp.tools.confirmation import ConfirmationForm
from hostaway_mcp.tools.task_change import (
    CREATE,
    MAX_DESCRIPTION_CHARS,
    MAX_TITLE_CHARS,
    UPDATE,
    CategoryWord,
    LocalTime,
    StatusWord,
    TaskPlan,
)
from hostaway_mcp.tools.task_create import plan_create
from hostaway_mcp.tools.task_update import plan_update
from hostaway_mcp.tools.writes import asker, carry_out

# -- the tools ----------------------------------------------------------------------------------------

_ask_create = asker(plan_create)
_ask_update = asker(plan_update)

ConfirmArg = Annotated[StrictBool, Field(description="true only after the user agreed to the preview.")]
Start = Annotated[LocalTime | None, Field(description="Earliest start, local time: 2026-11-21T11:00.")]
Due = Annotated[LocalTime | None, Field(description="Done by, local time.")]
Description = Annotated[str | None, Field(max_length=MAX_DESCRIPTION_CHARS)]


async def create_task(
    state: State,
    plan: Annotated[TaskPlan, Resolve(plan_create)],
    answer: Annotated[ElicitationResult[ConfirmationForm], Resolve(_ask_create)],
    title: Annotated[str, Field(min_length=1, max_length=MAX_TITLE_CHARS, description="e.g. Turnover clean.")],
    category: CategoryWord,
    property_id: Annotated[WholeId | None, Field(description="From list_properties.")] = None,
    booking_id: Annotated[WholeId | None, Field(description="The booking it is for; sets the property.")] = None,
    start: Start = None,
    due: Due = None,
    assignee_user_id: Annotated[WholeId | None, Field(description="A user id from list_tasks' team.")] = None,
    description: Description = None,
    confirm: ConfirmArg = False,
    allow_duplicate: Annotated[
        StrictBool, Field(description="true only if the user wants a second such task.")
    ] = False,
) -> TaskWriteResult:
    """Create a cleaning, maintenance, check-in, check-out or back-office task.

    A booking's turnover clean: booking_id and category=cleaning (the property and the window from
    check-out to check-in come from the booking). A task Hostaway already has is refused.
    """
    return await carry_out(state, CREATE, plan, answer, confirm, allow_duplicate=allow_duplicate)


async def update_task(
    state: State,
    plan: Annotated[TaskPlan, Resolve(plan_update)],
    answer: Annotated[ElicitationResult[ConfirmationForm], Resolve(_ask_update)],
    task_id: Annotated[WholeId, Field(description="From list_tasks or get_operations_day.")],
    status: StatusWord | None = None,
    assignee_user_id: Annotated[WholeId | None, Field(description="A user id from list_tasks' team.")] = None,
    unassign: Annotated[StrictBool, Field(description="true to remove the assignee.")] = False,
    start: Start = None,
    due: Due = None,
    title: Annotated[str | None, Field(max_length=MAX_TITLE_CHARS)] = None,
    description: Description = None,
    confirm: ConfirmArg = False,
) -> TaskWriteResult:
    """Change a task: assign or unassign, reschedule, complete or cancel it, retitle it.

    The preview shows before and after. Times are local at the property.
    """
    return await carry_out(state, UPDATE, plan, answer, confirm)
