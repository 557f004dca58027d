"""Property tools: what the manager has, and what one property is like."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from hostaway_mcp.domain import money, number, text, whole
from hostaway_mcp.models.common import next_offset
from hostaway_mcp.models.properties import PropertyList, PropertySummary
from hostaway_mcp.tools._runtime import State


def summarize_listing(listing: dict[str, Any]) -> PropertySummary:
    return PropertySummary(
        id=int(listing["id"]),
        name=text(listing.get("name")) or text(listing.get("internalListingName")) or f"Listing {listing['id']}",
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
    city: Annotated[str | None, Field(description="Only properties in this city (exact name).")] = None,
    country: Annotated[str | None, Field(description="Only properties in this country.")] = None,
    name: Annotated[str | None, Field(description="Only properties whose name contains this text.")] = None,
    limit: Annotated[int, Field(ge=1, le=100, description="Properties per page.")] = 25,
    offset: Annotated[int, Field(ge=0, description="Skip this many (from next_offset).")] = 0,
) -> PropertyList:
    """List the manager's properties (Hostaway listings) with their ids, size and base price.

    Use it to find a property id for the other tools, or to answer "what do I have in <city>?".
    `total` counts every match; page with `next_offset`.
    """
    params: dict[str, Any] = {"limit": limit, "offset": offset, "includeResources": 0}
    if city:
        params["city"] = city
    if country:
        params["country"] = country
    if name:
        params["match"] = name
    page = await state.gateway.get("listings", params)
    items = [summarize_listing(listing) for listing in page.items]
    total = page.count if page.count is not None else None
    return PropertyList(
        items=items,
        total=total,
        offset=offset,
        limit=limit,
        next_offset=next_offset(offset, len(items), total),
    )
