"""Results about price quotes: Hostaway's own price of a stay, line by line, and whether it is bookable."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from hostaway_mcp.models.common import ResultModel

LineKind = Literal["price", "discount", "fee", "tax"]


class PriceLine(ResultModel):
    """One component of Hostaway's price, as it names it."""

    kind: LineKind = Field(description="Discounts are negative.")
    name: str = Field(description="Hostaway's name: baseRate, weeklyDiscount, cleaningFee, vat...")
    title: str
    amount: float
    in_total: bool = Field(description="false: charged apart (a refundable deposit).")


class PriceSummary(ResultModel):
    """The quote's lines added up by kind (only lines that are part of the total)."""

    total: float = Field(description="What the guest pays (Hostaway's total).")
    nights: float = Field(description="The nightly base, extra guests included.")
    average_nightly: float
    cleaning_fee: float
    other_fees: float
    discounts: float = Field(description="Negative or 0.")
    taxes: float
    not_in_total: float = Field(description="Charged apart (a refundable deposit).")


class QuoteResult(ResultModel):
    """A stay's price from Hostaway (priceDetails), or why the stay cannot be booked (then no price)."""

    property_id: int
    property_name: str
    check_in: date = Field(description="The first night.")
    check_out: date = Field(description="The morning the stay ends (not a night).")
    nights: int
    guests: int
    bookable: bool = Field(description="Every night free and every stay rule met.")
    reasons: list[str] = Field(description="Why it is not bookable.")
    currency: str | None
    price: PriceSummary | None = Field(description="Hostaway's price; null when not bookable.")
    lines: list[PriceLine]
    cancellation_policy: str | None
    local_today: str = Field(description="Today at the property, in its time zone.")
    notes: list[str] = Field(default_factory=list)
