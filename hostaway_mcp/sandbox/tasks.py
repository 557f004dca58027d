"""Generates the account's tasks, consistent with its bookings: what a cleaning team's board holds.

- a **turnover clean** (category 1) for every departure of a held booking from three weeks ago to
  six weeks ahead, from the check-out hour until the next guest's check-in hour (the same day on a
  same-day turnover, else the property's check-in hour on the departure day), assigned to the
  listing's cleaner, or open to the cleaning crew (`canBePickedByGroupId`) for about a fifth;
- a cancelled clean for about half the cancelled bookings in that window (the auto-task was made
  at booking time and cancelled with it);
- **maintenance** jobs (category 2) on about a quarter of the listings, some open to the group;
- a **meet and greet** (category 3) for half the direct arrivals of the next two weeks, whose
  description holds the booking's door code (a planted secret: tools must withhold it);
- a couple of **back-office** jobs (category 5) tied to no listing.

Status follows the clock: most past tasks are completed, but some are **late** (still pending or
confirmed after their `shouldEndBy`); tasks due today may be in progress. Times are served in UTC
(`canStartFrom`, `shouldEndBy`) and in the listing's zone (`...ListingTime`), as documented
([D:_task_object]). Ids ascend in creation order.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox.crew import CLEANING, MAINTENANCE, Crew
from hostaway_mcp.sandbox.rand import fmt_datetime

JsonDict = dict[str, Any]
PAST_DAYS = 21
FUTURE_DAYS = 42
CHECK_IN_DAYS = 14
UNASSIGNED_SHARE = 0.2
LATE_SHARE = 0.2  # of the tasks due in the last `LATE_DAYS`
LATE_DAYS = 10

# Every key of the documented task object, in the documented order.
TASK_TEMPLATE: JsonDict = dict.fromkeys((
    "id", "listingMapId", "channelId", "reservationId", "autoTaskId", "assigneeUserId", "canBePickedByGroupId",
    "supervisorUserId", "createdByUserId", "isUpdatedManually", "checklistTemplateId", "reservationUnitId", "title",
    "description", "canStartFrom", "canStartFromListingTime", "canStartFromEvent", "canStartFromEventDelta",
    "shouldEndBy", "shouldEndByListingTime", "shouldEndByEvent", "shouldEndByEventDelta", "status",
    "resolutionNote", "feedbackScore", "feedbackNote", "startedAt", "confirmedAt", "completedAt", "priority", "cost",
    "costCurrency", "costDescription", "color", "expense", "rank", "checklistItems", "customFieldValue",
    "categoriesMap",
))  # fmt: skip
TASK_TEMPLATE.update(isUpdatedManually=0, reservationUnitId=0, rank=0)
AUTO_TURNOVER_ID = 7_101
AUTO_CHECK_IN_ID = 7_102


@lru_cache(maxsize=4096)
def _offset(zone_name: str, day: date) -> timedelta:
    """The zone's UTC offset at noon of `day` (zoneinfo's astimezone costs ~70 µs a call, and a
    200-listing account converts thousands of times; no task sits in a DST change's small hours)."""
    offset = datetime.combine(day, time(12), tzinfo=ZoneInfo(zone_name)).utcoffset()
    return offset if offset is not None else timedelta(0)


def to_utc(local: datetime, zone_name: str | None) -> datetime:
    """A naive listing-local time as naive UTC (Hostaway's datetimes carry no zone)."""
    return local if not zone_name else local - _offset(zone_name, local.date())


def to_local(moment: datetime, zone_name: str | None) -> datetime:
    """A naive UTC time as naive listing-local time."""
    if not zone_name:
        return moment
    guess = moment + _offset(zone_name, moment.date())
    return moment + _offset(zone_name, guess.date())


def set_times(task: JsonDict, start: datetime | None, end: datetime | None, zone_name: str | None) -> None:
    """Fill `canStartFrom`/`shouldEndBy` (UTC) and their listing-time twins."""
    task["canStartFrom"] = None if start is None else fmt_datetime(start)
    task["canStartFromListingTime"] = None if start is None else fmt_datetime(to_local(start, zone_name))
    task["shouldEndBy"] = None if end is None else fmt_datetime(end)
    task["shouldEndByListingTime"] = None if end is None else fmt_datetime(to_local(end, zone_name))


def stamp_status(task: JsonDict, status: str, moment: datetime) -> None:
    """Set the status and the time it was reached (startedAt, confirmedAt, completedAt)."""
    task["status"] = status
    stamp = fmt_datetime(moment)
    if status == "confirmed":
        task["confirmedAt"] = stamp
    elif status == "inProgress":
        task["confirmedAt"] = task["confirmedAt"] or stamp
        task["startedAt"] = stamp
    elif status == "completed":
        task["startedAt"] = task["startedAt"] or stamp
        task["completedAt"] = stamp


class _Board:
    """Collects tasks with ascending ids and statuses decided against the account's clock."""

    def __init__(self, rng: random.Random, team: Crew, generated_at: datetime) -> None:
        self.rng = rng
        self.team = team
        self.now = generated_at
        self.next_id = rng.randint(6_000_000, 6_500_000)
        self.tasks: list[JsonDict] = []
        self.manager = team.manager
        self._covering: dict[tuple[int, ...], dict[int, int]] = {}

    def crew_for(self, crew: list[int], listing_id: int | None) -> int:
        """The crew member who covers the listing (any of them for a task with no listing)."""
        key = tuple(crew)
        covering = self._covering.get(key)
        if covering is None:
            covering = {listing: user for user in reversed(crew) for listing in self.team.coverage.get(user, [])}
            self._covering[key] = covering
        user = covering.get(listing_id) if listing_id is not None else None
        return user if user is not None else self.rng.choice(crew)

    def add(
        self,
        *,
        title: str,
        category: int,
        listing: JsonDict | None,
        reservation: JsonDict | None,
        start_local: datetime | None,
        end_local: datetime | None,
        crew: list[int],
        group_id: int | None,
        description: str | None = None,
        auto_task: int | None = None,
        cancelled: bool = False,
    ) -> None:
        zone = listing["timeZoneName"] if listing else None
        start = None if start_local is None else to_utc(start_local, zone)
        end = None if end_local is None else to_utc(end_local, zone)
        task = TASK_TEMPLATE.copy()
        task.update(
            id=self.next_id,
            listingMapId=listing["id"] if listing else None,
            channelId=reservation["channelId"] if reservation else None,
            reservationId=reservation["id"] if reservation else None,
            autoTaskId=auto_task,
            createdByUserId=None if auto_task else self.manager,
            title=title,
            description=description,
            canStartFromEvent="departure" if auto_task == AUTO_TURNOVER_ID else None,
            canStartFromEventDelta=0,
            shouldEndByEvent="arrival" if auto_task == AUTO_CHECK_IN_ID else None,
            shouldEndByEventDelta=0,
            checklistItems=[],
            customFieldValue=[],
            categoriesMap=[category],
            priority=self.rng.choice((None, None, 1, 2, 3)),
        )
        set_times(task, start, end, zone)
        self._assign(task, crew, group_id, listing)
        self._status(task, start, end, cancelled)
        self.next_id += self.rng.randint(1, 30)
        self.tasks.append(task)

    def _assign(self, task: JsonDict, crew: list[int], group_id: int | None, listing: JsonDict | None) -> None:
        if group_id is not None and self.rng.random() < UNASSIGNED_SHARE:
            task["canBePickedByGroupId"] = group_id
        else:
            task["assigneeUserId"] = self.crew_for(crew, listing["id"] if listing else None)
        task["supervisorUserId"] = self.manager if self.rng.random() < 0.3 else None

    def _status(self, task: JsonDict, start: datetime | None, end: datetime | None, cancelled: bool) -> None:
        rng, now = self.rng, self.now
        begin = start or end or now
        if cancelled:
            stamp_status(task, "cancelled", min(begin, now) - timedelta(days=rng.randint(1, 20)))
            return
        unassigned = task["assigneeUserId"] is None
        if end is not None and end < now:
            recent = end > now - timedelta(days=LATE_DAYS)
            if recent and rng.random() < LATE_SHARE:
                if not unassigned and rng.random() < 0.5:
                    stamp_status(task, "confirmed", begin - timedelta(hours=rng.randint(6, 72)))
                else:
                    task["status"] = "pending"
                return
            if unassigned:  # someone from the group picked it up and did it
                task["assigneeUserId"] = self.crew_for(self.team.cleaners, task["listingMapId"])
            stamp_status(task, "completed", end - timedelta(minutes=rng.randint(10, 180)))
            task["feedbackScore"] = rng.choice((None, 4, 5, 5))
            return
        if start is not None and start <= now and not unassigned:
            stamp_status(task, "inProgress", start + timedelta(minutes=rng.randint(5, 50)))
            return
        if not unassigned and rng.random() < 0.45:
            stamp_status(task, "confirmed", now - timedelta(hours=rng.randint(1, 96)))
            return
        task["status"] = "pending"


def _at(day: date, hour: Any, fallback: int) -> datetime:
    value = hour if isinstance(hour, int) and 0 <= hour <= 23 else fallback
    return datetime.combine(day, time(value))


def _stays_by_listing(reservations: Iterable[JsonDict]) -> dict[int, list[JsonDict]]:
    held: dict[int, list[JsonDict]] = {}
    for reservation in reservations:
        if reservation["status"] in catalog.BLOCKING_STATUSES:
            held.setdefault(reservation["listingMapId"], []).append(reservation)
    for stays in held.values():
        stays.sort(key=lambda r: r["arrivalDate"])
    return held


def generate_tasks(
    seed: int,
    listings: list[JsonDict],
    reservations: list[JsonDict],
    team: Crew,
    today: date,
    generated_at: datetime,
) -> list[JsonDict]:
    """The account's tasks (see the module docstring), deterministic in the inputs."""
    rng = random.Random(f"{seed}:tasks")
    board = _Board(rng, team, generated_at)
    listings_by_id = {listing["id"]: listing for listing in listings}
    first, last = today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)
    cleaning_group = team.group_id(CLEANING)
    for listing_id, stays in _stays_by_listing(reservations).items():
        listing = listings_by_id[listing_id]
        for index, stay in enumerate(stays):
            departure = date.fromisoformat(stay["departureDate"])
            if not first <= departure <= last or stay["status"] in catalog.PENDING_STATUSES:
                continue
            following = stays[index + 1] if index + 1 < len(stays) else None
            same_day = following is not None and following["arrivalDate"] == stay["departureDate"]
            check_in = following["checkInTime"] if same_day and following else listing["checkInTimeStart"]
            board.add(
                title=catalog.TURNOVER_TITLE,
                category=1,
                listing=listing,
                reservation=stay,
                start_local=_at(departure, stay["checkOutTime"], 11),
                end_local=_at(departure, check_in, 15),
                crew=team.cleaners,
                group_id=cleaning_group,
                auto_task=AUTO_TURNOVER_ID,
            )
    for reservation in reservations:
        departure = date.fromisoformat(reservation["departureDate"])
        if reservation["status"] == "cancelled" and first <= departure <= last and rng.random() < 0.5:
            listing = listings_by_id[reservation["listingMapId"]]
            board.add(
                title=catalog.TURNOVER_TITLE,
                category=1,
                listing=listing,
                reservation=reservation,
                start_local=_at(departure, reservation["checkOutTime"], 11),
                end_local=_at(departure, listing["checkInTimeStart"], 15),
                crew=team.cleaners,
                group_id=None,
                auto_task=AUTO_TURNOVER_ID,
                cancelled=True,
            )
    _maintenance(board, listings, today, team.group_id(MAINTENANCE))
    _check_ins(board, listings_by_id, reservations, today)
    _back_office(board, today)
    board.tasks.sort(key=lambda t: t["id"])
    return board.tasks


def _maintenance(board: _Board, listings: list[JsonDict], today: date, group_id: int) -> None:
    rng = board.rng
    for listing in listings:
        if rng.random() >= 0.25:
            continue
        day = today + timedelta(days=rng.randint(-10, 14))
        board.add(
            title=rng.choice(catalog.MAINTENANCE_JOBS),
            category=2,
            listing=listing,
            reservation=None,
            start_local=datetime.combine(day, time(9)),
            end_local=datetime.combine(day + timedelta(days=rng.choice((0, 0, 1, 2))), time(17)),
            crew=board.team.maintenance,
            group_id=group_id,
        )


def _check_ins(board: _Board, listings_by_id: dict[int, JsonDict], reservations: list[JsonDict], today: date) -> None:
    rng = board.rng
    for reservation in reservations:
        arrival = date.fromisoformat(reservation["arrivalDate"])
        if (
            reservation["channelId"] == catalog.CHANNEL_DIRECT
            and reservation["status"] in catalog.RESERVED_STATUSES
            and reservation["doorCode"]
            and today <= arrival <= today + timedelta(days=CHECK_IN_DAYS)
            and rng.random() < 0.5
        ):
            listing = listings_by_id[reservation["listingMapId"]]
            hour = reservation["checkInTime"] if isinstance(reservation["checkInTime"], int) else 15
            board.add(
                title=catalog.CHECK_IN_TITLE,
                category=3,
                listing=listing,
                reservation=reservation,
                start_local=datetime.combine(arrival, time(max(0, hour - 1))),
                end_local=datetime.combine(arrival, time(min(23, hour + 1))),
                crew=board.team.hosts,
                group_id=None,
                description=catalog.CHECK_IN_DESCRIPTION.format(door_code=reservation["doorCode"]),
                auto_task=AUTO_CHECK_IN_ID,
            )


def _back_office(board: _Board, today: date) -> None:
    for offset, title in zip((3, 9), catalog.BACK_OFFICE_JOBS, strict=True):
        day = today + timedelta(days=offset)
        board.add(
            title=title,
            category=5,
            listing=None,
            reservation=None,
            start_local=datetime.combine(day, time(9)),
            end_local=datetime.combine(day, time(18)),
            crew=[board.manager],
            group_id=None,
        )
