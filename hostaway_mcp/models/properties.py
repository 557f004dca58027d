"""Results of the property and availability tools."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from hostaway_mcp.models.common import LocalDay, PageInfo, ResultModel
from hostaway_mcp.models.quotes import PriceSummary


class PropertySummary(ResultModel):
    id: int
    name: str
    city: str | None
    country: str | None
    bedrooms: int | None
    bathrooms: float | None
    max_guests: int | None
    base_price: float | None = Field(description="Default nightly price before seasonal rules.")
    currency: str | None


class PropertyList(PageInfo):
    items: list[PropertySummary]


class PropertyDetails(ResultModel):
    """One property, compact: what a manager or a guest asks about it."""

    id: int
    name: str
    address: str | None
    city: str | None
    country: str | None
    lat: float | None
    lng: float | None
    max_guests: int | None
    guests_included: int | None = Field(description="Guests covered by the base price; more pay extra_guest_fee.")
    bedrooms: int | None
    beds: int | None
    bathrooms: float | None
    amenities: list[str] = Field(description="Amenity names.")
    check_in: str | None = Field(description="Check-in window, local time (HH:MM-HH:MM).")
    check_out: str | None = Field(description="Check-out time, local time (HH:MM).")
    house_rules: str | None
    min_nights: int | None = Field(description="Default minimum stay; the calendar may set other values per night.")
    max_nights: int | None
    cancellation_policy: str | None
    base_price: float | None = Field(description="Default nightly price before seasonal rules.")
    cleaning_fee: float | None = Field(description="Charged once per stay.")
    extra_guest_fee: float | None = Field(description="Per extra guest beyond guests_included, per night.")
    currency: str | None
    timezone: str | None
    instant_booking: bool
    images: list[str] = Field(description="The cover photo and the next one (URLs); image_count counts all.")
    image_count: int
    access_details: dict[str, str] | None = Field(
        default=None, description="Door code, key pick-up, Wi-Fi: only when the operator shares access details."
    )
    withheld: str | None = Field(default=None, description="Which access details were left out, and how to share them.")


# -- availability -------------------------------------------------------------------------------


class AvailableProperty(ResultModel):
    id: int
    name: str
    city: str | None
    bedrooms: int | None
    max_guests: int | None
    total_price: float = Field(description="Sum of the nightly prices of the stay (no cleaning fee, no taxes).")
    avg_nightly_price: float
    cleaning_fee: float | None = Field(description="The property's one-off cleaning fee, not in total_price.")
    total_with_cleaning: float = Field(description="total_price plus cleaning_fee (taxes and channel fees excluded).")
    currency: str | None
    quote: PriceSummary | None = Field(
        default=None, description="with_quotes: Hostaway's own price, fees and taxes included (quote_stay's)."
    )


class NearMiss(ResultModel):
    id: int
    name: str
    reasons: list[str] = Field(description="Why the stay cannot be booked there.")


class AvailabilitySearch(PageInfo):
    """Bookable properties for one stay; `offset`/`next_offset` walk the candidates Hostaway returned."""

    check_in: date
    check_out: date
    first_night: date
    last_night: date
    nights: int
    guests: int
    items: list[AvailableProperty] = Field(description="Bookable properties, every night and rule verified.")
    near_misses: list[NearMiss] = Field(
        default_factory=list, description="Checked candidates that failed, with reasons (when items is short)."
    )
    candidates_checked: int = Field(description="Calendars verified in this call.")
    local_today: list[LocalDay] = Field(
        default_factory=list,
        description="The local date taken as today for the properties judged, per time zone: check_in must not "
        "be before it.",
    )
    notes: list[str] = Field(default_factory=list)


class AvailabilityRun(ResultModel):
    """Consecutive nights with the same status, price and minimum stay."""

    first_night: date
    last_night: date
    nights: int
    status: str = Field(description="available, booked, pending booking or blocked.")
    price: float | None = Field(description="Nightly price of each night in the run (available nights only).")
    min_stay: int | None = Field(
        description="Minimum nights for a stay arriving on these nights (available nights only)."
    )


class PropertyAvailability(ResultModel):
    property_id: int
    property_name: str
    first_night: date
    last_night: date
    nights: int
    bookable: bool = Field(description="Whether a stay from first_night to the morning after last_night can be booked.")
    reasons: list[str] = Field(description="Why the stay is not bookable (empty when it is).")
    total_price: float | None = Field(description="Sum of the nightly prices (no cleaning fee, no taxes).")
    currency: str | None
    runs: list[AvailabilityRun]
    closed_to_arrival: list[date] = Field(default_factory=list, description="Nights in the range closed to arrival.")
    closed_to_departure: list[date] = Field(
        default_factory=list, description="Days in the range (check-out day included) closed to departure."
    )
    local_today: str = Field(description="Today at the property, in its own time zone (what 'in the past' means).")
