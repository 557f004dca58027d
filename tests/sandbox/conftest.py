"""Fixtures for the sandbox's own tests: a fake clock, sandboxes on it, and authorised clients.

Expected values in these tests are computed from `sandbox.account` (the raw generated data) with
code independent of the sandbox's query implementation, so a broken filter cannot agree with itself.
Their sandboxes serve ids as the account holds them (`string_ids=False`) so served objects compare
equal to raw ones; the string-id shape the demo serves is tested in test_loose_ids.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from hostaway_mcp.sandbox import Sandbox
from tests.sandbox.helpers import TODAY, FakeClock, authorized_client


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_sandbox(fake_clock: FakeClock) -> Callable[..., Sandbox]:
    def make(**overrides: Any) -> Sandbox:
        options: dict[str, Any] = {
            "seed": 7,
            "today": TODAY,
            "clock": fake_clock,
            "token_not_before_s": 0.0,
            "enforce_rate_limits": False,
            "string_ids": False,
        }
        options.update(overrides)
        return Sandbox(**options)

    return make


@pytest.fixture
def sb(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A fresh sandbox per test, rate limits off (limit tests build their own)."""
    return make_sandbox()


@pytest.fixture(scope="module")
def shared_sb() -> Sandbox:
    """One sandbox for a module's read-only tests (building one per test would cost seconds)."""
    return Sandbox(
        seed=7, today=TODAY, clock=FakeClock(), token_not_before_s=0.0, enforce_rate_limits=False, string_ids=False
    )


@pytest.fixture
async def api(sb: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with authorized_client(sb) as client:
        yield client


@pytest.fixture
async def shared_api(shared_sb: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with authorized_client(shared_sb) as client:
        yield client
