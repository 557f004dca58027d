"""The sandbox's view of HTTP: requests in, bytes out, Hostaway envelopes and parameter parsing.

Kept free of httpx and http.server so the in-process transport and the loopback server share one
implementation. Bodies are compact JSON in a fixed key order, so the same state always serialises
to the same bytes.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

JsonDict = dict[str, Any]
ParamValue = str | list[str]
Params = dict[str, ParamValue]

RATE_LIMIT_MESSAGE = (
    "This error occurs because a server detects that your application has exceeded the rate limits "
    "or has made too many requests in a given period of time."
)


@dataclass(frozen=True)
class SandboxRequest:
    """One request as the sandbox sees it; `client_key` stands in for the caller's IP address."""

    method: str
    path: str  # as sent, e.g. "/v1/listings"
    query: str  # raw query string, without "?"
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    client_key: str


@dataclass(frozen=True)
class SandboxResponse:
    status: int
    content: bytes
    headers: tuple[tuple[str, str], ...] = field(default=(("Content-Type", "application/json"),))

    def json(self) -> Any:
        return json.loads(self.content)


class ApiError(Exception):
    """Raised by handlers to answer with a Hostaway fail envelope (text in `field`)."""

    def __init__(self, status: int, message: str, field: str = "result") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def encode_json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> SandboxResponse:
    extra = tuple((headers or {}).items())
    return SandboxResponse(status, encode_json(payload), (("Content-Type", "application/json"), *extra))


def success(result: Any, **envelope: Any) -> SandboxResponse:
    """Hostaway's success envelope, with any paging keys the endpoint carries."""
    return json_response(200, {"status": "success", "result": result, **envelope})


def fail(status: int, message: str, field: str = "result") -> SandboxResponse:
    """Hostaway's documented failure envelope: the text lives in `result` (`message` on a few endpoints)."""
    return json_response(status, {"status": "fail", field: message})


def rate_limited(headers: Mapping[str, str] | None = None) -> SandboxResponse:
    """The documented 429 body: the only failure whose text is in `message`, not `result`."""
    return json_response(429, {"status": "fail", "message": RATE_LIMIT_MESSAGE}, headers)


def parse_query(query: str) -> Params:
    """PHP-style: `key[]` always yields a list; a repeated plain key yields a list too."""
    return _collect(parse_qsl(query, keep_blank_values=True))


def _collect(pairs: list[tuple[str, str]]) -> Params:
    params: Params = {}
    for key, value in pairs:
        existing = params.get(key)
        if existing is None:
            params[key] = [value] if key.endswith("[]") else value
        elif isinstance(existing, list):
            existing.append(value)
        else:
            params[key] = [existing, value]
    return params


def parse_form(content_type: str, body: bytes) -> Params | None:
    """Form fields from urlencoded or multipart bodies; None when the body is not a form."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return _collect(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))
    if kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        pairs = []
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                pairs.append((name, payload.decode(errors="replace")))
        return _collect(pairs)
    return None


def parse_json_body(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "The request body is not valid JSON.") from exc


class Query:
    """Typed access to query or form parameters, answering 400 on malformed values.

    Hostaway's behaviour on malformed values is UNCONFIRMED; the sandbox is strict so that a tool
    sending a bad value fails loudly in tests instead of silently getting unfiltered data.
    """

    def __init__(self, params: Params) -> None:
        self.params = params

    def text(self, name: str) -> str | None:
        value = self.params.get(name)
        if isinstance(value, list):
            value = value[-1] if value else None
        if value is None or value == "":
            return None
        return value

    def integer(self, name: str, *, minimum: int | None = None) -> int | None:
        raw = self.text(name)
        if raw is None:
            return None
        try:
            number = int(raw)
        except ValueError as exc:
            raise ApiError(400, f'The "{name}" parameter must be an integer.') from exc
        if minimum is not None and number < minimum:
            raise ApiError(400, f'The "{name}" parameter must be at least {minimum}.')
        return number

    def number(self, name: str, *, minimum: float, maximum: float) -> float | None:
        raw = self.text(name)
        if raw is None:
            return None
        try:
            value = float(raw)
        except ValueError as exc:
            raise ApiError(400, f'The "{name}" parameter must be a number.') from exc
        if not minimum <= value <= maximum:
            raise ApiError(400, f'The "{name}" parameter must be between {minimum:g} and {maximum:g}.')
        return value

    def day(self, name: str) -> date | None:
        raw = self.text(name)
        if raw is None:
            return None
        try:
            if len(raw) != 10:
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError as exc:
            raise ApiError(400, f'The "{name}" parameter must be a date in Y-m-d format.') from exc

    def flag(self, name: str) -> bool | None:
        raw = self.text(name)
        if raw is None:
            return None
        if raw.lower() in {"1", "true"}:
            return True
        if raw.lower() in {"0", "false"}:
            return False
        raise ApiError(400, f'The "{name}" parameter must be 0 or 1.')

    def integers(self, name: str) -> list[int]:
        """Values of `name[]` (or a repeated/comma-separated `name`) as integers."""
        values: list[str] = []
        for key in (f"{name}[]", name):
            raw = self.params.get(key)
            if raw is None:
                continue
            for item in raw if isinstance(raw, list) else raw.split(","):
                if item.strip():
                    values.append(item.strip())
        try:
            return [int(v) for v in values]
        except ValueError as exc:
            raise ApiError(400, f'The "{name}" parameter must hold integers.') from exc

    def array(self, name: str) -> list[int]:
        """Integers sent in PHP's array forms only, `name[]=1` or `name[0]=1`; a plain `name` is not read."""
        form = re.compile(re.escape(name) + r"\[\d*\]")
        values: list[str] = []
        for key, raw in self.params.items():
            if form.fullmatch(key):
                values.extend(raw if isinstance(raw, list) else [raw])
        try:
            return [int(v) for v in values if v.strip()]
        except ValueError as exc:
            raise ApiError(400, f'The "{name}" parameter must hold integers.') from exc

    def texts(self, name: str) -> list[str]:
        values: list[str] = []
        for key in (f"{name}[]", name):
            raw = self.params.get(key)
            if raw is None:
                continue
            values.extend(v for v in (raw if isinstance(raw, list) else raw.split(",")) if v)
        return values


@dataclass(frozen=True)
class Call:
    """A request after transport concerns are stripped: path without the /v1 prefix."""

    method: str
    path: str
    query: Query
    headers: Mapping[str, str]
    body: bytes


Handler = Callable[[Call, "re.Match[str]"], SandboxResponse]
# (method, path pattern matched in full, handler): each API area module offers its own list.
Route = tuple[str, "re.Pattern[str]", Handler]
