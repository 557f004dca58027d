"""A property's own clock: what "today", "tonight" and "in the past" mean where the property is.

Hostaway's dates (arrivals, departures, calendar nights) are the property's local dates, and each
listing names its zone in `timeZoneName`. The server's clock and zone mean nothing to a guest in
Honolulu: at 05:00 UTC it is still yesterday evening there, and tonight is bookable. So every
decision about "today" is made here, from one injectable UTC "now" (`build_server(now=...)`) and
the listing's zone. A listing without a usable zone falls back to UTC, and the answer says so.

Pure functions, no I/O; `zoneinfo` reads the IANA database (the `tzdata` package where the system
has none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hostaway_mcp.domain import text
from hostaway_mcp.models.common import LocalDay

Now = Callable[[], datetime]
FALLBACK_ZONE = "UTC"
# The furthest behind UTC any inhabited zone is (UTC-12); no property's today is earlier.
_MOST_BEHIND = timedelta(hours=12)


def utc_now() -> datetime:
    """The real current time, timezone-aware in UTC (the server's default clock)."""
    return datetime.now(UTC)


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, malformed or a folder name
        return None


def zone_of(name: Any) -> ZoneInfo | None:
    """The IANA zone a listing names (`timeZoneName`), or None when it is missing or unknown."""
    found = text(name)
    return _zone(found) if found else None


@dataclass(frozen=True)
class LocalToday:
    """Today at one property, and how it was decided."""

    today: date
    time_zone: str  # the IANA zone used; FALLBACK_ZONE when the property has none
    known: bool  # False: the listing's timeZoneName was missing or unknown, so UTC was used

    def describe(self) -> str:
        """Words for results: "2026-11-20 in Pacific/Honolulu"."""
        if self.known:
            return f"{self.today.isoformat()} in {self.time_zone}"
        return f"{self.today.isoformat()} (UTC: the property has no known time zone)"


def _aware(now: datetime) -> datetime:
    # A naive "now" is read as UTC, as Hostaway's own datetimes are.
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def today_in(time_zone: Any, now: datetime) -> LocalToday:
    """Today in `time_zone` (an IANA name such as "Pacific/Auckland") at the instant `now`."""
    name = text(time_zone)
    zone = _zone(name) if name else None
    if zone is None or name is None:
        return LocalToday(_aware(now).astimezone(UTC).date(), FALLBACK_ZONE, known=False)
    return LocalToday(_aware(now).astimezone(zone).date(), name, known=True)


def listing_today(listing: Mapping[str, Any], now: datetime) -> LocalToday:
    """Today at a property, from the listing's `timeZoneName`."""
    return today_in(listing.get("timeZoneName"), now)


def earliest_today(now: datetime) -> date:
    """The earliest date that is "today" anywhere on Earth at `now` (UTC-12).

    A date before it is in the past at every property, so a check can refuse it before any call.
    """
    return (_aware(now).astimezone(UTC) - _MOST_BEHIND).date()


def past_reason(start: date, local: LocalToday, name: str) -> str | None:
    """Why `start` cannot be used at this property (it is before its today), or None."""
    if start >= local.today:
        return None
    return f"{name} {start.isoformat()} is in the past at this property (today there is {local.describe()})"


def local_days(pairs: Iterable[tuple[int, LocalToday]]) -> list[LocalDay]:
    """Which local date was used for which properties: one row per (zone, date), ids in order."""
    grouped: dict[tuple[str, date, bool], list[int]] = {}
    for property_id, local in pairs:
        ids = grouped.setdefault((local.time_zone, local.today, local.known), [])
        if property_id not in ids:
            ids.append(property_id)
    return [
        LocalDay(
            time_zone=zone,
            today=day,
            property_ids=ids,
            note=None if known else "No known time zone on these properties: UTC was used.",
        )
        for (zone, day, known), ids in sorted(grouped.items(), key=lambda item: (item[0][1], item[0][0]))
    ]
