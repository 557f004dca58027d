"""What a stay costs in the demo account: the one calculation behind quotes, bookings and generated money.

From the nightly prices of a listing's calendar: the base rate (the nights plus extra guests over
`guestsIncluded`), a weekly (7+ nights) or monthly (28+) discount, a coupon, the cleaning fee, a
pet fee, then VAT (sales tax in the US) on all of that and the city tax per adult night (at most 7
nights). Discounts are negative. The damage deposit is quoted but not part of the total
(`isIncludedInTotalPrice: 0`), as a refundable deposit is.

The generator prices its bookings with it (`reservations.compute_money`) and `priceDetails`
quotes with it, so a booking made from a quote costs what the quote said, and a quote of the
dates of a generated booking gives that booking's price (for the same guests and no pets).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from hostaway_mcp.sandbox.catalog import CITIES

JsonDict = dict[str, Any]
LineKind = Literal["price", "discount", "fee", "tax"]

PET_FEE = 25.0
CITY_TAX_MAX_NIGHTS = 7
_VAT_RATES = {city.name: city.vat_rate for city in CITIES}
_US_CITIES = frozenset(city.name for city in CITIES if city.country_code == "US")
_DISCOUNT_TITLES = {"weeklyDiscount": "Weekly discount", "monthlyDiscount": "Monthly discount"}


@dataclass(frozen=True)
class Coupon:
    """The part of a coupon that changes a price: `percentage` of the base rate, or a `flatFee` off it."""

    name: str
    kind: Literal["percentage", "flatFee"]
    amount: float


@dataclass(frozen=True)
class Line:
    """One component of a price, as Hostaway names it (`type`, `name`, `title`)."""

    kind: LineKind
    name: str
    title: str
    amount: float
    included: bool = True


@dataclass(frozen=True)
class StayCharges:
    """Everything a guest is charged for one stay."""

    accommodation: float  # nightly prices plus extra-guest charges, before discounts
    discount: float  # <= 0: the long-stay discount
    discount_name: str | None  # "weeklyDiscount" / "monthlyDiscount"
    coupon_discount: float  # <= 0
    coupon_name: str | None
    cleaning_fee: float
    pet_fee: float
    vat: float
    vat_name: str  # "vat" in the EU, "salesTax" in the US
    city_tax: float
    damage_deposit: float  # refundable: quoted, never in the total

    @property
    def taxable(self) -> float:
        """What VAT is charged on (and channel commissions are taken from)."""
        return self.accommodation + self.discount + self.coupon_discount + self.cleaning_fee + self.pet_fee

    @property
    def total(self) -> float:
        return round(sum(line.amount for line in self.lines() if line.included), 2)

    def lines(self) -> list[Line]:
        lines = [Line("price", "baseRate", "Base rate", self.accommodation)]
        if self.discount and self.discount_name:
            lines.append(Line("discount", self.discount_name, _DISCOUNT_TITLES[self.discount_name], self.discount))
        if self.coupon_discount:
            lines.append(Line("discount", "couponDiscount", f"Coupon {self.coupon_name}", self.coupon_discount))
        lines.append(Line("fee", "cleaningFee", "Cleaning fee", self.cleaning_fee))
        if self.pet_fee:
            lines.append(Line("fee", "petFee", "Pet fee", self.pet_fee))
        if self.vat:
            lines.append(Line("tax", self.vat_name, "Sales tax" if self.vat_name == "salesTax" else "VAT", self.vat))
        if self.city_tax:
            lines.append(Line("tax", "cityTax", "City tax", self.city_tax))
        if self.damage_deposit:
            lines.append(Line("fee", "damageDeposit", "Damage deposit", self.damage_deposit, included=False))
        return lines


def vat_rate(listing: JsonDict) -> float:
    return _VAT_RATES.get(listing["city"], 0.0)


def charge_stay(
    listing: JsonDict,
    nightly_total: float,
    nights: int,
    *,
    guests: int,
    adults: int,
    pets: int = 0,
    coupon: Coupon | None = None,
    markup: float | None = None,
) -> StayCharges:
    """The charges of a stay whose nights cost `nightly_total` together (the calendar's prices)."""
    extra = max(0, guests - listing["guestsIncluded"]) * listing["priceForExtraPerson"] * nights
    accommodation = round(nightly_total + extra, 2)
    if markup is not None and markup != 1:
        accommodation = round(accommodation * markup, 2)
    discount_name: str | None = None
    discount = 0.0
    if nights >= 28:
        discount_name = "monthlyDiscount"
        discount = round(-accommodation * (1 - listing["monthlyDiscount"]), 2)
    elif nights >= 7:
        discount_name = "weeklyDiscount"
        discount = round(-accommodation * (1 - listing["weeklyDiscount"]), 2)
    coupon_discount = 0.0
    if coupon is not None:
        base = accommodation + discount
        off = base * coupon.amount / 100 if coupon.kind == "percentage" else min(coupon.amount, base)
        coupon_discount = -round(off, 2)
    cleaning = float(listing["cleaningFee"])
    pet_fee = PET_FEE if pets else 0.0
    taxable = accommodation + discount + coupon_discount + cleaning + pet_fee
    city_tax_rate = float(listing["guestPerPersonPerNightTax"] or 0)
    return StayCharges(
        accommodation=accommodation,
        discount=discount,
        discount_name=discount_name,
        coupon_discount=coupon_discount,
        coupon_name=coupon.name if coupon is not None else None,
        cleaning_fee=cleaning,
        pet_fee=pet_fee,
        vat=round(taxable * vat_rate(listing), 2),
        vat_name="salesTax" if listing["city"] in _US_CITIES else "vat",
        city_tax=round(city_tax_rate * adults * min(nights, CITY_TAX_MAX_NIGHTS), 2),
        damage_deposit=float(listing["refundableDamageDeposit"] or 0),
    )


def quote_component(line: Line) -> JsonDict:
    """A line as `priceDetails` serves it (and as a booking's `financeField[]` takes it)."""
    return {
        "id": None,
        "listingFeeSettingId": None,
        "type": line.kind,
        "name": line.name,
        "title": line.title,
        "alias": None,
        "quantity": None,
        "value": line.amount,
        "total": line.amount,
        "isIncludedInTotalPrice": 1 if line.included else 0,
        "isOverriddenByUser": 0,
        "isQuantitySelectable": 0,
        "isMandatory": None,
        "isDeleted": 0,
    }
