"""Hostaway's rate limits as gates: which windows a request must fit into, and their sizes.

Hostaway corrected its published limits on 2026-08-20 (its changelog; the figures are quoted
from its reference by two working clients): every request counts against a general window of
200 per 10 s per account *and* 200 per 10 s per IP address, except three endpoints with buckets
of their own that do not draw from the general pool: sending a guest message (30 per 60 s),
a price quote (400 per 10 s) and creating a reservation (200 per 10 s), each per account.
The windows are sliding.

We budget about 90% of each figure (`CURRENT`), so a clock skew or a request we do not see
(another integration on the account) does not turn into a 429. Accounts may still run the old
limits, 15 per 10 s per IP and 20 per account (`LEGACY`): there the endpoint buckets are kept
as extra caps and every request also takes the general gates. A person picks the profile
(`HOSTAWAY_RATE_LIMIT_PROFILE`) and may resize any gate; the limiter also switches an account
to legacy by itself when Hostaway's answers say so (see `limiter.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Profile = Literal["current", "legacy"]
GateName = Literal["account", "ip", "messages", "quotes", "bookings"]
GENERAL: tuple[GateName, ...] = ("account", "ip")

# (requests, window in seconds) per gate: about 90% of Hostaway's figures.
CURRENT: dict[GateName, tuple[int, float]] = {
    "account": (180, 10.0),
    "ip": (180, 10.0),
    "messages": (27, 60.0),
    "quotes": (360, 10.0),
    "bookings": (180, 10.0),
}
# The limits before 2026-08-20, in full: an account that still runs them is told by a 429.
LEGACY_GENERAL: dict[GateName, tuple[int, float]] = {"account": (20, 10.0), "ip": (15, 10.0)}

# The endpoints with a bucket of their own (paths without /v1 and without the query string).
_ENDPOINTS: tuple[tuple[str, re.Pattern[str], GateName], ...] = (
    ("POST", re.compile(r"conversations/[^/]+/messages"), "messages"),
    ("POST", re.compile(r"listings/[^/]+/calendar/priceDetails"), "quotes"),
    ("POST", re.compile(r"reservations"), "bookings"),
)
DESCRIPTIONS: dict[GateName, str] = {
    "account": "Hostaway's general limit for the account",
    "ip": "Hostaway's general limit for this IP address",
    "messages": "Hostaway's send limit for guest messages",
    "quotes": "Hostaway's limit for price quotes",
    "bookings": "Hostaway's limit for creating reservations",
}


@dataclass(frozen=True)
class Gate:
    """One sliding window a request must fit into; `key` names its shared counter."""

    name: GateName
    key: str
    limit: int
    window_s: float

    def resized(self, limit: int) -> Gate:
        return Gate(self.name, self.key, max(1, limit), self.window_s)


def endpoint_gate(method: str, path: str) -> GateName | None:
    """The bucket of its own that this request draws from, if any."""
    route = path.split("?", 1)[0].strip("/")
    if route.startswith("v1/"):
        route = route[3:]
    for verb, pattern, name in _ENDPOINTS:
        if method.upper() == verb and pattern.fullmatch(route):
            return name
    return None


def gate_names(method: str, path: str, profile: Profile) -> tuple[GateName, ...]:
    """Every gate the request takes: its endpoint bucket, or the general pool, or (legacy) both."""
    endpoint = endpoint_gate(method, path)
    if endpoint is None:
        return GENERAL
    return (endpoint,) if profile == "current" else (endpoint, *GENERAL)


@dataclass(frozen=True)
class GatePlan:
    """The gates of one account on one machine, in both profiles.

    `keys` name the shared counters: the account's gates by account (and API root), the IP
    gate by egress (the host name, or the operator's `HOSTAWAY_RATE_LIMIT_EGRESS` for machines
    behind one address), so every account used from one address shares it.
    """

    current: dict[GateName, Gate]
    legacy: dict[GateName, Gate]
    account_key: str
    profile: Profile = "current"  # the operator's choice; the limiter may still switch to legacy

    def table(self, profile: Profile) -> dict[GateName, Gate]:
        if profile == "current":
            return self.current
        if profile == "legacy":
            return self.legacy
        raise ValueError(f"no such rate-limit profile: {profile!r}")  # a bug, never a setting


def plan_gates(
    account_key: str,
    ip_key: str,
    sizes: dict[GateName, tuple[int, float]],
    *,
    profile: Profile = "current",
) -> GatePlan:
    """Gates from the configured sizes; legacy takes Hostaway's old figures, never above them.

    `profile="legacy"` (the operator's choice) makes the limiter use the legacy figures from the start.
    """
    keys: dict[GateName, str] = {
        "account": f"account:{account_key}",
        "ip": f"ip:{ip_key}",
        "messages": f"messages:{account_key}",
        "quotes": f"quotes:{account_key}",
        "bookings": f"bookings:{account_key}",
    }
    current = {name: Gate(name, keys[name], *sizes[name]) for name in CURRENT}
    legacy = dict(current)
    for name, (limit, window_s) in LEGACY_GENERAL.items():
        configured = current[name]
        legacy[name] = Gate(name, keys[name], min(limit, configured.limit), window_s)
    return GatePlan(current=current, legacy=legacy, account_key=account_key, profile=profile)


def parse_gate_size(raw: object) -> tuple[int, float] | None:
    """`"180/10"` (requests / seconds) as a pair; None for unset. Raises ValueError when malformed."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, tuple | list) and len(raw) == 2:
        count, window = raw
    elif isinstance(raw, str) and raw.count("/") == 1:
        count, window = (part.strip().removesuffix("s").strip() for part in raw.split("/"))
    else:
        raise ValueError("give a gate as REQUESTS/SECONDS, for example 180/10")
    try:
        requests, seconds = int(count), float(window)
    except (TypeError, ValueError):
        raise ValueError("give a gate as REQUESTS/SECONDS, for example 180/10") from None
    if requests < 1 or not 0 < seconds <= 3600:
        raise ValueError("a gate needs at least 1 request and a window of more than 0 and at most 3600 s")
    return requests, seconds
