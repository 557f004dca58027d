"""Progress a person can read ("reservations: page 12 of 40"), reported from any depth of a tool call.

A tool call that makes more than a few Hostaway requests, or waits on a rate-limit gate, tells
the client how far it has got. The code that knows (the paging helpers, the gateway while it
waits) is far below the tool and knows nothing of MCP, so the reporter travels in a context
variable instead of through every signature:

- The tool wrapper (`tools._runtime.hostaway_tool`) installs one `ProgressReporter` per call with
  `reporting(send)`, where `send` is the call's `ctx.report_progress`. Child tasks (concurrent
  page fetches) inherit it. Outside a tool call, `current()` is a silent reporter, so callers
  never check for None.
- Paging code calls `current().expect(n)` when it learns that n more requests are coming and
  `await current().step("reservations: page 12 of 40")` as each one completes.
- Anything that waits calls `await current().waiting(8.0, "Hostaway's send limit")` before it
  sleeps; the client reads "waiting 8 s for Hostaway's send limit". The rate limiter's gates
  tell their waits to the listener of `ratelimit.report_waits_to`, which the tool wrapper points
  at the call's reporter (`wait_said`).

Rules the reporter keeps, so callers need not: progress values only increase (MCP requires it,
and concurrent pages finish in any order); steps are not reported until the call is known to
make more than `FEW_REQUESTS` requests (a two-request answer sends nothing); a wait is always
reported, since a person sees it as the call hanging. A client that passed no progress token gets
nothing extra: the SDK's `report_progress` is then a no-op, and nothing else changes.
A failing progress notification is logged and never fails the call.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

logger = logging.getLogger(__name__)

# "More than a few requests": a call expected to make more than this many reports its steps.
FEW_REQUESTS = 3

SendProgress = Callable[[float, float | None, str | None], Awaitable[None]]


class ProgressReporter:
    """Counts a tool call's requests and reports them, and any wait, through `send`."""

    def __init__(self, send: SendProgress | None) -> None:
        self._send = send
        self._done = 0
        self._expected = 0
        self._last_sent = 0.0
        self._lock = asyncio.Lock()

    @property
    def done(self) -> int:
        return self._done

    @property
    def expected(self) -> int:
        return max(self._expected, self._done)

    def expect(self, requests: int) -> None:
        """`requests` more requests are coming in this call (negative: fewer than said before)."""
        self._expected = max(self._done, self._expected + requests)

    async def step(self, message: str) -> None:
        """One request is done; report it once the call is known to make more than a few."""
        self._done += 1
        if self.expected > FEW_REQUESTS:
            await self._emit(float(self._done), message)

    async def waiting(self, seconds: float, what: str) -> None:
        """About to wait `seconds` for `what` (e.g. "Hostaway's send limit"); always reported."""
        await self.wait_said(seconds, f"waiting {max(1, math.ceil(seconds))} s for {what}")

    async def wait_said(self, seconds: float, message: str) -> None:
        """A wait already put in words (the rate limiter's `report_waits_to` listener)."""
        await self._emit(None, message)

    async def _emit(self, value: float | None, message: str) -> None:
        if self._send is None:
            return
        async with self._lock:  # concurrent pages: values reach the client in increasing order
            if value is None or value <= self._last_sent:
                # Half way to the next whole step: still increasing, and the next step passes it.
                floor = math.floor(self._last_sent)
                value = self._last_sent + (floor + 1 - self._last_sent) / 2
            self._last_sent = value
            total = float(self.expected) if self._expected else None
            if total is not None and total < value:
                total = math.ceil(value)
            try:
                await self._send(value, total, message)
            except Exception:  # progress is a courtesy: the answer must not depend on it
                logger.debug("a progress notification could not be sent", exc_info=True)


_CURRENT: ContextVar[ProgressReporter | None] = ContextVar("hostaway_progress", default=None)


def current() -> ProgressReporter:
    """The reporter of the tool call running in this task, or a silent one outside a call."""
    return _CURRENT.get() or ProgressReporter(None)


@contextmanager
def reporting(send: SendProgress | None) -> Iterator[ProgressReporter]:
    """Install a reporter for the code inside the block (one tool call)."""
    reporter = ProgressReporter(send)
    token = _CURRENT.set(reporter)
    try:
        yield reporter
    finally:
        _CURRENT.reset(token)
