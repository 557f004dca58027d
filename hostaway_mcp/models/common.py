"""Shapes shared by every tool result."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from hostaway_mcp.privacy import GUEST_NAME_NOTE

# Every guest name in a result: the guest typed it, so it is marked like a message body.
GuestName = Annotated[str | None, Field(description=GUEST_NAME_NOTE)]


class ResultModel(BaseModel):
    """Base of every tool result: unknown keys are a bug, not data."""

    model_config = ConfigDict(extra="forbid")


def drop_field_titles(schema: dict[str, Any]) -> None:
    """`json_schema_extra` that removes pydantic's per-field "title" (the field name again, in
    words): in the output schemas of big nested results it is a fifth of the bytes and tells a
    client nothing the name does not."""
    for field_schema in schema.get("properties", {}).values():
        if isinstance(field_schema, dict):
            field_schema.pop("title", None)


class PageInfo(ResultModel):
    """Where a page sits in the whole list, and how to get the next one."""

    total: int | None = Field(description="Matches in all pages; null when only a full scan could tell.")
    offset: int
    limit: int
    next_offset: int | None = Field(description="Pass as `offset` for the next page; null on the last page.")


def next_offset(offset: int, returned: int, total: int | None) -> int | None:
    end = offset + returned
    if total is None:
        return end if returned else None
    return end if end < total else None


class LocalDay(ResultModel):
    """The local date taken as "today" for some properties (each property's own time zone)."""

    time_zone: str = Field(description="IANA time zone of these properties (their Hostaway timeZoneName).")
    today: date = Field(description="The date it was there when the question was answered.")
    property_ids: list[int]
    note: str | None = None
