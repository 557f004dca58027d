"""Hostaway tasks in plain words, and reading them page by page.

Used by `list_tasks`, the operations view and the task writes:

- categories (`categoriesMap` ids 1-6) and statuses (`pending, confirmed, inProgress, completed,
  cancelled`) in the words a manager uses, and back;
- a task's window in the property's own time: `canStartFrom`/`shouldEndBy` are UTC, and
  Hostaway also sends them in the listing's time (`...ListingTime`); the UTC value converted with
  the property's zone wins, the listing-time value is the fallback when the zone is unknown;
- open (pending, confirmed, in progress), late (open after `shouldEndBy`), unassigned;
- `read_tasks`: `GET /tasks` paged by `limit`/`offset`. The list has **no listing and no
  assignee filter** and no `count` (hostaway-api-2026.md §1.4), so callers filter on their side
  and the walk ends at a page shorter than asked for (we ask for 100, which every documented list
  honours; the /tasks maximum itself is UNCONFIRMED).

No MCP here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from hostaway_mcp import progress
from hostaway_mcp.domain import ident, text
from hostaway_mcp.gateway import HostawayGateway, JSONObject, QueryParams
from hostaway_mcp.localtime import zone_of

CATEGORY_IDS: dict[str, int] = {
    "cleaning": 1,
    "maintenance": 2,
    "check-in": 3,
    "check-out": 4,
    "back office": 5,
    "other": 6,
}
CATEGORY_WORDS = {number: word for word, number in CATEGORY_IDS.items()}
STATUS_WORDS: dict[str, str] = {
    "pending": "pending",
    "confirmed": "confirmed",
    "inProgress": "in progress",
    "completed": "completed",
    "cancelled": "cancelled",
}
OPEN_STATUSES = frozenset({"pending", "confirmed", "inProgress"})
PAGE_SIZE = 100
MAX_PAGES = 50  # 5,000 tasks: a window wider than that is refused, not returned in part


def _key(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalpha())


def category_id(word: str) -> int | None:
    """The category id for a word ("Cleaning", "check in", "back-office"), or None."""
    return next((number for name, number in CATEGORY_IDS.items() if _key(name) == _key(word)), None)


def status_value(word: str) -> str | None:
    """Hostaway's status for a word ("in progress", "inProgress"; "done" means completed), or None."""
    key = _key(word)
    key = {"done": "completed", "complete": "completed", "canceled": "cancelled"}.get(key, key)
    return next((raw for raw in STATUS_WORDS if raw.lower() == key), None)


def _stamp(value: Any) -> datetime | None:
    raw = text(value)
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw[:19])
    except ValueError:
        return None


def utc_time(task: JSONObject, field: str) -> datetime | None:
    """`canStartFrom` or `shouldEndBy` as an aware UTC datetime."""
    moment = _stamp(task.get(field))
    return None if moment is None else moment.replace(tzinfo=UTC)


def local_time(task: JSONObject, field: str, time_zone: str | None) -> datetime | None:
    """The task's `field` in the property's time (naive): from UTC with the zone, else the listing-time twin."""
    moment = utc_time(task, field)
    zone = zone_of(time_zone)
    if moment is not None and zone is not None:
        return moment.astimezone(zone).replace(tzinfo=None)
    return _stamp(task.get(f"{field}ListingTime")) or (None if moment is None else moment.replace(tzinfo=None))


@dataclass(frozen=True)
class TaskView:
    """One task as the tools read it: ids, words, and its window in the property's time."""

    id: int
    title: str
    category: str
    status: str  # Hostaway's raw status
    property_id: int | None
    booking_id: int | None
    assignee_id: int | None
    group_id: int | None
    starts: datetime | None  # property-local
    due: datetime | None  # property-local
    due_utc: datetime | None
    description: str | None

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def unassigned(self) -> bool:
        return self.open and self.assignee_id is None

    def late(self, now: datetime) -> bool:
        return self.open and self.due_utc is not None and self.due_utc < now

    def touches(self, first: date, last: date) -> bool:
        """Whether the task's local window meets the local days `[first, last]` (a missing end is open)."""
        start, end = self.starts or self.due, self.due or self.starts
        if start is None or end is None:
            return False
        return start.date() <= last and end.date() >= first


def view(task: JSONObject, time_zone: str | None) -> TaskView | None:
    """A raw task as a `TaskView` (None without a usable id)."""
    task_id = ident(task.get("id"))
    if task_id is None:
        return None
    categories = task.get("categoriesMap")
    first = ident(categories[0]) if isinstance(categories, list) and categories else None
    return TaskView(
        id=task_id,
        title=text(task.get("title")) or "(untitled task)",
        category=CATEGORY_WORDS.get(first or 0, "other"),
        status=text(task.get("status")) or "pending",
        property_id=ident(task.get("listingMapId")),
        booking_id=ident(task.get("reservationId")),
        assignee_id=ident(task.get("assigneeUserId")),
        group_id=ident(task.get("canBePickedByGroupId")),
        starts=local_time(task, "canStartFrom", time_zone),
        due=local_time(task, "shouldEndBy", time_zone),
        due_utc=utc_time(task, "shouldEndBy"),
        description=text(task.get("description")),
    )


def views(raw_tasks: Iterable[JSONObject], zone_of: Callable[[int | None], str | None]) -> list[TaskView]:
    """Raw tasks as `TaskView`s, each read in its property's zone (`zone_of(property id)`)."""
    found = []
    for raw in raw_tasks:
        task = view(raw, zone_of(ident(raw.get("listingMapId"))))
        if task is not None:
            found.append(task)
    return found


def clock(moment: datetime | None) -> str | None:
    """A local time as a person reads it: "2026-11-21 15:00"."""
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M")


class TooManyTasksError(Exception):
    """The window holds more tasks than one answer may read (`MAX_PAGES` pages)."""


async def read_tasks(gateway: HostawayGateway, params: QueryParams, *, max_pages: int = MAX_PAGES) -> list[JSONObject]:
    """Every task `params` match, page by page, deduplicated by id; ends at a short page."""
    found: dict[int, JSONObject] = {}
    offset = 0
    reporter = progress.current()
    for number in range(1, max_pages + 1):
        reporter.expect(1)  # no count on this list: one page at a time
        page = await gateway.get("tasks", {**params, "limit": PAGE_SIZE, "offset": offset})
        await reporter.step(f"tasks: page {number}")
        items = page.items
        for item in items:
            task_id = ident(item.get("id"))
            if task_id is not None:
                found.setdefault(task_id, item)
        if len(items) < PAGE_SIZE:
            return list(found.values())
        offset += len(items)
    raise TooManyTasksError(f"more than {max_pages * PAGE_SIZE} tasks")
