"""Guest messaging: send one message to a booking's guest, confirmed by a person, sent at most once.

The write on the one write path (`tools/writes.py`, whose docstring uses this module as the
example): `_plan_message` validates, finds the booking's conversation, picks the delivery route
and notes what the ledger knows; `GuestMessage` names the write (the conversation and a digest of
the text), sends the one POST, and reconciles an earlier attempt whose outcome is unknown by
reading the thread for the same text posted after the newest message seen when it was planned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, StrictBool

from hostaway_mcp import audit
from hostaway_mcp.domain import (
    DIRECT_CHANNEL_IDS,
    ENDED_STATUSES,
    channel_name,
    flag,
    parse_date,
    status_words,
    text,
    whole,
)
from hostaway_mcp.gateway import Envelope, HostawayGateway, JSONObject
from hostaway_mcp.ledger import Entry
from hostaway_mcp.models.writes import GuestMessageResult, MessageChannel
from hostaway_mcp.privacy import guest_name, quoted_guest_name
from hostaway_mcp.tools._lookups import fetch_reservation, find_conversation
from hostaway_mcp.tools._runtime import State
from hostaway_mcp.tools._validation import BookingId
from hostaway_mcp.tools.confirmation import ConfirmationForm, audited_planning
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

TOOL = "send_guest_message"
MAX_MESSAGE_CHARS = 5000
# Reconciliation reads the thread page by page; past this many messages it cannot tell (refuses).
RECONCILE_PAGE = 100
RECONCILE_MAX_PAGES = 50

ChannelChoice = Literal["auto", "email", "channel", "sms", "whatsapp"]


@dataclass(frozen=True, kw_only=True)
class MessagePlan(WritePlan):
    """Exactly what would be sent, to whom and how, built before anything is asked or sent."""

    booking_id: int
    booking_status: str | None
    conversation_id: int
    recipient_name: str | None
    property_name: str | None
    arrival: date | None
    departure: date | None
    booking_channel: str
    channel: MessageChannel
    delivery: str
    text: str
    # The thread's newest message when planned: a reconciled send must come after it.
    thread_last_id: int | None = None
    thread_last_sent_on: str | None = None

    @property
    def digest(self) -> str:
        return audit.text_digest(self.text)

    def question(self) -> str:
        """The confirmation form's text: everything the person needs to say yes to this exact send."""
        stay = ""
        if self.arrival and self.departure:
            stay = f", {self.arrival.isoformat()} to {self.departure.isoformat()}"
        where = f" at {self.property_name}" if self.property_name else ""
        lines = [
            f"Send this message to the guest of booking {self.booking_id}{where}{stay}, {self.delivery}?",
            f"Guest: {quoted_guest_name(self.recipient_name)}",
        ]
        lines.extend(note if note.startswith("WARNING") else f"Note: {note}" for note in self.notes())
        lines += ["", "-----", self.text, "-----"]
        return "\n".join(lines)

    def audit_fields(self) -> dict[str, Any]:
        return {
            "booking_id": self.booking_id,
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "message_chars": len(self.text),
            "message_sha256": self.digest,
            "thread_last_id": self.thread_last_id,
            "thread_last_sent_on": self.thread_last_sent_on,
            "duplicate_override": True if self.screening.duplicate else None,
        }


class GuestMessage(WriteKind[MessagePlan, GuestMessageResult]):
    """One message to a booking's conversation; the same text twice is a second message."""

    tool = TOOL
    repeats = "on_request"
    window_s = 600.0  # the same text to the same conversation within 10 minutes is refused
    nothing = "nothing was sent"
    not_done = "The message was NOT sent."

    def target(self, plan: MessagePlan) -> str:
        return f"conversation:{plan.conversation_id}"

    def fingerprint(self, plan: MessagePlan) -> str:
        return plan.digest

    def what(self, plan: MessagePlan) -> str:
        return f"the message to booking {plan.booking_id}"

    def check_hint(self, plan: MessagePlan) -> str:
        return f"check get_conversation_history for booking {plan.booking_id}"

    async def send(self, gateway: HostawayGateway, plan: MessagePlan) -> Envelope:
        return await gateway.post(
            f"conversations/{plan.conversation_id}/messages", {"body": plan.text, "communicationType": plan.channel}
        )

    async def reconcile(self, gateway: HostawayGateway, plan: MessagePlan, earlier: list[Entry]) -> Finding:
        """Look for the text among outgoing messages posted after the thread's newest one when planned."""
        marks = [entry.fields for entry in earlier]
        after_id = min((m["thread_last_id"] for m in marks if isinstance(m.get("thread_last_id"), int)), default=None)
        after_on = min(
            (m["thread_last_sent_on"] for m in marks if isinstance(m.get("thread_last_sent_on"), str)), default=None
        )
        read, total = 0, None
        async for page in gateway.iter_offset_pages(
            f"conversations/{plan.conversation_id}/messages",
            {"includeScheduledMessages": 1},
            page_size=RECONCILE_PAGE,
            max_pages=RECONCILE_MAX_PAGES,
        ):
            total = page.count if page.count is not None else total
            for message in page.items:
                if _is_the_send(message, plan.text, after_id, after_on):
                    message_id = whole(message.get("id"))
                    when = text(message.get("date")) or text(message.get("insertedOn")) or "an unknown time"
                    status = text(message.get("status")) or "unknown"
                    return Finding(
                        True,
                        f"found in the thread: message {message_id} ({status}) at {when} UTC",
                        {"message_id": message_id},
                    )
            read += len(page.items)
        if total is not None and read < total:
            raise Inconclusive(f"only {read} of the thread's {total} messages could be read")
        return Finding(False, f"not in the thread ({read} messages read)")

    def sent_fields(self, plan: MessagePlan, answer: Envelope) -> dict[str, Any]:
        sent = answer.result if isinstance(answer.result, dict) else {}
        return {"message_id": whole(sent.get("id")), "message_status": text(sent.get("status"))}

    preview_note = (
        "The user must see the recipient, the delivery route and the full text; if they want changes, "
        "preview the new text first."
    )

    def unsent(self, plan: MessagePlan, step: Step, status: Unsent, next_step: str) -> GuestMessageResult:
        return _result(plan, status, step, next_step=next_step)

    def found(self, plan: MessagePlan, step: Step, finding: Finding) -> GuestMessageResult:
        return _result(
            plan,
            "already_sent",
            step,
            message_id=finding.fields.get("message_id"),
            next_step=f"Not sent again: an earlier attempt of this message, whose outcome was unknown, is in the "
            f"thread ({finding.detail}). Tell the user it had already reached the guest; send it again only "
            "if the user explicitly asks, with allow_duplicate=true.",
        )

    def done(self, plan: MessagePlan, step: Step, answer: Envelope) -> GuestMessageResult:
        sent = answer.result if isinstance(answer.result, dict) else {}
        message_id, status = whole(sent.get("id")), text(sent.get("status"))
        ref = f" (message id {message_id})" if message_id is not None else ""
        warnings: list[str] = []
        if status == "failed":
            reason = text(sent.get("reasonFailed")) or "no reason given"
            warnings.append(f"Hostaway recorded the message but reports its delivery failed: {reason}")
            next_step = (
                f"Hostaway created the message{ref} but reports that delivery failed ({reason}). Tell the user; "
                "do not resend without asking them, and consider another channel."
            )
        else:
            next_step = f"Sent. Tell the user the message went {plan.delivery}{ref}."
        return _result(
            plan,
            "sent",
            step,
            message_id=message_id,
            sent_at=text(sent.get("insertedOn")) or text(sent.get("date")),
            message_status=status,
            extra_warnings=warnings,
            next_step=next_step,
        )


KIND = GuestMessage()


def _is_the_send(message: JSONObject, body: str, after_id: int | None, after_on: str | None) -> bool:
    """An outgoing message with exactly this text, newer than the thread's newest when planned."""
    if flag(message.get("isIncoming")) or (text(message.get("body")) or "") != body:
        return False
    message_id = whole(message.get("id"))
    if after_id is not None and message_id is not None:
        return message_id > after_id
    sent_on = text(message.get("date")) or text(message.get("insertedOn"))
    if after_on is not None and sent_on is not None:
        return sent_on > after_on
    return True  # nothing to compare: finding it is the safe answer (nothing is sent twice)


def _result(
    plan: MessagePlan,
    status: Literal["preview", "sent", "already_sent", "declined", "cancelled"],
    step: Step,
    *,
    next_step: str,
    extra_warnings: list[str] | None = None,
    **extra: Any,
) -> GuestMessageResult:
    return GuestMessageResult(
        status=status,
        booking_id=plan.booking_id,
        booking_status=status_words(plan.booking_status) if plan.booking_status else None,
        conversation_id=plan.conversation_id,
        recipient_name=plan.recipient_name,
        property_name=plan.property_name,
        arrival_date=plan.arrival,
        departure_date=plan.departure,
        booking_channel=plan.booking_channel,
        channel=plan.channel,
        delivery=plan.delivery,
        text=plan.text,
        characters=len(plan.text),
        confirmed_by=step.confirmed_by,
        warnings=[*plan.notes(), *step.warnings, *(extra_warnings or [])],
        next_step=next_step,
        **extra,
    )


def _delivery(channel: MessageChannel, booking_channel: str) -> str:
    # Never the guest's name: it is guest-written, and shown (marked) on a line of its own.
    who = "the guest"
    if channel == "channel":
        return f"inside the {booking_channel} conversation with {who}"
    if channel == "email":
        return f"by email to {who}"
    return f"by {'SMS' if channel == 'sms' else 'WhatsApp'} to {who}"


def _choose_channel(requested: ChannelChoice, channel_id: int | None, booking_id: int) -> MessageChannel:
    is_direct = channel_id in DIRECT_CHANNEL_IDS
    if requested == "auto":
        # OTA bookings are answered inside the platform's thread; the API's own default is email.
        return "email" if is_direct else "channel"
    if requested == "channel" and is_direct:
        raise ToolError(
            f"Booking {booking_id} was booked directly, so it has no booking-platform thread to reply in. "
            "Use channel='auto' or 'email' (or 'sms'/'whatsapp'). Nothing was sent."
        )
    return requested


def _ended_warning(status: str | None) -> list[str]:
    """A booking that is over (cancelled, declined, expired): the person must know before sending."""
    if status not in ENDED_STATUSES:
        return []
    return [
        f"WARNING: this booking is {status_words(status)} (Hostaway status {status!r}): the guest is not staying. "
        "Make sure the message still makes sense, and never send check-in or access details to it."
    ]


async def _plan_message(
    state: State,
    booking_id: int,
    message: str,
    channel: ChannelChoice,
    allow_duplicate: bool,
) -> MessagePlan:
    body = message.strip()
    ids: dict[str, Any] = {
        "booking_id": booking_id,
        "message_chars": len(body),
        "message_sha256": audit.text_digest(body) if body else None,
    }
    with audited_planning(state.settings, TOOL, **ids):
        if not body:
            raise ToolError("message is blank: write the text to send (1 to 5000 characters). Nothing was sent.")
        reservation = await fetch_reservation(state.gateway, booking_id)
        conversation = await find_conversation(state.gateway, booking_id)
        if conversation is None or whole(conversation.get("id")) is None:
            raise ToolError(
                f"Booking {booking_id} has no guest conversation in Hostaway yet, so there is no thread to "
                "send on. Nothing was sent; the user can start one from the Hostaway dashboard."
            )
        conversation_id = int(conversation["id"])
        channel_id = whole(reservation.get("channelId"))
        booking_channel = channel_name(channel_id, reservation.get("channelName"))
        chosen = _choose_channel(channel, channel_id, booking_id)
        recipient = guest_name(conversation.get("recipientName")) or guest_name(reservation.get("guestName"))
        status = text(reservation.get("status"))
        warnings = _ended_warning(status)
        if chosen in ("sms", "whatsapp") and not text(reservation.get("phone")):
            warnings.append(f"The booking has no phone number; Hostaway may not be able to deliver by {chosen}.")
        if chosen == "email" and not (text(reservation.get("guestEmail")) or text(conversation.get("guestEmail"))):
            warnings.append("The booking has no guest email address; Hostaway may not be able to deliver it.")
        latest = conversation.get("conversationMessages")
        newest = latest[-1] if isinstance(latest, list) and latest and isinstance(latest[-1], dict) else {}
        plan = MessagePlan(
            booking_id=booking_id,
            booking_status=status,
            conversation_id=conversation_id,
            recipient_name=recipient,
            property_name=text(reservation.get("listingName")),
            arrival=parse_date(reservation.get("arrivalDate")),
            departure=parse_date(reservation.get("departureDate")),
            booking_channel=booking_channel,
            channel=chosen,
            delivery=_delivery(chosen, booking_channel),
            text=body,
            thread_last_id=whole(newest.get("id")),
            thread_last_sent_on=text(conversation.get("messageSentOn")),
            warnings=warnings,
        )
        return await screened(state, KIND, plan, allow_duplicate)


_ask_message = asker(_plan_message)


async def send_guest_message(
    state: State,
    plan: Annotated[MessagePlan, Resolve(_plan_message)],
    answer: Annotated[ElicitationResult[ConfirmationForm], Resolve(_ask_message)],
    booking_id: BookingId,
    message: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_MESSAGE_CHARS,
            description="The exact text to send, in the guest's language.",
        ),
    ],
    channel: Annotated[
        ChannelChoice,
        Field(
            description="auto: the platform's thread (Airbnb, Vrbo, Booking.com) or email (direct); or "
            "force one (channel: the platform thread)."
        ),
    ] = "auto",
    confirm: Annotated[
        StrictBool,
        Field(description="true only after the user agreed to the preview."),
    ] = False,
    allow_duplicate: Annotated[
        StrictBool,
        Field(description="true only if the user wants the same text sent again within 10 minutes."),
    ] = False,
) -> GuestMessageResult:
    """Send a message to a booking's guest, on the booking's platform thread or by email.

    The preview shows recipient, route and text (a warning if the booking is over). Sent at most
    once: after "outcome unknown", calling again is safe.
    """
    return await carry_out(state, KIND, plan, answer, confirm, allow_duplicate=allow_duplicate)
