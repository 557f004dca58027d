"""Availability tools: which properties can take a stay, and one property's calendar.

A stay is check-in/check-out style: its nights are `[check_in, check_out)`. It is bookable when
every night is available, the check-in night's `minimumStay` and `maximumStay` allow its length,
the check-in day is not closed to arrival and the check-out day is not closed to departure.
"""

# Over 400 lines for now: the search and the one-property calendar share the stay rules
# (`check_stay`, `fetch_calendar`); it is being extended in parallel (quotes), split after that.

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import Field, StrictBool

from hostaway_mcp import progress
from hostaway_mcp.calendar import StayCheck, check_stay, group_runs, night, nights_of, read_days
from hostaway_mcp.domain import flag, ident, listing_name, money, text, whole
from hostaway_mcp.errors import HostawayError, NotFoundError
from hostaway_mcp.gateway import HostawayGateway, JSONObject
from hostaway_mcp.localtime import LocalToday, listing_today, local_days, past_reason
from hostaway_mcp.models.properties import (
    AvailabilityRun,
    AvailabilitySearch,
    AvailableProperty,
    NearMiss,
    PropertyAvailability,
)
from hostaway_mcp.models.quotes import PriceSummary
from hostaway_mcp.progress import ProgressReporter
from hostaway_mcp.tools._directory import FACT_FIELDS
from hostaway_mcp.tools._lookups import fetch_listing_and_days
from hostaway_mcp.tools._runtime import AppState, State
from hostaway_mcp.tools._validation import (
    MAX_AMOUNT,
    MAX_OFFSET,
    SHORT_TEXT_CHARS,
    IsoDate,
    PropertyId,
    check_night_range,
    check_not_past_anywhere,
)
from hostaway_mcp.tools.quotes import fetch_quote

logger = logging.getLogger(__name__)

# Candidates fetched by the one `GET /listings` of a search (the page size clients use in practice).
CANDIDATE_PAGE = 100
# What a search reads of a listing (names, time zone, currency, its filters, the cleaning fee): the
# candidates page is parsed down to it, never held as 100 whole listings (1.3 MB of JSON).
CANDIDATE_FIELDS = (*FACT_FIELDS, "city", "personCapacity", "bedroomsNumber", "cleaningFee")
# Calendars verified beyond `limit` to replace rejected candidates: a search makes at most
# 1 + limit + EXTRA_CHECKS calls, whatever the portfolio size. With the default limit (10) that
# is 15, a small share of one window of the general gate (180 of Hostaway's 200 per 10 s), so a
# default search never waits on the rate limiter from idle.
EXTRA_CHECKS = 4
MAX_NEAR_MISSES = 10
# Results a search with with_quotes prices with Hostaway's quote (one priceDetails call each).
MAX_QUOTED = 5
# What this server run has learned about availabilityDateEnd (see `_learn_end_reading`).
END_READING_KEY = "availability_end_reading"
CHECK_OUT_READING = "check-out day"
# The availabilityDateEnd each recent search started with, so its later pages send the same.
SEARCH_ENDS_KEY = "availability_search_ends"
MAX_REMEMBERED_SEARCHES = 200


async def fetch_calendar(gateway: HostawayGateway, property_id: int, start: date, end: date) -> dict[date, JSONObject]:
    """Calendar days `[start, end]`, both ends included (the documented reading)."""
    return await read_days(gateway, property_id, start, end)


# -- search_available_properties ----------------------------------------------------------------


async def search_available_properties(
    state: State,
    check_in: Annotated[
        IsoDate,
        Field(description="Arrival date: the first night."),
    ],
    check_out: Annotated[IsoDate, Field(description="The morning the stay ends, not a night.")],
    guests: Annotated[int, Field(ge=1, le=50, description="Number of guests.")] = 1,
    city: Annotated[
        str | None,
        Field(max_length=SHORT_TEXT_CHARS, description="Only properties in this city (exact name)."),
    ] = None,
    min_bedrooms: Annotated[int | None, Field(ge=0, le=50, description="At least this many bedrooms.")] = None,
    max_total_price: Annotated[
        float | None,
        Field(
            gt=0,
            le=MAX_AMOUNT,
            description="Highest total_price, in each property's currency.",
        ),
    ] = None,
    limit: Annotated[int, Field(ge=1, le=25)] = 10,
    offset: Annotated[
        int,
        Field(ge=0, le=MAX_OFFSET, description="next_offset of the same search."),
    ] = 0,
    with_quotes: Annotated[
        StrictBool,
        Field(description=f"Hostaway's full price of the first {MAX_QUOTED} results too."),
    ] = False,
) -> AvailabilitySearch:
    """Find properties that can be booked for a stay: free every night, rules met, room for the guests.

    Checked night by night against calendar and stay rules. total_price is the nightly rates,
    total_with_cleaning adds the cleaning fee (no taxes or channel fees). near_misses says why
    checked properties failed.
    """
    nights = check_night_range(check_in, check_out, start_name="check_in", end_name="check_out")
    now = state.now()
    check_not_past_anywhere(check_in, now, "check_in")
    last_night = check_out - timedelta(days=1)
    # Whether availabilityDateEnd is the last night or the check-out day is UNCONFIRMED
    # (hostaway-api.md §3). Sending the last night gives a superset under both readings: read as
    # "last night", it asks for exactly our nights; read as "check-out day", it asks for one night
    # fewer, a weaker filter. Sending check_out would, under the first reading, also demand the
    # check-out night be free and wrongly drop properties. Calendars decide in the end, and once
    # they have shown the check-out-day reading (`_learn_end_reading`), check_out is exact.
    wanted_city = city.strip() if city and city.strip() else None
    # A search keeps the end date it started with: `offset` counts positions in that query's
    # answer, so a later page must not switch to the reading learned meanwhile.
    started: dict[tuple[Any, ...], date] = state.extras.setdefault(SEARCH_ENDS_KEY, {})
    search_key = (check_in, check_out, guests, wanted_city.casefold() if wanted_city else None)
    if offset > 0 and search_key in started:
        end = started[search_key]
    else:
        end = check_out if state.extras.get(END_READING_KEY) == CHECK_OUT_READING else last_night
    started.pop(search_key, None)
    started[search_key] = end
    while len(started) > MAX_REMEMBERED_SEARCHES:
        started.pop(next(iter(started)))
    params: dict[str, Any] = {
        "availabilityDateStart": check_in.isoformat(),
        "availabilityDateEnd": end.isoformat(),
        "availabilityGuestNumber": guests,
        "limit": CANDIDATE_PAGE,
        "offset": offset,
        "includeResources": 0,
    }
    if wanted_city:
        params["city"] = wanted_city
    page = await state.gateway.get("listings", params, fields=CANDIDATE_FIELDS)
    listings = page.items

    # Filters the listing data answers without a call. Capacity and city repeat what Hostaway's
    # filters should have done, so a filter Hostaway ignores cannot produce a wrong answer.
    queue: list[tuple[int, JSONObject]] = []
    judged: list[tuple[int, LocalToday]] = []  # (property id, its today) for `local_today`
    past: list[NearMiss] = []
    for position, listing in enumerate(listings):
        capacity, bedrooms = whole(listing.get("personCapacity")), whole(listing.get("bedroomsNumber"))
        listing_city = text(listing.get("city"))
        listing_id = ident(listing.get("id"))
        if listing_id is None:
            continue
        if capacity is not None and capacity < guests:
            continue
        if min_bedrooms is not None and (bedrooms is None or bedrooms < min_bedrooms):
            continue
        if wanted_city and listing_city and listing_city.casefold() != wanted_city.casefold():
            continue
        local = listing_today(listing, now)
        judged.append((listing_id, local))
        # Tonight stays bookable until midnight where the property is: no calendar call needed to
        # tell that a check-in before the property's own today cannot be booked.
        reason = past_reason(check_in, local, "check_in")
        if reason is not None:
            past.append(NearMiss(id=listing_id, name=listing_name(listing), reasons=[reason]))
            continue
        queue.append((position, listing))

    # Verify calendars in rounds, each round only as many as still needed, all of a round at once
    # (the gateway's limiter paces them). Rejected candidates are replaced up to EXTRA_CHECKS.
    found: list[AvailableProperty] = []
    misses: list[NearMiss] = []
    verdicts: list[StayCheck] = []
    budget = limit + EXTRA_CHECKS
    checked = 0
    reporter = progress.current()
    reporter.expect(1)  # the candidates page, already read
    await reporter.step("properties: candidates read")
    while len(found) < limit and checked < len(queue) and checked < budget:
        batch = queue[checked : checked + min(limit - len(found), budget - checked)]
        reporter.expect(len(batch))
        outcomes = await asyncio.gather(
            *(_verify(state.gateway, listing, check_in, check_out, reporter) for _, listing in batch),
            return_exceptions=True,
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        checked += len(batch)
        for (_, listing), verdict in zip(batch, outcomes, strict=True):
            assert not isinstance(verdict, BaseException)
            verdicts.append(verdict)
            item = _shortlist(listing, verdict, nights, max_total_price)
            if isinstance(item, AvailableProperty):
                found.append(item)
            else:
                misses.append(item)

    if end == last_night:
        _learn_end_reading(state.extras, verdicts, last_night)
    quote_notes: list[str] = []
    if with_quotes and found:
        found, quote_notes = await _with_quotes(state, found, check_in, check_out, guests, reporter)

    # Where the next call should resume: the first unchecked candidate, else the next API page.
    if checked < len(queue):
        resume: int | None = offset + queue[checked][0]
    elif page.count is not None:
        resume = offset + len(listings) if offset + len(listings) < page.count else None
    else:
        resume = offset + len(listings) if len(listings) >= CANDIDATE_PAGE else None

    notes: list[str] = []
    if resume is not None:
        notes.append(
            f"Checked {checked} candidate(s); more properties may be bookable: call again with offset={resume}."
        )
    if not listings and offset == 0:
        notes.append(
            f"Hostaway's availability filter found no property free from {check_in.isoformat()} to "
            f"{check_out.isoformat()} for {guests} guest(s){f' in {wanted_city}' if wanted_city else ''}."
        )
    notes.extend(quote_notes)
    currencies = sorted({c for _, listing in queue if (c := text(listing.get("currencyCode")))})
    if max_total_price is not None and len(currencies) > 1:
        notes.append(
            f"max_total_price was applied in each property's own currency ({', '.join(currencies)}); "
            "add city to compare within one currency."
        )
    return AvailabilitySearch(
        check_in=check_in,
        check_out=check_out,
        first_night=check_in,
        last_night=last_night,
        nights=nights,
        guests=guests,
        items=found,
        near_misses=[*misses, *past][:MAX_NEAR_MISSES] if len(found) < limit else [],
        candidates_checked=checked,
        local_today=local_days(judged),
        notes=notes,
        total=len(found) if offset == 0 and resume is None else None,
        offset=offset,
        limit=limit,
        next_offset=resume,
    )


def quote_room(state: AppState) -> int:
    """Quotes that fit in Hostaway's quote bucket right now (in the legacy profile, the general gates too)."""
    budget = state.gateway.limiter.budget()
    gates = {gate.name: gate for gate in budget.gates}
    room = gates["quotes"].available if "quotes" in gates else MAX_QUOTED
    if budget.profile == "legacy":
        room = min(room, budget.general.available)
    return room


async def _with_quotes(
    state: AppState,
    found: list[AvailableProperty],
    check_in: date,
    check_out: date,
    guests: int,
    reporter: ProgressReporter,
) -> tuple[list[AvailableProperty], list[str]]:
    """The first results with Hostaway's own price: at most MAX_QUOTED, and never more than the
    quote bucket holds right now, so a search neither waits on it nor uses it up."""
    wanted = min(len(found), MAX_QUOTED)
    count = min(wanted, quote_room(state))
    notes: list[str] = []
    if count < wanted:
        notes.append(
            f"Hostaway's price-quote limit is nearly used up right now, so only {count} of the first {wanted} "
            "properties were quoted; quote the others with quote_stay in a few seconds."
        )
    elif len(found) > count:
        notes.append(f"The first {count} properties carry Hostaway's own price (quote); quote_stay prices the others.")
    reporter.expect(count)

    async def priced(item: AvailableProperty) -> PriceSummary | None:
        try:
            quote = await fetch_quote(state.gateway, item.id, check_in, check_out, guests)
        except HostawayError as exc:
            notes.append(f"{item.name}: no quote ({exc.message})")
            return None
        finally:
            await reporter.step(f"quotes: {reporter.done} of {reporter.expected} done")
        return quote.summary

    quotes = await asyncio.gather(*(priced(item) for item in found[:count]))
    quoted = [item.model_copy(update={"quote": quote}) for item, quote in zip(found, quotes, strict=False)]
    return quoted + found[count:], notes


def _learn_end_reading(extras: dict[str, Any], verdicts: list[StayCheck], last_night: date) -> None:
    """Remember that Hostaway reads availabilityDateEnd as the check-out day, when calendars show it.

    Asked with the last night as availabilityDateEnd, an API reading it as "last night" never
    returns a property whose last night is taken. Several candidates free on every night but the
    last, and none taken on any other night (which would mean the filter is unreliable, not
    shifted), can only come from the check-out-day reading; from then on this server run sends
    check_out, which is exact under that reading.
    """
    last_only = sum(1 for verdict in verdicts if verdict.unavailable == [last_night])
    elsewhere = sum(1 for verdict in verdicts if any(night != last_night for night in verdict.unavailable))
    if last_only >= 2 and elsewhere == 0:
        extras[END_READING_KEY] = CHECK_OUT_READING
        logger.info("Hostaway reads availabilityDateEnd as the check-out day; searches now send check_out")


def _shortlist(
    listing: JSONObject, verdict: StayCheck, nights: int, max_total_price: float | None
) -> AvailableProperty | NearMiss:
    """The search result for one verified candidate: bookable, or a near miss with its reasons."""
    currency = text(listing.get("currencyCode"))
    reasons = list(verdict.reasons)
    total = verdict.total
    if total is None:
        reasons.append("no nightly price is set for some nights of the stay")
    elif max_total_price is not None and total > max_total_price:
        reasons.append(
            f"total {total:.2f}{f' {currency}' if currency else ''} is over max_total_price {max_total_price:.2f}"
        )
    if reasons or total is None:
        return NearMiss(id=ident(listing["id"]) or 0, name=listing_name(listing), reasons=reasons)
    cleaning = money(listing.get("cleaningFee"))
    return AvailableProperty(
        id=ident(listing["id"]) or 0,
        name=listing_name(listing),
        city=text(listing.get("city")),
        bedrooms=whole(listing.get("bedroomsNumber")),
        max_guests=whole(listing.get("personCapacity")),
        total_price=total,
        avg_nightly_price=round(total / nights, 2),
        cleaning_fee=cleaning,
        total_with_cleaning=round(total + (cleaning or 0.0), 2),
        currency=currency,
    )


async def _verify(
    gateway: HostawayGateway, listing: JSONObject, check_in: date, check_out: date, reporter: ProgressReporter
) -> StayCheck:
    try:
        # The check-out day is fetched too: its closedOnDeparture rule applies to the stay.
        days = await fetch_calendar(gateway, ident(listing["id"]) or 0, check_in, check_out)
    except NotFoundError:
        return StayCheck(reasons=["its calendar was not found"])
    finally:
        await reporter.step(f"calendars: {reporter.done} of {reporter.expected - 1} checked")
    return check_stay(days, check_in, check_out)


# -- check_property_availability ----------------------------------------------------------------


async def check_property_availability(
    state: State,
    property_id: PropertyId,
    start_date: Annotated[IsoDate, Field(description="First night.")],
    end_date: Annotated[IsoDate, Field(description="Check-out day: the morning after the last night.")],
) -> PropertyAvailability:
    """Show one property's calendar night by night for a date range, and whether that stay is bookable.

    Nights come in runs of the same status, price and minimum stay. `bookable` treats the range as
    one stay (check-in start_date, check-out end_date); `reasons` names each rule it fails.
    """
    nights = check_night_range(start_date, end_date, start_name="start_date", end_name="end_date")
    now = state.now()
    # Through end_date: the check-out day's closedOnDeparture belongs to the stay.
    listing, days = await fetch_listing_and_days(state.gateway, property_id, start_date, end_date)

    verdict = check_stay(days, start_date, end_date)
    local = listing_today(listing, now)
    past = past_reason(start_date, local, "start_date")
    if past is not None:
        verdict.reasons.insert(0, past)

    # Runs of consecutive nights with the same (status, price, minimum stay). A night that cannot
    # be booked has no price or minimum stay worth reading, so those runs group by status alone
    # (a week-long booking is one run, whatever its nightly rates).
    calendar = [night(days.get(day), day) for day in nights_of(start_date, end_date)]
    groups = group_runs(
        calendar,
        lambda n: (n.status, n.price, n.minimum_stay) if n.status == "available" else (n.status, None, None),
    )
    runs = [
        AvailabilityRun(
            first_night=group[0].day,
            last_night=group[-1].day,
            nights=len(group),
            status=group[0].status,
            price=group[0].price if group[0].status == "available" else None,
            min_stay=group[0].minimum_stay if group[0].status == "available" else None,
        )
        for group in groups
    ]
    # Calendar days [start_date, end_date]: nights for arrival, and the check-out day for departure.
    span = nights_of(start_date, end_date + timedelta(days=1))
    return PropertyAvailability(
        property_id=property_id,
        property_name=listing_name(listing, property_id),
        first_night=start_date,
        last_night=end_date - timedelta(days=1),
        nights=nights,
        bookable=verdict.bookable,
        reasons=verdict.reasons,
        total_price=verdict.total,
        currency=text(listing.get("currencyCode")),
        runs=runs,
        closed_to_arrival=[day for day in span[:-1] if flag(days.get(day, {}).get("closedOnArrival"))],
        closed_to_departure=[day for day in span if flag(days.get(day, {}).get("closedOnDeparture"))],
        local_today=local.describe(),
    )
