"""Scripted and random faults for the sandbox, so every failure path of the gateway can be exercised.

Test-only: the sandbox ships without them and offers a hook instead (`Sandbox.hook`, see
`sandbox.py`); `faults_of(sandbox)` installs a `FaultPlan` there and returns it.

Kinds and what the client sees:

| kind              | logged | processed (state changes) | client sees                              |
|-------------------|--------|---------------------------|------------------------------------------|
| `status`          | yes    | no                        | `status` with `body` (JSON) and headers  |
| `read_timeout`    | yes    | yes                       | `httpx.ReadTimeout` ("did it send?")     |
| `reset`           | yes    | yes                       | `httpx.ReadError` (connection reset)     |
| `connect_error`   | no     | no                        | `httpx.ConnectError` (never left)        |
| `connect_timeout` | no     | no                        | `httpx.ConnectTimeout` (never left)      |
| `malformed_json`  | yes    | yes                       | 200 with the real body cut in half       |
| `html`            | yes    | no                        | 502 (or `status`) nginx HTML error page  |

A scripted fault applies to the next request matching its filters (method exactly, path by
prefix without the /v1 prefix). An unfiltered fault also matches `POST /accessTokens`; give it a
path when that matters. Random faults (`rates`) never hit the token endpoint and do not touch the
rate-limit windows; they are drawn from their own seeded generator, so a run is reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass
from http import HTTPStatus
from typing import Any, Literal, get_args

from hostaway_mcp.sandbox.sandbox import Intercepted, Outcome, Sandbox
from hostaway_mcp.sandbox.wire import RATE_LIMIT_MESSAGE, SandboxResponse, encode_json

FaultKind = Literal["status", "read_timeout", "reset", "connect_error", "connect_timeout", "malformed_json", "html"]
TOKEN_PATH = "/accessTokens"
NGINX_PAGE = (
    "<html>\r\n<head><title>{code} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class Fault:
    """One injected failure; see the module docstring for what each kind does."""

    kind: FaultKind
    _: KW_ONLY
    method: str | None = None
    path: str | None = None
    status: int | None = None
    headers: Mapping[str, str] | None = None
    body: Any = None

    def __post_init__(self) -> None:
        if self.kind not in get_args(FaultKind):
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {get_args(FaultKind)}")
        if self.kind == "status" and self.status is None:
            raise ValueError('a "status" fault needs status=')

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or path.startswith(self.path)


def faults_of(sandbox: Sandbox) -> FaultPlan:
    """The sandbox's fault plan, installed as its request hook on first use."""
    if not isinstance(sandbox.hook, FaultPlan):
        sandbox.hook = FaultPlan()
    return sandbox.hook


class FaultPlan:
    """The queue of scripted faults plus optional random fault rates; the sandbox's request hook."""

    def __init__(self) -> None:
        self._queue: list[Fault] = []
        self._rng: random.Random | None = None
        self._thresholds: tuple[tuple[float, Fault], ...] = ()

    def script(self, *faults: Fault) -> None:
        self._queue.extend(faults)

    def rates(
        self,
        seed: int = 1,
        p_429: float = 0.0,
        p_500: float = 0.0,
        p_timeout: float = 0.0,
        p_malformed: float = 0.0,
    ) -> None:
        """Fail each non-token request at random with these probabilities (all zero: off)."""
        probabilities = (p_429, p_500, p_timeout, p_malformed)
        if any(p < 0 for p in probabilities) or sum(probabilities) > 1:
            raise ValueError("fault probabilities must be >= 0 and sum to at most 1")
        faults = (
            Fault("status", status=429),
            Fault("status", status=500),
            Fault("read_timeout"),
            Fault("malformed_json"),
        )
        cumulative, thresholds = 0.0, []
        for probability, fault in zip(probabilities, faults, strict=True):
            if probability > 0:
                cumulative += probability
                thresholds.append((cumulative, fault))
        self._thresholds = tuple(thresholds)
        self._rng = random.Random(seed) if thresholds else None

    def clear(self) -> None:
        """Drop scripted faults and switch random faults off."""
        self._queue.clear()
        self.rates()

    @property
    def pending(self) -> tuple[Fault, ...]:
        return tuple(self._queue)

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if any: scripted first, then random."""
        for index, fault in enumerate(self._queue):
            if fault.matches(method, path):
                return self._queue.pop(index)
        if self._rng is None or path.startswith(TOKEN_PATH):
            return None
        draw = self._rng.random()
        for threshold, fault in self._thresholds:
            if draw < threshold:
                return fault
        return None

    def __call__(self, request: Intercepted) -> Outcome | None:
        """Fail the request as its fault says (the table above); None lets it through untouched."""
        fault = self.take(request.method, request.path)
        if fault is None:
            return None
        if fault.kind in ("connect_error", "connect_timeout"):
            return Outcome(None, fault.kind)  # it never left: not even logged
        request.log()
        if fault.kind == "status":
            return Outcome(fault_response(fault))
        if fault.kind == "html":
            return Outcome(html_response(fault.status or 502, fault.headers))
        response = request.serve()
        if fault.kind == "malformed_json":
            return Outcome(SandboxResponse(200, response.content[: max(1, len(response.content) // 2)]))
        return Outcome(response, "read_timeout" if fault.kind == "read_timeout" else "reset")


def default_fault_body(status: int) -> Any:
    if status == 429:
        return {"status": "fail", "message": RATE_LIMIT_MESSAGE}
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return {"status": "fail", "result": phrase}


def fault_response(fault: Fault) -> SandboxResponse:
    status = fault.status or 500
    body = default_fault_body(status) if fault.body is None else fault.body
    headers: Mapping[str, str] = fault.headers or {}
    if isinstance(body, bytes | str):
        content = body.encode() if isinstance(body, str) else body
        kind = "text/plain"
    else:
        content, kind = encode_json(body), "application/json"
    return SandboxResponse(status, content, (("Content-Type", kind), *headers.items()))


def html_response(status: int, headers: Mapping[str, str] | None) -> SandboxResponse:
    phrase = HTTPStatus(status).phrase
    page = NGINX_PAGE.format(code=status, phrase=phrase).encode()
    return SandboxResponse(status, page, (("Content-Type", "text/html"), *(headers or {}).items()))
