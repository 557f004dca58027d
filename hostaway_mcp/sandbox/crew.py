"""The field team who do the tasks (cleaners, maintenance, guest hosts), and every user's group.

`team.py` makes the office team (the people the reservation logs name); this adds the crew the
task board needs, sized to the portfolio: a cleaner per ~6 listings (at least two), maintenance per
~20, a guest host per ~15, each covering a share of the listings (whom the task generator
assigns). Crew users have the documented user shape ([D:_user_retrieveList]: every permission
flag as 0/1, `userGroupId`/`userGroupName`), emails on the same planted domain as the office's,
and the groups (`GET /userGroups`, [D:_group_retrieveList]) are those of all users.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from hostaway_mcp.sandbox import feedback_catalog as texts
from hostaway_mcp.sandbox.rand import digits

JsonDict = dict[str, Any]

PERMISSION_FLAGS = (
    "createListing", "readListing", "updateListing", "deleteListing", "createReservation", "readReservation",
    "updateReservation", "deleteReservation", "readCalendar", "updateCalendar", "readBookingEngine",
    "updateBookingEngine", "readRevenueManagement", "readChannelManager", "updateChannelManager", "createTask",
    "readTask", "updateTask", "deleteTask", "createAutomation", "readAutomation", "updateAutomation",
    "deleteAutomation", "readMessage", "updateMessage", "updateIntegration", "createGuestInvoicing",
    "readGuestInvoicing", "updateGuestInvoicing", "deleteGuestInvoicing", "receiveReservationNotificationEmail",
    "hasAccessToNewListings", "createReview", "readReview", "updateReview", "deleteReview", "createOwnerStatement",
    "readOwnerStatement", "updateOwnerStatement", "deleteOwnerStatement", "createGuestbook", "readGuestbook",
    "updateGuestbook", "deleteGuestbook", "isAdmin", "accessFinancialData", "accessContactData", "readAnalytics",
    "readListingsFinancials", "readOccupancyReport",
)  # fmt: skip
_USER_ONLY_FLAGS = ("isDisabledByHostaway", "isDisabledByAccount", "accessGuestNotes", "accessTagManagement")
CLEANING = "Cleaning crew"
MAINTENANCE = "Maintenance"
GUEST_HOSTS = "Guest experience"
OFFICE_GROUPS = frozenset(member.group for member in texts.TEAM)


@dataclass(frozen=True)
class Role:
    group: str
    description: str
    title: str
    permissions: frozenset[str]


ROLES = (
    Role(CLEANING, "Turnover cleans and laundry", "Housekeeper", frozenset({"readTask", "updateTask", "readCalendar"})),
    Role(MAINTENANCE, "Repairs and inspections", "Technician", frozenset({"readTask", "updateTask", "createTask"})),
    Role(GUEST_HOSTS, "Check-ins", "Guest host", frozenset({"readTask", "updateTask", "readReservation"})),
)
_FIRST = ("Maria", "João", "Ana", "Lukas", "Kai", "Leilani", "Ines", "Tomás", "Grace", "Mateo", "Aroha", "Elif")
_LAST = ("Silva", "Costa", "Weber", "Ruiz", "Kealoha", "Ngata", "Ferreira", "Novak", "Lopes", "Tane", "Moreau")


@dataclass(frozen=True)
class Crew:
    """The crew added to the office team, every group, and who covers which listings."""

    users: list[JsonDict]
    groups: list[JsonDict]
    cleaners: list[int]
    maintenance: list[int]
    hosts: list[int]
    manager: int  # the office user who creates and supervises tasks
    coverage: dict[int, list[int]]  # user id -> listing ids they work on (office users: every listing)

    def group_id(self, name: str) -> int:
        return next(int(g["id"]) for g in self.groups if g["name"] == name)


def office_users(users: list[JsonDict]) -> list[JsonDict]:
    """The office team among all users (the people who edit bookings in the reservation logs)."""
    return [user for user in users if user["userGroupName"] in OFFICE_GROUPS]


def generate_crew(seed: int, account_id: int, office: list[JsonDict], listing_ids: list[int]) -> Crew:
    rng = random.Random(f"{seed}:crew")
    count = len(listing_ids)
    sizes = {
        CLEANING: max(2, min(24, round(count / 6))),
        MAINTENANCE: max(1, min(8, round(count / 20))),
        GUEST_HOSTS: max(1, min(8, round(count / 15))),
    }
    groups = [_group(account_id, u["userGroupId"], u["userGroupName"], "", frozenset()) for u in office]
    next_group = max((u["userGroupId"] for u in office), default=1_000) + 1
    group_ids: dict[str, int] = {}
    for role in ROLES:
        group_ids[role.group] = next_group
        groups.append(_group(account_id, next_group, role.group, role.description, role.permissions))
        next_group += rng.randint(1, 50)
    users: list[JsonDict] = []
    by_group: dict[str, list[int]] = {}
    names = {(u["firstName"], u["lastName"]) for u in office}
    user_id = max((u["id"] for u in office), default=200_000) + 1_000
    for role in ROLES:
        for _ in range(sizes[role.group]):
            user_id += rng.randint(1, 40)
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            while (first, last) in names:
                first, last = rng.choice(_FIRST), f"{rng.choice(_LAST)}-{rng.choice(_LAST)}"
            names.add((first, last))
            users.append(_user(rng, account_id, user_id, first, last, role, group_ids[role.group]))
            by_group.setdefault(role.group, []).append(user_id)
    coverage: dict[int, list[int]] = {user["id"]: list(listing_ids) for user in office}
    for role in ROLES:
        crew = by_group[role.group]
        for member in crew:
            coverage[member] = []
        for index, listing_id in enumerate(listing_ids):
            coverage[crew[index % len(crew)]].append(listing_id)
    manager = next((u["id"] for u in office if u["userGroupName"] == "Operations"), office[0]["id"] if office else 0)
    return Crew(
        users=users,
        groups=groups,
        cleaners=by_group[CLEANING],
        maintenance=by_group[MAINTENANCE],
        hosts=by_group[GUEST_HOSTS],
        manager=manager,
        coverage=coverage,
    )


def _group(account_id: int, group_id: int, name: str, description: str, permissions: frozenset[str]) -> JsonDict:
    everything = name == "Admins"
    flags = {flag: 1 if everything or flag in permissions else 0 for flag in PERMISSION_FLAGS}
    return {"id": group_id, "accountId": account_id, "name": name, "description": description, **flags}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z-]", "", text.lower().translate(str.maketrans("ãáéíóúç", "aaeiouc")))


def _user(
    rng: random.Random, account_id: int, user_id: int, first: str, last: str, role: Role, group_id: int
) -> JsonDict:
    return {
        "id": user_id,
        "accountId": account_id,
        "userGroupId": group_id,
        "userGroupName": role.group,
        "email": f"{_slug(first)}.{_slug(last)}@{texts.TEAM_EMAIL_DOMAIN}",
        "icalKey": None,
        "passwordUpdatedOn": None,
        "verificationCode": "",
        "secondEmail": "",
        "firstName": first,
        "lastName": last,
        "title": role.title,
        "country": "",
        "city": "",
        "phone": f"+1555{digits(rng, 7)}",
        "emergencyPhone": "",
        "preferredContactMethod": rng.choice(("phone", "email", "sms")),
        "noteBeforeContact": "",
        "address": "",
        "postalCode": "",
        "profilePictureUrl": "",
        "timezone": "UTC",
        **{flag: 1 if flag in role.permissions else 0 for flag in PERMISSION_FLAGS},
        **dict.fromkeys(_USER_ONLY_FLAGS, 0),
        "lastLoginOn": None,
        "listingMapIds": None,
    }
