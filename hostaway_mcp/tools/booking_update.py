"""update_booking: change a booking's dates, guests or host note, confirmed by a person, sent once.

On the one write path (`tools/writes.py`). `_plan_change` reads the booking and, when the dates or
the guests change, judges the new stay (its own nights count as free), takes a fresh quote and
re-reads the booking's finance fields in full. Hostaway deletes every finance field a
`PUT /reservations/{id}` leaves out of `financeField` ("all fields must be submitted"), so the
list sent is always the whole current list: fields the quote prices anew take the new value
(`isOverriddenByUser: 1`, as Hostaway asks for changed values), a long-stay discount the new stay
no longer gets goes to 0, everything else (a pet fee, a commission, a fee added by hand) is kept
as it was, and the quote's new components are added. A note-only change sends no
`financeField` at all (partial PUTs of other fields work, CONFIRMED-C).

Bookings a channel manages (Airbnb, Booking.com) cannot be changed through the API: Hostaway
answers 403 even with a fresh token, and the tool says where to make the change instead. The same
PUT twice leaves the same booking, so a repeat is harmless; a lost answer is reconciled by reading
the booking back.
"""

# Over 400 lines for now: one write kind with Hostaway's financeField rule; the merge of the
# finance fields can move to a module of its own when another write needs it.

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
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
    parse_date,
    status_words,
    text,
    whole,
)
from hostaway_mcp.errors import PermissionDeniedError
from hostaway_mcp.gateway import Envelope, HostawayGateway, JSONObject
from hostaway_mcp.ledger import UNRESOLVED, Entry, LedgerError, WriteKey
from hostaway_mcp.models.booking_writes import BookingChangeResult, StayState
from hostaway_mcp.tools._lookups import fetch_reservation
from hostaway_mcp.tools._runtime import State
from hostaway_mcp.tools._validation import (
    MAX_STAY_NIGHTS,
    BookingId,
    IsoDate,
    check_night_range,
    check_not_past_anywhere,
)
from hostaway_mcp.tools.bookings import guest_full_name
from hostaway_mcp.tools.confirmation import ConfirmationForm, audited_planning
from hostaway_mcp.tools.quotes import MAX_GUESTS, Quote, describe_quote, fetch_quote, read_stay
from hostaway_mcp.tools.writes import Finding, Step, Unsent, WriteKind, WritePlan, asker, carry_out, screened

TOOL = "update_booking"
MAX_NOTE_CHARS = 2000
PARTNER_CHANNEL_ID = 2020
STAY_DISCOUNTS = frozenset({"weeklyDiscount", "monthlyDiscount"})


@dataclass(frozen=True)
class FinanceMerge:
    """The booking's whole finance list after the change, its total, and each field's fate in words."""

    fields: list[JSONObject]
    total: float
    changes: list[str]


def _amount(item: JSONObject) -> float:
    value = money(item.get("total"))
    return value if value is not None else (money(item.get("value")) or 0.0)


def _included(item: JSONObject) -> bool:
    return str(item.get("isIncludedInTotalPrice")).strip().lower() in ("1", "true")


def merge_finance(current: list[JSONObject], quote: Quote) -> FinanceMerge:
    """Every current field kept (repriced where the quote prices it), plus the quote's new ones."""
    quoted = {name: c for c in quote.components if (name := text(c.get("name")))}
    fields: list[JSONObject] = []
    changes: list[str] = []
    used: set[str] = set()
    for item in current:
        name = text(item.get("name")) or ""
        kind = text(item.get("type"))
        title = text(item.get("title")) or name or "unnamed field"
        old = _amount(item)
        if name in quoted and kind != "totals":
            used.add(name)
            new = _amount(quoted[name])
            if abs(new - old) > 0.005:
                fields.append({**item, "value": new, "total": new, "isOverriddenByUser": 1})
                changes.append(f"{title}: {old:.2f} -> {new:.2f}")
            else:
                fields.append(item)
                changes.append(f"{title}: {old:.2f} (unchanged)")
        elif name in STAY_DISCOUNTS and old:
            fields.append({**item, "value": 0.0, "total": 0.0, "isOverriddenByUser": 1})
            changes.append(f"{title}: {old:.2f} -> 0.00 (the new stay does not get it)")
        else:
            fields.append(item)
            if kind != "totals":
                changes.append(f"{title}: {old:.2f} (kept as it was: the quote does not price it)")
    for name, component in quoted.items():
        if name not in used:
            fields.append(component)
            changes.append(f"{text(component.get('title')) or name}: {_amount(component):.2f} (new)")
    total = round(sum(_amount(f) for f in fields if _included(f) and text(f.get("type")) != "totals"), 2)
    for index, item in enumerate(fields):
        if text(item.get("type")) == "totals":
            fields[index] = {**item, "value": total, "total": total, "isOverriddenByUser": 1}
    names_before = sorted(text(f.get("name")) or "" for f in current)
    names_after = [text(f.get("name")) or "" for f in fields]
    if any(names_after.count(name) < names_before.count(name) for name in set(names_before)):
        raise ToolError("update_booking would drop a finance field; nothing was sent (please report this).")
    return FinanceMerge(fields, total, changes)


@dataclass(frozen=True)
class Snapshot:
    check_in: date | None
    check_out: date | None
    guests: int | None
    total: float | None
    notes: str | None

    def state(self) -> StayState:
        nights = (self.check_out - self.check_in).days if self.check_in and self.check_out else None
        return StayState(
            check_in=self.check_in,
            check_out=self.check_out,
            nights=nights,
            guests=self.guests,
            total_price=self.total,
            notes=self.notes,
        )

    def words(self) -> str:
        if self.check_in is None or self.check_out is None:
            return "no dates"
        nights = (self.check_out - self.check_in).days
        return f"{self.check_in.isoformat()} to {self.check_out.isoformat()} ({nights} nights)"


def snapshot(reservation: JSONObject) -> Snapshot:
    return Snapshot(
        check_in=parse_date(reservation.get("arrivalDate")),
        check_out=parse_date(reservation.get("departureDate")),
        guests=whole(reservation.get("numberOfGuests")),
        total=money(reservation.get("totalPrice")),
        notes=text(reservation.get("hostNote")),
    )


@dataclass(frozen=True, kw_only=True)
class ChangePlan(WritePlan):
    """Exactly the PUT that would be sent, with the booking before and after."""

    booking_id: int
    property_id: int | None
    property_name: str | None
    guest_name: str | None
    channel: str
    managed: bool  # a channel's booking (not direct, not a partner's): Hostaway may refuse to change it
    currency: str | None
    before: Snapshot
    after: Snapshot
    body: JSONObject
    requested: JSONObject  # the values asked for, as Hostaway names them: what makes two changes the same
    quote: Quote | None = None
    finance_changes: list[str] = field(default_factory=list)

    @property
    def price_difference(self) -> float | None:
        if "totalPrice" not in self.body or self.before.total is None or self.after.total is None:
            return None
        return round(self.after.total - self.before.total, 2)

    def question(self) -> str:
        unit = f" {self.currency}" if self.currency else ""
        who = ", ".join(part for part in (self.guest_name, self.property_name, self.channel) if part)
        lines = [f"Change booking {self.booking_id} ({who})?"]
        if self.before.words() != self.after.words():
            lines.append(f"Dates: {self.before.words()} -> {self.after.words()}")
        if self.before.guests != self.after.guests:
            lines.append(f"Guests: {self.before.guests} -> {self.after.guests}")
        if self.price_difference is not None:
            lines.append(
                f"Total: {self.before.total:.2f} -> {self.after.total:.2f}{unit} ({self.price_difference:+.2f}), "
                "from Hostaway's quote"
            )
            lines.append("Price fields (all kept): " + "; ".join(self.finance_changes))
            if self.quote is not None:
                lines.extend(describe_quote(self.quote, self.currency))
        if "hostNote" in self.body:
            lines.append(f"Host note: {self.before.notes or '(none)'!r} -> {self.after.notes or '(none)'!r}")
        lines.extend(note if note.startswith("WARNING") else f"Note: {note}" for note in self.notes())
        return "\n".join(lines)

    def audit_fields(self) -> dict[str, Any]:
        return {
            "booking_id": self.booking_id,
            "property_id": self.property_id,
            "changes": sorted(key for key in self.body if key != "financeField"),
            "check_in": self.after.check_in.isoformat() if self.after.check_in else None,
            "check_out": self.after.check_out.isoformat() if self.after.check_out else None,
            "guests": self.after.guests,
            "total": self.body.get("totalPrice"),
            "finance_fields": len(self.body["financeField"]) if "financeField" in self.body else None,
            "note_chars": len(self.after.notes or "") if "hostNote" in self.body else None,
        }


class BookingChange(WriteKind[ChangePlan, BookingChangeResult]):
    """One PUT of a booking's fields; the same PUT twice leaves the same booking."""

    tool = TOOL
    repeats = "harmless"
    nothing = "nothing was changed"
    not_done = "The booking was NOT changed."

    def target(self, plan: ChangePlan) -> str:
        return f"reservation:{plan.booking_id}"

    def fingerprint(self, plan: ChangePlan) -> str:
        return _digest(plan.requested)

    def what(self, plan: ChangePlan) -> str:
        return f"the change to booking {plan.booking_id}"

    def check_hint(self, plan: ChangePlan) -> str:
        return f"check get_booking_details for booking {plan.booking_id}"

    async def send(self, gateway: HostawayGateway, plan: ChangePlan) -> Envelope:
        try:
            return await gateway.put(f"reservations/{plan.booking_id}", plan.body)
        except PermissionDeniedError as exc:
            refused = f"Hostaway refused to change booking {plan.booking_id} (HTTP {exc.status_code} even with a fresh "
            if plan.managed:
                why = (
                    f"access token): a booking from {plan.channel} is managed by the channel, and Hostaway does not "
                    f"let the API change it. Make the change on {plan.channel} (it then reaches Hostaway by itself), "
                    "and check get_booking_details afterwards."
                )
            else:
                why = (
                    "access token): the account may not be allowed to change bookings. Check the API key's "
                    "permissions in the Hostaway dashboard."
                )
            raise PermissionDeniedError(refused + why, status_code=exc.status_code) from None

    async def reconcile(self, gateway: HostawayGateway, plan: ChangePlan, earlier: list[Entry]) -> Finding:
        """Read the booking back: found when it shows every value this PUT sets."""
        now = snapshot(await fetch_reservation(gateway, plan.booking_id))
        wanted = plan.after
        differs = [
            name
            for name, sent, seen in (
                ("dates", (wanted.check_in, wanted.check_out), (now.check_in, now.check_out)),
                ("guests", wanted.guests, now.guests),
                ("host note", wanted.notes, now.notes),
                ("total", wanted.total, now.total),
            )
            if sent != seen
        ]
        if not differs:
            return Finding(True, "the booking already shows the change")
        return Finding(False, f"the booking does not show it ({', '.join(differs)} differ)")

    def unsent(self, plan: ChangePlan, step: Step, status: Unsent, next_step: str) -> BookingChangeResult:
        return _result(plan, status, step, plan.after, next_step)

    def found(self, plan: ChangePlan, step: Step, finding: Finding) -> BookingChangeResult:
        return _result(
            plan,
            "already_updated",
            step,
            plan.after,
            f"Not sent again: an earlier attempt of this change, whose outcome was unknown, was applied "
            f"({finding.detail}). Tell the user booking {plan.booking_id} is changed.",
        )

    def done(self, plan: ChangePlan, step: Step, answer: Envelope) -> BookingChangeResult:
        shown = snapshot(answer.result) if isinstance(answer.result, dict) else plan.after
        return _result(plan, "updated", step, shown, f"Done. Tell the user booking {plan.booking_id} is changed.")


KIND = BookingChange()


def _result(
    plan: ChangePlan,
    status: Literal["preview", "updated", "already_updated", "declined", "cancelled"],
    step: Step,
    after: Snapshot,
    next_step: str,
) -> BookingChangeResult:
    return BookingChangeResult(
        status=status,
        booking_id=plan.booking_id,
        property_id=plan.property_id,
        property_name=plan.property_name,
        guest_name=plan.guest_name,
        channel=plan.channel,
        currency=plan.currency,
        before=plan.before.state(),
        after=after.state(),
        price_difference=plan.price_difference,
        finance_changes=plan.finance_changes,
        confirmed_by=step.confirmed_by,
        warnings=[*plan.notes(), *step.warnings],
        next_step=next_step,
    )


def _check_moved_stay(booking_id: int, before: Snapshot, new_in: date, new_out: date) -> None:
    """One date given: the new stay, with the booking's other date, must still be a stay."""
    if new_out <= new_in:
        raise ToolError(
            f"Booking {booking_id} runs {before.words()}: with check-in {new_in.isoformat()} and check-out "
            f"{new_out.isoformat()} it would end before it begins. Give both check_in and check_out. "
            "Nothing was changed."
        )
    if (new_out - new_in).days > MAX_STAY_NIGHTS:
        raise ToolError(
            f"Booking {booking_id} would run {(new_out - new_in).days} nights; at most {MAX_STAY_NIGHTS} can be "
            "booked at once. Nothing was changed."
        )


def _managed(reservation: JSONObject) -> bool:
    return ident(reservation.get("channelId")) not in {*DIRECT_CHANNEL_IDS, PARTNER_CHANNEL_ID}


def _channel_warning(reservation: JSONObject, channel: str) -> list[str]:
    if not _managed(reservation):
        return []
    return [
        f"This booking comes from {channel}. Hostaway refuses changes to bookings a channel manages (Airbnb, "
        "Booking.com); if it does, nothing is changed and the change must be made on the channel."
    ]


async def _plan_change(
    state: State,
    booking_id: int,
    check_in: date | None,
    check_out: date | None,
    guests: int | None,
    notes: str | None,
) -> ChangePlan:
    with audited_planning(state.settings, TOOL, booking_id=booking_id):
        if check_in is None and check_out is None and guests is None and notes is None:
            raise ToolError("Nothing to change: give check_in, check_out, guests or notes. Nothing was changed.")
        # What the arguments alone can tell is refused before any request.
        if check_in is not None and check_out is not None:
            check_night_range(check_in, check_out, start_name="check_in", end_name="check_out")
        if check_in is not None:
            check_not_past_anywhere(check_in, state.now(), "check_in")
        reservation = await fetch_reservation(state.gateway, booking_id)
        status = text(reservation.get("status"))
        if status not in BLOCKING_STATUSES:
            raise ToolError(
                f"Booking {booking_id} is {status_words(status)} (Hostaway status {status!r}): only a live booking "
                "can be changed. Nothing was changed."
            )
        channel = channel_name(reservation.get("channelId"), reservation.get("channelName"))
        before = snapshot(reservation)
        new_in, new_out = check_in or before.check_in, check_out or before.check_out
        if new_in is None or new_out is None or before.check_in is None or before.check_out is None:
            raise ToolError(
                f"Booking {booking_id} has no dates in Hostaway, so it cannot be moved. Nothing was changed."
            )
        new_guests = guests if guests is not None else before.guests
        body: JSONObject = {}
        warnings = _channel_warning(reservation, channel)
        quote: Quote | None = None
        merge: FinanceMerge | None = None
        property_id = ident(reservation.get("listingMapId"))
        if (new_in, new_out) != (before.check_in, before.check_out) or new_guests != before.guests:
            _check_moved_stay(booking_id, before, new_in, new_out)
            if property_id is None:
                raise ToolError(f"Booking {booking_id} names no property in Hostaway. Nothing was changed.")
            stay = await read_stay(
                state,
                property_id,
                new_in,
                new_out,
                new_guests or 1,
                own_nights=(before.check_in, before.check_out),
                past_allowed=new_in == before.check_in,
            )
            taken = [reason for reason in stay.reasons if reason not in stay.rules or reason in stay.limits]
            if taken:
                raise ToolError(
                    f"Refused: booking {booking_id} cannot be changed to {new_in.isoformat()} to {new_out.isoformat()} "
                    f"for {new_guests} guest(s): "
                    + "; ".join(taken)
                    + ". Nothing was changed. check_property_availability shows the calendar."
                )
            warnings += [
                f"The new stay breaks a rule Hostaway shows for new bookings: {rule}."
                for rule in stay.rules
                if rule not in stay.limits
            ]
            current = (await state.gateway.get(f"financeField/{booking_id}")).items
            quote = await fetch_quote(state.gateway, property_id, new_in, new_out, new_guests or 1)
            merge = merge_finance(current, quote)
            if (new_in, new_out) != (before.check_in, before.check_out):
                body.update(arrivalDate=new_in.isoformat(), departureDate=new_out.isoformat())
            if new_guests != before.guests:
                body["numberOfGuests"] = new_guests
            body.update(financeField=merge.fields, totalPrice=merge.total)
            warnings += quote.notes
        new_notes = before.notes
        if notes is not None and (text(notes) or None) != before.notes:
            new_notes = text(notes)
            body["hostNote"] = new_notes or ""
        requested = _requested(check_in, check_out, guests, notes)
        if not body:
            if not await _unresolved(state, booking_id, requested):
                raise ToolError(
                    f"Nothing would change: booking {booking_id} already has these values. Nothing was changed."
                )
            # The booking shows what an attempt whose answer was lost sent: confirming finds it there.
            body = dict(requested)
        after = Snapshot(new_in, new_out, new_guests, merge.total if merge else before.total, new_notes)
        plan = ChangePlan(
            booking_id=booking_id,
            property_id=property_id,
            property_name=text(reservation.get("listingName")),
            guest_name=guest_full_name(reservation),
            channel=channel,
            managed=_managed(reservation),
            currency=text(reservation.get("currency")),
            before=before,
            after=after,
            body=body,
            requested=requested,
            quote=quote,
            finance_changes=merge.changes if merge else [],
            warnings=warnings,
        )
        return await screened(state, KIND, plan)


def _requested(check_in: date | None, check_out: date | None, guests: int | None, notes: str | None) -> JSONObject:
    asked: JSONObject = {}
    if check_in is not None:
        asked["arrivalDate"] = check_in.isoformat()
    if check_out is not None:
        asked["departureDate"] = check_out.isoformat()
    if guests is not None:
        asked["numberOfGuests"] = guests
    if notes is not None:
        asked["hostNote"] = text(notes) or ""
    return asked


def _digest(values: JSONObject) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]


async def _unresolved(state: State, booking_id: int, requested: JSONObject) -> bool:
    """Whether exactly this change has an earlier attempt whose outcome is unknown."""
    key = WriteKey(TOOL, f"reservation:{booking_id}", _digest(requested))
    try:
        return any(entry.outcome in UNRESOLVED for entry in await state.ledger.history(key, KIND.window_s))
    except LedgerError:
        return False


_ask_change = asker(_plan_change)


async def update_booking(
    state: State,
    plan: Annotated[ChangePlan, Resolve(_plan_change)],
    answer: Annotated[ElicitationResult[ConfirmationForm], Resolve(_ask_change)],
    booking_id: BookingId,
    check_in: Annotated[IsoDate | None, Field(description="New arrival: the first night.")] = None,
    check_out: Annotated[IsoDate | None, Field(description="New departure: the morning after.")] = None,
    guests: Annotated[int | None, Field(ge=1, le=MAX_GUESTS)] = None,
    notes: Annotated[
        str | None,
        Field(
            max_length=MAX_NOTE_CHARS,
            description="New internal host note; replaces the old one, empty removes it.",
        ),
    ] = None,
    confirm: Annotated[
        StrictBool,
        Field(description="true only after the user agreed to the preview."),
    ] = False,
) -> BookingChangeResult:
    """Change a booking's dates, number of guests or host note; Hostaway re-prices a changed stay.

    Give only what changes; new nights must be free. The preview shows before and after, the
    price difference from a fresh quote and each price field. Airbnb and Booking.com bookings are
    changed on the channel, not here.
    """
    return await carry_out(state, KIND, plan, answer, confirm)
