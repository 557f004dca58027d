"""Request parsing for `/guestPayments/charges`: list parameters and write bodies, 400 naming the field.

The documented rules (hostaway-api-2026.md §1.5, [D:_guestPayment_*]): id lists in any wire form,
at most 200 entries each, every entry a plain positive integer; `statuses[]`/`types[]` only in the
bracket form; date bounds as `Y-m-d` (charge dates also `Y-m-d H:i:s`); write bodies with their
required fields, offline payment methods only, positive amounts, `Y-m-d H:i:s` datetimes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hostaway_mcp.sandbox.account import JsonDict
from hostaway_mcp.sandbox.wire import ApiError, Query

MAX_IDS = 200
MAX_TITLE_CHARS = 255
OFFLINE_METHODS = ("credit_card", "vcc", "cash", "paypal", "venmo", "bank_transfer", "bank_check", "ota", "other")
ONLINE_METHODS = ("credit_card_online", "payment_link")  # money moved through a payment provider


def date_bound(query: Query, name: str) -> str | None:
    """A date bound as sent: `Y-m-d` (time of day ignored) or, for charge dates, `Y-m-d H:i:s`."""
    raw = query.text(name)
    if raw is None:
        return None
    if name.startswith("chargeDate") and len(raw) == 19:
        try:
            return datetime.fromisoformat(raw).isoformat(" ")
        except ValueError:
            pass
    day = query.day(name)  # 400 naming the parameter when it is not a date
    return None if day is None else day.isoformat()


def bracketed(query: Query, name: str) -> list[str]:
    """`name[]` values only: the documented bracket form (a bare `name=` is ignored)."""
    raw = query.params.get(f"{name}[]")
    values = raw if isinstance(raw, list) else ([raw] if raw else [])
    return [value for value in values if value]


def id_list(query: Query, name: str) -> list[int]:
    """An id list in any documented wire form; 400 naming the parameter if too long or malformed."""
    entries: list[str] = []
    for key in (f"{name}[]", name):
        raw = query.params.get(key)
        if raw is None:
            continue
        for item in raw if isinstance(raw, list) else [raw]:
            entries.extend(part.strip() for part in item.split(",") if part.strip())
    if len(entries) > MAX_IDS:
        raise ApiError(400, f'The "{name}" parameter accepts at most {MAX_IDS} ids ({len(entries)} were sent).')
    for entry in entries:
        if not entry.isdigit() or entry.startswith("0") or len(entry) > 18:
            raise ApiError(400, f'The "{name}" parameter must hold positive integer ids ("{entry[:20]}" is not one).')
    return [int(entry) for entry in entries]


def body_fields(body: Any, *, required: tuple[str, ...]) -> JsonDict:
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    for name in required:
        if name not in body or (body[name] is None and name != "description"):
            raise ApiError(400, f'The "{name}" field is required.')
    return body


def choice(fields: JsonDict, name: str, allowed: tuple[str, ...]) -> str:
    value = fields.get(name)
    if value not in allowed:
        raise ApiError(400, f'The "{name}" field must be one of {", ".join(allowed)}.')
    return str(value)


def offline_method(value: Any) -> str:
    if value in ONLINE_METHODS:
        raise ApiError(400, f"A {value} charge cannot be created or changed through the API; only offline charges can.")
    if value not in OFFLINE_METHODS:
        raise ApiError(400, f'The "paymentMethod" field must be one of {", ".join(OFFLINE_METHODS)}.')
    return str(value)


def positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ApiError(400, f'The "{name}" field must be a positive number.')
    return round(float(value), 2)


def title_text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TITLE_CHARS:
        raise ApiError(400, f'The "title" field must be a text of 1 to {MAX_TITLE_CHARS} characters.')
    return value


def description_text(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ApiError(400, 'The "description" field must be a text or null.')
    return value or None


def stamp(value: Any, name: str) -> str:
    if isinstance(value, str) and len(value) == 19:
        try:
            return datetime.fromisoformat(value).isoformat(" ")
        except ValueError:
            pass
    raise ApiError(400, f'The "{name}" field must be a date and time in Y-m-d H:i:s format.')
