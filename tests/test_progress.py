"""Progress a person can read: through a real MCP client on a multi-page report, and the reporter's rules.

A year's revenue on the 24-listing demo account reads about fifteen pages of reservations, more
than "a few", so a client that asks for progress sees it rise page by page; one that does not
ask sees nothing extra and gets the same answer.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest
from mcp import Client, types

from hostaway_mcp import progress
from tests.conftest import call_ok

YEAR = {"start_date": "2025-12-01", "end_date": "2026-11-30", "group_by": "month"}
PAGE_MESSAGE = re.compile(r"^(?:(?:properties|reservations): page (\d+) of (\d+)|calendars: (\d+) of (\d+) read)$")


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_progress_aware_client_sees_a_multi_page_report_advance(
    sandbox: Any, server_factory: Callable[..., Any], mode: str
) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with Client(server_factory(sandbox), mode=mode) as client:
        result = await client.call_tool("get_revenue_report", YEAR, progress_callback=on_progress)
    assert not result.is_error

    pages = [e for e in sandbox.request_log if e.path in ("/reservations", "/listings") or e.path.endswith("/calendar")]
    values = [value for value, _, _ in seen]
    # One notification per page read, from the first page after which the call is known to make
    # more than a few requests (the listing page and the first reservations page tell that).
    assert len(pages) > 10 and len(pages) - progress.FEW_REQUESTS <= len(seen) < len(pages)
    assert all(b > a for a, b in itertools.pairwise(values)), values  # strictly increasing
    assert values[-1] == len(pages)
    assert seen[-1][1] == len(pages)  # the estimate of the total has settled on the truth
    for value, total, message in seen:
        assert total is not None and value <= total
        match = PAGE_MESSAGE.match(message or "")
        assert match, message
        done, of = (int(n) for n in match.groups() if n is not None)
        assert done <= of
    reservation_pages = sum(1 for e in pages if e.path == "/reservations")
    said = [m for _, _, m in seen if m and m.startswith("reservations")]
    assert said[-1] == f"reservations: page {reservation_pages} of {reservation_pages}"
    calendars = sum(1 for e in pages if e.path.endswith("/calendar"))
    told = [m for _, _, m in seen if m and m.startswith("calendars")]
    assert told[-1] == f"calendars: {calendars} of {calendars} read"  # blocked nights, read alongside


async def test_a_client_without_a_progress_token_gets_nothing_extra(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    notifications: list[Any] = []

    async def on_message(message: Any) -> None:
        notifications.append(message)

    async with Client(server_factory(sandbox), mode="legacy", message_handler=on_message) as client:
        quiet = await call_ok(client, "get_revenue_report", YEAR)
        assert not [n for n in notifications if isinstance(n, types.ProgressNotification)]
        heard: list[float] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            heard.append(progress)

        loud = await client.call_tool("get_revenue_report", YEAR, progress_callback=on_progress)
    assert heard, "the same call with a progress token does report"
    assert len([n for n in notifications if isinstance(n, types.ProgressNotification)]) == len(heard)
    assert loud.structured_content == quiet


async def test_the_reporter_counts_steps_reports_waits_and_never_goes_backwards() -> None:
    sent: list[tuple[float, float | None, str | None]] = []

    async def send(value: float, total: float | None, message: str | None) -> None:
        sent.append((value, total, message))

    with progress.reporting(send) as reporter:
        assert progress.current() is reporter
        reporter.expect(2)
        await reporter.step("page 1 of 2")
        await reporter.step("page 2 of 2")
        assert sent == []  # two requests are "a few": nothing reported
        await reporter.waiting(7.2, "Hostaway's send limit")
        reporter.expect(4)
        await progress.current().step("page 3 of 6")
        await reporter.waiting(0.2, "Hostaway's rate limit")
        await reporter.waiting(0.2, "Hostaway's rate limit")
        await reporter.step("page 4 of 6")
        reporter.expect(-2)  # fewer pages than first thought
        await reporter.step("page 5 of 5")
    assert [m for _, _, m in sent] == [
        "waiting 8 s for Hostaway's send limit",
        "page 3 of 6",
        "waiting 1 s for Hostaway's rate limit",
        "waiting 1 s for Hostaway's rate limit",
        "page 4 of 6",
        "page 5 of 5",
    ]
    values = [v for v, _, _ in sent]
    assert values == [0.5, 3.0, 3.5, 3.75, 4.0, 5.0]
    assert [t for _, t, _ in sent] == [2.0, 6.0, 6.0, 6.0, 6.0, 5.0]
    assert progress.current() is not reporter  # uninstalled after the call


async def test_outside_a_tool_call_and_on_a_failing_client_progress_is_silent() -> None:
    await progress.current().waiting(3, "anything")  # no reporter installed: nothing happens

    async def broken(value: float, total: float | None, message: str | None) -> None:
        raise ConnectionError("the client went away")

    with progress.reporting(broken) as reporter:
        reporter.expect(10)
        for _ in range(5):
            await reporter.step("page")  # never raises: the answer must not depend on progress
    assert reporter.done == 5


async def test_an_availability_search_reports_each_calendar_it_checks(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    arguments = {"check_in": "2026-12-12", "check_out": "2026-12-15", "guests": 2}
    async with Client(server_factory(sandbox)) as client:
        result = await client.call_tool("search_available_properties", arguments, progress_callback=on_progress)
    assert not result.is_error
    calendars = [e for e in sandbox.request_log if e.path.endswith("/calendar")]
    assert len(calendars) > progress.FEW_REQUESTS
    values = [value for value, _, _ in seen]
    assert all(b > a for a, b in itertools.pairwise(values)) and values[-1] == 1 + len(calendars)
    messages = [m for _, _, m in seen]
    assert messages[-1] == f"calendars: {len(calendars)} of {len(calendars)} checked", messages


async def test_a_wait_on_a_rate_limit_gate_reaches_the_client_in_words(
    sandbox_factory: Callable[..., Any], server_factory: Callable[..., Any]
) -> None:
    """Under the legacy limits (15 per 10 s) a year's report must wait for its window: the
    client hears how long and for which limit, between the pages."""
    sandbox = sandbox_factory(rate_limits="legacy")
    seen: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, message))

    async with Client(server_factory(sandbox, rate_limit_profile="legacy")) as client:
        result = await client.call_tool("get_revenue_report", YEAR, progress_callback=on_progress)
    assert not result.is_error
    waits = [m for _, m in seen if m and m.startswith("waiting ")]
    assert waits, [m for _, m in seen]
    assert all(re.match(r"^waiting \d+ s for \S", m) for m in waits), waits
    assert all(b > a for (a, _), (b, _) in itertools.pairwise(seen))  # still increasing
    assert sandbox.rate_limit_rejections == 0
