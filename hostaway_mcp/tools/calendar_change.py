"""What a calendar change is: its plan, how it is sent and reconciled, and its result.

One `PUT /listings/{id}/calendar` over one range (`calendar_writes.py` has the tools that plan
it). Setting the same values twice leaves the same calendar, so a repeat is harmless and not
refused as a duplicate; an earlier attempt whose outcome is unknown is reconciled by reading the
range: when every night already shows the values, it happened and nothing is sent again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from hostaway_mcp.calendar import (
    Night,
    days_by_date,
    describe_runs,
    night,
    night_runs,
    nights_of,
    read_days,
    shows_values,
)
from hostaway_mcp.gateway import Envelope, HostawayGateway, JSONObject
from hostaway_mcp.ledger import Entry
from hostaway_mcp.models.writes import CalendarWriteResult
from hostaway_mcp.tools.writes import Finding, Step, Unsent, WriteKind, WritePlan

QUESTION_RUNS = 12  # runs listed in a confirmation form before "... and N more"
MAX_RUNS = 14  # runs in a result before prices are summarised as lowest/highest per run

Action = Literal["block", "unblock", "update_rates"]
TOOL_NAMES: dict[Action, str] = {
    "block": "block_dates",
    "unblock": "unblock_dates",
    "update_rates": "update_nightly_rates",
}


@dataclass(frozen=True, kw_only=True)
class CalendarPlan(WritePlan):
    """Exactly what one calendar write would do, built from fresh reads before anything is asked."""

    action: Action
    property_id: int
    property_name: str
    currency: str | None
    start: date
    end: date
    body: JSONObject
    change: str
    before: list[Night]
    after: list[Night]

    @property
    def last_night(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def nights(self) -> int:
        return (self.end - self.start).days

    def question(self) -> str:
        lines = [f"{self.change} at {self.property_name} (property {self.property_id})?", "", "Now:"]
        lines += describe_runs(self.before, self.currency, MAX_RUNS, QUESTION_RUNS)
        lines += ["After:"]
        lines += describe_runs(self.after, self.currency, MAX_RUNS, QUESTION_RUNS)
        lines += [f"Note: {note}" for note in self.notes()]
        return "\n".join(lines)

    def audit_fields(self) -> dict[str, Any]:
        changes = {key: value for key, value in self.body.items() if key not in ("startDate", "endDate", "note")}
        note = self.body.get("note")
        return {
            "property_id": self.property_id,
            "start_date": self.start.isoformat(),
            "end_date": self.end.isoformat(),
            "first_night": self.start.isoformat(),
            "last_night": self.last_night.isoformat(),
            "nights": self.nights,
            "changes": changes,
            "note_chars": len(note) if isinstance(note, str) else None,
        }


class CalendarWrite(WriteKind[CalendarPlan, CalendarWriteResult]):
    """One PUT of a range's calendar fields; the same PUT twice leaves the same calendar."""

    repeats = "harmless"
    nothing = "nothing was changed"
    not_done = "The calendar was NOT changed."

    def __init__(self, action: Action) -> None:
        self.action = action
        self.tool = TOOL_NAMES[action]

    def target(self, plan: CalendarPlan) -> str:
        return f"listing:{plan.property_id}:calendar"

    def fingerprint(self, plan: CalendarPlan) -> str:
        return hashlib.sha256(json.dumps(plan.body, sort_keys=True).encode()).hexdigest()[:16]

    def what(self, plan: CalendarPlan) -> str:
        return (
            f"the calendar change for property {plan.property_id} ({plan.start.isoformat()} to {plan.end.isoformat()})"
        )

    def check_hint(self, plan: CalendarPlan) -> str:
        return (
            f"check the calendar with check_property_availability for property {plan.property_id}, "
            f"{plan.start.isoformat()} to {plan.end.isoformat()}"
        )

    async def send(self, gateway: HostawayGateway, plan: CalendarPlan) -> Envelope:
        return await gateway.put(f"listings/{plan.property_id}/calendar", plan.body)

    async def reconcile(self, gateway: HostawayGateway, plan: CalendarPlan, earlier: list[Entry]) -> Finding:
        """Read the range: found when every night already shows the values this write sets."""
        days = await read_days(gateway, plan.property_id, plan.start, plan.last_night)
        differing = [day for day in nights_of(plan.start, plan.end) if not shows_values(days.get(day), plan.body)]
        if not differing:
            return Finding(True, f"the calendar already shows the change on all {plan.nights} night(s)")
        return Finding(False, f"{len(differing)} of {plan.nights} night(s) do not show it (first {differing[0]})")

    def unsent(self, plan: CalendarPlan, step: Step, status: Unsent, next_step: str) -> CalendarWriteResult:
        return _result(plan, status, step, next_step=next_step)

    def found(self, plan: CalendarPlan, step: Step, finding: Finding) -> CalendarWriteResult:
        return _result(
            plan,
            "already_applied",
            step,
            next_step=f"Not sent again: an earlier attempt of this change, whose outcome was unknown, was applied "
            f"({finding.detail}). Tell the user: {_lower(plan.change)} at {plan.property_name}: done.",
        )

    def done(self, plan: CalendarPlan, step: Step, answer: Envelope) -> CalendarWriteResult:
        returned = days_by_date(answer.items, plan.start, plan.end)
        after = [night(returned[n.day], n.day) if n.day in returned else n for n in plan.after]
        warnings: list[str] = []
        unreported = [n.day for n in plan.after if n.day not in returned]
        if unreported and returned:
            warnings.append(
                f"Hostaway's answer did not list {len(unreported)} night(s) as changed (first "
                f"{unreported[0].isoformat()}); check them with check_property_availability."
            )
        elif not returned:
            warnings.append("Hostaway's answer listed no days; 'after' shows the intended values.")
        return _result(
            plan,
            "updated",
            step,
            after=after,
            warnings=warnings,
            next_step=f"Done. Tell the user: {_lower(plan.change)} at {plan.property_name}: applied.",
        )


KINDS: dict[Action, CalendarWrite] = {action: CalendarWrite(action) for action in TOOL_NAMES}


def _result(
    plan: CalendarPlan,
    status: Literal["preview", "updated", "already_applied", "declined", "cancelled"],
    step: Step,
    *,
    next_step: str,
    after: list[Night] | None = None,
    warnings: list[str] | None = None,
) -> CalendarWriteResult:
    return CalendarWriteResult(
        status=status,
        action=plan.action,
        property_id=plan.property_id,
        property_name=plan.property_name,
        currency=plan.currency,
        start_date=plan.start,
        end_date=plan.end,
        first_night=plan.start,
        last_night=plan.last_night,
        nights=plan.nights,
        change=plan.change,
        before=night_runs(plan.before, MAX_RUNS),
        after=night_runs(plan.after if after is None else after, MAX_RUNS),
        confirmed_by=step.confirmed_by,
        warnings=[*plan.notes(), *step.warnings, *(warnings or [])],
        next_step=next_step,
    )


def _lower(sentence: str) -> str:
    return sentence[0].lower() + sentence[1:]
