"""GET /reservations serves a walk's later pages from the view its first page built.

Expected pages are computed here from the raw account (filter and sort written out again), so the
views cannot agree with themselves; the number of times the account is filtered is counted.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hostaway_mcp.sandbox import Sandbox, queries, reservation_views
from tests.sandbox.helpers import get_json

Reservation = dict[str, Any]
YEAR = {"departureStartDate": "2025-11-21", "arrivalEndDate": "2026-11-21"}


def expected(sb: Sandbox, field: str, descending: bool, **bounds: str) -> list[Reservation]:
    """The year's reservations (departure on or after the start, arrival on or before the end), sorted."""
    rows = [
        r
        for r in sb.account.reservations
        if r["departureDate"] >= bounds["departureStartDate"] and r["arrivalDate"] <= bounds["arrivalEndDate"]
    ]
    return sorted(rows, key=lambda r: (r[field] or "", r["id"]), reverse=descending)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a view was built by filtering the whole account."""
    counted: list[int] = []
    real = queries.filter_reservations

    def counting(*args: Any) -> list[Reservation]:
        counted.append(1)
        return real(*args)

    monkeypatch.setattr(reservation_views, "filter_reservations", counting)
    return counted


@pytest.mark.parametrize(
    ("sort_order", "field", "descending"),
    [(None, "updatedOn", True), ("arrivalDate", "arrivalDate", False), ("arrivalDateDesc", "arrivalDate", True)],
)
async def test_every_page_of_a_walk_is_what_filtering_the_account_gives(
    shared_sb: Sandbox,
    shared_api: httpx.AsyncClient,
    builds: list[int],
    sort_order: str | None,
    field: str,
    descending: bool,
) -> None:
    want = [r["id"] for r in expected(shared_sb, field, descending, **YEAR)]
    query: dict[str, Any] = {**YEAR, "limit": 100} | ({"sortOrder": sort_order} if sort_order else {})
    seen: list[int] = []
    pages = 0
    cursor: int | None = None
    while True:
        page = await get_json(shared_api, "/reservations", **query, **({"afterId": cursor} if cursor else {}))
        pages += 1
        assert page["count"] == len(want)
        ids = [r["id"] for r in page["result"]]
        assert ids == want[len(seen) : len(seen) + 100]
        if not ids:
            break
        seen += ids
        cursor = ids[-1]
    assert seen == want and pages > 3
    # Offset pages of the same query, from its view too, in the same order.
    by_offset = [await get_json(shared_api, "/reservations", **query, offset=o) for o in (100, 250, len(want) - 7)]
    assert [[r["id"] for r in p["result"]] for p in by_offset] == [want[100:200], want[250:350], want[-7:]]
    assert len(builds) == 1  # the first page filtered the account; every later page was a slice


def updated_key(r: Reservation) -> tuple[str, int]:
    return (r["updatedOn"] or "", r["id"])


async def test_a_write_between_pages_is_seen_by_the_next_page(sb: Sandbox, api: httpx.AsyncClient) -> None:
    first = await get_json(api, "/reservations", **YEAR, limit=100)
    anchor = next(r for r in sb.account.reservations if r["id"] == first["result"][-1]["id"])
    later = [r["id"] for r in expected(sb, "updatedOn", True, **YEAR) if updated_key(r) < updated_key(anchor)]
    moved = next(r for r in sb.account.reservations if r["id"] in later[50:100] and r["status"] in ("new", "modified"))
    cancel = await api.put(f"/reservations/{moved['id']}/statuses/cancelled", json={"cancelledBy": "host"})
    assert cancel.status_code == 200, cancel.text
    # The cancelled booking is now the most recently updated: before the cursor, off the next pages.
    want = [r["id"] for r in expected(sb, "updatedOn", True, **YEAR) if updated_key(r) < updated_key(anchor)][:100]
    second = await get_json(api, "/reservations", **YEAR, limit=100, afterId=anchor["id"])
    assert [r["id"] for r in second["result"]] == want
    assert moved["id"] not in want and want != later[:100]


async def test_a_change_made_to_the_account_directly_is_seen_by_the_next_first_page(
    sb: Sandbox, api: httpx.AsyncClient
) -> None:
    listing_id = sb.account.listings[3]["id"]
    before = await get_json(api, "/reservations", listingId=listing_id, limit=100)
    stray = next(r for r in sb.account.reservations if r["listingMapId"] != listing_id)
    stray["listingMapId"] = listing_id  # not through the API
    again = await get_json(api, "/reservations", listingId=listing_id, limit=100)
    assert again["count"] == before["count"] + 1
    assert stray["id"] in [r["id"] for r in again["result"]]
