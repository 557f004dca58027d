"""Every read tool survives every failure Hostaway (or the network to it) can throw at it.

For each read tool in the catalogue (and the previews of the booking writes, which read and
quote) and each fault the sandbox can inject, the tool either recovers transparently (the same
answer as without the fault) or returns an error the model can act on; and the same server
answers the next call normally. Retries run on the fake clock.

A single transient failure (429 with or without Retry-After, 500, 503, an HTML error page, a read
timeout, a connection reset, an expired token) must be invisible. A truncated JSON body and a
failure that persists through every retry must give an actionable error.

The booking writes' own requests (POST /reservations, the PUTs) are never retried once they may
have left: every fault there ends with the change made exactly once, after the same call is
repeated (`test_a_booking_write_happens_once_whatever_its_request_meets`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from bench.scenarios import arguments_for
from hostaway_mcp.gateway import reads_only
from hostaway_mcp.sandbox import Sandbox
from hostaway_mcp.server import build_server
from hostaway_mcp.tools import catalogue
from hostaway_mcp.tools._directory import NAME_TTL_S
from hostaway_mcp.tools._runtime import app_state
from tests.conftest import NOW, PLANTED_SECRET, TODAY, FakeClock
from tests.faults import Fault, faults_of

# Tools answered from the local mirror only (no live path): their faults are at the watermark
# check, tested below (`test_search_messages_*`).
MIRROR_ONLY = frozenset({"search_messages"})
READ_TOOLS = sorted(spec.name for spec in catalogue() if spec.kind == "read" and spec.name not in MIRROR_ONLY)
# Writes whose preview (no confirm) is a read worth breaking: it reads the booking or the stay and quotes.
BOOKING_WRITES = ["create_booking", "update_booking", "cancel_booking"]
FAULT_TOOLS = READ_TOOLS + BOOKING_WRITES
TOKEN_PATH = "/accessTokens"
MAX_ATTEMPTS = 5  # the Settings default; persistent faults outlast it


@dataclass(frozen=True)
class Case:
    name: str
    faults: tuple[Fault, ...]
    recovers: bool  # True: the answer must equal the fault-free one; False: an actionable error


def _times(fault: Fault, n: int) -> tuple[Fault, ...]:
    return (fault,) * n


TRANSIENT = [
    Case("429", (Fault("status", status=429),), True),
    Case("429 Retry-After", (Fault("status", status=429, headers={"Retry-After": "3"}),), True),
    Case("500", (Fault("status", status=500),), True),
    Case("503", (Fault("status", status=503),), True),
    Case("html 502 page", (Fault("html", status=502),), True),
    Case("read timeout", (Fault("read_timeout"),), True),
    Case("connection reset", (Fault("reset"),), True),
    Case("connection refused", (Fault("connect_error"),), True),
]
BROKEN = [
    Case("malformed json", (Fault("malformed_json"),), False),
    Case("html 200 page", (Fault("status", status=200, body="<html><body>Maintenance</body></html>"),), False),
    Case("503 persists", _times(Fault("status", status=503), MAX_ATTEMPTS), False),
    Case("429 persists", _times(Fault("status", status=429), MAX_ATTEMPTS), False),
    Case("timeouts persist", _times(Fault("read_timeout"), MAX_ATTEMPTS), False),
]


def _targeted(case: Case, path: str | None, method: str = "GET") -> tuple[Fault, ...]:
    """The case's faults aimed at reads (never the token exchange), optionally one path."""
    return tuple(
        Fault(f.kind, method=method, path=path, status=f.status, headers=f.headers, body=f.body) for f in case.faults
    )


def actionable_problem(text: str, tool: str) -> str | None:
    """Why an error text is not one a model can act on (None: it is fine)."""
    body = text.removeprefix(f"Error executing tool {tool}:").strip()
    if not body or body == f"Error executing tool {tool}":
        return "opaque error"
    if len(body) < 30:
        return "too terse to act on"
    if not re.search(r"try again|wait|check|in a minute|use ", body, re.IGNORECASE):
        return "no next step"
    if "Traceback" in text or "Exception" in text:
        return "leaks a traceback"
    if PLANTED_SECRET in text or "Bearer" in text:
        return "leaks a credential"
    return None


def _text(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


class _Switch(httpx.AsyncBaseTransport):
    """Lets one server (costly to build) serve a fresh sandbox in every test."""

    def __init__(self) -> None:
        self.target: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert self.target is not None
        return await self.target.handle_async_request(request)


@dataclass
class Rig:
    clock: FakeClock
    switch: _Switch
    server: Any
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[tuple[Sandbox, Client]]:
        sandbox = Sandbox(seed=7, today=TODAY, listings=6, clock=self.clock, token_not_before_s=1.0)
        self.switch.target = sandbox.transport(sleep=self.clock.sleep)
        async with Client(self.server) as client:
            if not self.schemas:
                self.schemas.update({t.name: t.input_schema for t in (await client.list_tools()).tools})
            yield sandbox, client

    def arguments(self, tool: str, sandbox: Sandbox) -> dict[str, Any]:
        return arguments_for(tool, self.schemas[tool], sandbox.account, TODAY)


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    from hostaway_mcp.config import Settings
    from tests.conftest import ACCOUNT_ID

    settings = Settings(
        account_id=ACCOUNT_ID,
        secret_key=PLANTED_SECRET,
        cache_dir=Path(tmp_path_factory.mktemp("cache")),
        shared_rate_limit=False,
        token_cache=False,  # every test meets a fresh sandbox, which knows no earlier token
        toolsets=("all",),  # every read tool in the catalogue, default or not
        _env_file=None,
    )
    clock, switch = FakeClock(), _Switch()
    server = build_server(settings, transport=switch, sleep=clock.sleep, clock=clock, wall_clock=clock, now=lambda: NOW)
    yield Rig(clock, switch, server)


async def _baseline(
    client: Client, sandbox: Sandbox, tool: str, arguments: dict[str, Any]
) -> tuple[Any, list[str], list[str]]:
    """The fault-free answer, the GET paths it took, and its POSTs that only read (price quotes)."""
    since = len(sandbox.request_log)
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, (
        f"{tool} fails without any fault: {_text(result)} (a new tool? give it arguments in bench/scenarios.py)"
    )
    sent = sandbox.request_log[since:]
    reading_posts = [r.path for r in sent if r.method == "POST" and reads_only("POST", r.path)]
    return result.structured_content, [r.path for r in sent if r.method == "GET"], reading_posts


async def _run_cases(rig: Rig, tool: str, cases: list[Case]) -> None:
    """Each case at the tool's first API call and at a later one; every failure is reported."""
    problems: list[str] = []
    async with rig.session() as (sandbox, client):
        arguments = rig.arguments(tool, sandbox)
        expected, paths, reading_posts = await _baseline(client, sandbox, tool, arguments)
        later = [p for p in paths[1:] if not paths[0].startswith(p)]
        targets: list[tuple[str, str | None, str]] = [("first call", None, "GET")]
        if later:
            targets.append((f"later call {later[-1]}", later[-1], "GET"))
        if reading_posts:
            targets.append((f"quote {reading_posts[0]}", reading_posts[0], "POST"))
        for case in cases:
            for where, path, method in targets:
                label = f"{case.name} at {where}"
                # Each case runs as if minutes after the last, so per-run caches (property names)
                # are cold again and the call repeats every request the baseline made.
                rig.clock.advance(NAME_TTL_S + 1)
                faults_of(sandbox).script(*_targeted(case, path, method))
                sleeps_before = len(rig.clock.sleeps)
                result = await client.call_tool(tool, arguments)
                if faults_of(sandbox).pending:
                    faults_of(sandbox).clear()
                    problems.append(f"{label}: the fault was never reached")
                    continue
                if case.recovers:
                    if result.is_error:
                        problems.append(f"{label}: no recovery: {_text(result)}")
                    elif result.structured_content != expected:
                        problems.append(f"{label}: recovered with a different answer")
                    elif "Retry-After" in case.name and 3.0 not in rig.clock.sleeps[sleeps_before:]:
                        problems.append(f"{label}: Retry-After was not honoured")
                elif result.is_error:
                    if (why := actionable_problem(_text(result), tool)) is not None:
                        problems.append(f"{label}: {why}: {_text(result)!r}")
                elif result.structured_content != expected:
                    problems.append(f"{label}: a wrong answer instead of an error")

                if not result.is_error:
                    continue  # served normally; the next case's call is the next call
                again = await client.call_tool(tool, arguments)
                if again.is_error or again.structured_content != expected:
                    problems.append(f"{label}: the next call was not served normally: {_text(again)[:200]}")
    assert not problems, f"{tool}:\n" + "\n".join(problems)


@pytest.mark.parametrize("tool", FAULT_TOOLS)
async def test_a_single_transient_failure_is_invisible(tool: str, rig: Rig) -> None:
    await _run_cases(rig, tool, TRANSIENT)


@pytest.mark.parametrize("tool", FAULT_TOOLS)
async def test_broken_answers_and_outages_give_actionable_errors(tool: str, rig: Rig) -> None:
    await _run_cases(rig, tool, BROKEN)


@pytest.mark.parametrize("tool", FAULT_TOOLS)
async def test_an_expired_token_mid_session_is_replaced_once(tool: str, rig: Rig) -> None:
    async with rig.session() as (sandbox, client):
        arguments = rig.arguments(tool, sandbox)
        expected, _, _ = await _baseline(client, sandbox, tool, arguments)
        mints = sum(1 for r in sandbox.request_log if r.path == TOKEN_PATH)

        sandbox.expire_tokens()
        result = await client.call_tool(tool, arguments)
        assert not result.is_error, f"{tool} did not recover from an expired token: {_text(result)}"
        assert result.structured_content == expected
        assert sum(1 for r in sandbox.request_log if r.path == TOKEN_PATH) == mints + 1, "exactly one re-mint"
        again = await client.call_tool(tool, arguments)
        assert again.structured_content == expected


@pytest.mark.parametrize("tool", FAULT_TOOLS)
async def test_a_forbidden_account_gets_a_permission_error_not_a_loop(tool: str, rig: Rig) -> None:
    """403 on every data request, even with a fresh token: a re-mint, then a clear error."""
    async with rig.session() as (sandbox, client):
        arguments = rig.arguments(tool, sandbox)
        expected, paths, _ = await _baseline(client, sandbox, tool, arguments)
        since = len(sandbox.request_log)
        faults_of(sandbox).script(*(Fault("status", method="GET", status=403) for _ in range(2 * len(paths) + 2)))
        result = await client.call_tool(tool, arguments)
        faults_of(sandbox).clear()
        assert result.is_error, f"{tool} answered although every request was refused"
        text = _text(result)
        assert actionable_problem(text, tool) is None, text
        assert "403" in text or "permission" in text.lower()
        mints = sum(1 for r in sandbox.request_log[since:] if r.path == TOKEN_PATH)
        # One re-mint per refused request at most (concurrent requests may each try once): no loop.
        assert 1 <= mints <= len(paths), f"{mints} token requests for {len(paths)} API calls"
        again = await client.call_tool(tool, arguments)
        assert again.structured_content == expected


def test_every_read_tool_is_covered() -> None:
    """Guards the parametrisation: a catalogue without read tools would make this suite vacuous."""
    assert len(READ_TOOLS) >= 9, READ_TOOLS


# -- the booking writes' own requests: at most once, whatever they meet --------------------------


@dataclass(frozen=True)
class WriteCase:
    name: str
    faults: tuple[Fault, ...]
    first_ok: bool  # the first call succeeds (the fault proved the request never left: retried)
    needle: str  # in the first call's error (when it fails)
    sent: int  # how many times the write request reached Hostaway in all


WRITE_CASES = [
    WriteCase("answer lost (read timeout)", (Fault("read_timeout"),), False, "Outcome unknown", 1),
    WriteCase("answer lost (reset)", (Fault("reset"),), False, "Outcome unknown", 1),
    WriteCase("500, not processed", (Fault("status", status=500),), False, "Outcome unknown", 2),
    WriteCase("html 502, not processed", (Fault("html", status=502),), False, "Outcome unknown", 2),
    WriteCase("429", (Fault("status", status=429),), False, "NOT", 2),
    WriteCase("connection refused", (Fault("connect_error"),), True, "", 1),
    WriteCase("403 twice", (Fault("status", status=403), Fault("status", status=403)), False, "403", 3),
]
WRITE_ROUTES = {
    "create_booking": ("POST", "/reservations"),
    "update_booking": ("PUT", "/reservations/"),
    "cancel_booking": ("PUT", "/reservations/"),
}
DONE = {"create_booking": "created", "update_booking": "updated", "cancel_booking": "cancelled"}
AGAIN = {
    "create_booking": "already_created",
    "update_booking": "already_updated",
    "cancel_booking": "already_cancelled",
}


@pytest.mark.parametrize("case", WRITE_CASES, ids=[case.name for case in WRITE_CASES])
@pytest.mark.parametrize("tool", BOOKING_WRITES)
async def test_a_booking_write_happens_once_whatever_its_request_meets(
    tool: str, case: WriteCase, sandbox_factory: Any, server_factory: Any
) -> None:
    from tests.stays import bookable_stay, stay_args

    sandbox = sandbox_factory(listings=6)
    listing, start, end = bookable_stay(sandbox, 3)
    create = {**stay_args(listing, start, end), "guest_name": "Ana Lima", "confirm": True}
    method, path = WRITE_ROUTES[tool]
    async with Client(server_factory(sandbox)) as client:
        if tool == "create_booking":
            arguments = create
        else:
            made = await client.call_tool("create_booking", create)
            assert not made.is_error, _text(made)
            booking_id = (made.structured_content or {})["booking_id"]
            change = {"guests": 1} if tool == "update_booking" else {}
            arguments = {"booking_id": booking_id, **change, "confirm": True}
        since = len(sandbox.request_log)
        faults_of(sandbox).script(*(Fault(f.kind, method=method, path=path, status=f.status) for f in case.faults))
        first = await client.call_tool(tool, arguments)
        if case.first_ok:
            assert not first.is_error, _text(first)
            assert (first.structured_content or {})["status"] == DONE[tool]
        else:
            assert first.is_error and case.needle in _text(first), _text(first)
            assert actionable_problem(_text(first), tool) is None, _text(first)
            second = await client.call_tool(tool, arguments)
            assert not second.is_error, _text(second)
            lost = case.name.startswith("answer lost")
            assert (second.structured_content or {})["status"] == (AGAIN[tool] if lost else DONE[tool])
    sent = [r for r in sandbox.request_log[since:] if r.method == method and r.path.startswith(path)]
    assert len(sent) == case.sent, [(r.method, r.path) for r in sent]
    guests = [r for r in sandbox.account.reservations if r["guestName"] == "Ana Lima"]
    assert len(guests) == 1, "exactly one booking was made"
    if tool == "update_booking":
        assert guests[0]["numberOfGuests"] == 1
    if tool == "cancel_booking":
        assert guests[0]["status"] == "cancelled"


# -- search_messages: answered from the mirror; the faults meet its watermark check -----------------


@pytest.fixture
async def mirrored(tmp_path: Path) -> AsyncIterator[tuple[Sandbox, Any]]:
    """A sandbox whose mirror is built, and a server checking it before every answer (max age 0)."""
    from hostaway_mcp.config import Settings
    from tests.conftest import ACCOUNT_ID

    clock = FakeClock()
    sandbox = Sandbox(seed=7, today=TODAY, listings=3, clock=clock, token_not_before_s=1.0)
    settings = Settings(
        account_id=ACCOUNT_ID,
        secret_key=PLANTED_SECRET,
        cache_dir=tmp_path / "cache",
        shared_rate_limit=False,
        mirror_max_age_s=0,
        toolsets=("all",),
        _env_file=None,
    )
    server = build_server(
        settings, transport=sandbox.transport(sleep=clock.sleep), sleep=clock.sleep, clock=clock, wall_clock=clock
    )
    lifespan = server.settings.lifespan
    assert lifespan is not None
    async with lifespan(server) as context:
        state = await app_state(context)  # opened on first use
        assert state.mirror is not None
        await state.mirror.backfill()
    yield (
        sandbox,
        build_server(
            settings, transport=sandbox.transport(sleep=clock.sleep), sleep=clock.sleep, clock=clock, wall_clock=clock
        ),
    )


SEARCH = {"query": "check in", "limit": 5}


@pytest.mark.parametrize("case", TRANSIENT + BROKEN, ids=lambda case: case.name)
async def test_search_messages_answers_from_the_mirror_whatever_its_check_meets(
    case: Case, mirrored: tuple[Sandbox, Any]
) -> None:
    """A transient fault is retried away (the same answer); an outage during the watermark check
    still answers from the mirror, saying the messages could not be checked; never an error."""
    sandbox, server = mirrored
    async with Client(server) as client:
        baseline = await client.call_tool("search_messages", SEARCH)
        assert not baseline.is_error, _text(baseline)
        faults_of(sandbox).script(*_targeted(case, None))
        result = await client.call_tool("search_messages", SEARCH)
    assert not faults_of(sandbox).pending, "the fault was never reached"
    assert not result.is_error, _text(result)
    expected = dict(baseline.structured_content or {})
    got = dict(result.structured_content or {})
    assert got["items"] == expected["items"] and got["total"] == expected["total"]
    if not case.recovers:
        assert "could not be asked" in (got.get("note") or "")
    assert PLANTED_SECRET not in _text(result)
