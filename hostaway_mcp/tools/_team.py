"""The account's people, named: users from `GET /users`, groups from `GET /userGroups`.

Tasks name their assignee (`assigneeUserId`), their supervisor and the group that may pick them up
(`canBePickedByGroupId`) by id only; the booking logs name people by id and email. The team is
read once (users, and groups when names of groups are needed: two calls side by side) and kept
for `TEAM_TTL_S`, like the property directory. A person is shown by name, never by email: the email is
kept only for a result that explicitly asks for it, and for matching an assignee the model names
by email. Disabled users are kept (old tasks still name them) but never offered for new work.
"""

from __future__ import annotations

from dataclasses import dataclass

from hostaway_mcp.domain import flag, ident, text
from hostaway_mcp.gateway import JSONObject
from hostaway_mcp.paging import together
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


async def team(state: AppState, *, with_groups: bool = True) -> Team:
    """The account's people (one `GET /users`) and, `with_groups`, their groups (`GET /userGroups`,
    read side by side); each list is kept for `TEAM_TTL_S`."""
    if with_groups:
        users, groups = await together(lambda: _listed(state, "users"), lambda: _listed(state, "userGroups"))
    else:
        users, groups = await _listed(state, "users"), []
    group_names: dict[int, str] = {}
    for raw in groups:
        group_id, name = ident(raw.get("id")), text(raw.get("name"))
        if group_id is not None and name:
            group_names[group_id] = name
    members: dict[int, Member] = {}
    for user in users:
        user_id = ident(user.get("id"))
        if user_id is None:
            continue
        parts = [text(user.get("firstName")), text(user.get("lastName"))]
        name = " ".join(part for part in parts if part)
        if not name or "@" in name:  # an address typed as a name is still an address: not shown
            name = f"user {user_id}"
        group_id = ident(user.get("userGroupId"))
        group = (group_names.get(group_id) if group_id is not None else None) or text(user.get("userGroupName"))
        if group_id is not None and group:
            group_names.setdefault(group_id, group)
        disabled = flag(user.get("isDisabledByAccount")) or flag(user.get("isDisabledByHostaway"))
        members[user_id] = Member(user_id, name, group_id, group, text(user.get("email")), not disabled)
    return Team(members, group_names)


async def _listed(state: AppState, path: str) -> list[JSONObject]:
    key = f"{TEAM_KEY}:{path}"
    cached = state.extras.get(key)
    if isinstance(cached, tuple) and state.monotonic() - cached[1] < TEAM_TTL_S:
        return list(cached[0])
    items = (await state.gateway.get(path)).items
    state.extras[key] = (items, state.monotonic())
    return items
