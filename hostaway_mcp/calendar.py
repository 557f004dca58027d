"""A property's calendar: reading a range, night states, runs of alike nights, price summaries.

The one place that knows how Hostaway's calendar days read (used by the availability tools and the
calendar writes, and meant for quotes and an operations view):

- `read_days` fetches the days of a range in one call (`GET /listings/{id}/calendar`, both ends
  included: ask through the check-out day, whose `closedOnDeparture` belongs to a stay);
- `night_status` says what a day is in plain words: available, booked, pending booking, blocked
  (`isAvailable: 0` blocks a night whatever its status says), or "unknown" when Hostaway sent no day;
- `Night` is one night as a person reads it; `group_runs` collapses consecutive alike nights;
  `price_summary` gives a run's one price, or its lowest and highest; `night_runs` and
  `describe_runs` are the runs a calendar result and a confirmation form show;
- `check_stay` is the availability verdict on one stay (every night available, minimum and
  maximum stay, closed to arrival or departure), with a reason for each rule it fails: the
  availability tools, quotes and bookings all judge a stay with it;
- `overlapping_reservations` reads the reservations with a night in a range (any status);
  `holding_bookings` and `held_refusal` find those that hold nights, which a calendar write must
  never touch and a new booking must not overlap.

No MCP here: callers turn a refusal text into their own error.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from hostaway_mcp.bodies import Fields
from hostaway_mcp.domain import BLOCKING_STATUSES, channel_name, flag, ident, money, parse_date, whole
from hostaway_mcp.gateway import HostawayGateway, JSONObject
from hostaway_mcp.models.writes import NightRun
from hostaway_mcp.privacy import free_text

STATUS_WORDS = {
    "available": "available",
    "reserved": "booked",
    "mreserved": "booked",
    "pending": "pending booking",
    "blocked": "blocked",
    "mblocked": "blocked",
    "hardBlock": "blocked",
    "conflicted": "conflicted",
}
HELD = frozenset({"booked", "pending booking"})


@dataclass(frozen=True)
class Night:
    """One night of a property's calendar, in plain words."""

    day: date
    status: str
    price: float | None
    minimum_stay: int | None
    note: str | None


@dataclass(frozen=True)
class PriceSummary:
    """A run's price: one `price` when every night has it, else the `lowest` and `highest`."""

    price: float | None
    lowest: float | None
    highest: float | None


def night_status(day: JSONObject | None) -> str:
    """A calendar day's status in plain words ("unknown" when Hostaway sent no day)."""
    if day is None:
        return "unknown"
    status = str(day.get("status") or "")
    if status and status != "available":
        return STATUS_WORDS.get(status, status)
    # `isAvailable` is the single-unit block flag: a 0 blocks the night whatever the status says.
    explicit = day.get("isAvailable")
    if explicit is None:
        return "available" if status else "unknown"
    return "available" if flag(explicit) else "blocked"


def night(raw: JSONObject | None, day: date) -> Night:
    raw = raw or {}
    return Night(
        day=day,
        status=night_status(raw if raw else None),
        price=money(raw.get("price")),
        minimum_stay=whole(raw.get("minimumStay")),
        note=free_text(raw.get("note")),
    )


def nights_of(first: date, end: date) -> list[date]:
    """The nights `[first, end)`: `end` is the check-out morning, not a night."""
    return [first + timedelta(days=offset) for offset in range((end - first).days)]


def days_by_date(
    items: Iterable[JSONObject], start: date | None = None, end: date | None = None
) -> dict[date, JSONObject]:
    """Calendar days keyed by date, optionally only those in `[start, end)`."""
    indexed: dict[date, JSONObject] = {}
    for item in items:
        day = parse_date(item.get("date"))
        if day is None or (start is not None and day < start) or (end is not None and day >= end):
            continue
        indexed[day] = item
    return indexed


# What `night_status` reads of a day: enough for a reader that only asks "booked, blocked or free?".
STATUS_FIELDS = ("date", "status", "isAvailable")


async def read_days(
    gateway: HostawayGateway, property_id: int, first: date, last: date, *, fields: Fields | None = None
) -> dict[date, JSONObject]:
    """The calendar days `[first, last]`, both included (the documented reading), in one call;
    `fields`: only these of each day (`date` among them: days are keyed by it)."""
    page = await gateway.get(
        f"listings/{property_id}/calendar",
        {"startDate": first.isoformat(), "endDate": last.isoformat(), "includeResources": 0},
        fields=fields,
    )
    return days_by_date(page.items)


def group_runs(nights: Sequence[Night], key: Callable[[Night], Hashable]) -> list[list[Night]]:
    """Consecutive nights with the same `key`, each group in date order."""
    groups: list[list[Night]] = []
    for item in nights:
        previous = groups[-1][-1] if groups else None
        if previous is not None and key(previous) == key(item) and previous.day + timedelta(days=1) == item.day:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def price_summary(nights: Sequence[Night]) -> PriceSummary:
    prices = {item.price for item in nights}
    known = [price for price in prices if price is not None]
    if len(prices) == 1:
        return PriceSummary(nights[0].price if nights else None, None, None)
    return PriceSummary(None, min(known) if known else None, max(known) if known else None)


def free_ranges(start: date, end: date, held: set[date]) -> list[tuple[date, date]]:
    """The check-in/check-out ranges within `[start, end)` that hold none of the `held` nights."""
    ranges: list[tuple[date, date]] = []
    run_start: date | None = None
    for day in nights_of(start, end):
        if day in held:
            if run_start is not None:
                ranges.append((run_start, day))
                run_start = None
        elif run_start is None:
            run_start = day
    if run_start is not None:
        ranges.append((run_start, end))
    return ranges


async def overlapping_reservations(
    gateway: HostawayGateway, property_id: int, start: date, end: date
) -> list[JSONObject]:
    """Every reservation of the property (any status) with a night in `[start, end)`.

    By the documented date filters, sent one day wide on each side (their inclusiveness is not
    documented); the overlap is decided here from the arrival and departure dates.
    """
    params: dict[str, str | int] = {
        "listingId": property_id,
        "arrivalEndDate": end.isoformat(),
        "departureStartDate": start.isoformat(),
    }
    found: list[JSONObject] = []
    async for page in gateway.iter_cursor_pages("reservations", params, page_size=100):
        for reservation in page:
            arrival = parse_date(reservation.get("arrivalDate"))
            departure = parse_date(reservation.get("departureDate"))
            if (
                arrival is not None
                and departure is not None
                and arrival < end
                and departure > start
                and ident(reservation.get("listingMapId")) in (None, property_id)
            ):
                found.append(reservation)
    return found


async def holding_bookings(gateway: HostawayGateway, property_id: int, start: date, end: date) -> list[JSONObject]:
    """Bookings that hold at least one night of `[start, end)` (the blocking statuses)."""
    overlapping = await overlapping_reservations(gateway, property_id, start, end)
    return [r for r in overlapping if str(r.get("status")) in BLOCKING_STATUSES]


def held_refusal(verb: str, nights: list[Night], bookings: list[JSONObject], start: date, end: date) -> str | None:
    """The refusal naming the bookings when any night of `[start, end)` is held by one, else None."""
    held: set[date] = {item.day for item in nights if item.status in HELD}
    named: set[date] = set()
    lines: list[str] = []
    for booking in sorted(bookings, key=lambda b: str(b.get("arrivalDate"))):
        arrival = parse_date(booking.get("arrivalDate"))
        departure = parse_date(booking.get("departureDate"))
        if arrival is None or departure is None:
            continue
        first, last = max(arrival, start), min(departure, end) - timedelta(days=1)
        holds = set(nights_of(first, last + timedelta(days=1)))
        held |= holds
        named |= holds
        # No guest name: the refusal text also goes to the audit log; the id is enough to look it up.
        source = channel_name(whole(booking.get("channelId")), booking.get("channelName"))
        lines.append(
            f"booking {booking.get('id')} ({source}, {arrival.isoformat()} to {departure.isoformat()}) "
            f"holds {first.isoformat()} to {last.isoformat()}"
        )
    if not held:
        return None
    unnamed = sorted(day for day in held if day not in named)
    if unnamed:
        lines.append(
            f"{len(unnamed)} more night(s) from {unnamed[0].isoformat()} show as booked in the calendar "
            "(Hostaway did not return the booking)"
        )
    free = free_ranges(start, end, held)
    around = (
        " To change the rest, use these ranges (start_date to end_date): "
        + "; ".join(f"{a.isoformat()} to {b.isoformat()}" for a, b in free)
        + "."
        if free
        else ""
    )
    return (
        f"Refused: {len(held)} of the nights are held by bookings, and {verb} never touches a booked night: "
        + "; ".join(lines)
        + ". Nothing was changed."
        + around
        + " A booking's nights are freed by cancelling or moving the booking, not by the calendar."
    )


def describe_nights(nights: Sequence[Night], currency: str | None) -> str:
    """One line for a run of nights (the confirmation form's "Now:" and "After:" lists)."""
    first, last = nights[0], nights[-1]
    summary = price_summary(nights)
    unit = f" {currency}" if currency else ""
    if summary.price is not None:
        price = f", {summary.price:.2f}{unit}"
    elif summary.lowest is not None and summary.highest is not None:
        price = f", {summary.lowest:.2f} to {summary.highest:.2f}{unit}"
    else:
        price = ""
    stays = {item.minimum_stay for item in nights}
    stay = f", min stay {first.minimum_stay}" if len(stays) == 1 and first.minimum_stay is not None else ""
    note = f", note: {first.note}" if first.note else ""
    count = len(nights)
    span = first.day.isoformat() + (f" to {last.day.isoformat()}" if count > 1 else "")
    return f"{span} ({count} night{'s' if count > 1 else ''}): {first.status}{price}{stay}{note}"


@dataclass
class StayCheck:
    """The verdict on one stay from its calendar days."""

    reasons: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)  # those of `reasons` that are stay rules, not taken nights
    total: float | None = None
    unavailable: list[date] = field(default_factory=list)  # nights that are not available

    @property
    def bookable(self) -> bool:
        return not self.reasons


def check_stay(days: dict[date, JSONObject], check_in: date, check_out: date) -> StayCheck:
    """Apply the booking rules to a stay, from the calendar days `[check_in, check_out]`."""
    nights = nights_of(check_in, check_out)
    result = StayCheck()
    # Unavailable nights, grouped into runs of consecutive nights with the same status.
    bad = [item for day in nights if (item := night(days.get(day), day)).status != "available"]
    result.unavailable = [item.day for item in bad]
    for group in group_runs(bad, lambda item: item.status):
        first, last, status = group[0].day, group[-1].day, group[0].status
        what = "has no calendar data" if status == "unknown" else status
        if first == last:
            result.reasons.append(f"night {first.isoformat()} {what}")
        else:
            result.reasons.append(f"nights {first.isoformat()} to {last.isoformat()} {what}")
    arrival = days.get(check_in) or {}
    min_stay, max_stay = whole(arrival.get("minimumStay")), whole(arrival.get("maximumStay"))
    if min_stay is not None and len(nights) < min_stay:
        result.rules.append(
            f"minimum stay {min_stay} nights for arrival on {check_in.isoformat()} (this stay is {len(nights)})"
        )
    if max_stay is not None and max_stay > 0 and len(nights) > max_stay:
        result.rules.append(
            f"maximum stay {max_stay} nights for arrival on {check_in.isoformat()} (this stay is {len(nights)})"
        )
    if flag(arrival.get("closedOnArrival")):
        result.rules.append(f"closed to arrival on {check_in.isoformat()}")
    # The check-out day is not a night of the stay, but its closedOnDeparture rule applies.
    if flag((days.get(check_out) or {}).get("closedOnDeparture")):
        result.rules.append(f"closed to departure on {check_out.isoformat()}")
    result.reasons.extend(result.rules)
    prices = [money((days.get(night) or {}).get("price")) for night in nights]
    if all(price is not None for price in prices):
        result.total = round(sum(price for price in prices if price is not None), 2)
    return result


def read_range_nights(days: dict[date, JSONObject], start: date, end: date) -> tuple[list[Night], list[date]]:
    """The nights `[start, end)` from `read_days`' answer, and those Hostaway left out."""
    nights = [night(days[day], day) for day in nights_of(start, end) if day in days]
    missing = [day for day in nights_of(start, end) if day not in days]
    return nights, missing


def _alike_runs(nights: Sequence[Night], max_runs: int) -> list[list[Night]]:
    """Runs of identical nights; past `max_runs`, runs of the same status and note only."""
    groups = group_runs(nights, lambda n: (n.status, n.note, n.price, n.minimum_stay))
    return groups if len(groups) <= max_runs else group_runs(nights, lambda n: (n.status, n.note))


def night_runs(nights: Sequence[Night], max_runs: int) -> list[NightRun]:
    """Collapse consecutive identical nights into runs.

    Nights are grouped by status, price, minimum stay and note. When that gives more than
    `max_runs` runs (prices or stay rules that vary night by night over a long range), they are
    grouped by status and note only, and each run gives its lowest and highest price instead.
    """
    result = []
    for group in _alike_runs(nights, max_runs):
        summary = price_summary(group)
        stays = {n.minimum_stay for n in group}
        result.append(
            NightRun(
                first_night=group[0].day,
                last_night=group[-1].day,
                nights=len(group),
                status=group[0].status,
                price=summary.price,
                lowest_price=summary.lowest,
                highest_price=summary.highest,
                minimum_stay=group[0].minimum_stay if len(stays) == 1 else None,
                note=group[0].note,
            )
        )
    return result


def describe_runs(nights: Sequence[Night], currency: str | None, max_runs: int, max_lines: int) -> list[str]:
    """The runs of `night_runs` as lines of text, at most `max_lines` and "... and N more runs"."""
    groups = _alike_runs(nights, max_runs)
    lines = [f"  {describe_nights(group, currency)}" for group in groups[:max_lines]]
    if len(groups) > max_lines:
        lines.append(f"  ... and {len(groups) - max_lines} more runs")
    return lines


def shows_values(day: JSONObject | None, fields: JSONObject) -> bool:
    """Whether a calendar day already has every value a calendar PUT `fields` sets."""
    if day is None:
        return False
    current = night(day, date.min)
    for key, wanted in fields.items():
        if key == "isAvailable" and (current.status == "available") != bool(wanted):
            return False
        if key == "price" and current.price != wanted:
            return False
        if key == "minimumStay" and current.minimum_stay != wanted:
            return False
        if key == "note" and current.note != wanted:
            return False
    return True
