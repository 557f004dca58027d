"""The revenue figures computed independently, night by night, from the sandbox's raw reservations.

With the documented definitions and never with the tools' helpers: what the revenue tools must
agree with (`test_finance_tools.py`, `test_string_ids.py`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hostaway_mcp.domain import CHANNEL_NAMES, CONFIRMED_STATUSES


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


@dataclass
class Acc:
    revenue: float = 0.0
    gross: float = 0.0
    booked: int = 0
    owner: int = 0
    available: int = 0
    bookings: set[int] = field(default_factory=set)
    cancelled: set[int] = field(default_factory=set)
    cancelled_value: float = 0.0
    blocked: int = 0
    fees: float = 0.0


@dataclass
class Expected:
    totals: dict[str, Acc]
    groups: dict[tuple[str, str], Acc]
    owner_nights: int
    ignored: dict[str, int]  # status -> uncounted bookings in the period


def expected_report(
    account: Any,
    start: date,
    end: date,
    basis: str,
    group_by: str,
    property_ids: Iterable[int] | None = None,
) -> Expected:
    """Walk every night of every reservation and book it where the definitions say."""
    wanted = None if property_ids is None else set(property_ids)
    listings = [x for x in account.listings if wanted is None or x["id"] in wanted]
    currency_of = {x["id"]: x["currencyCode"] for x in listings}
    period = days(start, end)
    per_currency: dict[str, int] = defaultdict(int)
    for currency in currency_of.values():
        per_currency[currency] += 1

    # Nights not available to rent, per property as (month, kind): the generated owner blocks
    # inside the period (the raw hidden facts, not the sandbox's calendar code), and owner-stay
    # nights counted under the basis like booked nights (arrival: in the arrival month).
    closed: dict[int, list[tuple[str, str]]] = {listing_id: [] for listing_id in currency_of}
    for listing_id in currency_of:
        for block_start, block_end, _ in account.owner_blocks.get(listing_id, []):
            for night in days(block_start, block_end - timedelta(days=1)):
                if start <= night <= end:
                    closed[listing_id].append((f"{night:%Y-%m}", "blocked"))
    for r in account.reservations:
        if r["status"] == "ownerStay" and r["listingMapId"] in closed:
            arrival = date.fromisoformat(r["arrivalDate"])
            for night in days(arrival, date.fromisoformat(r["departureDate"]) - timedelta(days=1)):
                if basis == "stay" and start <= night <= end:
                    closed[r["listingMapId"]].append((f"{night:%Y-%m}", "owner"))
                elif basis == "arrival" and start <= arrival <= end:
                    closed[r["listingMapId"]].append((f"{arrival:%Y-%m}", "owner"))

    def closed_in(listing_ids: Iterable[int], month: str | None = None) -> tuple[int, int]:
        nights = [kind for i in listing_ids for when, kind in closed[i] if month in (None, when)]
        return len(nights), nights.count("blocked")

    totals: dict[str, Acc] = {}
    for currency, n in per_currency.items():
        unavailable, blocked = closed_in(i for i, c in currency_of.items() if c == currency)
        totals[currency] = Acc(available=n * len(period) - unavailable, blocked=blocked)
    groups: dict[tuple[str, str], Acc] = {}
    if group_by == "property":
        for listing_id, currency in currency_of.items():
            unavailable, blocked = closed_in([listing_id])
            groups[(str(listing_id), currency)] = Acc(available=len(period) - unavailable, blocked=blocked)
    elif group_by == "month":
        for currency, count in per_currency.items():
            mine = [i for i, c in currency_of.items() if c == currency]
            for day in period:
                groups.setdefault((day.strftime("%Y-%m"), currency), Acc()).available += count
            for (month, c), acc in groups.items():
                if c == currency:
                    unavailable, blocked = closed_in(mine, month)
                    acc.available, acc.blocked = acc.available - unavailable, blocked

    owner_nights = 0
    ignored: dict[str, int] = defaultdict(int)
    for r in account.reservations:
        if r["listingMapId"] not in currency_of:
            continue
        status = r["status"]
        arrival = date.fromisoformat(r["arrivalDate"])
        departure = date.fromisoformat(r["departureDate"])
        if status in CONFIRMED_STATUSES:
            kind = "revenue"
        elif status == "ownerStay":
            kind = "owner"
        elif status == "cancelled":
            kind = "cancelled"
        else:
            in_period = start <= arrival <= end if basis == "arrival" else arrival <= end and departure > start
            if in_period and departure > arrival:
                ignored[status] += 1
            continue
        nights = [arrival + timedelta(days=n) for n in range((departure - arrival).days)]
        per_night = (r["totalPrice"] - r["cleaningFee"] - r["taxAmount"]) / len(nights)
        gross_per_night = r["totalPrice"] / len(nights)
        fee_per_night = max(r["airbnbListingCancellationPayout"] or 0, 0) / len(nights) if kind == "cancelled" else 0
        if basis == "stay":
            counted = [d for d in nights if start <= d <= end]
        else:
            counted = nights if start <= arrival <= end else []
        currency = r["currency"]
        for night in counted:
            month_of = night if basis == "stay" else arrival
            if group_by == "property":
                key = str(r["listingMapId"])
            elif group_by == "month":
                key = month_of.strftime("%Y-%m")
            else:
                key = "owner_stay" if kind == "owner" else CHANNEL_NAMES[r["channelId"]]
            if (key, currency) not in groups:
                whole = totals[currency]
                groups[(key, currency)] = (
                    Acc(available=whole.available, blocked=whole.blocked) if group_by == "channel" else Acc()
                )
            for acc in (totals[currency], groups[(key, currency)]):
                if kind == "revenue":
                    acc.revenue += per_night
                    acc.gross += gross_per_night
                    acc.booked += 1
                    acc.bookings.add(r["id"])
                elif kind == "owner":
                    acc.owner += 1
                else:
                    acc.cancelled.add(r["id"])
                    acc.cancelled_value += per_night
                    acc.fees += fee_per_night
            if kind == "owner":
                owner_nights += 1
    return Expected(totals, groups, owner_nights, dict(sorted(ignored.items())))
