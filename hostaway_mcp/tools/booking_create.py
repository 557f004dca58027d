"""create_booking: a direct or partner booking from Hostaway's own quote, confirmed by a person, made once.

On the one write path (`tools/writes.py`): `_plan_booking` validates the arguments, judges the
stay (`quotes.read_stay`: every night free, the stay rules, capacity, not in the past there),
refuses a stay that cannot be booked before anything is sent (taken nights only with
`force_overbooking`, asked for in so many words), takes a fresh quote, and reads the bookings
that already overlap the stay. `NewBooking` sends the one `POST /reservations` with
`channelId` 2000 or 2020, the quote's components as `financeField[]` and its `totalPrice`, and
`provider` (at most 50 characters, which Hostaway requires since 2026-09-01).

A lost answer is reconciled before anything is sent again: the reservations overlapping the stay
are read, and a booking of the same listing, dates and guest that was not there when the write
was planned is the earlier attempt (found: reported, not sent again; absent: sent).
"""

# Over 400 lines for now: one write kind (plan, send, reconcile, result) with its refusals; the
# result's step dispatch is shared in `writes.py`, and what is left is this kind's own wording.

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, StrictBool

from hostaway_mcp import audit
from hostaway_mcp.calendar import overlapping_reservations
from hostaway_mcp.domain import BLOCKING_STATUSES, channel_name, ident, money, parse_date, text
from hostaway_mcp.gateway import Envelope, HostawayGateway, JSONObject
from hostaway_mcp.ledger import UNRESOLVED, Entry, LedgerError, WriteKey
from hostaway_mcp.models.booking_writes import NewBookingResult
from hostaway_mcp.tools._runtime import State
from hostaway_mcp.tools._validation import NAME_CHARS, IsoDate, PropertyId
from hostaway_mcp.tools.confirmation import ConfirmationForm, audited_planning
from hostaway_mcp.tools.quotes import MAX_GUESTS, Quote, check_stay_arguments, describe_quote, fetch_quote, read_stay
from hostaway_mcp.tools.writes import Finding, Step, Unsent, WriteKind, WritePlan, asker, carry_out, screened

TOOL = "create_booking"
# Hostaway rejects a provider (it becomes the booking's `source`) longer than 50 characters.
PROVIDER = "hostaway-mcp"
CHANNELS: dict[str, int] = {"direct": 2000, "partner": 2020}
ChannelChoice = Literal["direct", "partner"]
MAX_PHONE_CHARS = 30
_PHONE = re.compile(r"^\+?[0-9 ()./-]{4,30}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _same_guest(reservation: JSONObject, name: str, email: str | None) -> bool:
    def folded(value: Any) -> str:
        return " ".join(str(value or "").split()).casefold()

    if email and folded(reservation.get("guestEmail")) == folded(email):
        return True
    return folded(reservation.get("guestName")) == folded(name)


def same_stay(
    reservations: list[JSONObject], property_id: int, check_in: date, check_out: date, name: str, email: str | None
) -> list[JSONObject]:
    """The reservations of exactly this listing, these dates and this guest."""
    return [
        r
        for r in reservations
        if ident(r.get("listingMapId")) in (None, property_id)
        and parse_date(r.get("arrivalDate")) == check_in
        and parse_date(r.get("departureDate")) == check_out
        and _same_guest(r, name, email)
    ]


def booking_key(
    property_id: int, check_in: date, check_out: date, name: str, email: str | None, guests: int, channel: str
) -> WriteKey:
    """What makes two bookings the same write: the listing and dates (target), the guest and party."""
    who = [name.casefold(), (email or "").casefold(), guests, channel]
    return WriteKey(
        TOOL,
        f"listing:{property_id}:stay:{check_in.isoformat()}:{check_out.isoformat()}",
        hashlib.sha256(json.dumps(who).encode()).hexdigest()[:16],
    )


@dataclass(frozen=True, kw_only=True)
class BookingPlan(WritePlan):
    """Exactly the booking that would be made, from fresh reads and a fresh quote."""

    property_id: int
    property_name: str
    check_in: date
    check_out: date
    guests: int
    guest_name: str
    guest_email: str | None
    guest_phone: str | None
    channel: ChannelChoice
    currency: str | None
    quote: Quote
    cancellation_policy: str | None
    force_overbooking: bool
    known_booking_ids: tuple[int, ...]  # bookings of this stay and guest already there when planned

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

    def body(self) -> JSONObject:
        first, _, last = self.guest_name.partition(" ")
        return {
            "channelId": CHANNELS[self.channel],
            "listingMapId": self.property_id,
            "arrivalDate": self.check_in.isoformat(),
            "departureDate": self.check_out.isoformat(),
            "guestName": self.guest_name,
            "guestFirstName": first,
            "guestLastName": last or None,
            "guestEmail": self.guest_email,
            "phone": self.guest_phone,
            "numberOfGuests": self.guests,
            "adults": self.guests,
            "currency": self.currency,
            "totalPrice": self.quote.total,
            "financeField": self.quote.components,
        }

    def query(self) -> dict[str, str | int]:
        return {"provider": PROVIDER, **({"forceOverbooking": 1} if self.force_overbooking else {})}

    def question(self) -> str:
        unit = f" {self.currency}" if self.currency else ""
        contact = ", ".join(value for value in (self.guest_email, self.guest_phone) if value)
        lines = [
            f"Create this booking at {self.property_name} (property {self.property_id})?",
            f"Stay: {self.check_in.isoformat()} to {self.check_out.isoformat()} ({self.nights} nights), "
            f"{self.guests} guest{'s' if self.guests != 1 else ''}",
            f"Guest: {self.guest_name}" + (f" ({contact})" if contact else ""),
            f"Channel: {self.channel} (Hostaway channel {CHANNELS[self.channel]})",
            f"Total: {self.quote.total:.2f}{unit} (Hostaway's quote, taken just now)",
            *describe_quote(self.quote, self.currency),
            f"Cancellation policy: {self.cancellation_policy or 'not set on the property'}",
        ]
        lines.extend(note if note.startswith("WARNING") else f"Note: {note}" for note in self.notes())
        return "\n".join(lines)

    def audit_fields(self) -> dict[str, Any]:
        return {
            "property_id": self.property_id,
            "check_in": self.check_in.isoformat(),
            "check_out": self.check_out.isoformat(),
            "nights": self.nights,
            "guests": self.guests,
            "channel_id": CHANNELS[self.channel],
            "total": self.quote.total,
            "currency": self.currency,
            "guest_sha256": audit.text_digest(self.guest_name.casefold()),
            "force_overbooking": True if self.force_overbooking else None,
            "known_booking_ids": list(self.known_booking_ids),
        }


class NewBooking(WriteKind[BookingPlan, NewBookingResult]):
    """One POST /reservations; the same booking twice would be a second booking."""

    tool = TOOL
    repeats = "on_request"
    window_s = 600.0
    nothing = "no booking was made"
    not_done = "The booking was NOT made."

    def key(self, plan: BookingPlan) -> WriteKey:
        return booking_key(
            plan.property_id,
            plan.check_in,
            plan.check_out,
            plan.guest_name,
            plan.guest_email,
            plan.guests,
            plan.channel,
        )

    def target(self, plan: BookingPlan) -> str:
        return self.key(plan).target

    def fingerprint(self, plan: BookingPlan) -> str:
        return self.key(plan).fingerprint

    def what(self, plan: BookingPlan) -> str:
        return f"the booking at property {plan.property_id} from {plan.check_in.isoformat()} to {plan.check_out}"

    def check_hint(self, plan: BookingPlan) -> str:
        return (
            f"check search_bookings for property {plan.property_id} arriving {plan.check_in.isoformat()} "
            f"(guest {plan.guest_name})"
        )

    def duplicate_hint(self, plan: BookingPlan) -> str:
        return "a second identical booking is not made within 10 minutes of the first; check with the user first"

    async def send(self, gateway: HostawayGateway, plan: BookingPlan) -> Envelope:
        return await gateway.request("POST", "reservations", params=plan.query(), json=plan.body())

    async def reconcile(self, gateway: HostawayGateway, plan: BookingPlan, earlier: list[Entry]) -> Finding:
        """A booking of this listing, dates and guest that was not there when the earlier attempts were planned."""
        known = {booking for entry in earlier for booking in entry.fields.get("known_booking_ids") or []}
        overlapping = await overlapping_reservations(gateway, plan.property_id, plan.check_in, plan.check_out)
        matches = same_stay(
            overlapping, plan.property_id, plan.check_in, plan.check_out, plan.guest_name, plan.guest_email
        )
        new = [r for r in matches if ident(r.get("id")) not in known]
        if new:
            booking = new[0]
            booking_id = ident(booking.get("id"))
            status = text(booking.get("status")) or "unknown"
            return Finding(True, f"booking {booking_id} ({status}) is in Hostaway", {"booking_id": booking_id})
        return Finding(False, f"no such booking among the {len(overlapping)} overlapping the stay")

    def sent_fields(self, plan: BookingPlan, answer: Envelope) -> dict[str, Any]:
        made = answer.result if isinstance(answer.result, dict) else {}
        return {"booking_id": ident(made.get("id"))}

    preview_note = "The user must see the property, dates, guest, channel, total and cancellation policy."

    def unsent(self, plan: BookingPlan, step: Step, status: Unsent, next_step: str) -> NewBookingResult:
        return _result(plan, status, step, next_step=next_step)

    def found(self, plan: BookingPlan, step: Step, finding: Finding) -> NewBookingResult:
        booking_id = finding.fields.get("booking_id")
        return _result(
            plan,
            "already_created",
            step,
            booking_id=booking_id,
            next_step=f"Not sent again: an earlier attempt of this booking, whose outcome was unknown, made it "
            f"({finding.detail}). Tell the user booking {booking_id} exists; do not book it again.",
        )

    def done(self, plan: BookingPlan, step: Step, answer: Envelope) -> NewBookingResult:
        made = answer.result if isinstance(answer.result, dict) else {}
        booking_id = ident(made.get("id"))
        booked = money(made.get("totalPrice"))
        warnings = []
        if booked is not None and abs(booked - plan.quote.total) > 0.005:
            warnings.append(
                f"Hostaway recorded a total of {booked:.2f}, not the quoted {plan.quote.total:.2f}: check the booking."
            )
        return _result(
            plan,
            "created",
            step,
            booking_id=booking_id,
            booked_total=booked,
            extra_warnings=warnings,
            next_step=f"Booked: booking {booking_id} at {plan.property_name}, {plan.check_in.isoformat()} to "
            f"{plan.check_out.isoformat()}. Tell the user; get_booking_details shows it.",
        )


KIND = NewBooking()


def _result(
    plan: BookingPlan,
    status: Literal["preview", "created", "already_created", "declined", "cancelled"],
    step: Step,
    *,
    next_step: str,
    booking_id: int | None = None,
    booked_total: float | None = None,
    extra_warnings: list[str] | None = None,
) -> NewBookingResult:
    return NewBookingResult(
        status=status,
        booking_id=booking_id,
        property_id=plan.property_id,
        property_name=plan.property_name,
        check_in=plan.check_in,
        check_out=plan.check_out,
        nights=plan.nights,
        guests=plan.guests,
        guest_name=plan.guest_name,
        guest_email=plan.guest_email,
        guest_phone=plan.guest_phone,
        channel=plan.channel,
        currency=plan.currency,
        total_price=plan.quote.total,
        price=plan.quote.summary,
        lines=plan.quote.lines,
        booked_total=booked_total,
        cancellation_policy=plan.cancellation_policy,
        overbooking=plan.force_overbooking,
        confirmed_by=step.confirmed_by,
        warnings=[*plan.notes(), *step.warnings, *(extra_warnings or [])],
        next_step=next_step,
    )


def _contact(guest_name: str, guest_email: str | None, guest_phone: str | None) -> tuple[str, str | None, str | None]:
    name = " ".join(guest_name.split())
    if not name:
        raise ToolError("guest_name is blank: give the guest's full name. Nothing was sent.")
    email = text(guest_email)
    if email is not None and not _EMAIL.match(email):
        raise ToolError(f"guest_email {email!r} is not an email address (name@example.com). Nothing was sent.")
    phone = text(guest_phone)
    if phone is not None and not _PHONE.match(phone):
        raise ToolError(
            f"guest_phone {phone!r} is not a phone number: digits, spaces and + ( ) - only, "
            "such as +351 912 345 678. Nothing was sent."
        )
    return name, email, phone


async def _plan_booking(
    state: State,
    property_id: int,
    check_in: date,
    check_out: date,
    guests: int,
    guest_name: str,
    guest_email: str | None,
    guest_phone: str | None,
    channel: ChannelChoice,
    force_overbooking: bool,
) -> BookingPlan:
    ids = {"property_id": property_id, "check_in": check_in.isoformat(), "check_out": check_out.isoformat()}
    with audited_planning(state.settings, TOOL, **ids):
        name, email, phone = _contact(guest_name, guest_email, guest_phone)
        check_stay_arguments(state, check_in, check_out)
        stay = await read_stay(state, property_id, check_in, check_out, guests)
        overlapping = await overlapping_reservations(state.gateway, property_id, check_in, check_out)
        holders = [r for r in overlapping if str(r.get("status")) in BLOCKING_STATUSES]
        taken = [reason for reason in stay.reasons if reason not in stay.rules]
        warnings: list[str] = []
        key = booking_key(property_id, check_in, check_out, name, email, guests, channel)
        mine = same_stay(holders, property_id, check_in, check_out, name, email)
        retry = bool(taken) and len(mine) == len(holders) and await _earlier_attempt_holds(state, key, holders)
        if stay.rules or (taken and not force_overbooking and not retry):
            raise ToolError(_refusal(stay.reasons, holders, only_taken=not stay.rules))
        if retry:
            taken = []  # the nights are held by this very booking, made by an attempt whose answer was lost
        if taken:
            warnings.append(
                "WARNING: OVERBOOKING, asked for by the user: "
                + "; ".join(taken)
                + _holders(holders)
                + ". Hostaway is told to book anyway (forceOverbooking=1), so two stays will share those nights."
            )
        quote = await fetch_quote(state.gateway, property_id, check_in, check_out, guests)
        plan = BookingPlan(
            property_id=property_id,
            property_name=stay.name,
            check_in=check_in,
            check_out=check_out,
            guests=guests,
            guest_name=name,
            guest_email=email,
            guest_phone=phone,
            channel=channel,
            currency=stay.currency,
            quote=quote,
            cancellation_policy=text(stay.listing.get("cancellationPolicy")),
            force_overbooking=bool(taken),
            known_booking_ids=tuple(i for r in overlapping if (i := ident(r.get("id"))) is not None),
            warnings=[*warnings, *quote.notes],
        )
        return await screened(state, KIND, plan)


async def _earlier_attempt_holds(state: State, key: WriteKey, holders: list[JSONObject]) -> bool:
    """Whether the nights are held only by bookings of this guest and stay that appeared after an
    attempt whose outcome is unknown: that attempt made them. Planning must not refuse then: the
    confirmed call reconciles (finds the booking, sends nothing)."""
    if not holders:
        return False
    try:
        earlier = [e for e in await state.ledger.history(key, KIND.window_s) if e.outcome in UNRESOLVED]
    except LedgerError:
        return False  # the plan's screening says writes are refused; the refusal stands
    known = {booking for entry in earlier for booking in entry.fields.get("known_booking_ids") or []}
    return bool(earlier) and all(ident(r.get("id")) not in known for r in holders)


def _holders(holders: list[JSONObject]) -> str:
    if not holders:
        return ""
    named = [
        f"booking {r.get('id')} ({channel_name(r.get('channelId'), r.get('channelName'))}, "
        f"{r.get('arrivalDate')} to {r.get('departureDate')})"
        for r in holders[:5]
    ]
    return " (held by " + ", ".join(named) + ")"


def _refusal(reasons: list[str], holders: list[JSONObject], *, only_taken: bool) -> str:
    text_ = (
        "Refused: the stay cannot be booked: " + "; ".join(reasons) + _holders(holders) + ". Nothing was sent (no "
        "booking was made). quote_stay and check_property_availability show the calendar; pick other dates or "
        "another property (search_available_properties)."
    )
    if only_taken:
        text_ += (
            " Only if the user explicitly asks to overbook (two stays on the same nights), call again with "
            "force_overbooking=true."
        )
    return text_


_ask_booking = asker(_plan_booking)


async def create_booking(
    state: State,
    plan: Annotated[BookingPlan, Resolve(_plan_booking)],
    answer: Annotated[ElicitationResult[ConfirmationForm], Resolve(_ask_booking)],
    property_id: PropertyId,
    check_in: Annotated[IsoDate, Field(description="Arrival: the first night.")],
    check_out: Annotated[IsoDate, Field(description="Departure: the morning after the last night.")],
    guests: Annotated[int, Field(ge=1, le=MAX_GUESTS)],
    guest_name: Annotated[str, Field(min_length=1, max_length=NAME_CHARS, description="Full name.")],
    guest_email: Annotated[str | None, Field(max_length=NAME_CHARS)] = None,
    guest_phone: Annotated[str | None, Field(max_length=MAX_PHONE_CHARS, description="With country code.")] = None,
    channel: Annotated[ChannelChoice, Field(description="partner: a partner agency's booking.")] = "direct",
    force_overbooking: Annotated[
        StrictBool, Field(description="true only if the user said in so many words to book over taken nights.")
    ] = False,
    confirm: Annotated[StrictBool, Field(description="true only after the user agreed to the preview.")] = False,
) -> NewBookingResult:
    """Create a booking (reservation) at Hostaway's own quoted price: a direct or a partner booking.

    A stay that cannot be booked is refused before anything is sent. The preview shows a fresh
    quote and the cancellation policy. Made at most once: after "outcome unknown", call again.
    """
    return await carry_out(state, KIND, plan, answer, confirm)
