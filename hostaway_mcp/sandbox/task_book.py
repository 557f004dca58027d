"""`/tasks`: the documented list filters, and get, create, update and delete ([D:_task_*]).

What the docs leave open, chosen to be predictable (all UNCONFIRMED):
- the list answers `{status, result}` only, as the docs' sample does: no `count`, so a client pages
  with `limit`/`offset` until a short page; without `limit` every match comes back; order is id
  ascending;
- the date filters (`canStartFromStart` ... `shouldEndByEnd`) are dates, compared with the date of
  the UTC field, both ends included; a task without that time never matches; `match` is a
  case-insensitive substring of the title; `status` must be one of the five statuses (else 400);
- there is **no listing or assignee filter**: `listingMapId`, `assigneeUserId` and any other
  undocumented parameter are ignored, as Hostaway ignores invented parameters (a tool sending one
  gets every task back);
- `PUT` is partial (fields left out keep their value; whether Hostaway's is partial is UNCONFIRMED,
  so tools send every writable field); times are `YYYY-MM-DD HH:MM:SS` in UTC (a bare date means
  midnight), and the `...ListingTime` twins are derived from the listing's zone;
- references must exist (listing, reservation of that listing, users, group), else 400;
  `DELETE` answers an empty success.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox.looseids import LooseIds
from hostaway_mcp.sandbox.queries import Check, field_equals, stamp_from, stamp_until, text_field
from hostaway_mcp.sandbox.tasks import TASK_TEMPLATE, set_times, stamp_status
from hostaway_mcp.sandbox.wire import ApiError, Call, Query, Route, SandboxResponse, parse_json_body, success

JsonDict = dict[str, Any]
MAX_TITLE_CHARS = 255
_TEXT_FIELDS = ("title", "description", "resolutionNote", "feedbackNote", "costCurrency", "costDescription", "color")
_USER_FIELDS = ("assigneeUserId", "supervisorUserId")


class TaskBook:
    """The account's tasks, queried and changed as the API allows; callers hold the sandbox lock."""

    def __init__(
        self,
        tasks: list[JsonDict],
        listings_by_id: dict[int, JsonDict],
        reservations_by_id: dict[int, JsonDict],
        user_ids: set[int],
        group_ids: set[int],
        now: Callable[[], datetime],
    ) -> None:
        self.tasks = tasks
        self.by_id = {task["id"]: task for task in tasks}
        self._listings = listings_by_id
        self._reservations = reservations_by_id
        self._users = user_ids
        self._groups = group_ids
        self._now = now
        self._last_id = max(self.by_id, default=6_000_000)

    # -- reading --------------------------------------------------------------------------------

    def query(self, query: Query) -> list[JsonDict]:
        checks: list[Check] = []
        for name in ("channelId", "reservationId"):
            wanted = query.integer(name)
            if wanted is not None:
                checks.append(field_equals(name, wanted))
        for name in ("canStartFromEvent", "shouldEndByEvent"):
            event = query.text(name)
            if event is not None:
                checks.append(field_equals(name, event))
        status = query.text("status")
        if status is not None:
            if status not in catalog.TASK_STATUSES:
                raise ApiError(400, f'The "status" parameter must be one of {", ".join(catalog.TASK_STATUSES)}.')
            checks.append(field_equals("status", status))
        match = query.text("match")
        if match is not None:
            needle = match.lower()
            checks.append(lambda t: needle in (t["title"] or "").lower())
        for field in ("canStartFrom", "shouldEndBy"):
            low, high = query.day(f"{field}Start"), query.day(f"{field}End")
            if low is not None:
                checks.append(stamp_from(text_field(field), low.isoformat()))
            if high is not None:
                checks.append(stamp_until(text_field(field), high.isoformat()))
        return [task for task in self.tasks if all(check(task) for check in checks)]

    def get(self, task_id: int) -> JsonDict:
        task = self.by_id.get(task_id)
        if task is None:
            raise ApiError(404, "Task not found.")
        return task

    # -- writing --------------------------------------------------------------------------------

    def create(self, body: JsonDict) -> JsonDict:
        if not isinstance(body.get("title"), str) or not body["title"].strip():
            raise ApiError(400, 'The "title" parameter is required.')
        task = TASK_TEMPLATE.copy()
        task.update(checklistItems=[], customFieldValue=[], status="pending", isUpdatedManually=1)
        self._apply(task, body)
        self._last_id += 1
        task["id"] = self._last_id
        self.tasks.append(task)
        self.by_id[task["id"]] = task
        return task

    def update(self, task_id: int, body: JsonDict) -> JsonDict:
        task = self.get(task_id)
        if not any(key in body for key in _writable()):
            raise ApiError(400, "Nothing to update: send at least one task field.")
        changed = dict(task)
        self._apply(changed, body)
        changed["isUpdatedManually"] = 1
        task.update(changed)
        return task

    def delete(self, task_id: int) -> None:
        task = self.get(task_id)
        self.tasks.remove(task)
        del self.by_id[task_id]

    def _apply(self, task: JsonDict, body: JsonDict) -> None:
        """Validate and apply the writable fields present in `body` (all or nothing)."""
        for name in _TEXT_FIELDS:
            if name in body:
                value = body[name]
                if value is not None and not isinstance(value, str):
                    raise ApiError(400, f'The "{name}" parameter must be a string.')
                if name == "title" and (not value or len(value) > MAX_TITLE_CHARS):
                    raise ApiError(400, f'The "title" parameter must be 1 to {MAX_TITLE_CHARS} characters.')
                task[name] = value
        if "categoriesMap" in body:
            task["categoriesMap"] = _categories(body["categoriesMap"])
        if "listingMapId" in body:
            task["listingMapId"] = self._ref(body, "listingMapId", self._listings.keys())
        if "reservationId" in body:
            task["reservationId"] = self._ref(body, "reservationId", self._reservations.keys())
        reservation = self._reservations.get(task["reservationId"]) if task["reservationId"] else None
        if reservation is not None:
            if task["listingMapId"] is None:
                task["listingMapId"] = reservation["listingMapId"]
            elif task["listingMapId"] != reservation["listingMapId"]:
                raise ApiError(400, "The reservation does not belong to this listing.")
            task["channelId"] = reservation["channelId"]
        for name in _USER_FIELDS:
            if name in body:
                task[name] = self._ref(body, name, self._users)
        if "canBePickedByGroupId" in body:
            task["canBePickedByGroupId"] = self._ref(body, "canBePickedByGroupId", self._groups)
        for name in ("priority", "feedbackScore"):
            if name in body:
                task[name] = _optional_int(body, name)
        if "cost" in body:
            cost = body["cost"]
            if cost is not None and (isinstance(cost, bool) or not isinstance(cost, int | float)):
                raise ApiError(400, 'The "cost" parameter must be a number.')
            task["cost"] = cost
        start = _moment(body, "canStartFrom") if "canStartFrom" in body else _stored(task["canStartFrom"])
        end = _moment(body, "shouldEndBy") if "shouldEndBy" in body else _stored(task["shouldEndBy"])
        if start is not None and end is not None and end < start:
            raise ApiError(400, "shouldEndBy must not be before canStartFrom.")
        listing = self._listings.get(task["listingMapId"]) if task["listingMapId"] else None
        set_times(task, start, end, listing["timeZoneName"] if listing else None)
        if "status" in body:
            status = body["status"]
            if status not in catalog.TASK_STATUSES:
                raise ApiError(400, f'The "status" parameter must be one of {", ".join(catalog.TASK_STATUSES)}.')
            if status != task["status"]:
                stamp_status(task, status, self._now().replace(microsecond=0, tzinfo=None))

    @staticmethod
    def _ref(body: JsonDict, name: str, known: Any) -> int | None:
        value = body[name]
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApiError(400, f'The "{name}" parameter must be an integer.')
        if value not in known:
            raise ApiError(400, f'The "{name}" parameter does not match any object of this account.')
        return value


def _writable() -> tuple[str, ...]:
    return (
        *_TEXT_FIELDS,
        *_USER_FIELDS,
        "categoriesMap",
        "listingMapId",
        "reservationId",
        "canBePickedByGroupId",
        "priority",
        "feedbackScore",
        "cost",
        "canStartFrom",
        "shouldEndBy",
        "status",
    )


def _categories(value: Any) -> list[int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ApiError(400, 'The "categoriesMap" parameter must be a list of category ids.')
    if any(v not in catalog.TASK_CATEGORIES for v in value):
        raise ApiError(400, 'The "categoriesMap" parameter holds an unknown category (valid: 1 to 6).')
    return list(value)


def _optional_int(body: JsonDict, name: str) -> int | None:
    value = body[name]
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ApiError(400, f'The "{name}" parameter must be an integer.')
    return value


def _moment(body: JsonDict, name: str) -> datetime | None:
    value = body[name]
    if value is None:
        return None
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return datetime.combine(date.fromisoformat(value), datetime.min.time())
            if len(value) == 19 and value[10] == " ":
                return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise ApiError(400, f'The "{name}" parameter must be a date and time as Y-m-d H:i:s.')


def _stored(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class TasksApi:
    """The `/tasks` routes over a TaskBook."""

    def __init__(self, book: TaskBook, loose: LooseIds) -> None:
        self._book = book
        self._loose = loose

    def routes(self) -> list[Route]:
        return [
            ("GET", re.compile(r"/tasks"), self._list),
            ("POST", re.compile(r"/tasks"), self._create),
            ("GET", re.compile(r"/tasks/(\d+)"), self._get),
            ("PUT", re.compile(r"/tasks/(\d+)"), self._update),
            ("DELETE", re.compile(r"/tasks/(\d+)"), self._delete),
        ]

    def _list(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        query = call.query
        limit = query.integer("limit", minimum=1)
        offset = query.integer("offset", minimum=0) or 0
        found = self._book.query(query)
        page = found[offset : offset + limit] if limit is not None else found[offset:]
        return success([self._loose.references(task) for task in page])

    def _get(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        return success(self._loose.references(self._book.get(int(match.group(1)))))

    def _create(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        return success(self._loose.references(self._book.create(_object_body(call))))

    def _update(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        return success(self._loose.references(self._book.update(int(match.group(1)), _object_body(call))))

    def _delete(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        self._book.delete(int(match.group(1)))
        return success([])


def _object_body(call: Call) -> JsonDict:
    body = parse_json_body(call.body)
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body
