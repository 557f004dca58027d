"""Results of the property and availability tools."""

from __future__ import annotations

from pydantic import Field

from hostaway_mcp.models.common import PageInfo, ResultModel


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
