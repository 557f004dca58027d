"""GET /reservations without re-filtering the account for every page of a walk.

A big read is one query paged by `afterId` (or `offset`): every page has the same filters and
sort, so building each page from scratch (filter ~17,000 bookings, sort them, scan for the
cursor, all under the sandbox's lock) made a year's scan cost the fake more than the server it
feeds. `ReservationViews` keeps the filtered, sorted list of a query, with its sort keys, and
serves the query's later pages from it: the cursor is found by bisection, a page is a slice.

The answers are exactly what filtering on every page gives, as long as the account only changes
through the API: a query's first page (no `afterId`, offset 0) always builds its view afresh from
the account as it is, and any request that is not a GET drops every view (a booking created,
moved or cancelled, a message sent, a calendar changed). A page after the first is served from
the view its first page built, like a snapshot of that walk; a change made to the account's
objects directly (a test setting a status by hand) is seen by the next first page.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hostaway_mcp.sandbox.account import JsonDict
from hostaway_mcp.sandbox.queries import filter_reservations, reservation_sort
from hostaway_mcp.sandbox.wire import Query

# Parameters that page through a query rather than choose its rows: not part of a view's key.
PAGING_PARAMS = frozenset({"limit", "offset", "afterId", "includeResources", "includePayments"})
MAX_VIEWS = 16  # a windowed scan walks a few queries side by side; a handful of others come and go


@dataclass(frozen=True)
class View:
    """One query's rows in ascending key order (served reversed for a descending sort)."""

    rows: list[JsonDict]
    keys: list[tuple[Any, ...]]
    reverse: bool

    def __len__(self) -> int:
        return len(self.rows)

    def page(self, offset: int, limit: int) -> list[JsonDict]:
        """Rows `offset` .. `offset + limit` in the served order."""
        if not self.reverse:
            return self.rows[offset : offset + limit]
        end = max(len(self.rows) - offset, 0)
        return self.rows[max(end - limit, 0) : end][::-1]

    def after(self, anchor_key: tuple[Any, ...], limit: int) -> list[JsonDict]:
        """The first `limit` rows strictly after `anchor_key` in the served order."""
        if not self.reverse:
            start = bisect.bisect_right(self.keys, anchor_key)
            return self.rows[start : start + limit]
        end = bisect.bisect_left(self.keys, anchor_key)
        return self.rows[max(end - limit, 0) : end][::-1]


class ReservationViews:
    """The views of the queries being paged, newest first; see the module docstring."""

    def __init__(self, reservations: list[JsonDict], conversation_of: Callable[[int], JsonDict | None]) -> None:
        self._reservations = reservations
        self._conversation_of = conversation_of
        self._views: OrderedDict[tuple[tuple[str, str], ...], View] = OrderedDict()

    def clear(self) -> None:
        """Forget every view (the account changed)."""
        self._views.clear()

    def view(self, query: Query, *, fresh: bool) -> tuple[View, Callable[[JsonDict], tuple[Any, ...]]]:
        """The query's view and sort key; built anew when `fresh` (a first page) or not kept."""
        key, reverse = reservation_sort(query.text("sortOrder"), self._conversation_of)
        name = tuple(
            sorted((k, repr(v)) for k, v in query.params.items() if k not in PAGING_PARAMS)  # lists repr'd too
        )
        view = None if fresh else self._views.get(name)
        if view is None:
            rows = filter_reservations(self._reservations, query, self._conversation_of)
            keyed = sorted(((key(row), row) for row in rows), key=lambda pair: pair[0])
            view = View([row for _, row in keyed], [k for k, _ in keyed], reverse)
            self._views[name] = view
            while len(self._views) > MAX_VIEWS:
                self._views.popitem(last=False)
        self._views.move_to_end(name)
        return view, key
