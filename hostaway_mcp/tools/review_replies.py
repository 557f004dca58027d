"""Replying to a guest review: one public reply, checked first, confirmed by a person, posted at most once.

On the one write path (`tools/writes.py`, copied from `tools/messaging.py`):

- `_plan_reply` reads the review and refuses, before anyone is asked, whatever Hostaway would
  refuse (`reviews.reply_refusal`: not a published guest review, not Airbnb/Booking.com/Vrbo,
  already answered, a Booking.com score without words, Vrbo's window closed), with Hostaway's
  own reason. The plan holds the reply as it will appear publicly: Hostaway removes HTML tags.
- `ReviewReply` names the write by the review alone (`review:<id>`, one fingerprint for any
  text): a review takes one reply, so every attempt to answer it is the same write, and an
  attempt whose outcome is unknown is reconciled before any other reply is posted.
- Reconciliation re-reads the review: a reply on it means the earlier attempt (or someone) already
  answered: reported, nothing posted; no reply means it never arrived, and only then is the reply
  posted. The one exception to "already answered is refused" is exactly that case: a reply found
  on the review while an attempt of ours is unresolved goes on to be reconciled and reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from mcp.server.mcpserver import ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, StrictBool

from hostaway_mcp import audit, domain
from hostaway_mcp.errors import InvalidRequestError, NotFoundError, PermissionDeniedError
from hostaway_mcp.gateway import Envelope, HostawayGateway, JSONObject
from hostaway_mcp.ledger import Entry, LedgerError, WriteKey
from hostaway_mcp.models.reviews import ReviewReplyResult
from hostaway_mcp.privacy import free_text, guest_name, quoted_guest_name
from hostaway_mcp.tools._runtime import AppState, State
from hostaway_mcp.tools._validation import WholeId
from hostaway_mcp.tools.confirmation import ConfirmationForm, audited_planning
from hostaway_mcp.tools.reviews import (
    ALREADY_RESPONDED,
    INVALID,
    NO_WORDS,
    VRBO_EXPIRED,
    WRONG_CHANNEL,
    public_reply_text,
    reply_refusal,
    vrbo_reply_by,
)
from hostaway_mcp.tools.writes import Finding, Step, Unsent, WriteKind, WritePlan, asker, carry_out, screened

TOOL = "reply_to_review"
MAX_REPLY_CHARS = 5000
EXCERPT_CHARS = 240
ONE_REPLY = "one-reply"  # the fingerprint of every reply to a review: it takes one, whatever the words
EMPTY_RESPONSE = "Response must not be empty."
HOSTAWAY_REASONS = (
    ALREADY_RESPONDED,
    VRBO_EXPIRED,
    NO_WORDS,
    WRONG_CHANNEL,
    EMPTY_RESPONSE,
    "Review not found.",
    INVALID,
)
VRBO_SOON_DAYS = 3


def once_only(channel: str) -> str:
    return f"Public on {channel}, and a review takes one reply: it cannot be edited or sent again."


@dataclass(frozen=True, kw_only=True)
class ReplyPlan(WritePlan):
    """Exactly what would be posted where, built from a fresh read of the review."""

    review_id: int
    booking_id: int | None
    property_id: int | None
    property_name: str | None
    guest_name: str | None
    channel: str
    rating: float | None
    review_excerpt: str | None
    public_text: str
    html_removed: bool
    reply_by: date | None

    @property
    def digest(self) -> str:
        return audit.text_digest(self.public_text)

    def question(self) -> str:
        """The confirmation form: the exact public text, where it appears, and that it is final."""
        where = f" at {self.property_name}" if self.property_name else ""
        rated = f", rated {self.rating:g}/10" if self.rating is not None else ""
        booking = f" (booking {self.booking_id})" if self.booking_id is not None else ""
        lines = [
            f"Post this public reply to the {self.channel} review{booking}{where}{rated}?",
            f"Guest: {quoted_guest_name(self.guest_name)}",
            once_only(self.channel),
        ]
        if self.review_excerpt:
            lines.append(f"The guest's review (guest-written, not an instruction): \u201c{self.review_excerpt}\u201d")
        lines.extend(note if note.startswith("WARNING") else f"Note: {note}" for note in self.notes())
        lines += ["", "----- the reply as it will appear -----", self.public_text, "-----"]
        return "\n".join(lines)

    def audit_fields(self) -> dict[str, Any]:
        return {
            "review_id": self.review_id,
            "booking_id": self.booking_id,
            "channel": self.channel,
            "reply_chars": len(self.public_text),
            "reply_sha256": self.digest,
        }


def _key(review_id: int) -> WriteKey:
    return WriteKey(TOOL, f"review:{review_id}", ONE_REPLY)


class ReviewReply(WriteKind[ReplyPlan, ReviewReplyResult]):
    """The one public reply a review takes; a second is never a new write but the same one."""

    tool = TOOL
    repeats = "on_request"
    nothing = "nothing was posted"
    not_done = "The reply was NOT posted."

    def key(self, plan: ReplyPlan) -> WriteKey:
        return _key(plan.review_id)

    def target(self, plan: ReplyPlan) -> str:
        return self.key(plan).target

    def fingerprint(self, plan: ReplyPlan) -> str:
        return ONE_REPLY

    def what(self, plan: ReplyPlan) -> str:
        return f"the reply to review {plan.review_id}"

    def check_hint(self, plan: ReplyPlan) -> str:
        where = f"property_id={plan.property_id}" if plan.property_id is not None else "the property"
        return f"check review {plan.review_id} with list_reviews({where})"

    def duplicate_hint(self, plan: ReplyPlan) -> str:
        return "a review takes one public reply, so it is not posted again"

    async def send(self, gateway: HostawayGateway, plan: ReplyPlan) -> Envelope:
        try:
            return await gateway.post(f"reviews/{plan.review_id}/respond", {"revieweeResponse": plan.public_text})
        except (PermissionDeniedError, InvalidRequestError) as exc:
            # Hostaway refuses with 403 and its reason in `message`; say that reason, not "permissions".
            reason = next((r for r in HOSTAWAY_REASONS if r in exc.message), None)
            if reason is None:
                raise
            raise InvalidRequestError(f'Hostaway refused it: "{reason}"', status_code=exc.status_code) from None

    async def reconcile(self, gateway: HostawayGateway, plan: ReplyPlan, earlier: list[Entry]) -> Finding:
        """Re-read the review: a reply on it settles every earlier attempt (never post a second)."""
        review = (await gateway.get(f"reviews/{plan.review_id}")).object
        posted = free_text(review.get("revieweeResponse"))
        if posted is None:
            return Finding(False, "the review has no reply")
        same = public_reply_text(posted) == plan.public_text
        when = domain.text(review.get("updatedOn")) or "an unknown time"
        return Finding(
            True,
            f"the review has a reply ({'this text' if same else 'another text'}), updated {when} UTC",
            {"reply_sha256": audit.text_digest(public_reply_text(posted)), "same_text": same},
        )

    preview_note = "The user must see the public text, the channel, and that a review takes only one reply."

    def unsent(self, plan: ReplyPlan, step: Step, status: Unsent, next_step: str) -> ReviewReplyResult:
        return _result(plan, status, step, next_step=next_step)

    def found(self, plan: ReplyPlan, step: Step, finding: Finding) -> ReviewReplyResult:
        same = bool(finding.fields.get("same_text"))
        if same:
            found = "reached the review. Tell the user the review is answered."
        else:
            found = (
                "was followed by another reply. Tell the user the review is answered; to read it, "
                f"{self.check_hint(plan)}."
            )
        return _result(
            plan,
            "already_replied",
            step,
            posted_reply=plan.public_text if same else None,
            next_step=f"Nothing was posted: {finding.detail}. An earlier attempt whose outcome was unknown "
            f"{found} A review takes only one reply.",
        )

    def done(self, plan: ReplyPlan, step: Step, answer: Envelope) -> ReviewReplyResult:
        return _result(
            plan,
            "replied",
            step,
            next_step=f"Posted. Tell the user the reply is now public on {plan.channel}; it cannot be changed here.",
        )


KIND = ReviewReply()


def _result(plan: ReplyPlan, status: Any, step: Step, *, next_step: str, **extra: Any) -> ReviewReplyResult:
    return ReviewReplyResult(
        status=status,
        review_id=plan.review_id,
        booking_id=plan.booking_id,
        property_name=plan.property_name,
        guest_name=plan.guest_name,
        channel=plan.channel,
        rating=plan.rating,
        public_text=plan.public_text,
        characters=len(plan.public_text),
        html_removed=plan.html_removed,
        once_only=once_only(plan.channel),
        reply_by=plan.reply_by,
        confirmed_by=step.confirmed_by,
        warnings=[*plan.notes(), *step.warnings],
        next_step=next_step,
        **extra,
    )


async def _fetch_review(gateway: HostawayGateway, review_id: int) -> JSONObject:
    try:
        review = (await gateway.get(f"reviews/{review_id}")).result
    except NotFoundError:
        review = None
    if not isinstance(review, dict) or not review:
        raise ToolError(f"Review {review_id} not found: use list_reviews to find the review id. Nothing was posted.")
    return review


async def _unresolved_attempt(state: AppState, review_id: int) -> bool:
    """Whether an earlier reply to this review has an outcome nobody knows yet (it may be the one there)."""
    try:
        earlier = await state.ledger.history(_key(review_id), KIND.window_s)
    except LedgerError:
        return False
    return any(entry.outcome in ("attempt", "unknown") for entry in earlier)


def _excerpt(review: JSONObject) -> str | None:
    body = free_text(review.get("publicReview"))
    if body is None:
        return None
    flat = " ".join(body.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1].rstrip() + "…"


async def _plan_reply(state: State, review_id: int, text: str) -> ReplyPlan:
    public = public_reply_text(text)
    ids: dict[str, Any] = {
        "review_id": review_id,
        "reply_chars": len(public),
        "reply_sha256": audit.text_digest(public) if public else None,
    }
    with audited_planning(state.settings, TOOL, **ids):
        if not public:
            raise ToolError(
                "text has no words once HTML tags are removed (Hostaway removes them, and would refuse: "
                f'"{EMPTY_RESPONSE}"). Write the reply as plain text. Nothing was posted.'
            )
        review = await _fetch_review(state.gateway, review_id)
        today = state.now().date()
        refusal = reply_refusal(review, today)
        if refusal is not None and not (
            domain.text(review.get("revieweeResponse")) and await _unresolved_attempt(state, review_id)
        ):
            raise ToolError(f"Refused before anything was sent: {refusal} Nothing was posted.")
        channel = domain.channel_name(domain.ident(review.get("channelId")))
        deadline = vrbo_reply_by(review)
        warnings = []
        if deadline is not None and deadline - today <= timedelta(days=VRBO_SOON_DAYS):
            warnings.append(f"Vrbo accepts a reply to this review only until {deadline.isoformat()}.")
        if public != text.strip():
            warnings.append("HTML tags were removed from the text, as Hostaway does: the public text is shown as is.")
        plan = ReplyPlan(
            review_id=review_id,
            booking_id=domain.ident(review.get("reservationId")),
            property_id=domain.ident(review.get("listingMapId")),
            property_name=domain.text(review.get("listingName")),
            guest_name=guest_name(review.get("guestName")),
            channel=channel,
            rating=domain.number(review.get("rating")),
            review_excerpt=_excerpt(review),
            public_text=public,
            html_removed=public != text.strip(),
            reply_by=deadline,
            warnings=warnings,
        )
        return await screened(state, KIND, plan)


_ask_reply = asker(_plan_reply)


async def reply_to_review(
    state: State,
    plan: Annotated[ReplyPlan, Resolve(_plan_reply)],
    answer: Annotated[ElicitationResult[ConfirmationForm], Resolve(_ask_reply)],
    review_id: Annotated[WholeId, Field(description="From list_reviews.")],
    text: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_REPLY_CHARS,
            description="The public reply, plain text in the review's language; HTML tags are removed.",
        ),
    ],
    confirm: Annotated[
        StrictBool,
        Field(description="true only after the user agreed to the preview."),
    ] = False,
) -> ReviewReplyResult:
    """Post the host's public reply to a guest review (Airbnb, Booking.com, Vrbo); a review takes one reply.

    A review Hostaway would not accept a reply for (can_reply in list_reviews) is refused with its
    reason. The preview shows the exact public text. After "outcome unknown", calling again is
    safe: the review is checked first.
    """
    return await carry_out(state, KIND, plan, answer, confirm)
