"""A booking's change log: what changed, from what to what, when, and which team member did it.

`GET /reservations/{id}/logs` (hostaway-api-2026.md §1.12) names the user behind a change by
**email** (`updatedByUserName`). People are named here by the names the account's user list
gives them (one `GET /users`), never by address; any email address inside a changed value is
withheld too, and door codes are withheld unless the operator shares access details.
"""

from __future__ import annotations

import re

from hostaway_mcp.domain import ident, text
from hostaway_mcp.errors import NotFoundError
from hostaway_mcp.gateway import JSONObject
from hostaway_mcp.models.history import BookingHistory, Change
from hostaway_mcp.privacy import ACCESS_MASK, RESERVATION_ACCESS_FIELDS, AccessGuard
from hostaway_mcp.tools._lookups import fetch_reservation
from hostaway_mcp.tools._runtime import AppState, State
from hostaway_mcp.tools._team import team
from hostaway_mcp.tools._validation import BookingId

MAX_CHANGES = 200
EMAIL_MASK = "[email address withheld]"
_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[A-Za-z]{2,}")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
AREAS = {"reservation": "booking", "financeStandardField": "finance field", "financeCustomFormula": "finance formula"}
ACCESS_FIELDS = frozenset(RESERVATION_ACCESS_FIELDS)
NO_USER = {"financeCustomFormula": "a finance formula (automatic)"}
CHANNEL_OR_SYSTEM = "the channel or Hostaway (no team member)"
WITHHELD_ACCESS = (
    f"Door codes and lock details in the log are shown as {ACCESS_MASK!r}; "
    "HOSTAWAY_SHARE_ACCESS_DETAILS=true shares them."
)
WITHHELD_EMAIL = (
    f"Email addresses in changed values are shown as {EMAIL_MASK!r}; get_guest_info has the guest's contact details."
)


async def _team_names(state: AppState) -> dict[int, str]:
    """User id -> "First Last" from the account's user list (never their email address)."""
    people = await team(state, with_groups=False)
    return {user_id: m.name for user_id, m in people.members.items() if m.name != f"user {user_id}"}


def _who(entry: JSONObject, names: dict[int, str]) -> str:
    user_id = ident(entry.get("updatedByUserId"))
    if user_id is None:
        return NO_USER.get(str(entry.get("source")), CHANNEL_OR_SYSTEM)
    return names.get(user_id) or f"team member #{user_id} (no longer in the account's user list)"


def _label(entry: JSONObject) -> str:
    label = text(entry.get("updatedFieldLabel"))
    if label:
        return label
    field = text(entry.get("updatedField")) or "unknown field"
    return _CAMEL.sub(" ", field).lower()


class _Values:
    """Makes changed values safe to show, remembering what it withheld."""

    def __init__(self, share: bool, known: tuple[str, ...]) -> None:
        self.guard = AccessGuard(share, known)
        self.share = share
        self.access = False
        self.emails = False

    def __call__(self, field: str, value: object) -> str | None:
        shown = self.guard(value)
        if shown is None:
            return None
        if field in ACCESS_FIELDS and not self.share:
            self.access = True
            return ACCESS_MASK
        self.access = self.access or self.guard.withheld
        masked = _EMAIL.sub(EMAIL_MASK, shown)
        self.emails = self.emails or masked != shown
        return masked


async def get_booking_history(state: State, booking_id: BookingId) -> BookingHistory:
    """Show what changed on a booking, newest first: which field, from what to what, when and by whom.

    Use it for "who changed this booking?" or "what were the original dates?". The booking id
    comes from search_bookings. Team members are named; changes without one came from the channel
    or Hostaway itself.
    """
    gateway = state.gateway
    try:
        entries = (await gateway.get(f"reservations/{booking_id}/logs")).items
    except NotFoundError:
        entries = []
    if not entries:
        await fetch_reservation(gateway, booking_id)  # an unknown booking -> "not found: use search_bookings"
    names = await _team_names(state) if any(ident(e.get("updatedByUserId")) for e in entries) else {}
    known = tuple(
        str(e.get("newValue")) for e in entries if e.get("updatedField") in ACCESS_FIELDS and e.get("newValue")
    )
    values = _Values(state.settings.share_access_details, known)
    changes = []
    for entry in entries[:MAX_CHANGES]:
        field = str(entry.get("updatedField") or "")
        changes.append(
            Change(
                at=text(entry.get("insertedOn")) or text(entry.get("updatedOn")),
                field=_label(entry),
                area=AREAS.get(str(entry.get("source")), text(entry.get("source")) or "booking"),
                before=values(field, entry.get("previousValue")),
                after=values(field, entry.get("newValue")),
                by=_who(entry, names),
            )
        )
    withheld = [note for note, hit in ((WITHHELD_ACCESS, values.access), (WITHHELD_EMAIL, values.emails)) if hit]
    note = None
    if not entries:
        note = "No change has been recorded on this booking since it was created."
    elif len(entries) > MAX_CHANGES:
        note = f"The {MAX_CHANGES} most recent of {len(entries)} changes."
    return BookingHistory(
        booking_id=booking_id,
        changes=changes,
        total=len(entries),
        withheld=" ".join(withheld) or None,
        note=note,
    )
