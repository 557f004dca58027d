"""Payment tools: a booking's charges, and which bookings still owe money.

`list_unpaid_balances` reads the period's bookings that may owe and their charges through
`_owing.py`, which splits the charge requests as Hostaway's limits demand (200 ids, 60 days). The
user sees none of this, only the balances.

A booking's balance is Hostaway's `remainingBalance`; where Hostaway does not serve it, it is
computed from the charges (`charges.py`). OTAs collect their guests' money themselves, so their
bookings have no guest charges and (normally) nothing to collect.

Calls: `get_booking_payments` = 1 (the booking) + the booking's charge pages (at most 500 each).
`list_unpaid_balances` = the period's reservation pages (`paging.reservation_pages`: long periods
in arrival-date windows side by side) + per 60-day window, ceil(bookings that may owe / 200) charge
requests (more only past 500 charges in one chunk; a booking Hostaway reports paid is not asked
about), at most `paging.CONCURRENCY` in flight, each reported as progress.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated

from pydantic import Field

from hostaway_mcp import paging
from hostaway_mcp.charges import (
    CHARGE_FIELDS,
    KIND_WORDS,
    ONLINE_METHODS,
    Charge,
    Tally,
    parse_charges,
    refund_refusal,
    refundable,
    refunded_by_charge,
    tally,
)
from hostaway_mcp.domain import channel_name, ident, money, parse_date, status_words, text
from hostaway_mcp.gateway import HostawayGateway, JSONObject
from hostaway_mcp.models.common import next_offset
from hostaway_mcp.models.payments import (
    BookingPayments,
    ChargeLine,
    CurrencyBalance,
    DueCharge,
    UnpaidBalance,
    UnpaidBalances,
)
from hostaway_mcp.tools._lookups import fetch_reservation
from hostaway_mcp.tools._owing import (
    CHARGE_PAGE,
    CHARGES_PATH,
    MAX_CHARGE_PAGES,
    NOTHING_OWED,
    arrival_windows,
    arriving_bookings,
    charges_of_bookings,
)
from hostaway_mcp.tools._runtime import State
from hostaway_mcp.tools._validation import MAX_OFFSET, BookingId, IsoDate, PropertyId, check_period
from hostaway_mcp.tools.bookings import fill_property_names, guest_full_name

MAX_PROPERTY_IDS = 500
DEFAULT_BACK_DAYS = 30
DEFAULT_AHEAD_DAYS = 89


async def booking_charges(gateway: HostawayGateway, booking_id: int) -> list[Charge]:
    """Every charge of one booking (`reservationId`), oldest first."""
    pages = await paging.offset_pages(
        gateway,
        CHARGES_PATH,
        {"reservationId": booking_id},
        page_size=CHARGE_PAGE,
        max_pages=MAX_CHARGE_PAGES,
        what="guest charges",
        fields=CHARGE_FIELDS,
    )
    found = [c for c in parse_charges(paging.items_of(pages)) if c.reservation_id in (None, booking_id)]
    return sorted(found, key=lambda c: (c.scheduled or c.charged or "", c.id))


def charge_lines(charges: Sequence[Charge], currency: str | None) -> list[ChargeLine]:
    refunded = refunded_by_charge(charges)
    lines = []
    for charge in charges:
        done = refunded.get(charge.id, 0.0)
        refusal = refund_refusal(charge, done) if charge.is_paid_charge else None
        lines.append(
            ChargeLine(
                charge_id=charge.id,
                kind=KIND_WORDS.get(charge.type, charge.type),
                title=charge.title,
                method=charge.method_words,
                status=charge.status_words,
                amount=charge.amount,
                currency=charge.currency if charge.currency not in (None, currency) else None,
                description=charge.description,
                scheduled=charge.scheduled if charge.scheduled != charge.charged else None,
                charged=charge.charged,
                refunded=done or None,
                refund_of=charge.refund_of,
                refundable=refundable(charge, done) if charge.is_paid_charge and refusal is None else None,
                note=charge.provider_message or (_short_refusal(charge) if refusal and charge.is_paid_charge else None),
            )
        )
    return lines


def _short_refusal(charge: Charge) -> str | None:
    if charge.method in ONLINE_METHODS:
        return "Paid online: refunds go through the payment provider (Hostaway dashboard), not record_refund."
    return None


def balance_of(reservation: JSONObject, counted: Tally, has_charges: bool) -> float | None:
    """Hostaway's remainingBalance, or the charges' arithmetic where it is missing."""
    reported = money(reservation.get("remainingBalance"))
    if reported is not None:
        return reported
    total = money(reservation.get("totalPrice"))
    return counted.balance(total) if has_charges and total is not None else None


async def get_booking_payments(state: State, booking_id: BookingId) -> BookingPayments:
    """Show what a booking's guest paid, still owes, had refunded and holds as a deposit, charge by charge.

    Card details never appear. Airbnb, Booking.com and Vrbo bookings are paid to the platform, so
    they usually have no charges here.
    """
    reservation, charges = await asyncio.gather(
        fetch_reservation(state.gateway, booking_id, includePayments=1), booking_charges(state.gateway, booking_id)
    )
    currency = text(reservation.get("currency"))
    counted = tally(charges, currency)
    notes = []
    if not charges:
        notes.append("No guest charges in Hostaway for this booking (platform bookings are paid to the platform).")
    if counted.other_currency:
        notes.append(f"{counted.other_currency} charge(s) in another currency are listed but not added up.")
    if counted.failed:
        notes.append(f"{counted.failed} charge(s) failed (card declined): that money is still owed.")
    return BookingPayments(
        booking_id=booking_id,
        property_name=text(reservation.get("listingName")),
        guest_name=guest_full_name(reservation),
        arrival=parse_date(reservation.get("arrivalDate")),
        departure=parse_date(reservation.get("departureDate")),
        status=status_words(reservation.get("status")),
        channel=channel_name(reservation.get("channelId"), reservation.get("channelName")),
        currency=currency,
        total_price=money(reservation.get("totalPrice")),
        paid=counted.paid,
        refunded=counted.refunded,
        due=counted.owed_by_charges,
        held=counted.held,
        remaining_balance=balance_of(reservation, counted, bool(charges)),
        payment_status=text(reservation.get("paymentStatus")),
        charges=charge_lines(charges, currency),
        notes=notes,
    )


async def list_unpaid_balances(
    state: State,
    start_date: Annotated[IsoDate | None, Field(description="First arrival date (default: 30 days ago).")] = None,
    end_date: Annotated[IsoDate | None, Field(description="Last arrival date (default: 90 days from today).")] = None,
    property_ids: Annotated[
        list[PropertyId] | None, Field(max_length=MAX_PROPERTY_IDS, description="Only these properties.")
    ] = None,
    limit: Annotated[int, Field(ge=1, le=100)] = 25,
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0,
) -> UnpaidBalances:
    """List the guests who still owe money: bookings arriving in the period with a balance, largest first.

    Each row: paid, owed, and the charges due or failed (card declined). Platform bookings (Airbnb,
    Booking.com, Vrbo) are paid to the platform and rarely owe anything here.
    """
    today = state.now().date()
    start = start_date or today - timedelta(days=DEFAULT_BACK_DAYS)
    end = end_date or max(start, today) + timedelta(days=DEFAULT_AHEAD_DAYS)
    check_period(start, end)
    ids = list(dict.fromkeys(property_ids or []))
    bookings, checked = await arriving_bookings(state.gateway, start, end, ids)
    charges = await charges_of_bookings(state.gateway, arrival_windows(bookings, start, end))
    owing: list[tuple[JSONObject, float, Tally, list[Charge]]] = []
    unknown = 0
    for booking in bookings:
        booking_id = ident(booking.get("id")) or 0
        own = charges.get(booking_id, [])
        counted = tally(own, text(booking.get("currency")))
        remaining = balance_of(booking, counted, bool(own))
        if remaining is None:
            unknown += 1
        elif remaining > NOTHING_OWED:
            owing.append((booking, remaining, counted, own))
    owing = _largest_first(owing)
    page = owing[offset : offset + limit]
    names = await fill_property_names(state, [row for row, *_ in page])
    items = [_unpaid_row(row, remaining, counted, own, names) for row, remaining, counted, own in page]
    notes = []
    if unknown:
        notes.append(f"{unknown} booking(s) have no balance in Hostaway and no charges to compute one from.")
    return UnpaidBalances(
        start_date=start,
        end_date=end,
        items=items,
        totals=_totals(owing),
        bookings_checked=checked,
        total=len(owing),
        offset=offset,
        limit=limit,
        next_offset=next_offset(offset, len(items), len(owing)),
        note=" ".join(notes) or None,
    )


def _largest_first(
    owing: list[tuple[JSONObject, float, Tally, list[Charge]]],
) -> list[tuple[JSONObject, float, Tally, list[Charge]]]:
    """Largest balance first within each currency; the currency owed most comes first."""
    by_currency: dict[str | None, float] = {}
    for row, remaining, _, _ in owing:
        currency = text(row.get("currency"))
        by_currency[currency] = by_currency.get(currency, 0.0) + remaining
    return sorted(
        owing, key=lambda item: (-by_currency[text(item[0].get("currency"))], str(item[0].get("currency")), -item[1])
    )


def _totals(owing: list[tuple[JSONObject, float, Tally, list[Charge]]]) -> list[CurrencyBalance]:
    rows: dict[str | None, tuple[int, float]] = {}
    for row, remaining, _, _ in owing:
        currency = text(row.get("currency"))
        count, amount = rows.get(currency, (0, 0.0))
        rows[currency] = (count + 1, amount + remaining)
    return [CurrencyBalance(currency=c, bookings=n, remaining=round(a, 2)) for c, (n, a) in rows.items()]


def _unpaid_row(
    row: JSONObject, remaining: float, counted: Tally, own: list[Charge], names: dict[int, str]
) -> UnpaidBalance:
    listing_id = ident(row.get("listingMapId"))
    due = sorted((c for c in own if c.is_owed), key=lambda c: (c.scheduled or "", c.id))
    return UnpaidBalance(
        booking_id=ident(row.get("id")) or 0,
        property_id=listing_id,
        property_name=text(row.get("listingName")) or (names.get(listing_id) if listing_id else None),
        guest_name=guest_full_name(row),
        arrival=parse_date(row.get("arrivalDate")),
        departure=parse_date(row.get("departureDate")),
        status=status_words(row.get("status")),
        channel=channel_name(row.get("channelId"), row.get("channelName")),
        currency=text(row.get("currency")),
        total_price=money(row.get("totalPrice")),
        paid=round(counted.paid - counted.refunded, 2),
        remaining=remaining,
        due_charges=[
            DueCharge(charge_id=c.id, amount=c.amount, status=c.status_words, scheduled=c.scheduled) for c in due
        ],
    )
