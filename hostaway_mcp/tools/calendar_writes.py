"""Calendar writes: block, unblock and reprice a property's nights, confirmed by a person.

The three tools and their planners; what a calendar change is (its plan, how it is sent and
reconciled, its result) is in `calendar_change.py`, on the one write path (`tools/writes.py`).
Before asking anyone, a planner reads the property, the range's calendar and (for block/unblock)
the bookings overlapping it, and refuses to touch a night held by a booking, naming the booking.
Ranges are check-in/check-out style: `end_date` is the morning after the last night and is never
changed.

Whether Hostaway's `endDate` is inclusive is UNCONFIRMED (hostaway-api.md §4 assumes it is). We
send `endDate` = the last night, so the inclusive reading changes exactly the range and the
exclusive one can only fall short (never spill onto the check-out night, which may be the next
guest's arrival); Hostaway answers with the affected days, and a night missing from that answer
is reported as a warning.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from mcp.server.mcpserver import ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, StrictBool

from hostaway_mcp.calendar import (
    Night,
    held_refusal,
    holding_bookings,
    read_days,
    read_range_nights,
)
from hostaway_mcp.domain import listing_name, text
from hostaway_mcp.gateway import HostawayGateway, JSONObject
from hostaway_mcp.models.writes import CalendarWriteResult
from hostaway_mcp.tools._lookups import fetch_listing
from hostaway_mcp.tools._runtime import AppState, State
from hostaway_mcp.tools._validation import (
    IsoDate,
    PropertyId,
    check_night_range,
    check_not_past,
    check_not_past_anywhere,
)
from hostaway_mcp.tools.calendar_change import KINDS, Action, CalendarPlan
from hostaway_mcp.tools.confirmation import ConfirmationForm, audited_planning
from hostaway_mcp.tools.writes import asker, carry_out, screened

MAX_WRITE_NIGHTS = 366
MAX_NOTE_CHARS = 500
MAX_PRICE = 100_000.0
StartDate = Annotated[IsoDate, Field(description="First night to change.")]
EndDate = Annotated[
    IsoDate,
    Field(description="Check-out style: the morning after the last night."),
]


def _span(start: date, end: date) -> str:
    nights = (end - start).days
    last = end - timedelta(days=1)
    if nights == 1:
        return f"1 night ({start.isoformat()})"
    return f"{nights} nights ({start.isoformat()} to {last.isoformat()}, check-out {end.isoformat()})"


def _write_body(start: date, end: date, **fields: Any) -> JSONObject:
    # endDate = last night: see the module docstring (inclusive reading UNCONFIRMED; both safe).
    return {"startDate": start.isoformat(), "endDate": (end - timedelta(days=1)).isoformat(), **fields}


async def _read_range(gateway: HostawayGateway, property_id: int, start: date, end: date) -> list[Night]:
    """Every night of `[start, end)`, refusing when Hostaway leaves any out (nothing can be checked)."""
    # Through the check-out day: whether GET's end is inclusive is UNCONFIRMED, so ask one day more.
    nights, missing = read_range_nights(await read_days(gateway, property_id, start, end), start, end)
    if missing:
        raise ToolError(
            f"Hostaway returned no calendar for {len(missing)} of the nights (first {missing[0].isoformat()}), "
            "so the change cannot be checked. Nothing was changed; try a range within the next year."
        )
    return nights


# -- the planners (resolvers: they run before the tool body, and again on each 2026-07-28 round) ----


def _check_range(state: AppState, start: date, end: date) -> None:
    """The range's shape, and a start in the past in every time zone: refused before any request."""
    check_night_range(start, end, start_name="start_date", end_name="end_date", max_nights=MAX_WRITE_NIGHTS)
    check_not_past_anywhere(start, state.now(), "start_date")


def _check_not_past(state: AppState, listing: JSONObject, start: date) -> None:
    """Tonight is writable until midnight where the property is: its today, not the server's."""
    check_not_past(start, state.local_today(listing), "start_date")


async def _plan(
    state: AppState,
    action: Action,
    listing: JSONObject,
    property_id: int,
    start: date,
    end: date,
    body: JSONObject,
    change: str,
    before: list[Night],
    after: list[Night],
    warnings: list[str],
) -> CalendarPlan:
    plan = CalendarPlan(
        action=action,
        property_id=property_id,
        property_name=listing_name(listing, property_id),
        currency=text(listing.get("currencyCode")),
        start=start,
        end=end,
        body=body,
        change=change,
        before=before,
        after=after,
        warnings=warnings,
    )
    return await screened(state, KINDS[action], plan)


async def _plan_block(
    state: State, property_id: int, start_date: date, end_date: date, note: str | None
) -> CalendarPlan:
    ids = {"property_id": property_id, "start_date": start_date.isoformat(), "end_date": end_date.isoformat()}
    with audited_planning(state.settings, "block_dates", **ids):
        _check_range(state, start_date, end_date)
        clean_note = text(note)
        listing = await fetch_listing(state.gateway, property_id)
        _check_not_past(state, listing, start_date)
        before = await _read_range(state.gateway, property_id, start_date, end_date)
        bookings = await holding_bookings(state.gateway, property_id, start_date, end_date)
        refusal = held_refusal("blocking", before, bookings, start_date, end_date)
        if refusal is not None:
            raise ToolError(refusal)
        if clean_note is None and all(n.status == "blocked" for n in before):
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
        body = _write_body(start_date, end_date, **fields)
        return await _plan(
            state, "block", listing, property_id, start_date, end_date, body, change, before, after, warnings
        )


async def _plan_unblock(state: State, property_id: int, start_date: date, end_date: date) -> CalendarPlan:
    ids = {"property_id": property_id, "start_date": start_date.isoformat(), "end_date": end_date.isoformat()}
    with audited_planning(state.settings, "unblock_dates", **ids):
        _check_range(state, start_date, end_date)
        listing = await fetch_listing(state.gateway, property_id)
        _check_not_past(state, listing, start_date)
        before = await _read_range(state.gateway, property_id, start_date, end_date)
        bookings = await holding_bookings(state.gateway, property_id, start_date, end_date)
        # Opening a booked night could let a channel sell it twice: refused like blocking.
        refusal = held_refusal("unblocking", before, bookings, start_date, end_date)
        if refusal is not None:
            raise ToolError(refusal)
        if all(n.status == "available" for n in before):
            raise ToolError(
                f"Nothing to unblock: every night from {start_date.isoformat()} to {end_date.isoformat()} "
                "(check-out style) is already open for booking. Nothing was changed."
            )
        after = [Night(n.day, "available", n.price, n.minimum_stay, n.note) for n in before]
        already = sum(1 for n in before if n.status == "available")
        warnings = [f"{already} of the nights are already open."] if already else []
        body = _write_body(start_date, end_date, isAvailable=1)
        change = f"Reopen {_span(start_date, end_date)} for booking"
        return await _plan(
            state, "unblock", listing, property_id, start_date, end_date, body, change, before, after, warnings
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
        before = await _read_range(state.gateway, property_id, start_date, end_date)
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
        body = _write_body(start_date, end_date, **fields)
        return await _plan(
            state, "update_rates", listing, property_id, start_date, end_date, body, change, before, after, warnings
        )


# -- the tools ----------------------------------------------------------------------------------------

_ask_block = asker(_plan_block)
_ask_unblock = asker(_plan_unblock)
_ask_rates = asker(_plan_rates)

ConfirmArg = Annotated[
    StrictBool,
    Field(description="true only after the user agreed to the preview."),
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
        Field(
            max_length=MAX_NOTE_CHARS,
            description="Why the nights are blocked (shown in the Hostaway calendar).",
        ),
    ] = None,
    confirm: ConfirmArg = False,
) -> CalendarWriteResult:
    """Block a property's nights so they cannot be booked (owner stay, maintenance, a break).

    Nights held by a booking are never blocked: the call is refused and names the booking.
    """
    return await carry_out(state, KINDS["block"], plan, answer, confirm)


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

    Booked nights stay booked.
    """
    return await carry_out(state, KINDS["unblock"], plan, answer, confirm)


async def update_nightly_rates(
    state: State,
    plan: Annotated[CalendarPlan, Resolve(_plan_rates)],
    answer: Annotated[ElicitationResult[ConfirmationForm], Resolve(_ask_rates)],
    property_id: PropertyId,
    start_date: StartDate,
    end_date: EndDate,
    nightly_price: Annotated[
        float,
        Field(gt=0, le=MAX_PRICE, description="Per night, in the property's currency."),
    ],
    minimum_stay: Annotated[
        int | None,
        Field(ge=1, le=365, description="Also set these nights' minimum stay."),
    ] = None,
    confirm: ConfirmArg = False,
) -> CalendarWriteResult:
    """Set the nightly price (and optionally the minimum stay) of a property's nights.

    Existing bookings keep their price.
    """
    return await carry_out(state, KINDS["update_rates"], plan, answer, confirm)
