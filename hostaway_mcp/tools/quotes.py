"""Price quotes: Hostaway's own price of a stay, and whether the stay can be booked at all.

`quote_stay` answers "how much would these dates cost?". The price is Hostaway's
(`POST /listings/{id}/calendar/priceDetails`, `version: 2`): its total and its components typed
price, discount (negative), fee and tax, never a sum made up here. The stay is judged first with
the availability verdict (`calendar.check_stay`, plus the property's capacity and its own
"today"); a stay that cannot be booked gets its reasons and no price, and costs no quote request.

Coupons are refused, by design. Applying one in Hostaway takes `POST /reservationCoupons`,
which creates a record in the account before the quote can use it; a quote that wrote would
have to be confirmed by a person, annotated as a write and hidden in read-only mode, which is
the opposite of what a quick "how much?" needs. So `quote_stay` stays read-only and a coupon
gets a clear refusal (before anything is sent) that says how to go on.

`read_stay` and `fetch_quote` are also what `create_booking`, `update_booking` and
`search_available_properties(with_quotes=true)` use, so every tool judges and prices a stay the
same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, get_args

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from hostaway_mcp.calendar import check_stay, night_status, nights_of
from hostaway_mcp.domain import flag, listing_name, money, text, whole
from hostaway_mcp.errors import UpstreamError
from hostaway_mcp.gateway import HostawayGateway, JSONObject
from hostaway_mcp.localtime import LocalToday, past_reason
from hostaway_mcp.models.quotes import LineKind, PriceLine, PriceSummary, QuoteResult
from hostaway_mcp.tools._lookups import fetch_listing_and_days
from hostaway_mcp.tools._runtime import AppState, State
from hostaway_mcp.tools._validation import IsoDate, PropertyId, check_night_range, check_not_past_anywhere

MAX_GUESTS = 50
COUPON_REFUSAL = (
    "quote_stay does not apply coupons: Hostaway applies a coupon only through a reservation-coupon "
    "record it creates in the account (POST /reservationCoupons), and quote_stay only reads, never "
    "creates anything. Nothing was sent. Call quote_stay again without coupon for Hostaway's own "
    "price, tell the user the coupon's discount is not in it, and apply the coupon in the Hostaway "
    "dashboard when the booking is made."
)
_KINDS = frozenset(get_args(LineKind))


@dataclass(frozen=True)
class Stay:
    """One stay at one property, judged: the listing, today there, and why it cannot be booked."""

    property_id: int
    listing: JSONObject
    check_in: date
    check_out: date
    guests: int
    reasons: list[str]  # every reason it cannot be booked: taken nights first, then `rules`
    rules: list[str]  # the reasons that are rules (stay length, arrival/departure days, capacity, the past)
    limits: list[str]  # the rules no stay may break: capacity, and a start before today there
    local: LocalToday

    @property
    def bookable(self) -> bool:
        return not self.reasons

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

    @property
    def name(self) -> str:
        return listing_name(self.listing, self.property_id)

    @property
    def currency(self) -> str | None:
        return text(self.listing.get("currencyCode"))


@dataclass(frozen=True)
class Quote:
    """Hostaway's price of a stay: its lines, their sums, and its components exactly as it sent them."""

    total: float
    components: list[JSONObject]  # verbatim: what a booking sends back as financeField[]
    lines: list[PriceLine]
    summary: PriceSummary
    notes: list[str]


async def read_stay(
    state: AppState,
    property_id: int,
    check_in: date,
    check_out: date,
    guests: int,
    *,
    own_nights: tuple[date, date] | None = None,
    past_allowed: bool = False,
) -> Stay:
    """The listing and the stay's calendar (two calls at once), judged by the availability verdict.

    `own_nights`: the nights a booking being changed holds now; they count as free for it.
    `past_allowed`: a stay already under way may start before today (its check-out may still move).
    """
    # Through check_out: the check-out day's closedOnDeparture belongs to the stay.
    listing, days = await fetch_listing_and_days(state.gateway, property_id, check_in, check_out)
    if own_nights is not None:
        for day in nights_of(*own_nights):
            if day in days and night_status(days[day]) == "booked":
                days[day] = {**days[day], "status": "available", "isAvailable": 1}
    verdict = check_stay(days, check_in, check_out)
    local = state.local_today(listing)
    past = None if past_allowed else past_reason(check_in, local, "check_in")
    capacity = whole(listing.get("personCapacity"))
    crowd = (
        f"the property sleeps at most {capacity} guests (this stay is for {guests})"
        if capacity is not None and guests > capacity
        else None
    )
    taken = [reason for reason in verdict.reasons if reason not in verdict.rules]
    rules = [*([past] if past else []), *verdict.rules, *([crowd] if crowd else [])]
    limits = [reason for reason in (past, crowd) if reason]
    reasons = [*([past] if past else []), *taken, *rules[1 if past else 0 :]]
    return Stay(property_id, listing, check_in, check_out, guests, reasons, rules, limits, local)


async def fetch_quote(
    gateway: HostawayGateway, property_id: int, check_in: date, check_out: date, guests: int
) -> Quote:
    """Hostaway's price of the stay: one `priceDetails` call (version 2), from the quote bucket."""
    answer = await gateway.post(
        f"listings/{property_id}/calendar/priceDetails",
        {
            "startingDate": check_in.isoformat(),
            "endingDate": check_out.isoformat(),
            "numberOfGuests": guests,
            "version": 2,
        },
    )
    return parse_quote(answer.object, (check_out - check_in).days)


def parse_quote(result: JSONObject, nights: int) -> Quote:
    """A priceDetails answer as lines and sums; Hostaway's total is the total, whatever the lines add to."""
    total = money(result.get("totalPrice"))
    raw = result.get("components")
    if total is None or not isinstance(raw, list):
        raise UpstreamError("Hostaway's price quote had no total or no components. Try again in a moment.")
    notes: list[str] = []
    components = [c for c in raw if isinstance(c, dict) and not flag(c.get("isDeleted"))]
    lines: list[PriceLine] = []
    for component in components:
        amount = money(component.get("total"))
        if amount is None:
            amount = money(component.get("value"))
        if amount is None:
            continue
        kind = text(component.get("type")) or "fee"
        if kind not in _KINDS:
            notes.append(f"Hostaway listed {text(component.get('title')) or kind} as {kind!r}; it is shown as a fee.")
            kind = "fee"
        name = text(component.get("name")) or kind
        lines.append(
            PriceLine(
                kind=kind,  # checked against LineKind above
                name=name,
                title=text(component.get("title")) or name,
                amount=amount,
                in_total=flag(component.get("isIncludedInTotalPrice")),
            )
        )
    summary = _summary(lines, total, nights)
    counted = round(sum(line.amount for line in lines if line.in_total), 2)
    if abs(counted - total) > 0.005:
        notes.append(f"Hostaway's total ({total:.2f}) is not the sum of its lines ({counted:.2f}); its total is shown.")
    return Quote(total=total, components=components, lines=lines, summary=summary, notes=notes)


def _summary(lines: list[PriceLine], total: float, nights: int) -> PriceSummary:
    def added(keep: Any) -> float:
        return round(sum(line.amount for line in lines if line.in_total and keep(line)), 2)

    base = added(lambda line: line.kind == "price")
    return PriceSummary(
        total=total,
        nights=base,
        average_nightly=round(base / nights, 2) if nights else 0.0,
        cleaning_fee=added(lambda line: line.name == "cleaningFee"),
        other_fees=added(lambda line: line.kind == "fee" and line.name != "cleaningFee"),
        discounts=added(lambda line: line.kind == "discount"),
        taxes=added(lambda line: line.kind == "tax"),
        not_in_total=round(sum(line.amount for line in lines if not line.in_total), 2),
    )


def describe_quote(quote: Quote, currency: str | None) -> list[str]:
    """The quote's lines for a confirmation form: what is in the total, then what is charged apart."""
    unit = f" {currency}" if currency else ""
    counted = [f"{line.title} {line.amount:.2f}" for line in quote.lines if line.in_total]
    apart = [f"{line.title} {line.amount:.2f}" for line in quote.lines if not line.in_total]
    lines = [f"  Breakdown{unit}: " + ", ".join(counted)] if counted else []
    if apart:
        lines.append("  Charged apart from the total: " + ", ".join(apart))
    return lines


def check_stay_arguments(state: AppState, check_in: date, check_out: date) -> int:
    """The stay's shape, and a check-in in the past everywhere: refused before any request."""
    nights = check_night_range(check_in, check_out, start_name="check_in", end_name="check_out")
    check_not_past_anywhere(check_in, state.now(), "check_in")
    return nights


def quote_result(stay: Stay, quote: Quote | None, notes: list[str]) -> QuoteResult:
    return QuoteResult(
        property_id=stay.property_id,
        property_name=stay.name,
        check_in=stay.check_in,
        check_out=stay.check_out,
        nights=stay.nights,
        guests=stay.guests,
        bookable=stay.bookable,
        reasons=stay.reasons,
        currency=stay.currency,
        price=quote.summary if quote is not None else None,
        lines=quote.lines if quote is not None else [],
        cancellation_policy=text(stay.listing.get("cancellationPolicy")),
        local_today=stay.local.describe(),
        notes=[*(quote.notes if quote is not None else []), *notes],
    )


async def quote_stay(
    state: State,
    property_id: PropertyId,
    check_in: Annotated[IsoDate, Field(description="Arrival: the first night.")],
    check_out: Annotated[IsoDate, Field(description="Departure: the morning after the last night.")],
    guests: Annotated[int, Field(ge=1, le=MAX_GUESTS)],
    coupon: Annotated[
        str | None,
        Field(
            max_length=50,
            description="Refused: a coupon needs a record made in Hostaway.",
        ),
    ] = None,
) -> QuoteResult:
    """Quote a stay: Hostaway's own price for these dates and guests, and whether it can be booked.

    Line by line (nightly base, cleaning, fees, taxes, discounts as negative amounts). A stay that
    cannot be booked gets bookable=false, its reasons and no price.
    """
    if coupon is not None and coupon.strip():
        raise ToolError(COUPON_REFUSAL)
    check_stay_arguments(state, check_in, check_out)
    stay = await read_stay(state, property_id, check_in, check_out, guests)
    if not stay.bookable:
        return quote_result(stay, None, ["No price: the stay cannot be booked as asked (see reasons)."])
    quote = await fetch_quote(state.gateway, property_id, check_in, check_out, guests)
    return quote_result(stay, quote, [])
