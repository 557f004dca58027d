"""add_expense: one expense or extra, confirmed by a person, added at most once.

Hostaway decides expense vs extra by the sign of the amount alone (`type` is ignored;
hostaway-api-2026.md §1.6). The tool takes a positive amount and a kind, and shows the sign it
will send: an expense of 120 reaches Hostaway as -120, an extra of 120 as +120.

On the one write path (`tools/writes.py`): adding the same expense twice is two expenses, so it
is refused within ten minutes unless the person asks again (`allow_duplicate`). The planner reads
the account's expenses (the list has no filters) to warn about an identical one already there;
an earlier attempt whose outcome is unknown is reconciled by reading them again for an identical
expense newer than the newest seen when it was planned.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Annotated, Any

from mcp.server.mcpserver import ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, StrictBool

from hostaway_mcp import audit
from hostaway_mcp.domain import flag, ident, known_listing_name, money, text
from hostaway_mcp.gateway import Envelope, HostawayGateway, JSONObject
from hostaway_mcp.ledger import Entry
from hostaway_mcp.models.expenses import ExpenseResult, Kind
from hostaway_mcp.privacy import quoted_guest_name
from hostaway_mcp.tools._lookups import fetch_listing, fetch_reservation
from hostaway_mcp.tools._runtime import State
from hostaway_mcp.tools._validation import MAX_AMOUNT, BookingId, IsoDate, PropertyId
from hostaway_mcp.tools.bookings import guest_full_name
from hostaway_mcp.tools.confirmation import ConfirmationForm, audited_planning
from hostaway_mcp.tools.expenses import ExpenseRead, read_expenses
from hostaway_mcp.tools.writes import (
    Finding,
    Inconclusive,
    Step,
    Unsent,
    WriteKind,
    WritePlan,
    asker,
    carry_out,
    screened,
)

TOOL = "add_expense"
MAX_DESCRIPTION_CHARS = 255  # Hostaway's `concept`
MAX_CATEGORY_CHARS = 100


@dataclass(frozen=True, kw_only=True)
class ExpensePlan(WritePlan):
    """Exactly the expense or extra that would be added."""

    kind: Kind
    amount: float  # positive, as the person gave it
    description: str
    day: dt.date
    property_id: int | None
    property_name: str | None
    currency: str | None
    booking_id: int | None
    guest_name: str | None
    category: str | None
    seen_max_id: int  # the newest expense id read when planned: a reconciled add is newer

    @property
    def amount_sent(self) -> float:
        return -self.amount if self.kind == "expense" else self.amount

    @property
    def body(self) -> JSONObject:
        body: JSONObject = {
            "expenseDate": self.day.isoformat(),
            "concept": self.description,
            "amount": self.amount_sent,
            "listingMapId": self.property_id,
            "reservationId": self.booking_id,
        }
        if self.category:
            body["categoriesNames"] = [self.category]
        return body

    def question(self) -> str:
        money_words = f"{self.amount:.2f} {self.currency or ''}".rstrip()
        if self.property_id is not None:
            where = f"for {self.property_name or 'property'} (property {self.property_id})"
        else:
            where = "for the account (no property)"
        booking = f", booking {self.booking_id} of {quoted_guest_name(self.guest_name)}" if self.booking_id else ""
        category = f", category {self.category!r}" if self.category else ""
        lines = [
            f"Add an {self.kind} of {money_words} {where}{booking}, dated {self.day.isoformat()}: "
            f"{self.description!r}{category}?",
            f"Hostaway tells expenses from extras by the sign: it receives amount {self.amount_sent:+.2f}.",
        ]
        lines.extend(note if note.startswith("WARNING") else f"Note: {note}" for note in self.notes())
        return "\n".join(lines)

    def audit_fields(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "amount": self.amount,
            "amount_sent": self.amount_sent,
            "currency": self.currency,
            "expense_date": self.day.isoformat(),
            "property_id": self.property_id,
            "booking_id": self.booking_id,
            "description_sha256": audit.text_digest(self.description),
            "expenses_seen_max_id": self.seen_max_id,
            "duplicate_override": True if self.screening.duplicate else None,
        }


def identical(raw: JSONObject, plan: ExpensePlan) -> bool:
    """An expense in Hostaway that is exactly the one planned (deleted ones do not count)."""
    return (
        not flag(raw.get("isDeleted"))
        and text(raw.get("expenseDate")) == plan.day.isoformat()
        and (text(raw.get("concept")) or "") == plan.description
        and money(raw.get("amount")) == plan.amount_sent
        and ident(raw.get("listingMapId")) == plan.property_id
        and ident(raw.get("reservationId")) == plan.booking_id
    )


class NewExpense(WriteKind[ExpensePlan, ExpenseResult]):
    """`POST /expenses`: one expense or extra; the same one twice is two."""

    tool = TOOL
    repeats = "on_request"
    window_s = 600.0
    nothing = "nothing was added"
    not_done = "The expense was NOT added."

    def target(self, plan: ExpensePlan) -> str:
        if plan.booking_id is not None:
            return f"booking:{plan.booking_id}"
        return f"property:{plan.property_id}" if plan.property_id is not None else "account"

    def fingerprint(self, plan: ExpensePlan) -> str:
        return audit.text_digest(json.dumps(plan.body, sort_keys=True))

    def what(self, plan: ExpensePlan) -> str:
        return f"the {plan.kind} of {plan.amount:.2f} dated {plan.day.isoformat()}"

    def check_hint(self, plan: ExpensePlan) -> str:
        scope = f"property_id={plan.property_id}, " if plan.property_id is not None else ""
        return f"check list_expenses ({scope}start_date={plan.day.isoformat()})"

    async def send(self, gateway: HostawayGateway, plan: ExpensePlan) -> Envelope:
        return await gateway.post("expenses", plan.body)

    async def reconcile(self, gateway: HostawayGateway, plan: ExpensePlan, earlier: list[Entry]) -> Finding:
        marks = [m for e in earlier if isinstance(m := e.fields.get("expenses_seen_max_id"), int)]
        # Newer than the newest seen by the earliest attempt; without marks, any identical one counts.
        newer_than = min(marks) if marks and len(marks) == len(earlier) else 0
        read = await read_expenses(gateway)
        for raw in read.items:
            if identical(raw, plan) and (ident(raw.get("id")) or 0) > newer_than:
                expense_id = ident(raw.get("id"))
                return Finding(
                    True, f"found among the account's expenses: expense {expense_id}", {"expense_id": expense_id}
                )
        if not read.complete:
            raise Inconclusive(f"only the first {len(read.items)} of the account's expenses could be read")
        return Finding(False, f"not among the account's {len(read.items)} expenses")

    def sent_fields(self, plan: ExpensePlan, answer: Envelope) -> dict[str, Any]:
        return {"expense_id": ident(answer.result.get("id")) if isinstance(answer.result, dict) else None}

    def unsent(self, plan: ExpensePlan, step: Step, status: Unsent, next_step: str) -> ExpenseResult:
        return _result(plan, step, status, next_step)

    def found(self, plan: ExpensePlan, step: Step, finding: Finding) -> ExpenseResult:
        next_step = (
            f"Not added again: an earlier attempt whose outcome was unknown is in Hostaway ({finding.detail})."
            " Tell the user it is there."
        )
        return _result(plan, step, "already_added", next_step, finding.fields.get("expense_id"))

    def done(self, plan: ExpensePlan, step: Step, answer: Envelope) -> ExpenseResult:
        expense_id = self.sent_fields(plan, answer)["expense_id"]
        next_step = f"Added (expense {expense_id}, sent as {plan.amount_sent:+.2f}). Tell the user."
        return _result(plan, step, "added", next_step, expense_id)


def _result(plan: ExpensePlan, step: Step, status: Any, next_step: str, expense_id: int | None = None) -> ExpenseResult:
    return ExpenseResult(
        status=status,
        kind=plan.kind,
        amount=plan.amount,
        amount_sent=plan.amount_sent,
        currency=plan.currency,
        date=plan.day,
        description=plan.description,
        property_id=plan.property_id,
        property_name=plan.property_name,
        booking_id=plan.booking_id,
        guest_name=plan.guest_name,
        category=plan.category,
        expense_id=expense_id,
        confirmed_by=step.confirmed_by,
        warnings=[*plan.notes(), *step.warnings],
        next_step=next_step,
    )


KIND = NewExpense()


async def _where(
    state: State, property_id: int | None, booking_id: int | None
) -> tuple[int | None, str | None, str | None, str | None]:
    """(property id, property name, currency, guest name) of the expense's booking or property."""
    if booking_id is not None:
        reservation = await fetch_reservation(state.gateway, booking_id)
        listing_id = ident(reservation.get("listingMapId"))
        if property_id is not None and listing_id != property_id:
            raise ToolError(
                f"Booking {booking_id} is at property {listing_id}, not {property_id}: pass only booking_id (the "
                "property is taken from it), or the right property_id. Nothing was added."
            )
        return (
            listing_id,
            text(reservation.get("listingName")),
            text(reservation.get("currency")),
            guest_full_name(reservation),
        )
    if property_id is not None:
        listing = await fetch_listing(state.gateway, property_id)
        return property_id, known_listing_name(listing), text(listing.get("currencyCode")), None
    return None, None, None, None


def _duplicates(read: ExpenseRead, plan: ExpensePlan) -> list[str]:
    same = [ident(raw.get("id")) for raw in read.items if identical(raw, plan)]
    warnings = []
    if same:
        warnings.append(
            f"WARNING: an identical {plan.kind} is already in Hostaway (expense {', '.join(map(str, same[:5]))}): "
            "adding it again counts it twice."
        )
    if not read.complete:
        warnings.append(
            f"Only the first {len(read.items)} of the account's expenses were checked for an identical one."
        )
    return warnings


async def _plan_expense(
    state: State,
    amount: float,
    description: str,
    date: dt.date,
    kind: Kind,
    property_id: int | None,
    booking_id: int | None,
    category: str | None,
    allow_duplicate: bool,
) -> ExpensePlan:
    ids: dict[str, Any] = {"kind": kind, "amount": amount, "property_id": property_id, "booking_id": booking_id}
    with audited_planning(state.settings, TOOL, **ids):
        concept = " ".join(description.split())
        if not concept:
            raise ToolError("description is blank: say what the money was for. Nothing was added.")
        label = " ".join((category or "").split()) or None
        listing_id, property_name, currency, guest = await _where(state, property_id, booking_id)
        read = await read_expenses(state.gateway)
        plan = ExpensePlan(
            kind=kind,
            amount=round(amount, 2),
            description=concept,
            day=date,
            property_id=listing_id,
            property_name=property_name,
            currency=currency,
            booking_id=booking_id,
            guest_name=guest,
            category=label,
            seen_max_id=read.max_id(),
        )
        warnings = _duplicates(read, plan)
        if listing_id is None:
            warnings.append(
                "Not tied to a property: it appears on no owner statement, and its currency is the account's."
            )
        if label:
            warnings.append(f"Category {label!r} is created in Hostaway if it does not exist yet.")
        plan = replace(plan, warnings=warnings)
        return await screened(state, KIND, plan, allow_duplicate)


_ask_expense = asker(_plan_expense)


async def add_expense(
    state: State,
    plan: Annotated[ExpensePlan, Resolve(_plan_expense)],
    answer: Annotated[ElicitationResult[ConfirmationForm], Resolve(_ask_expense)],
    amount: Annotated[float, Field(gt=0, le=MAX_AMOUNT, description="Positive, in the property's currency.")],
    description: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_DESCRIPTION_CHARS,
            description="What it was, e.g. 'Plumber: tap'.",
        ),
    ],
    date: Annotated[IsoDate, Field(description="The expense's date.")],
    kind: Annotated[
        Kind, Field(description="expense: money spent; extra: money a guest paid for an extra.")
    ] = "expense",
    property_id: Annotated[PropertyId | None, Field(description="The property it is for.")] = None,
    booking_id: Annotated[BookingId | None, Field(description="The booking it is for (sets the property).")] = None,
    category: Annotated[str | None, Field(max_length=MAX_CATEGORY_CHARS, description="e.g. Maintenance.")] = None,
    confirm: Annotated[StrictBool, Field(description="true only after the user agreed to the preview.")] = False,
    allow_duplicate: Annotated[
        StrictBool, Field(description="true only if the user wants the same one added again within 10 minutes.")
    ] = False,
) -> ExpenseResult:
    """Add an expense (money spent on a property) or an extra (money a guest paid for one).

    Give a positive amount and the kind: Hostaway stores expenses as negative amounts and extras as
    positive ones; the preview shows the amount it will receive. Added at most once.
    """
    return await carry_out(state, KIND, plan, answer, confirm, allow_duplicate=allow_duplicate)
