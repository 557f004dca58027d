"""The account's team (`GET /users`) and each booking's change log (`GET /reservations/{id}/logs`).

Log entries follow `_reservation_retrieveReservationLogs.md`: one field change each, values
stringified ("" when the field was unset), newest first, `source` one of `reservation`,
`financeStandardField` or `financeCustomFormula`, and `updatedByUserName` the **email** of the
user who made the change (null for channel, system and formula changes). One change in the demo
comes from a user who has since left the team, so `GET /users` no longer knows them.

What the log says agrees with the booking: a modified booking shows its date change (from
`previousArrivalDate`), a cancelled one its status change at `cancellationDate`, a booking with a
door code shows the code being set (an access detail tools must withhold), and some direct
bookings show the guest's email or the payment status being edited by the team.

Logs are derived on request from (seed, booking), not stored: a large account has tens of
thousands of bookings and nothing ever writes to a log, so holding them would only cost memory.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox import feedback_catalog as texts
from hostaway_mcp.sandbox.rand import fmt_datetime, parse_datetime

JsonDict = dict[str, Any]
LABELS = {
    "status": "Status",
    "arrivalDate": "Check-in date",
    "departureDate": "Check-out date",
    "numberOfGuests": "Number of guests",
    "doorCode": "Door code",
    "paymentStatus": "Payment status",
    "hostNote": "Host note",
    "guestEmail": "Guest email",
    "cleaningFee": "Cleaning fee",
    "baseRate": "Base rate",
    "ownerPayout": None,  # a custom formula without a dashboard label
}
_SOURCES = {
    "cleaningFee": "financeStandardField",
    "baseRate": "financeStandardField",
    "ownerPayout": "financeCustomFormula",
}
Who = tuple[int, str] | None  # (user id, email) of a team member; None for channel and system changes


def _email(member: texts.TeamMember) -> str:
    return f"{member.first_name.lower()}.{member.last_name.lower()}@{texts.TEAM_EMAIL_DOMAIN}"


def generate_users(seed: int, account_id: int) -> tuple[list[JsonDict], int]:
    """The team as `GET /users` lists it, and the id of the former member it no longer lists."""
    rng = random.Random(f"{seed}:users")
    user_id = rng.randint(100_000, 200_000)
    users = []
    for member in texts.TEAM:
        user_id += rng.randint(1, 400)
        users.append(
            {
                "id": user_id,
                "accountId": account_id,
                "userGroupId": rng.randint(1_000, 9_999),
                "userGroupName": member.group,
                "email": _email(member),
                "secondEmail": "",
                "firstName": member.first_name,
                "lastName": member.last_name,
                "title": member.title,
                "country": "",
                "city": "",
                "phone": "+351 91" + "".join(rng.choices("0123456789", k=7)),
                "preferredContactMethod": "email",
                "profilePictureUrl": "",
                "timezone": "Europe/Lisbon",
                "isAdmin": member.is_admin,
                "isDisabledByHostaway": 0,
                "isDisabledByAccount": 0,
                "readReservation": 1,
                "updateReservation": 1,
                "readMessage": 1,
                "updateMessage": 1,
                "readReview": 1,
                "updateReview": 1,
                "accessFinancialData": member.is_admin or int(member.group == "Finance"),
            }
        )
    return users, user_id + rng.randint(1, 400)


class ChangeLog:
    """Builds the log of any booking on request; pure in (seed, booking, team)."""

    def __init__(self, seed: int, users: list[JsonDict], former_user_id: int) -> None:
        self._seed = seed
        self._team = [(u["id"], u["email"]) for u in users]
        self._former = (former_user_id, _email(texts.FORMER_MEMBER))

    def entries(self, reservation: JsonDict, now: datetime) -> list[JsonDict]:
        rng = random.Random(f"{self._seed}:logs:{reservation['id']}")
        booked = parse_datetime(reservation["reservationDate"])
        updated = parse_datetime(reservation["updatedOn"])
        ceiling = min(now - timedelta(minutes=5), max(updated, booked + timedelta(minutes=10)))
        direct = reservation["channelId"] not in catalog.OTA_CHANNELS
        changes: list[tuple[datetime, str, str, str, str, Who]] = []

        def staff() -> Who:
            return self._former if rng.random() < 0.15 else rng.choice(self._team)

        def change(field: str, previous: Any, new: Any, who: Who, at: datetime | None = None) -> None:
            if at is None:
                span = max((ceiling - booked).total_seconds(), 1.0)
                at = booked + timedelta(seconds=round(span * rng.random()))
            source = _SOURCES.get(field, "reservation")
            changes.append((at, source, field, "" if previous is None else str(previous), str(new), who))

        if reservation["doorCode"]:
            change("doorCode", "", reservation["doorCode"], None, booked + timedelta(minutes=rng.randint(2, 30)))
        if reservation["previousArrivalDate"]:
            who = staff() if direct else None
            moved = booked + timedelta(seconds=round(max((ceiling - booked).total_seconds(), 1.0) * rng.random()))
            change("arrivalDate", reservation["previousArrivalDate"], reservation["arrivalDate"], who, moved)
            change("departureDate", reservation["previousDepartureDate"], reservation["departureDate"], who, moved)
        if reservation["status"] == "modified":
            change("status", "new", "modified", staff() if direct else None)
        if reservation["status"] == "cancelled" and reservation["cancellationDate"]:
            by_team = direct and reservation["cancelledBy"] == "host"
            cancelled = parse_datetime(reservation["cancellationDate"])
            change("status", "new", "cancelled", staff() if by_team else None, cancelled)
        if direct and reservation["paymentStatus"] == "Paid" and rng.random() < 0.6:
            change("paymentStatus", "Unpaid", "Paid", staff())
        if direct and reservation["guestEmail"] and rng.random() < 0.3:
            change("guestEmail", "", reservation["guestEmail"], staff())
        if reservation["hostNote"]:
            change("hostNote", "", reservation["hostNote"], staff())
        guests = reservation["numberOfGuests"]
        if direct and guests > 1 and rng.random() < 0.25:
            change("numberOfGuests", guests - 1, guests, staff())
        fee = reservation["cleaningFee"]
        if fee and rng.random() < 0.2:
            change("cleaningFee", f"{max(fee - rng.choice((10, 15, 20)), 0):.2f}", f"{fee:.2f}", staff())
        if reservation["totalPrice"] and rng.random() < 0.15:
            change("ownerPayout", "", f"{reservation['totalPrice'] * 0.8:.2f}", None)

        entries = []
        for index, (at, source, field, previous, new, who) in enumerate(changes):
            stamp = fmt_datetime(min(at, ceiling))
            entries.append(
                {
                    "id": reservation["id"] * 16 + index,
                    "reservationId": reservation["id"],
                    "listingMapId": reservation["listingMapId"],
                    "channelId": reservation["channelId"],
                    "source": source,
                    "updatedField": field,
                    "updatedFieldLabel": LABELS[field],
                    "previousValue": previous,
                    "newValue": new,
                    "updatedByUserId": who[0] if who else None,
                    "updatedByUserName": who[1] if who else None,
                    "insertedOn": stamp,
                    "updatedOn": stamp,
                }
            )
        entries.sort(key=lambda e: (e["insertedOn"], e["id"]), reverse=True)
        return entries
