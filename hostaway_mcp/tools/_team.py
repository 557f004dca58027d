"""The account's people, named: users from `GET /users`, groups from `GET /userGroups`.

Tasks name their assignee (`assigneeUserId`), their supervisor and the group that may pick them up
(`canBePickedByGroupId`) by id only. The team is read once (two calls, side by side) and kept for
`TEAM_TTL_S`, like the property directory. A person is shown by name, never by email: the email is
kept only for a result that explicitly asks for it, and for matching an assignee the model names
by email. Disabled users are kept (old tasks still name them) but never offered for new work.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from hostaway_mcp.domain import flag, ident, text
from hostaway_mcp.tools._directory import NAME_TTL_S
from hostaway_mcp.tools._runtime import AppState

TEAM_TTL_S = NAME_TTL_S
TEAM_KEY = "team_directory"


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str
    group_id: int | None
    group: str | None  # the group's name
    email: str | None
    active: bool


@dataclass(frozen=True)
class Team:
    members: dict[int, Member]
    groups: dict[int, str]

    def name_of(self, user_id: int | None) -> str | None:
        """A user's name; "user <id>" when the account no longer lists them."""
        if user_id is None:
            return None
        member = self.members.get(user_id)
        return member.name if member is not None else f"user {user_id}"

    def group_name(self, group_id: int | None) -> str | None:
        if group_id is None:
            return None
        return self.groups.get(group_id) or f"group {group_id}"

    def find(self, words: str) -> list[Member]:
        """Members matching an id, an email, or part of a name (case-insensitive)."""
        needle = " ".join(words.lower().split())
        if needle.isdigit():
            member = self.members.get(int(needle))
            return [member] if member is not None else []
        by_email = [m for m in self.members.values() if m.email and m.email.lower() == needle]
        return by_email or [m for m in self.members.values() if needle in m.name.lower()]


async def team(state: AppState) -> Team:
    cached = state.extras.get(TEAM_KEY)
    if isinstance(cached, tuple) and isinstance(cached[0], Team) and state.monotonic() - cached[1] < TEAM_TTL_S:
        return cached[0]
    users, groups = await asyncio.gather(state.gateway.get("users"), state.gateway.get("userGroups"))
    group_names: dict[int, str] = {}
    for raw in groups.items:
        group_id, name = ident(raw.get("id")), text(raw.get("name"))
        if group_id is not None and name:
            group_names[group_id] = name
    members: dict[int, Member] = {}
    for user in users.items:
        user_id = ident(user.get("id"))
        if user_id is None:
            continue
        names = [text(user.get("firstName")), text(user.get("lastName"))]
        name = " ".join(part for part in names if part) or f"user {user_id}"
        group_id = ident(user.get("userGroupId"))
        group = (group_names.get(group_id) if group_id is not None else None) or text(user.get("userGroupName"))
        if group_id is not None and group:
            group_names.setdefault(group_id, group)
        disabled = flag(user.get("isDisabledByAccount")) or flag(user.get("isDisabledByHostaway"))
        members[user_id] = Member(user_id, name, group_id, group, text(user.get("email")), not disabled)
    found = Team(members, group_names)
    state.extras[TEAM_KEY] = (found, state.monotonic())
    return found
