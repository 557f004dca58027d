"""Property tools: what the manager has, and what one property is like."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from hostaway_mcp.domain import flag, ident, listing_name, money, number, text, whole
from hostaway_mcp.gateway import HostawayGateway
from hostaway_mcp.models.common import next_offset
from hostaway_mcp.models.properties import PropertyDetails, PropertyList, PropertySummary
from hostaway_mcp.privacy import LISTING_ACCESS_FIELDS, access_details, free_text
from hostaway_mcp.tools._lookups import fetch_listing
from hostaway_mcp.tools._runtime import AppState, State
from hostaway_mcp.tools._validation import MAX_OFFSET, NAME_CHARS, SHORT_TEXT_CHARS, PropertyId

# Two image URLs keep the result within ~15% of the raw listing (design §7); image_count tells
# how many more there are.
MAX_IMAGES = 2
MAX_HOUSE_RULES_CHARS = 600
AMENITY_CACHE_KEY = "amenity_names"
SHARE_SETTING = "HOSTAWAY_SHARE_ACCESS_DETAILS"

# Result keys for the access fields (privacy.LISTING_ACCESS_FIELDS) and their names in the note.
ACCESS_FIELD_KEYS = {
    "doorSecurityCode": "door_code",
    "keyPickup": "key_pickup",
    "wifiUsername": "wifi_network",
    "wifiPassword": "wifi_password",
}
ACCESS_FIELD_LABELS = {
    "doorSecurityCode": "door code",
    "keyPickup": "key pick-up",
    "wifiUsername": "Wi-Fi login",
    "wifiPassword": "Wi-Fi login",
}


def summarize_listing(listing: dict[str, Any]) -> PropertySummary:
    return PropertySummary(
        id=ident(listing.get("id")) or 0,
        name=listing_name(listing),
        city=text(listing.get("city")),
        country=text(listing.get("country")) or text(listing.get("countryCode")),
        bedrooms=whole(listing.get("bedroomsNumber")),
        bathrooms=number(listing.get("bathroomsNumber")),
        max_guests=whole(listing.get("personCapacity")),
        base_price=money(listing.get("price")),
        currency=text(listing.get("currencyCode")),
    )


async def list_properties(
    state: State,
    city: Annotated[
        str | None,
        Field(max_length=SHORT_TEXT_CHARS, description="Only properties in this city (exact name)."),
    ] = None,
    country: Annotated[
        str | None, Field(max_length=SHORT_TEXT_CHARS, description="Only properties in this country.")
    ] = None,
    name: Annotated[
        str | None,
        Field(max_length=NAME_CHARS, description="Name contains this."),
    ] = None,
    limit: Annotated[int, Field(ge=1, le=100)] = 25,
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0,
) -> PropertyList:
    """List the manager's properties (Hostaway listings) with their ids, size and base price."""
    params: dict[str, Any] = {"limit": limit, "offset": offset, "includeResources": 0}
    # Blank filters mean "no filter", not "match the empty string".
    for param, value in (("city", city), ("country", country), ("match", name)):
        if value and value.strip():
            params[param] = value.strip()
    page = await state.gateway.get("listings", params)
    items = [summarize_listing(listing) for listing in page.items if ident(listing.get("id"))]
    total = page.count
    return PropertyList(
        items=items,
        total=total,
        offset=offset,
        limit=limit,
        next_offset=next_offset(offset, len(items), total),
    )


async def get_property_details(state: State, property_id: PropertyId) -> PropertyDetails:
    """Describe one property: address, capacity, amenities, times, rules, fees and photos."""
    # includeResources=1: amenities and images are documented to need it (hostaway-api.md §3).
    listing = await fetch_listing(state.gateway, property_id, includeResources=1)
    share = state.settings.share_access_details
    withheld = list(
        dict.fromkeys(label for field, label in ACCESS_FIELD_LABELS.items() if listing.get(field) not in (None, ""))
    )
    shared = access_details(listing, LISTING_ACCESS_FIELDS, share)
    images = sorted(
        (image for image in listing.get("listingImages") or [] if isinstance(image, dict) and image.get("url")),
        key=lambda image: whole(image.get("sortOrder")) or 0,
    )
    return PropertyDetails(
        id=ident(listing.get("id")) or property_id,
        name=listing_name(listing, property_id),
        address=_address(listing),
        city=text(listing.get("city")),
        country=text(listing.get("country")) or text(listing.get("countryCode")),
        lat=_coordinate(listing.get("lat")),
        lng=_coordinate(listing.get("lng")),
        max_guests=whole(listing.get("personCapacity")),
        guests_included=whole(listing.get("guestsIncluded")),
        bedrooms=whole(listing.get("bedroomsNumber")),
        beds=whole(listing.get("bedsNumber")),
        bathrooms=number(listing.get("bathroomsNumber")),
        amenities=await _amenity_names(state, listing),
        check_in=_window(_hour(listing.get("checkInTimeStart")), _hour(listing.get("checkInTimeEnd"))),
        check_out=_hour(listing.get("checkOutTime")),
        house_rules=_trim(free_text(listing.get("houseRules")), MAX_HOUSE_RULES_CHARS),
        min_nights=whole(listing.get("minNights")),
        max_nights=whole(listing.get("maxNights")),
        cancellation_policy=text(listing.get("cancellationPolicy")),
        base_price=money(listing.get("price")),
        cleaning_fee=money(listing.get("cleaningFee")),
        extra_guest_fee=money(listing.get("priceForExtraPerson")),
        currency=text(listing.get("currencyCode")),
        timezone=text(listing.get("timeZoneName")),
        instant_booking=flag(listing.get("instantBookable")),
        images=[str(image["url"]) for image in images[:MAX_IMAGES]],
        image_count=len(images),
        access_details=({ACCESS_FIELD_KEYS.get(key, key): value for key, value in shared.items()} if shared else None),
        withheld=(
            f"{', '.join(withheld)} withheld: the operator can set {SHARE_SETTING}=true to include them."
            if withheld and not share
            else None
        ),
    )


async def _amenity_names(state: AppState, listing: dict[str, Any]) -> list[str]:
    """Amenity names, from the listing when it carries them (real data does), else `GET /amenities`.

    The amenity catalogue is account-independent reference data, so it is fetched at most once per
    server run and kept in `state.extras`.
    """
    entries = [entry for entry in listing.get("listingAmenities") or [] if isinstance(entry, dict)]
    names: list[str] = []
    missing: list[int] = []
    for entry in entries:
        name = text(entry.get("amenityName"))
        amenity_id = whole(entry.get("amenityId"))
        if name:
            names.append(name)
        elif amenity_id is not None:
            missing.append(amenity_id)
    if missing:
        catalogue = await _amenity_catalogue(state.gateway, state.extras)
        names.extend(catalogue.get(amenity_id, f"amenity {amenity_id}") for amenity_id in missing)
    return sorted(dict.fromkeys(names), key=str.casefold)


async def _amenity_catalogue(gateway: HostawayGateway, extras: dict[str, Any]) -> dict[int, str]:
    cached = extras.get(AMENITY_CACHE_KEY)
    if isinstance(cached, dict):
        return cached
    catalogue: dict[int, str] = {}
    for item in (await gateway.get("amenities")).items:
        amenity_id, name = whole(item.get("id")), text(item.get("name"))
        if amenity_id is not None and name:
            catalogue[amenity_id] = name
    extras[AMENITY_CACHE_KEY] = catalogue
    return catalogue


def _address(listing: dict[str, Any]) -> str | None:
    full = text(listing.get("address"))
    if full:
        return full
    parts = [text(listing.get(key)) for key in ("street", "zipcode", "city", "country")]
    return ", ".join(part for part in parts if part) or None


def _coordinate(value: Any) -> float | None:
    degrees = number(value)
    return None if degrees is None else round(degrees, 5)  # ~1 m


def _window(start: str | None, end: str | None) -> str | None:
    if start and end:
        return f"{start}-{end}"
    if start:
        return f"from {start}"
    return f"until {end}" if end else None


def _hour(value: Any) -> str | None:
    hour = whole(value)
    return f"{hour:02d}:00" if hour is not None and 0 <= hour <= 24 else None


def _trim(value: str | None, limit: int) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return value[: limit - 1].rstrip() + "…"
