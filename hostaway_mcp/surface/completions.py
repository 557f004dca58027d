"""Completions: the values a client can offer while a person fills in a prompt or the property URI.

    reply_to_guest(booking_id)                 recent bookings, latest activity first
    weekly_performance_review(week_start)      Mondays: this week's and the seven before (or a typed month's)
    hostaway://properties/{property_id}        the account's properties, by name

A value is offered when it starts with what was typed or, for ids, when a word of what the id
names does: "sea" offers the ids of "Seaside Loft", and of bookings of it or by a guest called
"Sean". Only ids are sent back, never the names or guests they matched.

Completions are asked for on every keystroke, so each answer costs at most one request to
Hostaway: property names come from the name directory the tools share (`_directory.py`), else
one listings page that then becomes the directory; recent bookings from one page, kept for
`RECENT_TTL_S`. Week starts cost nothing. A Hostaway failure offers nothing rather than an error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Any

from mcp.server import MCPServer
from mcp.types import Completion, CompletionArgument, CompletionContext, PromptReference, ResourceTemplateReference

from hostaway_mcp.domain import ident, text
from hostaway_mcp.errors import HostawayError
from hostaway_mcp.surface.request_state import bind_request_state, current_state
from hostaway_mcp.tools._directory import names_in_one_request
from hostaway_mcp.tools._runtime import AppState

logger = logging.getLogger(__name__)

PROPERTY_TEMPLATE = "hostaway://properties/{property_id}"
MAX_VALUES = 100  # the protocol's limit for one answer
RECENT_BOOKINGS = 100  # one page of the most recently active bookings
RECENT_TTL_S = 60.0
RECENT_KEY = "recent_bookings"
WEEKS_OFFERED = 8
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Recent:
    bookings: tuple[tuple[int, str], ...]  # (id, what names it: guest and property), latest activity first
    read_at: float


def register_completions(server: MCPServer[AppState], prompts: Set[str]) -> None:
    """Answer `completion/complete` for the arguments above (`prompts`: the prompts offered)."""
    bind_request_state(server)

    async def complete(
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion | None:
        state = current_state()
        if state is None:  # pragma: no cover - a wiring bug: the middleware binds every completion
            return None
        found = await _values(state, ref, argument.name, argument.value.strip(), prompts)
        if found is None:
            return None
        values, every = found
        total = len(values) if every else None  # None: more may exist than were looked at
        return Completion(values=values[:MAX_VALUES], total=total, has_more=len(values) > MAX_VALUES or not every)

    server.completion()(complete)  # type: ignore[no-untyped-call]  # the SDK's decorator is untyped


async def _values(
    state: AppState, ref: PromptReference | ResourceTemplateReference, name: str, typed: str, prompts: Set[str]
) -> tuple[list[str], bool] | None:
    """The values for one argument, best first, and whether every candidate was looked at; None
    for an argument we offer nothing for."""
    try:
        if isinstance(ref, ResourceTemplateReference):
            if ref.uri == PROPERTY_TEMPLATE and name == "property_id":
                return await property_ids(state, typed)
            return None
        if ref.name not in prompts:
            return None
        if (ref.name, name) == ("reply_to_guest", "booking_id"):
            return await booking_ids(state, typed), True
        if (ref.name, name) == ("weekly_performance_review", "week_start"):
            return week_starts(state.now().astimezone(UTC).date(), typed), True
    except HostawayError as exc:
        logger.warning("no completions for %s: %s", name, exc.message)
        return [], True
    return None


async def property_ids(state: AppState, typed: str) -> tuple[list[str], bool]:
    """Ids of the properties whose id or name matches, ordered by name; and whether those were
    every property (an account past one page of listings offers its first page's)."""
    names, every = await names_in_one_request(state)
    ordered = sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))
    return _matching(((listing_id, name) for listing_id, name in ordered), typed), every


async def booking_ids(state: AppState, typed: str) -> list[str]:
    """Ids of recently active bookings whose id, guest or property matches, latest activity first."""
    recent = state.extras.get(RECENT_KEY)
    if not (isinstance(recent, _Recent) and state.monotonic() - recent.read_at < RECENT_TTL_S):
        page = await state.gateway.get(
            "reservations", {"limit": RECENT_BOOKINGS, "offset": 0, "sortOrder": "latestActivityDesc"}
        )
        recent = _Recent(tuple(_bookings_of(page.items)), state.monotonic())
        state.extras[RECENT_KEY] = recent
    return _matching(recent.bookings, typed)


def week_starts(today: date, typed: str) -> list[str]:
    """This week's Monday and the ones before it, newest first; every Monday of a typed month."""
    month = _MONTH.match(typed)
    if month is not None and 1 <= int(month.group(2)) <= 12:
        first = date(int(month.group(1)), int(month.group(2)), 1)
        monday = first + timedelta(days=-first.weekday() % 7)
        days = [monday + timedelta(weeks=n) for n in range(5) if (monday + timedelta(weeks=n)).month == first.month]
    else:
        this_monday = today - timedelta(days=today.weekday())
        days = [this_monday - timedelta(weeks=n) for n in range(WEEKS_OFFERED)]
    return [day.isoformat() for day in days if day.isoformat().startswith(typed)]


def _bookings_of(reservations: Iterable[dict[str, Any]]) -> Iterable[tuple[int, str]]:
    seen: set[int] = set()
    for reservation in reservations:
        booking_id = ident(reservation.get("id"))
        if booking_id is None or booking_id in seen:
            continue
        seen.add(booking_id)
        named = " ".join(filter(None, (text(reservation.get("guestName")), text(reservation.get("listingName")))))
        yield booking_id, named


def _matching(candidates: Iterable[tuple[int, str]], typed: str) -> list[str]:
    """Ids that start with `typed`, or whose words (any of them) start with it, case ignored."""
    wanted = typed.casefold()
    found: list[str] = []
    for candidate_id, named in candidates:
        value = str(candidate_id)
        if value.startswith(typed) or (
            wanted and any(word.startswith(wanted) for word in _WORD.findall(named.casefold()))
        ):
            found.append(value)
    return found
