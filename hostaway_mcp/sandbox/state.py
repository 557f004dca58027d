"""One sandbox's live account: lookups over the generated data and the writes the API allows.

Writes are the ones the tools make: a message posted to a conversation, calendar changes
(delegated to CalendarBook), a host reply to a review, task changes (TaskBook), guest charges
(ChargeBook), expenses (ExpenseBook), and reservations created, changed or cancelled
(`bookings.py`, which keeps the indexes here current). Owner statements are drawn up from the account when read
(OwnerStatementsApi). Everything else about the account is read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox.account import Account, JsonDict
from hostaway_mcp.sandbox.calendar import CalendarBook
from hostaway_mcp.sandbox.conversations import build_message, refresh_conversation
from hostaway_mcp.sandbox.coupons import CouponBook
from hostaway_mcp.sandbox.crew import office_users
from hostaway_mcp.sandbox.expenses import ExpenseBook
from hostaway_mcp.sandbox.finance import finance_fields
from hostaway_mcp.sandbox.guest_payments import ChargeBook
from hostaway_mcp.sandbox.owner_statements import OwnerStatementsApi
from hostaway_mcp.sandbox.rand import fmt_datetime
from hostaway_mcp.sandbox.reviews import respond_refusal, strip_tags
from hostaway_mcp.sandbox.task_book import TaskBook
from hostaway_mcp.sandbox.team import ChangeLog
from hostaway_mcp.sandbox.wire import ApiError

COMMUNICATION_TYPES = ("email", "channel", "sms", "whatsapp")
_CHANNEL_UNAVAILABLE = "Channel messaging is not available for this reservation's channel."


class AccountState:
    """Indexes plus mutations for one sandbox; callers hold the sandbox lock."""

    def __init__(self, account: Account, now: Callable[[], datetime]) -> None:
        self.account = account
        self.now = now
        self.listings_by_id = {listing["id"]: listing for listing in account.listings}
        self.reservations_by_id = {r["id"]: r for r in account.reservations}
        self.conversations_by_id = {c["id"]: c for c in account.conversations}
        self.conversations_by_reservation: dict[int, list[JsonDict]] = {}
        for conversation in account.conversations:
            self.conversations_by_reservation.setdefault(conversation["reservationId"], []).append(conversation)
        self.calendar = CalendarBook(account.pricing, account.reservations, account.owner_blocks)
        self.reviews_by_id = {review["id"]: review for review in account.reviews}
        # The office team edits bookings; the crew (crew.py) only does tasks.
        self.change_log = ChangeLog(account.seed, office_users(account.users), account.former_user_id)
        self.tasks = TaskBook(
            account.tasks,
            self.listings_by_id,
            self.reservations_by_id,
            {user["id"] for user in account.users},
            {group["id"] for group in account.user_groups},
            now,
        )
        self.charges = ChargeBook(account.charges, self.reservations_by_id, now)
        self.owner_statements = OwnerStatementsApi(
            account.owner_statements, account.reservations, account.money, self.listings_by_id, account.expenses
        )
        self.expenses = ExpenseBook(
            account.account_id,
            account.expenses,
            account.expense_categories,
            self.listings_by_id,
            self.reservations_by_id,
            self.owner_statements.names,
            now,
        )
        self.coupons = CouponBook(account.account_id, account.today, account.generated_at)
        # The finance fields of bookings made or repriced through the API, exactly as they were sent.
        self.finance: dict[int, list[JsonDict]] = {}
        self._last_message_id = max(
            (m["id"] for thread in account.messages.values() for m in thread), default=280_000_000
        )

    def conversation_of(self, reservation_id: int) -> JsonDict | None:
        conversations = self.conversations_by_reservation.get(reservation_id)
        return conversations[0] if conversations else None

    def finance_of(self, reservation: JsonDict) -> list[JsonDict]:
        """A booking's finance fields: as last written through the API, else derived from its money."""
        written = self.finance.get(reservation["id"])
        if written is not None:
            return written
        return finance_fields(reservation, self.account.money.get(reservation["id"]))

    def post_message(self, conversation: JsonDict, body: str, communication_type: str) -> JsonDict:
        """Append an outgoing message as Hostaway would, and return the created object.

        A `channel` message on a direct booking has no OTA thread to go to: it is stored with
        status "failed" (the real failure mode is UNCONFIRMED, but a silent success would hide a
        tool that picked the wrong channel).
        """
        reservation = conversation["Reservation"]
        self._last_message_id += 1
        message_id = self._last_message_id
        moment = self.now().replace(microsecond=0)
        no_thread = communication_type == "channel" and reservation["channelId"] not in catalog.OTA_CHANNELS
        message = build_message(
            account_id=self.account.account_id,
            reservation=reservation,
            time_zone=self.listings_by_id[reservation["listingMapId"]]["timeZoneName"],
            conversation_id=conversation["id"],
            message_id=message_id,
            body=body,
            incoming=False,
            status="failed" if no_thread else "sent",
            moment=moment,
            inserted_at=moment,
            communication_type=communication_type,
            thread_message_id=str(10**10 + message_id),
        )
        if no_thread:
            message["reasonFailed"] = message["readableReasonFailed"] = _CHANNEL_UNAVAILABLE
        thread = self.account.messages.setdefault(conversation["id"], [])
        thread.append(message)
        if not no_thread:
            conversation["hasUnreadMessages"] = 0
        refresh_conversation(conversation, thread)
        return message

    def respond_to_review(self, review: JsonDict, response: str) -> JsonDict:
        """Store the host's one reply (HTML stripped) or refuse with Hostaway's 403 and reason."""
        refusal = respond_refusal(review, response, self.now())
        if refusal is not None:
            raise ApiError(403, refusal, field="message")
        review["revieweeResponse"] = strip_tags(response)
        review["updatedOn"] = fmt_datetime(self.now().replace(microsecond=0))
        return review
