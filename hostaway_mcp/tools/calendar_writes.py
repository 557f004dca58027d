"""Calendar writes: block, unblock and reprice a property's nights, confirmed by a person.

All three go through `PUT /listings/{id}/calendar` with one range. Before asking anyone, the plan
reads the property, the range's calendar and (for block/unblock) the bookings overlapping it, and
refuses to touch a night held by a booking, naming the booking. Ranges are check-in/check-out
style: `end_date` is the morning after the last night and is never changed.

Whether Hostaway's `endDate` is inclusive is UNCONFIRMED (hostaway-api.md §4 assumes it is). We
send `endDate` = the last night, so the inclusive reading changes exactly the range and the
exclusive one can only fall short (never spill onto the check-out night, which may be the next
guest's arrival); Hostaway answers with the affected days, and a night missing from that answer
is reported as a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from hostaway_mcp import audit
from hostaway_mcp.confirmation import ConfirmationForm, Verdict, ask, audited_planning, decide, not_done_text
from hostaway_mcp.domain import BLOCKING_STATUSES, channel_name, flag, money, parse_date, text, whole
from hostaway_mcp.errors import HostawayError, OutcomeUnknownError, UpstreamError
from hostaway_mcp.gateway import HostawayGateway, JSONObject
from hostaway_mcp.models.writes import CalendarWriteResult, NightRun
from hostaway_mcp.privacy import free_text
from hostaway_mcp.tools._lookups import fetch_listing
from hostaway_mcp.tools._runtime import AppState, State
from hostaway_mcp.tools._validation import (
    IsoDate,
    PropertyId,
    check_night_range,
    check_not_past,
    check_not_past_anywhere,
)

MAX_WRITE_NIGHTS = 366
MAX_NOTE_CHARS = 500
MAX_PRICE = 100_000.0
QUESTION_RUNS = 12  # runs listed in a confirmation form before "... and N more"
MAX_RUNS = 14  # runs in a result before prices are summarised as lowest/highest per run

Action = Literal["block", "unblock", "update_rates"]
HELD_STATUSES = frozenset({"reserved", "pending", "mreserved"})
STATUS_WORDS = {
    "available": "available",
    "blocked": "blocked",
    "hardBlock": "blocked",
    "mblocked": "blocked",
    "reserved": "booked",
    "mreserved": "booked",
    "pending": "pending booking",
}
TOOL_NAMES: dict[Action, str] = {
    "block": "block_dates",
    "unblock": "unblock_dates",
    "update_rates": "update_nightly_rates",
}

StartDate = Annotated[
    IsoDate, Field(description="First night to change (YYYY-MM-DD), today or later in the property's time zone.")
]
EndDate = Annotated[
    IsoDate,
    Field(description="The morning after the last night to change (YYYY-MM-DD), check-out style: not itself changed."),
]


@dataclass(frozen=True)
class Night:
    day: date
    status: str
    price: float | None
    minimum_stay: int | None
    note: str | None


@dataclass(frozen=True)
class CalendarPlan:
    """Exactly what one calendar write would do, built from fresh reads before anything is asked."""

    action: Action
    property_id: int
    property_name: str
    currency: str | None
    start: date
    end: date
    body: JSONObject
    change: str
    before: list[Night]
    after: list[Night]
    warnings: list[str] = field(default_factory=list)

    @property
    def tool(self) -> str:
        return TOOL_NAMES[self.action]

    @property
    def last_night(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def nights(self) -> int:
        return (self.end - self.start).days

    def question(self) -> str:
        lines = [f"{self.change} at {self.property_name} (property {self.property_id})?", "", "Now:"]
        lines += _describe_runs(runs(self.before), self.currency)
        lines += ["After:"]
        lines += _describe_runs(runs(self.after), self.currency)
        lines += [f"Note: {warning}" for warning in self.warnings]
        return "\n".join(lines)

    def audit_fields(self) -> dict[str, Any]:
        changes = {key: value for key, value in self.body.items() if key not in ("startDate", "endDate", "note")}
        note = self.body.get("note")
        return {
            "property_id": self.property_id,
            "start_date": self.start.isoformat(),
            "end_date": self.end.isoformat(),
            "first_night": self.start.isoformat(),
            "last_night": self.last_night.isoformat(),
            "nights": self.nights,
            "changes": changes,
            "note_chars": len(note) if isinstance(note, str) else None,
        }

    def result(
        self,
        status: Literal["preview", "updated", "declined", "cancelled"],
        *,
        next_step: str,
        after: list[Night] | None = None,
        confirmed_by: Literal["form", "confirm"] | None = None,
        warnings: Iterable[str] = (),
    ) -> CalendarWriteResult:
        return CalendarWriteResult(
            status=status,
            action=self.action,
            property_id=self.property_id,
            property_name=self.property_name,
            currency=self.currency,
            start_date=self.start,
            end_date=self.end,
            first_night=self.start,
            last_night=self.last_night,
            nights=self.nights,
            change=self.change,
            before=runs(self.before),
            after=runs(self.after if after is None else after),
            confirmed_by=confirmed_by,
            warnings=[*self.warnings, *warnings],
            next_step=next_step,
        )


# -- reading the range ----------------------------------------------------------------------------


def _night(raw: JSONObject, day: date) -> Night:
    status = str(raw.get("status") or "")
    word = STATUS_WORDS.get(status)
    if word is None:
        word = "available" if flag(raw.get("isAvailable")) else "blocked"
    return Night(
        day=day,
        status=word,
        price=money(raw.get("price")),
        minimum_stay=whole(raw.get("minimumStay")),
        note=free_text(raw.get("note")),
    )


def _days_by_date(items: Iterable[JSONObject], start: date, end: date) -> dict[date, JSONObject]:
    days: dict[date, JSONObject] = {}
    for item in items:
        day = parse_date(item.get("date"))
        if day is not None and start <= day < end:
            days[day] = item
    return days


async def _read_calendar(gateway: HostawayGateway, property_id: int, start: date, end: date) -> list[Night]:
    # endDate = the check-out day: whether GET's end is inclusive is UNCONFIRMED, so ask for one
    # day more and keep only the nights of the range.
    page = await gateway.get(
        f"listings/{property_id}/calendar",
        {"startDate": start.isoformat(), "endDate": end.isoformat(), "includeResources": 0},
    )
    days = _days_by_date(page.items, start, end)
    missing = [start + timedelta(days=i) for i in range((end - start).days) if start + timedelta(days=i) not in days]
    if missing:
        raise ToolError(
            f"Hostaway returned no calendar for {len(missing)} of the nights (first {missing[0].isoformat()}), "
            "so the change cannot be checked. Nothing was changed; try a range within the next year."
        )
    return [_night(days[day], day) for day in sorted(days)]


async def _overlapping_bookings(gateway: HostawayGateway, property_id: int, start: date, end: date) -> list[JSONObject]:
    """Bookings that hold at least one night of [start, end), by the documented date filters.

    The filters are sent one day wide on each side (their inclusiveness is not documented) and
    the overlap is decided here from the arrival and departure dates.
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
                and str(reservation.get("status")) in BLOCKING_STATUSES
                and whole(reservation.get("listingMapId")) in (None, property_id)
            ):
                found.append(reservation)
    return found


def _refuse_held_nights(verb: str, before: list[Night], bookings: list[JSONObject], start: date, end: date) -> None:
    """Raise a refusal naming the bookings when any night of the range is held by one."""
    held: set[date] = {night.day for night in before if night.status in ("booked", "pending booking")}
    named: set[date] = set()
    lines: list[str] = []
    for booking in sorted(bookings, key=lambda b: str(b.get("arrivalDate"))):
        arrival = parse_date(booking.get("arrivalDate"))
        departure = parse_date(booking.get("departureDate"))
        assert arrival is not None and departure is not None  # filtered in _overlapping_bookings
        first, last = max(arrival, start), min(departure, end) - timedelta(days=1)
        nights = {first + timedelta(days=i) for i in range((last - first).days + 1)}
        held |= nights
        named |= nights
        # No guest name: the refusal text also goes to the audit log; the id is enough to look it up.
        source = channel_name(whole(booking.get("channelId")), booking.get("channelName"))
        lines.append(
            f"booking {booking.get('id')} ({source}, {arrival.isoformat()} to {departure.isoformat()}) "
            f"holds {first.isoformat()} to {last.isoformat()}"
        )
    if not held:
        return
    unnamed = sorted(day for day in held if day not in named)
    if unnamed:
        lines.append(
            f"{len(unnamed)} more night(s) from {unnamed[0].isoformat()} show as booked in the calendar "
            "(Hostaway did not return the booking)"
        )
    free = _free_ranges(start, end, held)
    around = (
        " To change the rest, use these ranges (start_date to end_date): "
        + "; ".join(f"{a.isoformat()} to {b.isoformat()}" for a, b in free)
        + "."
        if free
        else ""
    )
    raise ToolError(
        f"Refused: {len(held)} of the nights are held by bookings, and {verb} never touches a booked night: "
        + "; ".join(lines)
        + ". Nothing was changed."
        + around
        + " A booking's nights are freed by cancelling or moving the booking, not by the calendar."
    )


def _free_ranges(start: date, end: date, held: set[date]) -> list[tuple[date, date]]:
    ranges: list[tuple[date, date]] = []
    run_start: date | None = None
    day = start
    while day < end:
        if day in held:
            if run_start is not None:
                ranges.append((run_start, day))
                run_start = None
        elif run_start is None:
            run_start = day
        day += timedelta(days=1)
    if run_start is not None:
        ranges.append((run_start, end))
    return ranges


def runs(nights: list[Night], max_runs: int = MAX_RUNS) -> list[NightRun]:
    """Collapse consecutive identical nights into runs.

    Nights are grouped by status, price, minimum stay and note. When that gives more than
    `max_runs` runs (prices or stay rules that vary night by night over a long range), they are
    grouped by status and note only, and each run gives its lowest and highest price instead.
    """
    exact = _group(nights, exact=True)
    return exact if len(exact) <= max_runs else _group(nights, exact=False)


def _group(nights: list[Night], *, exact: bool) -> list[NightRun]:
    def key(night: Night) -> tuple[Any, ...]:
        if exact:
            return (night.status, night.note, night.price, night.minimum_stay)
        return (night.status, night.note)

    groups: list[list[Night]] = []
    for night in nights:
        previous = groups[-1][-1] if groups else None
        if previous is not None and key(previous) == key(night) and previous.day + timedelta(days=1) == night.day:
            groups[-1].append(night)
        else:
            groups.append([night])
    result = []
    for group in groups:
        first = group[0]
        prices = {n.price for n in group}
        stays = {n.minimum_stay for n in group}
        known = [price for price in prices if price is not None]
        varied = len(prices) > 1 and bool(known)
        result.append(
            NightRun(
                first_night=first.day,
                last_night=group[-1].day,
                nights=len(group),
                status=first.status,
                price=None if len(prices) > 1 else first.price,
                lowest_price=min(known) if varied else None,
                highest_price=max(known) if varied else None,
                minimum_stay=first.minimum_stay if len(stays) == 1 else None,
                note=first.note,
            )
        )
    return result


def _describe_runs(items: list[NightRun], currency: str | None) -> list[str]:
    lines = []
    for run in items[:QUESTION_RUNS]:
        unit = f" {currency}" if currency else ""
        if run.price is not None:
            price = f", {run.price:.2f}{unit}"
        elif run.lowest_price is not None and run.highest_price is not None:
            price = f", {run.lowest_price:.2f} to {run.highest_price:.2f}{unit}"
        else:
            price = ""
        stay = f", min stay {run.minimum_stay}" if run.minimum_stay is not None else ""
        note = f", note: {run.note}" if run.note else ""
        span = run.first_night.isoformat() + (f" to {run.last_night.isoformat()}" if run.nights > 1 else "")
        lines.append(f"  {span} ({run.nights} night{'s' if run.nights > 1 else ''}): {run.status}{price}{stay}{note}")
    if len(items) > QUESTION_RUNS:
        lines.append(f"  ... and {len(items) - QUESTION_RUNS} more runs")
    return lines


def _listing_name(listing: JSONObject, property_id: int) -> str:
    return text(listing.get("name")) or text(listing.get("internalListingName")) or f"Property {property_id}"


def _span(start: date, end: date) -> str:
    nights = (end - start).days
    last = end - timedelta(days=1)
    if nights == 1:
        return f"1 night ({start.isoformat()})"
    return f"{nights} nights ({start.isoformat()} to {last.isoformat()}, check-out {end.isoformat()})"


def _write_body(start: date, end: date, **fields: Any) -> JSONObject:
    # endDate = last night: see the module docstring (inclusive reading UNCONFIRMED; both safe).
    return {"startDate": start.isoformat(), "endDate": (end - timedelta(days=1)).isoformat(), **fields}


# -- the planners (resolvers: they run before the tool body, and again on each 2026-07-28 round) ----


def _check_range(state: AppState, start: date, end: date) -> None:
    """The range's shape, and a start in the past in every time zone: refused before any request."""
    check_night_range(start, end, start_name="start_date", end_name="end_date", max_nights=MAX_WRITE_NIGHTS)
    check_not_past_anywhere(start, state.now(), "start_date")


def _check_not_past(state: AppState, listing: JSONObject, start: date) -> None:
    """Tonight is writable until midnight where the property is: its today, not the server's."""
    check_not_past(start, state.local_today(listing), "start_date")


async def _plan_block(
    state: State, property_id: int, start_date: date, end_date: date, note: str | None
) -> CalendarPlan:
    ids = {"property_id": property_id, "start_date": start_date.isoformat(), "end_date": end_date.isoformat()}
    with audited_planning(state.settings, "block_dates", **ids):
        _check_range(state, start_date, end_date)
        clean_note = text(note)
        listing = await fetch_listing(state.gateway, property_id)
        _check_not_past(state, listing, start_date)
        before = await _read_calendar(state.gateway, property_id, start_date, end_date)
        bookings = await _overlapping_bookings(state.gateway, property_id, start_date, end_date)
        _refuse_held_nights("blocking", before, bookings, start_date, end_date)
        if clean_note is None and all(night.status == "blocked" for night in before):
            raise ToolError(
                f"Nothing to block: every night from {start_date.isoformat()} to {end_date.isoformat()} "
                "(check-out style) is already blocked. Nothing was changed."
            )
        fields: JSONObject = {"isAvailable": 0}
        if clean_note is not None:
            fields["note"] = clean_note
        after = [
            Night(n.day, "blocked", n.price, n.minimum_stay, clean_note if clean_note is not None else n.note)
            for n in before
        ]
        change = f"Block {_span(start_date, end_date)} so they cannot be booked" + (
            f', with the note "{clean_note}"' if clean_note else ""
        )
        already = sum(1 for n in before if n.status == "blocked")
        warnings = [f"{already} of the nights are already blocked."] if already else []
        return CalendarPlan(
            action="block",
            property_id=property_id,
            property_name=_listing_name(listing, property_id),
            currency=text(listing.get("currencyCode")),
            start=start_date,
            end=end_date,
            body=_write_body(start_date, end_date, **fields),
            change=change,
            before=before,
            after=after,
            warnings=warnings,
        )


async def _plan_unblock(state: State, property_id: int, start_date: date, end_date: date) -> CalendarPlan:
    ids = {"property_id": property_id, "start_date": start_date.isoformat(), "end_date": end_date.isoformat()}
    with audited_planning(state.settings, "unblock_dates", **ids):
        _check_range(state, start_date, end_date)
        listing = await fetch_listing(state.gateway, property_id)
        _check_not_past(state, listing, start_date)
        before = await _read_calendar(state.gateway, property_id, start_date, end_date)
        bookings = await _overlapping_bookings(state.gateway, property_id, start_date, end_date)
        # Opening a booked night could let a channel sell it twice: refused like blocking.
        _refuse_held_nights("unblocking", before, bookings, start_date, end_date)
        if all(night.status == "available" for night in before):
            raise ToolError(
                f"Nothing to unblock: every night from {start_date.isoformat()} to {end_date.isoformat()} "
                "(check-out style) is already open for booking. Nothing was changed."
            )
        after = [Night(n.day, "available", n.price, n.minimum_stay, n.note) for n in before]
        already = sum(1 for n in before if n.status == "available")
        warnings = [f"{already} of the nights are already open."] if already else []
        return CalendarPlan(
            action="unblock",
            property_id=property_id,
            property_name=_listing_name(listing, property_id),
            currency=text(listing.get("currencyCode")),
            start=start_date,
            end=end_date,
            body=_write_body(start_date, end_date, isAvailable=1),
            change=f"Reopen {_span(start_date, end_date)} for booking",
            before=before,
            after=after,
            warnings=warnings,
        )


async def _plan_rates(
    state: State,
    property_id: int,
    start_date: date,
    end_date: date,
    nightly_price: float,
    minimum_stay: int | None,
) -> CalendarPlan:
    ids = {"property_id": property_id, "start_date": start_date.isoformat(), "end_date": end_date.isoformat()}
    with audited_planning(state.settings, "update_nightly_rates", **ids):
        _check_range(state, start_date, end_date)
        price = round(nightly_price, 2)
        if price <= 0:
            raise ToolError("nightly_price must be more than 0. Nothing was changed.")
        listing = await fetch_listing(state.gateway, property_id)
        _check_not_past(state, listing, start_date)
        currency = text(listing.get("currencyCode"))
        before = await _read_calendar(state.gateway, property_id, start_date, end_date)
        fields: JSONObject = {"price": price}
        if minimum_stay is not None:
            fields["minimumStay"] = minimum_stay
        after = [
            Night(n.day, n.status, price, minimum_stay if minimum_stay is not None else n.minimum_stay, n.note)
            for n in before
        ]
        change = f"Set the nightly price to {price:.2f}{' ' + currency if currency else ''}" + (
            f" and the minimum stay to {minimum_stay} night{'s' if minimum_stay != 1 else ''}"
            if minimum_stay is not None
            else ""
        )
        change += f" for {_span(start_date, end_date)}"
        warnings: list[str] = []
        booked = sum(1 for n in before if n.status in ("booked", "pending booking"))
        if booked:
            warnings.append(
                f"{booked} of the nights are already booked; those bookings keep the price they were booked at."
            )
        current = [n.price for n in before if n.price]
        if current:
            average = sum(current) / len(current)
            if price < average * 0.5 or price > average * 2:
                warnings.append(
                    f"The new price is {price / average:.0%} of the current average ({average:.2f}); "
                    "make sure it is not a typo."
                )
        return CalendarPlan(
            action="update_rates",
            property_id=property_id,
            property_name=_listing_name(listing, property_id),
            currency=currency,
            start=start_date,
            end=end_date,
            body=_write_body(start_date, end_date, **fields),
            change=change,
            before=before,
            after=after,
            warnings=warnings,
        )


async def _ask_block(
    ctx: Context, plan: Annotated[CalendarPlan, Resolve(_plan_block)]
) -> ConfirmationForm | Elicit[ConfirmationForm]:
    return ask(ctx, plan.question())


async def _ask_unblock(
    ctx: Context, plan: Annotated[CalendarPlan, Resolve(_plan_unblock)]
) -> ConfirmationForm | Elicit[ConfirmationForm]:
    return ask(ctx, plan.question())


async def _ask_rates(
    ctx: Context, plan: Annotated[CalendarPlan, Resolve(_plan_rates)]
) -> ConfirmationForm | Elicit[ConfirmationForm]:
    return ask(ctx, plan.question())


# -- doing it -----------------------------------------------------------------------------------


async def _carry_out(state: AppState, plan: CalendarPlan, verdict: Verdict) -> CalendarWriteResult:
    """Preview, report a "no", or send the one PUT: never retried once it may have left."""
    tool = plan.tool
    if verdict.decision != "proceed":
        audit.record(state.settings, tool, verdict.audit_outcome, response=verdict.response, **plan.audit_fields())
        if verdict.decision == "preview":
            return plan.result(
                "preview",
                next_step="Nothing was changed. Show the user this preview (property, nights, before and after) "
                f"and ask whether to apply it. Only after the user explicitly agrees, call {tool} again with "
                "the same arguments and confirm=true.",
            )
        status: Literal["declined", "cancelled"] = "cancelled" if verdict.decision == "cancelled" else "declined"
        return plan.result(status, next_step=not_done_text(verdict, "nothing was changed"))
    try:
        answer = await state.gateway.put(f"listings/{plan.property_id}/calendar", plan.body)
    except (OutcomeUnknownError, UpstreamError) as exc:
        audit.record(
            state.settings,
            tool,
            "unknown",
            detail=_cause(exc),
            confirmed_by=verdict.confirmed_by,
            **plan.audit_fields(),
        )
        raise ToolError(
            f"Outcome unknown: the calendar change for property {plan.property_id} may or may not have been "
            f"applied ({_cause(exc)}); it was not retried. Check the calendar with check_property_availability "
            f"for {plan.start.isoformat()} to {plan.end.isoformat()} before trying again."
        ) from None
    except HostawayError as exc:
        audit.record(
            state.settings,
            tool,
            "failed",
            detail=_cause(exc),
            confirmed_by=verdict.confirmed_by,
            **plan.audit_fields(),
        )
        raise ToolError(f"The calendar was NOT changed. {exc.message}") from None
    except BaseException:
        audit.record(
            state.settings,
            tool,
            "unknown",
            detail="internal error while writing",
            confirmed_by=verdict.confirmed_by,
            **plan.audit_fields(),
        )
        raise
    audit.record(state.settings, tool, "updated", confirmed_by=verdict.confirmed_by, **plan.audit_fields())
    returned = _days_by_date(answer.items, plan.start, plan.end)
    after = [_night(returned[n.day], n.day) if n.day in returned else n for n in plan.after]
    warnings: list[str] = []
    unreported = [n.day for n in plan.after if n.day not in returned]
    if unreported and returned:
        warnings.append(
            f"Hostaway's answer did not list {len(unreported)} night(s) as changed (first "
            f"{unreported[0].isoformat()}); check them with check_property_availability."
        )
    elif not returned:
        warnings.append("Hostaway's answer listed no days; 'after' shows the intended values.")
    return plan.result(
        "updated",
        after=after,
        confirmed_by=verdict.confirmed_by,
        warnings=warnings,
        next_step=f"Done. Tell the user: {plan.change[0].lower() + plan.change[1:]} at {plan.property_name}: applied.",
    )


def _cause(exc: HostawayError) -> str:
    status = getattr(exc, "status_code", None)
    return type(exc).__name__ + (f" HTTP {status}" if status else "")


ConfirmArg = Annotated[
    bool,
    Field(description="true only after the user has seen the preview and explicitly agreed to this change."),
]


async def block_dates(
    state: State,
    plan: Annotated[CalendarPlan, Resolve(_plan_block)],
    answer: Annotated[ElicitationResult[ConfirmationForm], Resolve(_ask_block)],
    property_id: PropertyId,
    start_date: StartDate,
    end_date: EndDate,
    note: Annotated[
        str | None,
        Field(max_length=MAX_NOTE_CHARS, description="Why the nights are blocked (shown in the Hostaway calendar)."),
    ] = None,
    confirm: ConfirmArg = False,
) -> CalendarWriteResult:
    """Block a property's nights so they cannot be booked (owner stay, maintenance, a break).

    The property id comes from list_properties. end_date is the morning after the last night
    (check-out style). Nights held by a booking are never blocked: the call is refused and names
    the booking. A call without confirm=true changes nothing and returns a preview (nights, before
    and after); show it to the user and call again with confirm=true only after the user agrees.
    Clients that can show a confirmation form ask the user directly and ignore confirm.
    """
    return await _carry_out(state, plan, decide(answer, confirm))


async def unblock_dates(
    state: State,
    plan: Annotated[CalendarPlan, Resolve(_plan_unblock)],
    answer: Annotated[ElicitationResult[ConfirmationForm], Resolve(_ask_unblock)],
    property_id: PropertyId,
    start_date: StartDate,
    end_date: EndDate,
    confirm: ConfirmArg = False,
) -> CalendarWriteResult:
    """Reopen a property's blocked nights for booking.

    The property id comes from list_properties. end_date is the morning after the last night
    (check-out style). Booked nights cannot be opened (the call is refused and names the booking).
    A call without confirm=true changes nothing and returns a preview; show it to the user and
    call again with confirm=true only after the user agrees. Clients that can show a confirmation
    form ask the user directly and ignore confirm.
    """
    return await _carry_out(state, plan, decide(answer, confirm))


async def update_nightly_rates(
    state: State,
    plan: Annotated[CalendarPlan, Resolve(_plan_rates)],
    answer: Annotated[ElicitationResult[ConfirmationForm], Resolve(_ask_rates)],
    property_id: PropertyId,
    start_date: StartDate,
    end_date: EndDate,
    nightly_price: Annotated[
        float,
        Field(gt=0, le=MAX_PRICE, description="The new price of each night, in the property's currency."),
    ],
    minimum_stay: Annotated[
        int | None,
        Field(ge=1, le=365, description="Also set the minimum nights for stays arriving on these nights."),
    ] = None,
    confirm: ConfirmArg = False,
) -> CalendarWriteResult:
    """Set the nightly price (and optionally the minimum stay) of a property's nights.

    The property id comes from list_properties; the price is in the property's currency. end_date
    is the morning after the last night (check-out style). Existing bookings keep their price. A
    call without confirm=true changes nothing and returns a preview (old → new values); show it to
    the user and call again with confirm=true only after the user agrees. Clients that can show a
    confirmation form ask the user directly and ignore confirm.
    """
    return await _carry_out(state, plan, decide(answer, confirm))
