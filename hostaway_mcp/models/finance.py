"""Results of the revenue tools: per-currency metrics, groups and booking lines."""

from __future__ import annotations

from pydantic import Field

from hostaway_mcp.models.bookings import CompactResult
from hostaway_mcp.models.common import GuestName, ResultModel


class RevenueMetrics(ResultModel):
    """Figures for one currency; money in that currency, ratios null when undefined."""

    currency: str
    revenue: float = Field(description="Accommodation revenue (see definitions).")
    gross: float = Field(description="The same share of totalPrice (cleaning fee and taxes included).")
    booked_nights: int
    owner_stay_nights: int = Field(description="Owner-stay nights: no revenue, not available to rent.")
    blocked_nights: int = Field(description="Calendar-blocked nights in the period: not available to rent.")
    available_nights: int = Field(description="Nights available to rent: property nights minus owner and blocked.")
    occupancy: float | None = Field(description="booked_nights / available_nights, 0 to 1.")
    adr: float | None = Field(description="revenue / booked_nights.")
    revpar: float | None = Field(description="revenue / available_nights.")
    bookings: int
    cancellations: int
    cancelled_value: float
    cancellation_fees: float = Field(description="Kept from cancelled bookings where Hostaway reports it; not revenue.")


class RevenueGroup(RevenueMetrics):
    key: str = Field(description="Property id, channel name ('owner_stay' for owner stays) or YYYY-MM.")
    label: str


class RevenueReport(ResultModel):
    start_date: str
    end_date: str
    basis: str
    group_by: str
    totals: list[RevenueMetrics] = Field(description="One row per currency; never add rows together.")
    groups: list[RevenueGroup] = Field(description="This page of groups; each carries its currency.")
    groups_total: int
    offset: int
    limit: int
    next_offset: int | None = Field(description="Pass as `offset` for the next page of groups; null on the last.")
    owner_stay_nights: int = Field(description="Owner-stay nights in scope (occupied, no revenue), all currencies.")
    properties_in_scope: int
    ignored: dict[str, int] = Field(description="Bookings in the period that count nowhere, by Hostaway status.")
    definitions: dict[str, str]
    source: str
    as_of: str | None = Field(
        default=None, description="Set when answered from the local mirror: its bookings are as of this time (UTC)."
    )


class BookingLine(CompactResult):
    booking_id: int
    guest_name: GuestName
    status: str
    channel: str
    arrival_date: str
    departure_date: str
    nights: int
    nights_in_period: int = Field(description="Nights counted in the period under the basis.")
    currency: str
    total_price: float | None
    cleaning_fee: float | None
    taxes: float | None
    channel_commission: float | None
    revenue: float = Field(
        description="totalPrice - cleaningFee - taxAmount for the whole booking; 0 for owner stays and cancellations."
    )
    revenue_in_period: float = Field(description="The revenue counted in this period; lines add up to the totals.")
    cancelled_value: float | None = Field(
        default=None, description="Cancelled bookings: the revenue it would have brought in this period."
    )
    cancellation_fee: float | None = Field(
        default=None, description="Cancelled bookings: the fee kept in this period, only where Hostaway reports one."
    )
    payout: float | None = Field(description="Host payout where the reservation states it (Airbnb); else null.")


class PropertyFinancials(ResultModel):
    property_id: int
    property_name: str
    start_date: str
    end_date: str
    basis: str
    totals: list[RevenueMetrics] = Field(description="One row per currency (normally one).")
    owner_stay_nights: int
    bookings: list[BookingLine] = Field(description="This page of counted bookings, by arrival date.")
    total: int = Field(description="Counted bookings in all pages (revenue, owner stays, cancellations).")
    offset: int
    limit: int
    next_offset: int | None = Field(description="Pass as `offset` for the next page of bookings; null on the last.")
    ignored: dict[str, int] = Field(description="Bookings in the period that count nowhere, by Hostaway status.")
    definitions: dict[str, str]
    source: str
    as_of: str | None = Field(
        default=None, description="Set when answered from the local mirror: its bookings are as of this time (UTC)."
    )
