"""Response bodies into Python: the whole JSON, or only the fields a caller reads of each item.

A reservation has some 120 fields and a listing more, while a revenue report reads 17 of a
reservation and the property directory 7 of a listing. Parsing a page whole and cutting it down
afterwards builds every field first: a page of 100 reservations is ~0.8 MB of objects for a
moment, and a few such pages in flight set the server's peak memory. `parse_items(content,
fields)` has msgspec skip the other fields while it reads the bytes (a fifth of the memory, and
faster), and gives exactly what parsing it whole and keeping `fields` of each object in `result`
would give: any body it cannot read that way (no envelope, items that are not objects, NaN, UTF-16)
is parsed whole and cut down in Python.

A field may be cut too: `("Reservation", ("id", "status"))` keeps only those fields of the object
in `Reservation` (or of each object, if it holds a list of them), so a conversation brings the few
facts of its booking that a caller reads instead of the booking whole.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any, TypeAlias

import msgspec

# The fields to keep of each object: a name keeps the field as it is; (name, fields) keeps only
# `fields` of the object the field holds, or of each object of the list it holds.
Fields: TypeAlias = tuple["str | tuple[str, Fields]", ...]
_ENVELOPE = ("status", "result", "count", "limit", "offset")


def parse_body(content: bytes) -> Any:
    """A response body's JSON: msgspec, then the standard library, as httpx's `response.json()`
    used, for whatever msgspec refuses (NaN, Infinity, UTF-16 or UTF-32 text). What parses and what
    fails (a ValueError) is as before. msgspec builds the objects straight from the bytes: as fast
    as orjson, which first builds a document of its own ~14 times the body's size (a 1.3 MB page of
    listings briefly cost 19 MB, and peak memory is set by such moments; bench/parsing.py)."""
    try:
        return msgspec.json.decode(content)
    except msgspec.DecodeError:
        return json.loads(content)


def parse_items(content: bytes, fields: Fields) -> Any:
    """`parse_body(content)` with each object of its `result` (a list of them, or one) cut down to
    the `fields` it has, in the order of `fields`. Raises ValueError for what is not JSON."""
    try:
        envelope = _decoder(fields).decode(content)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return _cut(parse_body(content), fields)
    body = {key: value for key in _ENVELOPE if (value := getattr(envelope, key)) is not msgspec.UNSET}
    if "status" not in body and "result" not in body:
        return _cut(parse_body(content), fields)  # not an envelope (the token endpoint's plain JSON)
    result = body.get("result")
    if isinstance(result, list):
        body["result"] = [_as_dict(item, fields) for item in result]
    elif isinstance(result, msgspec.Struct):
        body["result"] = _as_dict(result, fields)
    return body


def _as_dict(item: msgspec.Struct, fields: Fields) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for field, value in zip(fields, msgspec.structs.astuple(item), strict=True):
        if value is msgspec.UNSET:
            continue
        if isinstance(field, str):
            kept[field] = value
            continue
        name, inner = field
        if isinstance(value, msgspec.Struct):
            value = _as_dict(value, inner)
        elif isinstance(value, list):  # the decoder admits only a list of objects here
            value = [_as_dict(element, inner) for element in value]
        kept[name] = value
    return kept


def _cut(body: Any, fields: Fields) -> Any:
    """What `parse_items` gives, from a body parsed whole."""
    if not isinstance(body, dict) or ("status" not in body and "result" not in body):
        return body
    cut = {key: body[key] for key in _ENVELOPE if key in body}
    result = cut.get("result")
    if isinstance(result, list):
        cut["result"] = [project(item, fields) if isinstance(item, dict) else item for item in result]
    elif isinstance(result, dict):
        cut["result"] = project(result, fields)
    return cut


def project(item: Mapping[str, Any], fields: Fields) -> dict[str, Any]:
    """The `fields` that `item` has, in the order of `fields` (an inner object cut to its own)."""
    kept: dict[str, Any] = {}
    for field in fields:
        name, inner = (field, None) if isinstance(field, str) else field
        if name not in item:
            continue
        value = item[name]
        if inner is not None:
            if isinstance(value, dict):
                value = project(value, inner)
            elif isinstance(value, list):
                value = [project(element, inner) if isinstance(element, dict) else element for element in value]
        kept[name] = value
    return kept


@functools.lru_cache(maxsize=64)
def _decoder(fields: Fields) -> msgspec.json.Decoder[Any]:
    """A decoder for the envelope whose `result` objects keep only `fields` (others are skipped
    unread). Field names are mapped, so any JSON key works, not only Python identifiers."""
    row = _row(fields)
    envelope = msgspec.defstruct(
        "Envelope",
        [
            ("status", Any, msgspec.UNSET),
            ("result", list[row] | row | str | int | float | bool | None, msgspec.UNSET),  # type: ignore[valid-type]
            ("count", Any, msgspec.UNSET),
            ("limit", Any, msgspec.UNSET),
            ("offset", Any, msgspec.UNSET),
        ],
    )
    return msgspec.json.Decoder(envelope)


def _row(fields: Fields) -> Any:
    """A struct type for objects that keep only `fields`: an inner object may hold its own struct,
    or a list of them, or a plain value; anything else (a list of non-objects) fails the decoder,
    and the body is parsed whole and cut in Python."""
    columns: list[tuple[str, Any, Any]] = []
    rename: dict[str, str] = {}
    for index, field in enumerate(fields):
        if isinstance(field, str):
            kind: Any = Any
            rename[f"f{index}"] = field
        else:
            inner = _row(field[1])
            kind = list[inner] | inner | str | int | float | bool | None  # type: ignore[valid-type]
            rename[f"f{index}"] = field[0]
        columns.append((f"f{index}", kind, msgspec.UNSET))
    return msgspec.defstruct("Row", columns, rename=rename)
