"""Guest messaging: send one message to a booking's guest, confirmed by a person, sent at most once.

The flow (see `confirmation.py`): `_plan_message` validates, finds the booking's conversation,
picks the delivery route and applies the duplicate guard; `_ask_message` shows the person a form
when the client can; the tool body previews, reports a "no", or sends exactly once. The gateway
never retries a POST that may have left this machine; an answer lost after sending is reported as
"outcome unknown" and the text is remembered as sent, so a blind retry hits the duplicate guard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from hostaway_mcp import audit
from hostaway_mcp.confirmation import ConfirmationForm, Verdict, ask, audited_planning, decide, not_done_text
from hostaway_mcp.domain import channel_name, parse_date, text, whole
from hostaway_mcp.errors import HostawayError, OutcomeUnknownError, UpstreamError
from hostaway_mcp.models.writes import GuestMessageResult, MessageChannel
from hostaway_mcp.tools._lookups import fetch_reservation, find_conversation
from hostaway_mcp.tools._runtime import AppState, State
from hostaway_mcp.tools._validation import BookingId

TOOL = "send_guest_message"
MAX_MESSAGE_CHARS = 5000
DUPLICATE_WINDOW_S = 600.0  # the same text to the same conversation within 10 minutes is refused
# Bookings made directly or through the booking engine have no platform thread: they get email.
DIRECT_CHANNEL_IDS = frozenset({2000, 2013})

ChannelChoice = Literal["auto", "email", "channel", "sms", "whatsapp"]


@dataclass(frozen=True)
class MessagePlan:
    """Exactly what would be sent, to whom and how, built before anything is asked or sent."""

    booking_id: int
    conversation_id: int
    recipient_name: str | None
    property_name: str | None
    arrival: date | None
    departure: date | None
    booking_channel: str
    channel: MessageChannel
    delivery: str
    text: str
    duplicate: bool
    warnings: list[str] = field(default_factory=list)

    @property
    def digest(self) -> str:
        return audit.text_digest(self.text)

    @property
    def guard_key(self) -> tuple[int, str]:
        return (self.conversation_id, self.digest)

    def question(self) -> str:
        """The confirmation form's text: everything the person needs to say yes to this exact send."""
        stay = ""
        if self.arrival and self.departure:
            stay = f", {self.arrival.isoformat()} to {self.departure.isoformat()}"
        where = f" at {self.property_name}" if self.property_name else ""
        lines = [
            f"Send this message to {self.recipient_name or 'the guest'} (booking {self.booking_id}{where}{stay}) "
            f"{self.delivery}?",
        ]
        if self.duplicate:
            lines.append("WARNING: this exact text was already sent to this guest in the last 10 minutes.")
        lines.extend(f"Note: {warning}" for warning in self.warnings)
        lines += ["", "-----", self.text, "-----"]
        return "\n".join(lines)

    def audit_fields(self) -> dict[str, Any]:
        return {
            "booking_id": self.booking_id,
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "message_chars": len(self.text),
            "message_sha256": self.digest,
            "duplicate_override": True if self.duplicate else None,
        }

    def result(
        self,
        status: Literal["preview", "sent", "declined", "cancelled"],
        extra_warnings: list[str] | None = None,
        **extra: Any,
    ) -> GuestMessageResult:
        warnings = [*self.warnings, *(extra_warnings or [])]
        if self.duplicate:
            warnings.insert(0, "This exact text was already sent to this conversation in the last 10 minutes.")
        return GuestMessageResult(
            status=status,
            booking_id=self.booking_id,
            conversation_id=self.conversation_id,
            recipient_name=self.recipient_name,
            property_name=self.property_name,
            arrival_date=self.arrival,
            departure_date=self.departure,
            booking_channel=self.booking_channel,
            channel=self.channel,
            delivery=self.delivery,
            text=self.text,
            characters=len(self.text),
            warnings=warnings,
            **extra,
        )


def _delivery(channel: MessageChannel, booking_channel: str, recipient: str | None) -> str:
    who = recipient or "the guest"
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


def sent_recently(state: AppState, key: tuple[int, str]) -> str | None:
    """How the same text last went to the same conversation within the window ("sent"/"unknown")."""
    now = state.monotonic()
    for stale in [k for k, (at, _) in state.recent_messages.items() if now - at >= DUPLICATE_WINDOW_S]:
        del state.recent_messages[stale]
    entry = state.recent_messages.get(key)
    return entry[1] if entry is not None else None


def remember(state: AppState, key: tuple[int, str], outcome: str) -> None:
    state.recent_messages[key] = (state.monotonic(), outcome)


def _duplicate_refusal(booking_id: int, previous: str) -> ToolError:
    how = "was sent" if previous == "sent" else "was attempted (the outcome of that attempt is unknown)"
    return ToolError(
        f"Refused: this exact text {how} to booking {booking_id}'s conversation less than 10 minutes "
        f"ago. Nothing was sent. Check get_conversation_history for booking {booking_id}; only if "
        "the user explicitly wants it sent again, call again with allow_duplicate=true."
    )


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
        recipient = text(conversation.get("recipientName")) or text(reservation.get("guestName"))
        warnings: list[str] = []
        if chosen in ("sms", "whatsapp") and not text(reservation.get("phone")):
            warnings.append(f"The booking has no phone number; Hostaway may not be able to deliver by {chosen}.")
        if chosen == "email" and not (text(reservation.get("guestEmail")) or text(conversation.get("guestEmail"))):
            warnings.append("The booking has no guest email address; Hostaway may not be able to deliver it.")
        digest = audit.text_digest(body)
        previous = sent_recently(state, (conversation_id, digest))
        if previous is not None and not allow_duplicate:
            raise _duplicate_refusal(booking_id, previous)
        return MessagePlan(
            booking_id=booking_id,
            conversation_id=conversation_id,
            recipient_name=recipient,
            property_name=text(reservation.get("listingName")),
            arrival=parse_date(reservation.get("arrivalDate")),
            departure=parse_date(reservation.get("departureDate")),
            booking_channel=booking_channel,
            channel=chosen,
            delivery=_delivery(chosen, booking_channel, recipient),
            text=body,
            duplicate=previous is not None,
            warnings=warnings,
        )


async def _ask_message(
    ctx: Context, plan: Annotated[MessagePlan, Resolve(_plan_message)]
) -> ConfirmationForm | Elicit[ConfirmationForm]:
    return ask(ctx, plan.question())


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
            description="The exact text to send to the guest (1 to 5000 characters), in the guest's language.",
        ),
    ],
    channel: Annotated[
        ChannelChoice,
        Field(
            description="auto: the booking platform's thread for Airbnb/Vrbo/Booking.com bookings, email for "
            "direct ones. Or force email, sms, whatsapp, or channel (the platform thread)."
        ),
    ] = "auto",
    confirm: Annotated[
        bool,
        Field(description="true only after the user has seen the preview and explicitly agreed to send it."),
    ] = False,
    allow_duplicate: Annotated[
        bool,
        Field(
            description="true only if the user explicitly wants the same text sent again to the same guest "
            "within 10 minutes of an earlier send."
        ),
    ] = False,
) -> GuestMessageResult:
    """Send a message to a booking's guest, on the booking's platform thread or by email.

    The booking id comes from search_bookings or list_guest_inbox. A call without confirm=true sends
    nothing: it returns a preview (recipient, delivery route, full text). Show that preview to the
    user and call again with the same arguments and confirm=true only after the user explicitly
    agrees. Clients that can show a confirmation form ask the user directly and ignore confirm.
    If sending fails with "outcome unknown", check get_conversation_history before trying again.
    """
    verdict = decide(answer, confirm)
    if verdict.decision != "proceed":
        return _not_sent(state, plan, verdict)
    # Check the guard again and mark the text as in flight with no await in between, so an
    # identical call running in parallel (or answered while the form was open) is refused.
    earlier = state.recent_messages.get(plan.guard_key)
    previous = sent_recently(state, plan.guard_key)
    if previous is not None and not allow_duplicate:
        refusal = _duplicate_refusal(booking_id, previous)
        audit.record(state.settings, TOOL, "refused", detail=str(refusal), **plan.audit_fields())
        raise refusal
    remember(state, plan.guard_key, "unknown")
    try:
        created = await state.gateway.post(
            f"conversations/{plan.conversation_id}/messages",
            {"body": plan.text, "communicationType": plan.channel},
        )
    except (OutcomeUnknownError, UpstreamError) as exc:
        # The request left; Hostaway may have created the message. Never resend blindly: the
        # text stays marked "unknown", so a retry within the window hits the duplicate guard.
        audit.record(
            state.settings,
            TOOL,
            "unknown",
            detail=_cause(exc),
            confirmed_by=verdict.confirmed_by,
            **plan.audit_fields(),
        )
        raise ToolError(
            f"Outcome unknown: the message to booking {booking_id} may or may not have been sent "
            f"({_cause(exc)}); it was not retried. Check get_conversation_history for booking {booking_id} "
            "before trying again, and tell the user what you find."
        ) from None
    except HostawayError as exc:
        # Provably not sent (refused by Hostaway, or never left): release the in-flight mark.
        if earlier is None:
            state.recent_messages.pop(plan.guard_key, None)
        else:
            state.recent_messages[plan.guard_key] = earlier
        audit.record(
            state.settings,
            TOOL,
            "failed",
            detail=_cause(exc),
            confirmed_by=verdict.confirmed_by,
            **plan.audit_fields(),
        )
        raise ToolError(f"The message was NOT sent. {exc.message}") from None
    except BaseException:
        audit.record(
            state.settings,
            TOOL,
            "unknown",
            detail="internal error while sending",
            confirmed_by=verdict.confirmed_by,
            **plan.audit_fields(),
        )
        raise
    remember(state, plan.guard_key, "sent")
    sent = created.result if isinstance(created.result, dict) else {}
    message_id = whole(sent.get("id"))
    status = text(sent.get("status"))
    audit.record(
        state.settings,
        TOOL,
        "sent",
        message_id=message_id,
        message_status=status,
        confirmed_by=verdict.confirmed_by,
        **plan.audit_fields(),
    )
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
    return plan.result(
        "sent",
        message_id=message_id,
        sent_at=text(sent.get("insertedOn")) or text(sent.get("date")),
        message_status=status,
        confirmed_by=verdict.confirmed_by,
        extra_warnings=warnings,
        next_step=next_step,
    )


def _not_sent(state: AppState, plan: MessagePlan, verdict: Verdict) -> GuestMessageResult:
    audit.record(state.settings, TOOL, verdict.audit_outcome, response=verdict.response, **plan.audit_fields())
    if verdict.decision == "preview":
        again = ", allow_duplicate=true" if plan.duplicate else ""
        return plan.result(
            "preview",
            next_step="Nothing was sent. Show the user this preview (recipient, delivery route and the full "
            "text) and ask whether to send it. Only after the user explicitly agrees, call send_guest_message "
            f"again with the same arguments and confirm=true{again}. If the user wants changes, preview the "
            "new text first.",
        )
    status: Literal["declined", "cancelled"] = "cancelled" if verdict.decision == "cancelled" else "declined"
    return plan.result(status, next_step=not_done_text(verdict, "nothing was sent"))


def _cause(exc: HostawayError) -> str:
    status = getattr(exc, "status_code", None)
    return type(exc).__name__ + (f" HTTP {status}" if status else "")
