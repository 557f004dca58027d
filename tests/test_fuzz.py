"""Arbitrary arguments never crash or hang the server, and invalid ones never reach Hostaway.

Hypothesis throws two kinds of argument objects at every tool through a real `mcp.Client`:
arbitrary JSON objects, and objects shaped by the tool's input schema (right names, values of the
right and wrong types, boundary numbers, impossible dates, real and unknown ids). For each call:

- it answers within `CALL_BOUND_S` (retries run on the fake clock, so only a hang takes time);
- an error is a `ToolError`-style message, never an internal failure ("failed unexpectedly") or
  the SDK's bare "Error executing tool X";
- an argument-validation error (the SDK's, or the tool's own) leaves the sandbox's request log
  untouched; an error after API calls must come from Hostaway's answer (not found, refused);
- the server answers a plain call afterwards.

The server runs in its own event-loop thread so each call can be bounded from outside.
Examples per tool: `HOSTAWAY_FUZZ_EXAMPLES` (default 25); `HOSTAWAY_FUZZ_RANDOM=1` for a fresh
random seed instead of the reproducible default.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import string
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.shared.exceptions import MCPError

from hostaway_mcp.config import Settings
from hostaway_mcp.sandbox import Sandbox
from hostaway_mcp.server import build_server
from hostaway_mcp.tools import catalogue
from tests.conftest import ACCOUNT_ID, NOW, PLANTED_SECRET, TODAY, FakeClock

TOOLS = [spec.name for spec in catalogue()]
CALL_BOUND_S = 20.0
EXAMPLES = int(os.environ.get("HOSTAWAY_FUZZ_EXAMPLES", "25"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=os.environ.get("HOSTAWAY_FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


class LiveServer:
    """A server and a connected client, alive in a background event loop for a whole test."""

    def __init__(self, cache_dir: Path) -> None:
        self.clock = FakeClock()
        self.sandbox = Sandbox(seed=7, today=TODAY, listings=3, clock=self.clock, token_not_before_s=1.0)
        settings_ = Settings(
            account_id=ACCOUNT_ID,
            secret_key=PLANTED_SECRET,
            cache_dir=cache_dir,
            shared_rate_limit=False,
            toolsets=("all",),  # every tool in the catalogue, default or not
            _env_file=None,
        )
        self.server = build_server(
            settings_,
            transport=self.sandbox.transport(sleep=self.clock.sleep),
            sleep=self.clock.sleep,
            clock=self.clock,
            wall_clock=self.clock,
            now=lambda: NOW,
        )
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fuzzed-server", daemon=True)
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self.client: Client | None = None
        self.schemas: dict[str, dict[str, Any]] = {}

    def __enter__(self) -> LiveServer:
        self._thread.start()
        self._session = asyncio.run_coroutine_threadsafe(self._serve(), self.loop)
        if not self._ready.wait(timeout=60):
            raise RuntimeError("the server did not come up")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._stop is not None
        self.loop.call_soon_threadsafe(self._stop.set)
        try:
            self._session.result(timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            self.loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with Client(self.server) as client:
            self.client = client
            self.schemas = {t.name: t.input_schema for t in (await client.list_tools()).tools}
            self._ready.set()
            await self._stop.wait()

    def call(self, tool: str, arguments: Any) -> Any:
        """The tool's result (or the MCPError it raised); fails the test if it takes too long."""
        assert self.client is not None
        future = asyncio.run_coroutine_threadsafe(self.client.call_tool(tool, arguments), self.loop)
        try:
            return future.result(timeout=CALL_BOUND_S)
        except concurrent.futures.TimeoutError:
            future.cancel()
            pytest.fail(f"{tool} hung for more than {CALL_BOUND_S:.0f} s with {arguments!r}")
        except MCPError as exc:
            return exc


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the whole module: building one costs more than a hundred calls."""
    with LiveServer(tmp_path_factory.mktemp("cache")) as server:
        yield server


# -- strategies ---------------------------------------------------------------------------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
ODD_STRINGS = st.sampled_from(
    ["", " ", "0", "-1", "null", "2026-02-30", "2026-13-01", "tomorrow", "9999-12-31", "0001-01-01", "\x00", "é" * 3]
)


def dates_around(today: date) -> st.SearchStrategy[str]:
    near = st.integers(min_value=-400, max_value=800).map(lambda d: (today + timedelta(days=d)).isoformat())
    anywhere = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat)
    return near | anywhere | ODD_STRINGS


def value_for(name: str, schema: dict[str, Any], ids: dict[str, list[int]]) -> st.SearchStrategy[Any]:
    """Values for one parameter: mostly of its type (edges included), sometimes anything at all."""
    if "anyOf" in schema:
        return st.one_of(*(value_for(name, option, ids) for option in schema["anyOf"]))
    kind = schema.get("type")
    typed: st.SearchStrategy[Any]
    if "enum" in schema:
        typed = st.sampled_from(schema["enum"]) | st.text(max_size=10)
    elif kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", -1000))
        high = schema.get("maximum", 10_000)
        typed = (
            st.integers(min_value=int(low) - 2, max_value=int(high) + 2)
            | st.sampled_from([0, -1, 2**31, 2**63, 10**30])
            | st.sampled_from(ids.get(name, [1]))
        )
    elif kind == "number":
        typed = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([0, -0.01, 1e-9, 1e12])
    elif kind == "string" and schema.get("format") == "date":
        typed = dates_around(TODAY)
    elif kind == "string":
        typed = (
            st.text(max_size=int(schema.get("maxLength", 60)) + 2) | ODD_STRINGS | st.text(string.printable, min_size=1)
        )
    elif kind == "boolean":
        typed = st.booleans()
    elif kind == "array":
        typed = st.lists(value_for(name, schema.get("items", {}), ids), max_size=6)
    elif kind == "null":
        typed = st.none()
    else:
        typed = JSON_VALUES
    return st.one_of(typed, typed, typed, JSON_VALUES)  # three to one: mostly the right type


def shaped_arguments(schema: dict[str, Any], ids: dict[str, list[int]]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    optional_fields = {name: value_for(name, prop, ids) for name, prop in properties.items() if name not in required}
    shaped = st.fixed_dictionaries(
        {name: value_for(name, properties[name], ids) for name in required},
        optional=optional_fields,
    )
    mostly_complete = shaped | shaped | shaped.flatmap(lambda d: st.just(dict(list(d.items())[1:])))
    extra = st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=2)
    return st.tuples(mostly_complete, extra | st.just({})).map(lambda pair: {**pair[1], **pair[0]})


DATE_PAIRS = (("check_in", "check_out"), ("start_date", "end_date"), ("arrival_from", "arrival_to"))


def plausible_value(name: str, schema: dict[str, Any], ids: dict[str, list[int]]) -> st.SearchStrategy[Any]:
    """A value a model might really send: right type, inside the bounds, mostly known ids."""
    if "anyOf" in schema:
        options = [o for o in schema["anyOf"] if o.get("type") != "null"]
        return st.none() | st.one_of(*(plausible_value(name, o, ids) for o in options))
    kind = schema.get("type")
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if kind == "integer":
        if name in ids:
            return st.sampled_from(ids[name])
        low = int(schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1))
        return st.integers(min_value=low, max_value=min(int(schema.get("maximum", low + 200)), low + 200))
    if kind == "number":
        return st.floats(min_value=0.01, max_value=float(schema.get("maximum", 5000)), allow_nan=False)
    if kind == "string" and schema.get("format") == "date":
        return st.integers(min_value=-60, max_value=400).map(lambda d: (TODAY + timedelta(days=d)).isoformat())
    if kind == "string":
        low, high = int(schema.get("minLength", 0)), min(int(schema.get("maxLength", 80)), 200)
        return st.text(min_size=low, max_size=max(low, high))
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(plausible_value(name.removesuffix("s") + "_", schema.get("items", {}), ids), max_size=4)
    return st.none()


def plausible_arguments(schema: dict[str, Any], ids: dict[str, list[int]]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    fields = {name: plausible_value(name, prop, ids) for name, prop in properties.items()}
    pairs = [(a, b) for a, b in DATE_PAIRS if a in properties and b in properties]

    def ranged(values: dict[str, Any], spans: list[tuple[int, int]]) -> dict[str, Any]:
        # Date pairs as a person would give them: a start near today, an end a few days later
        # (sometimes before the start, sometimes absurdly long).
        for (first, last), (offset, length) in zip(pairs, spans, strict=True):
            start = TODAY + timedelta(days=offset)
            values[first], values[last] = start.isoformat(), (start + timedelta(days=length)).isoformat()
        return values

    spans = st.lists(
        st.tuples(st.integers(-30, 400), st.integers(-3, 40) | st.sampled_from([0, 120, 800])),
        min_size=len(pairs),
        max_size=len(pairs),
    )
    base = st.fixed_dictionaries(
        {n: f for n, f in fields.items() if n in required},
        optional={n: f for n, f in fields.items() if n not in required},
    )
    return st.tuples(base, spans).map(lambda pair: ranged(dict(pair[0]), pair[1]))


# -- the checks ---------------------------------------------------------------------------------

# The SDK's argument validation and the tools' own input checks (tools/_validation.py and friends):
# all of them must fire before any API call.
INPUT_CHECK = re.compile(
    # "in the past at this property" needs the property's time zone, so it comes after a read.
    r"validation errors? for|must be after|is in the past(?! at this property)|is before|the maximum is|; the most|"
    r"Unknown (channel|booking status)|is not an email|No booking can arrive|must not be above|"
    r"no words once HTML tags are removed",
    re.IGNORECASE,
)


def _text(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def check_call(live: LiveServer, tool: str, arguments: dict[str, Any]) -> None:
    before = len(live.sandbox.request_log)
    result = live.call(tool, arguments)
    sent = live.sandbox.request_log[before:]
    data_requests = [r for r in sent if r.path != "/accessTokens"]

    if isinstance(result, MCPError):
        # A protocol-level refusal is an answer too, but it must come before any API call.
        assert not data_requests, f"{tool}: protocol error {result} after {len(data_requests)} API calls"
        return
    if not result.is_error:
        assert result.structured_content is not None, f"{tool} answered without structured content"
        return
    text = _text(result)
    assert "failed unexpectedly" not in text, f"{tool} crashed on {arguments!r}: {text}"
    assert text.strip() != f"Error executing tool {tool}", f"{tool}: opaque error on {arguments!r}"
    assert PLANTED_SECRET not in text and "Traceback" not in text
    if INPUT_CHECK.search(text):
        # Input that can be judged from the arguments alone is judged before anything is sent.
        # (Refusals that depend on the account, like "nights held by bookings", need API reads.)
        assert not data_requests, (
            f"{tool} rejected its arguments only after {len(data_requests)} API calls: {arguments!r}: {text}"
        )


def _ids(sandbox: Sandbox) -> dict[str, list[int]]:
    listings = [int(x["id"]) for x in sandbox.account.listings]
    bookings = [int(r["id"]) for r in sandbox.account.reservations[:20]]
    charges = [int(c["id"]) for c in sandbox.account.charges[:20]]
    return {
        "property_id": [*listings, 1, 999_999_999],
        "property_ids": listings,
        "property_id_": listings,
        "booking_id": [*bookings, *(int(c["reservationId"]) for c in sandbox.account.charges[:20]), 1, 999_999_999],
        "review_id": [*(int(r["id"]) for r in sandbox.account.reviews[:20]), 1, 999_999_999],
        "charge_id": [*charges, 1, 999_999_999],
        "statement_id": [*(int(s["id"]) for s in sandbox.account.owner_statements), 1, 999_999_999],
    }


def assert_still_serving(live: LiveServer) -> None:
    result = live.call("list_properties", {"limit": 1})
    assert not isinstance(result, MCPError) and not result.is_error, "the server stopped serving"


@pytest.mark.parametrize("tool", TOOLS)
def test_arbitrary_json_arguments(tool: str, live: LiveServer) -> None:
    @FUZZ_SETTINGS
    @given(arguments=st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=5))
    def run(arguments: dict[str, Any]) -> None:
        check_call(live, tool, arguments)

    run()
    assert_still_serving(live)


@pytest.mark.parametrize("tool", TOOLS)
def test_schema_shaped_arguments(tool: str, live: LiveServer) -> None:
    @FUZZ_SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        arguments = data.draw(shaped_arguments(live.schemas[tool], _ids(live.sandbox)), label="arguments")
        check_call(live, tool, arguments)

    run()
    assert_still_serving(live)


@pytest.mark.parametrize("tool", TOOLS)
def test_plausible_arguments(tool: str, live: LiveServer) -> None:
    """What a model might really send: known ids, nearby dates, values inside the bounds."""

    @FUZZ_SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        arguments = data.draw(plausible_arguments(live.schemas[tool], _ids(live.sandbox)), label="arguments")
        check_call(live, tool, arguments)

    run()
    assert_still_serving(live)
