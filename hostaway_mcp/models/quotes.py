"""Results about price quotes: Hostaway's own price of a stay, line by line, and whether it is bookable."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from hostaway_mcp.models.common import ResultModel

LineKind = Literal["price", "discount", "fee", "tax"]


class PriceLine(ResultModel):
    """One component of Hostaway's price, as it names it."""

    kind: LineKind = Field(description="price (the nights), discount (negative), fee or tax.")
    name: str = Field(description="Hostaway's name for it: baseRate, weeklyDiscount, cleaningFee, vat, cityTax...")
    title: str
    amount: float = Field(description="In the quote's currency; discounts are negative.")
    in_total: bool = Field(description="false for amounts charged apart (a refundable damage deposit).")


class PriceSummary(ResultModel):
    """The quote's lines added up by kind (only lines that are part of the total)."""

    total: float = Field(description="Hostaway's total for the stay: what the guest pays.")
    nights: float = Field(description="The nightly base (baseRate), extra guests included.")
    average_nightly: float = Field(description="nights divided by the number of nights.")
    cleaning_fee: float
    other_fees: float = Field(description="Fees other than cleaning that are part of the total.")
    discounts: float = Field(description="Negative or 0.")
    taxes: float
    not_in_total: float = Field(description="Charged apart from the total (a refundable deposit); 0 when none.")


class QuoteResult(ResultModel):
    """A stay's price from Hostaway (priceDetails), or why the stay cannot be booked (then no price)."""

    property_id: int
    property_name: str
    check_in: date = Field(description="The first night.")
    check_out: date = Field(description="The morning the stay ends (not a night).")
    nights: int
    guests: int
    bookable: bool = Field(description="Every night free and every stay rule met (the availability verdict).")
    reasons: list[str] = Field(description="Why it is not bookable (empty when it is).")
    currency: str | None = Field(description="Every amount is in this currency.")
    price: PriceSummary | None = Field(
        description="Hostaway's own price; null when the stay is not bookable (no price is made up)."
    )
    lines: list[PriceLine] = Field(description="The price line by line, as Hostaway computed it (empty when no price).")
    cancellation_policy: str | None = Field(description="The property's cancellation policy (flexible, moderate...).")
    local_today: str = Field(description="Today at the property, in its own time zone (what 'in the past' means).")
    notes: list[str] = Field(default_factory=list)
