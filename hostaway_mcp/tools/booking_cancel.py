"""cancel_booking: cancel a booking, irreversibly, once a person has seen exactly what is cancelled.

On the one write path (`tools/writes.py`). `_plan_cancel` reads the booking (with its
cancellation policy details) and its property (the listing's cancellation policy), refuses a
booking that is not live (cancelled already, an inquiry, declined, expired), and builds a form
that says the change cannot be undone and shows the guest, the dates, the channel, the amount and
the policy with its refund rules. `BookingCancellation` sends the one
`PUT /reservations/{id}/statuses/cancelled` with `cancelledBy`; Hostaway frees the nights.

Whether a cancellation made here reaches the channel (Airbnb, Booking.com, Vrbo, a partner) is
UNCONFIRMED: Hostaway does not document it. The preview of every booking that did not come in
directly says so, and tells the user to check the booking on the channel. Cancelling twice
leaves the booking cancelled, so a repeat is harmless; a lost answer is reconciled by reading
the booking's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, StrictBool

from hostaway_mcp.domain import (
    BLOCKING_STATUSES,
    DIRECT_CHANNEL_IDS,
    channel_name,
    ident,
    money,
    number,
    parse_date,
    status_words,
    text,
)
from hostaway_mcp.errors import NotFoundError
from hostaway_mcp.gateway import Envelope, HostawayGateway, JSONObject
from hostaway_mcp.ledger import UNRESOLVED, Entry, LedgerError, WriteKey
from hostaway_mcp.models.booking_writes import BookingCancelResult
from hostaway_mcp.tools._lookups import fetch_reservation
from hostaway_mcp.tools._runtime import State
from hostaway_mcp.tools._validation import BookingId
from hostaway_mcp.tools.bookings import guest_full_name
from hostaway_mcp.tools.confirmation import ConfirmationForm, audited_planning
from hostaway_mcp.tools.writes import Finding, Step, Unsent, WriteKind, WritePlan, asker, carry_out, screened

TOOL = "cancel_booking"
CancelledBy = Literal["host", "guest"]


def refund_rules(details: Any) -> list[str]:
    """A reservation's `cancellationPolicyDetails` items in words ("100% back up to 5 days before arrival")."""
    items = details.get("cancellationPolicyItem") if isinstance(details, dict) else None
    rules = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        amount, seconds = number(item.get("refundAmount")), number(item.get("timeDelta"))
        if amount is None or seconds is None:
            continue
        share = f"{amount:g}%" if text(item.get("refundType")) in (None, "percent") else f"{amount:g}"
        days = seconds / 86_400
        when = f"{days:g} day{'s' if days != 1 else ''}" if days >= 1 else f"{seconds / 3600:g} hours"
        event = text(item.get("event")) or "arrival"
        rules.append(f"{share} refunded if cancelled at least {when} before {event}")
    return rules


def cancel_key(booking_id: int, cancelled_by: str) -> WriteKey:
    return WriteKey(TOOL, f"reservation:{booking_id}:status", f"cancelled-by-{cancelled_by}")


async def _unresolved(state: State, booking_id: int, cancelled_by: str) -> bool:
    """Whether this cancellation has an earlier attempt whose outcome is unknown (then it is
    reconciled, not refused, when the booking already shows as cancelled)."""
    try:
        earlier = await state.ledger.history(cancel_key(booking_id, cancelled_by), KIND.window_s)
    except LedgerError:
        return False
    return any(entry.outcome in UNRESOLVED for entry in earlier)


@dataclass(frozen=True, kw_only=True)
class CancelPlan(WritePlan):
    """The booking that would be cancelled, as the person must see it."""

    booking_id: int
    property_id: int | None
    property_name: str | None
    guest_name: str | None
    check_in: date | None
    check_out: date | None
    channel: str
    direct: bool
    amount: float | None
    currency: str | None
    policy: str | None
    cancelled_by: CancelledBy

    @property
    def nights(self) -> int | None:
        return (self.check_out - self.check_in).days if self.check_in and self.check_out else None

    @property
    def reaches_channel(self) -> str | None:
        if self.direct:
            return None
        return (
            f"UNCONFIRMED: Hostaway does not document whether cancelling here also cancels the booking on "
            f"{self.channel}. After cancelling, check the booking on {self.channel} and cancel it there too if it "
            "still stands."
        )

    def question(self) -> str:
        unit = f" {self.currency}" if self.currency else ""
        stay = (
            f"{self.check_in.isoformat()} to {self.check_out.isoformat()} ({self.nights} nights)"
            if self.check_in and self.check_out
            else "no dates"
        )
        lines = [
            f"Cancel booking {self.booking_id}? THIS CANNOT BE UNDONE: a cancelled booking cannot be restored.",
            f"Guest: {self.guest_name or 'unknown'}",
            f"Property: {self.property_name or self.property_id}",
            f"Stay: {stay}",
            f"Channel: {self.channel}",
            f"Amount: {self.amount:.2f}{unit}" if self.amount is not None else "Amount: not recorded",
            f"Cancellation policy: {self.policy or 'none recorded'}",
            f"Cancelled by: {self.cancelled_by}",
        ]
        if self.reaches_channel:
            lines.append(self.reaches_channel)
        lines.extend(note if note.startswith("WARNING") else f"Note: {note}" for note in self.notes())
        return "\n".join(lines)

    def audit_fields(self) -> dict[str, Any]:
        return {
            "booking_id": self.booking_id,
            "property_id": self.property_id,
            "check_in": self.check_in.isoformat() if self.check_in else None,
            "check_out": self.check_out.isoformat() if self.check_out else None,
            "channel": self.channel,
            "amount": self.amount,
            "currency": self.currency,
            "cancelled_by": self.cancelled_by,
        }


class BookingCancellation(WriteKind[CancelPlan, BookingCancelResult]):
    """One cancellation; cancelling a cancelled booking changes nothing more."""

    tool = TOOL
    repeats = "harmless"
    nothing = "the booking was not cancelled"
    not_done = "The booking was NOT cancelled."

    def key(self, plan: CancelPlan) -> WriteKey:
        return cancel_key(plan.booking_id, plan.cancelled_by)

    def target(self, plan: CancelPlan) -> str:
        return self.key(plan).target

    def fingerprint(self, plan: CancelPlan) -> str:
        return self.key(plan).fingerprint

    def what(self, plan: CancelPlan) -> str:
        return f"the cancellation of booking {plan.booking_id}"

    def check_hint(self, plan: CancelPlan) -> str:
        return f"check get_booking_details for booking {plan.booking_id}"

    async def send(self, gateway: HostawayGateway, plan: CancelPlan) -> Envelope:
        return await gateway.put(
            f"reservations/{plan.booking_id}/statuses/cancelled", {"cancelledBy": plan.cancelled_by}
        )

    async def reconcile(self, gateway: HostawayGateway, plan: CancelPlan, earlier: list[Entry]) -> Finding:
        status = text((await fetch_reservation(gateway, plan.booking_id)).get("status"))
        if status == "cancelled":
            return Finding(True, "the booking is cancelled in Hostaway")
        return Finding(False, f"the booking is still {status_words(status)}")

    preview_note = "The user must see that this cannot be undone, and the refund policy."

    def unsent(self, plan: CancelPlan, step: Step, status: Unsent, next_step: str) -> BookingCancelResult:
        # "cancelled" is this tool's word for the booking, so a dismissed form says "dismissed".
        return _result(plan, "dismissed" if status == "cancelled" else status, step, next_step)

    def found(self, plan: CancelPlan, step: Step, finding: Finding) -> BookingCancelResult:
        return _result(
            plan,
            "already_cancelled",
            step,
            f"Not sent again: an earlier attempt, whose outcome was unknown, cancelled it ({finding.detail})."
            f" Tell the user booking {plan.booking_id} is cancelled.{_channel_note(plan)}",
        )

    def done(self, plan: CancelPlan, step: Step, answer: Envelope) -> BookingCancelResult:
        return _result(
            plan,
            "cancelled",
            step,
            f"Cancelled. Tell the user booking {plan.booking_id} is cancelled and its nights are free again."
            f"{_channel_note(plan)}",
        )


def _channel_note(plan: CancelPlan) -> str:
    return f" {plan.reaches_channel}" if plan.reaches_channel else ""


KIND = BookingCancellation()


def _result(
    plan: CancelPlan,
    status: Literal["preview", "cancelled", "already_cancelled", "declined", "dismissed"],
    step: Step,
    next_step: str,
) -> BookingCancelResult:
    return BookingCancelResult(
        status=status,
        booking_id=plan.booking_id,
        property_id=plan.property_id,
        property_name=plan.property_name,
        guest_name=plan.guest_name,
        check_in=plan.check_in,
        check_out=plan.check_out,
        nights=plan.nights,
        channel=plan.channel,
        amount=plan.amount,
        currency=plan.currency,
        cancellation_policy=plan.policy,
        cancelled_by=plan.cancelled_by,
        reaches_channel=plan.reaches_channel,
        confirmed_by=step.confirmed_by,
        warnings=[*plan.notes(), *step.warnings],
        next_step=next_step,
    )


async def _listing(gateway: HostawayGateway, reservation: JSONObject) -> JSONObject:
    """The booking's property (its name, cancellation policy and time zone), or {} when it is gone."""
    listing_id = ident(reservation.get("listingMapId"))
    if listing_id is None:
        return {}
    try:
        listing = (await gateway.get(f"listings/{listing_id}", {"includeResources": 0})).result
    except NotFoundError:
        return {}
    return listing if isinstance(listing, dict) else {}


async def _plan_cancel(state: State, booking_id: int, cancelled_by: CancelledBy) -> CancelPlan:
    with audited_planning(state.settings, TOOL, booking_id=booking_id):
        reservation = await fetch_reservation(state.gateway, booking_id)
        status = text(reservation.get("status"))
        lost = status == "cancelled" and await _unresolved(state, booking_id, cancelled_by)
        if status == "cancelled" and not lost:
            raise ToolError(f"Booking {booking_id} is already cancelled. Nothing was changed.")
        if status not in BLOCKING_STATUSES and not lost:
            raise ToolError(
                f"Booking {booking_id} is {status_words(status)} (Hostaway status {status!r}): it holds no stay, so "
                "there is nothing to cancel. Nothing was changed."
            )
        listing = await _listing(state.gateway, reservation)
        name, policy = text(listing.get("name")), text(listing.get("cancellationPolicy"))
        details = reservation.get("cancellationPolicyDetails")
        rules = refund_rules(details)
        policy = policy or (text(details.get("name")) if isinstance(details, dict) else None)
        if policy and rules:
            policy = f"{policy} ({'; '.join(rules)})"
        channel_id = ident(reservation.get("channelId"))
        check_in, check_out = parse_date(reservation.get("arrivalDate")), parse_date(reservation.get("departureDate"))
        warnings: list[str] = []
        today = state.local_today(listing).today
        if check_in is not None and check_in <= today:
            warnings.append(f"WARNING: the stay started on {check_in.isoformat()}; the guest may be there now.")
        plan = CancelPlan(
            booking_id=booking_id,
            property_id=ident(reservation.get("listingMapId")),
            property_name=text(reservation.get("listingName")) or name,
            guest_name=guest_full_name(reservation),
            check_in=check_in,
            check_out=check_out,
            channel=channel_name(channel_id, reservation.get("channelName")),
            direct=channel_id in DIRECT_CHANNEL_IDS,
            amount=money(reservation.get("totalPrice")),
            currency=text(reservation.get("currency")),
            policy=policy,
            cancelled_by=cancelled_by,
            warnings=warnings,
        )
        return await screened(state, KIND, plan)


_ask_cancel = asker(_plan_cancel)


async def cancel_booking(
    state: State,
    plan: Annotated[CancelPlan, Resolve(_plan_cancel)],
    answer: Annotated[ElicitationResult[ConfirmationForm], Resolve(_ask_cancel)],
    booking_id: BookingId,
    cancelled_by: Annotated[CancelledBy, Field(description="Who asked to cancel.")] = "host",
    confirm: Annotated[
        StrictBool,
        Field(description="true only after the user agreed to the preview."),
    ] = False,
) -> BookingCancelResult:
    """Cancel a booking (reservation). Irreversible: a cancelled booking cannot be restored.

    The preview shows the guest, dates, channel, amount and cancellation policy, and whether the
    cancellation reaches a channel booking's channel (not documented by Hostaway).
    """
    return await carry_out(state, KIND, plan, answer, confirm)
