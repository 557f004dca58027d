"""The gates model, the shared-state format, and the limiter on the in-process backend.

Every figure is Hostaway's published model (hostaway-api-2026.md §4.1) with our ~90% headroom;
time is a fake clock, so minutes of limits cost milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from hostaway_mcp.config import Settings
from hostaway_mcp.ratelimit import feedback
from hostaway_mcp.ratelimit.coordination import in_process_limiter
from hostaway_mcp.ratelimit.gates import CURRENT, GateName, endpoint_gate, gate_names, parse_gate_size, plan_gates
from hostaway_mcp.ratelimit.limiter import GateLimiter
from hostaway_mcp.ratelimit.memory import MemoryStore
from hostaway_mcp.ratelimit.state import SharedState, StateShapeError
from tests.conftest import FakeClock, hold_slot

MESSAGE = ("POST", "conversations/77/messages")
READ = ("GET", "listings")


def limiter(clock: FakeClock, **sizes: tuple[int, float]) -> GateLimiter:
    table: dict[GateName, tuple[int, float]] = {**CURRENT, **sizes}  # type: ignore[dict-item]
    return GateLimiter(MemoryStore(clock), plan_gates("acct", "ip", table), clock=clock, sleep=clock.sleep)


async def send(lim: GateLimiter, clock: FakeClock, request: tuple[str, str] = READ, hold_s: float = 0.0) -> float:
    async with lim.slot(*request):
        sent = clock()
        if hold_s:
            clock.advance(hold_s)
    return sent


# -- which gates a request takes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "current", "legacy"),
    [
        ("GET", "listings", ("account", "ip"), ("account", "ip")),
        ("GET", "/conversations/5/messages", ("account", "ip"), ("account", "ip")),
        ("POST", "/conversations/5/messages", ("messages",), ("messages", "account", "ip")),
        ("POST", "conversations/abc/messages?x=1", ("messages",), ("messages", "account", "ip")),
        ("POST", "/listings/9/calendar/priceDetails", ("quotes",), ("quotes", "account", "ip")),
        ("POST", "/reservations", ("bookings",), ("bookings", "account", "ip")),
        ("PUT", "/reservations/4", ("account", "ip"), ("account", "ip")),
        ("POST", "/reservations/4/statuses/cancelled", ("account", "ip"), ("account", "ip")),
        ("PUT", "/listings/9/calendar", ("account", "ip"), ("account", "ip")),
        ("POST", "/accessTokens", ("account", "ip"), ("account", "ip")),
        ("POST", "/v1/reservations", ("bookings",), ("bookings", "account", "ip")),
    ],
)
def test_which_gates_a_request_takes(method: str, path: str, current: tuple[str, ...], legacy: tuple[str, ...]) -> None:
    assert gate_names(method, path, "current") == current
    assert gate_names(method, path, "legacy") == legacy


def test_the_defaults_are_about_ninety_percent_of_hostaways_figures() -> None:
    published = {"account": 200, "ip": 200, "messages": 30, "quotes": 400, "bookings": 200}
    for name, (limit, _) in CURRENT.items():
        assert 0.85 * published[name] <= limit <= 0.9 * published[name]
    assert CURRENT["messages"][1] == 60.0 and endpoint_gate("POST", "conversations/1/messages") == "messages"


@pytest.mark.parametrize(
    ("raw", "size"),
    [("180/10", (180, 10.0)), (" 27 / 60s ", (27, 60.0)), ("5/0.5", (5, 0.5)), (None, None), ("", None)],
)
def test_a_gate_size_is_requests_over_seconds(raw: str | None, size: tuple[int, float] | None) -> None:
    assert parse_gate_size(raw) == size


@pytest.mark.parametrize("raw", ["180", "a/10", "0/10", "10/0", "10/-1", "1/2/3", "10/99999"])
def test_a_malformed_gate_size_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match=r"REQUESTS/SECONDS|at least 1"):
        parse_gate_size(raw)


def test_every_gate_is_a_setting_and_legacy_is_one_setting_away(settings_factory: Callable[..., Settings]) -> None:
    settings = settings_factory(rate_limit_messages="10/60", rate_limit_account="100/10")
    assert settings.gate_sizes["messages"] == (10, 60.0) and settings.gate_sizes["account"] == (100, 10.0)
    assert settings.gate_sizes["ip"] == (180, 10.0)
    with pytest.raises(ValueError, match="REQUESTS/SECONDS"):
        settings_factory(rate_limit_ip="lots")
    legacy = in_process_limiter(settings_factory(rate_limit_profile="legacy")).budget()
    assert legacy.profile == "legacy" and (legacy.limit, legacy.window_s) == (15, 10.0)
    assert {g.name: g.limit for g in legacy.gates if g.name in ("account", "ip")} == {"account": 20, "ip": 15}


# -- the state as stored: anything we did not write is refused, never a TypeError ------------------


def test_times_planted_in_the_future_count_from_now_never_forever() -> None:
    state = SharedState()
    window = state.window("account:x")
    window.done["1@h"] = [9e11]
    window.flying["s"] = ("1@h", 9e11)
    window.blocked_until = 9e11
    window.prune(1000.0, 10.0, 120.0, lambda owner: False)
    assert window.done["1@h"] == [1000.0] and window.flying["s"] == ("1@h", 1000.0)
    assert window.blocked_until == 1060.0
    window.prune(1011.0, 10.0, 120.0, lambda owner: False)
    assert "1@h" not in window.done


def test_the_state_round_trips() -> None:
    state = SharedState()
    state.window("account:x").flying["s1"] = ("1@h", 5.0)
    state.window("account:x").done["1@h"] = [1.0, 2.0]
    state.window("account:x").phantom = [3.0]
    state.legacy["x"] = 9.0
    again = SharedState.from_json(state.to_json())
    assert again == state


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe garbage",
        b"{not json",
        b"[]",
        b'{"v": 1, "slots": []}',
        b'{"v": 2}',
        b'{"v": 2, "gen": "g", "members": {}, "legacy": {}, "gates": []}',
        b'{"v": 2, "gen": "g", "members": {"a": "x"}, "legacy": {}, "gates": {}}',
        b'{"v": 2, "gen": "g", "members": {}, "legacy": {}, "gates": {"k": {"f": {}, "d": {}, "p": ["x"]}}}',
        b'{"v": 2, "gen": "g", "members": {}, "legacy": {}, "gates": {"k": {"f": {"s": [1, 2]}, "d": {}, "p": []}}}',
        b'{"v": 2, "gen": "g", "members": {}, "legacy": {}, "gates": {"k": {"f": {}, "d": {"o": 5}, "p": []}}}',
        b'{"v": 2, "gen": "g", "members": {}, "legacy": {}, "gates": {"k": {"f": {}, "d": {}, "p": [], "b": null}}}',
        b'{"v": 2, "gen": "g", "members": {}, "legacy": {}, "gates": {"k": {"f": {}, "d": {"o": [1, "2"]}, "p": []}}}',
        b'{"v": 2, "gen": "g", "members": {}, "legacy": {}, "gates": {"k": {"f": {}, "d": {}, "p": [1e400]}}}',
        b'{"v": 2, "gen": 7, "members": {}, "legacy": {}, "gates": {}}',
        b"[" * 100_000,
    ],
)
def test_a_state_we_did_not_write_is_refused(raw: bytes) -> None:
    with pytest.raises(StateShapeError):
        SharedState.from_json(raw)


# -- the limiter ------------------------------------------------------------------------------------


async def test_forty_reads_from_idle_never_wait(clock: FakeClock) -> None:
    lim = limiter(clock)
    await asyncio.gather(*(send(lim, clock) for _ in range(40)))
    assert clock.sleeps == [] and lim.waits == 0


async def test_a_burst_of_the_whole_gate_goes_out_at_once_and_the_next_waits_a_window(clock: FakeClock) -> None:
    lim = limiter(clock)
    start = clock()
    sent = await asyncio.gather(*(send(lim, clock) for _ in range(181)))
    assert sorted(sent)[179] == start, "180 go out at once"
    assert max(sent) - start >= 10.0


async def test_the_31st_message_within_a_minute_waits_instead_of_a_429(clock: FakeClock) -> None:
    lim = limiter(clock)
    start = clock()
    sent = [await send(lim, clock, MESSAGE, hold_s=1.0) for _ in range(28)]
    assert all(s - start < 27.5 for s in sent[:27]), "27 messages, one a second, never wait"
    assert sent[27] >= sent[0] + 1.0 + 60.0, "the 28th waits for the first to leave the 60 s window"


async def test_messages_do_not_draw_from_the_general_pool(clock: FakeClock) -> None:
    lim = limiter(clock, account=(3, 10.0), ip=(3, 10.0))
    for _ in range(3):
        await send(lim, clock)
    await send(lim, clock, MESSAGE)
    await send(lim, clock, ("POST", "reservations"))
    await send(lim, clock, ("POST", "listings/3/calendar/priceDetails"))
    assert clock.sleeps == [], "the endpoint buckets are their own"
    await send(lim, clock)
    assert clock.sleeps and clock.sleeps[0] >= 10.0


async def test_a_message_waiting_for_its_gate_does_not_hold_up_reads_or_quotes(clock: FakeClock) -> None:
    never = asyncio.Event()
    waits: list[float] = []

    async def stuck(seconds: float) -> None:  # a wait that does not end while we look
        waits.append(seconds)
        await never.wait()

    table = {**CURRENT, "messages": (1, 60.0)}
    lim = GateLimiter(MemoryStore(clock), plan_gates("acct", "ip", table), clock=clock, sleep=stuck)
    await send(lim, clock, MESSAGE)
    waiting = asyncio.create_task(send(lim, clock, MESSAGE))
    for _ in range(3):
        await asyncio.sleep(0)
    assert waits and waits[0] >= 60.0, "the second message waits for the send limit"
    await asyncio.wait_for(send(lim, clock), timeout=5)  # a read goes meanwhile
    quote = ("POST", "listings/9/calendar/priceDetails")
    await asyncio.wait_for(send(lim, clock, quote), timeout=5)  # and so does another endpoint's kind
    waiting.cancel()


async def test_a_slow_request_keeps_its_slot_until_it_answers(clock: FakeClock) -> None:
    lim = limiter(clock, account=(1, 10.0))
    release = asyncio.Event()
    stamps: list[float] = []

    async def slow() -> None:
        async with lim.slot(*READ):
            stamps.append(clock())
            await release.wait()

    slow_task = asyncio.create_task(slow())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(send(lim, clock))
    clock.advance(30.0)  # far past the window, but the slow request has not answered yet
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done(), "an in-flight slot never expires early"
    answered_at = clock()
    release.set()
    await slow_task
    assert await waiting >= answered_at + 10.0


async def test_sixty_seconds_of_saturation_never_overfill_a_window(clock: FakeClock) -> None:
    lim = limiter(clock, account=(15, 10.0))
    start = clock()
    stamps: list[float] = []

    async def worker() -> None:
        while clock() - start < 60.0:
            stamps.append(await send(lim, clock, hold_s=0.15))

    await asyncio.gather(*(worker() for _ in range(8)))
    in_run = [s - start for s in stamps if s - start < 60.0]
    for t in in_run:
        assert len([s for s in in_run if t <= s < t + 10.0]) <= 15
    assert len(in_run) / 60.0 >= 0.9 * 1.5


# -- 429 feedback ----------------------------------------------------------------------------------


async def _rate_limited(lim: GateLimiter, clock: FakeClock, headers: dict[str, str]) -> None:
    async with lim.slot(*READ) as ticket:
        pass
    await lim.rate_limited(ticket, headers)


async def test_retry_after_with_applied_account_stops_that_gate_and_only_it_for_its_time(clock: FakeClock) -> None:
    lim = limiter(clock)
    retry_at = clock() + 3
    await _rate_limited(lim, clock, {"X-RateLimit-Retry-After": str(retry_at), "X-RateLimit-Applied": "account"})
    assert lim.budget().gates[0].blocked_for_s == pytest.approx(3.0)
    await send(lim, clock, MESSAGE)
    assert clock.sleeps == [], "the message bucket is not the account gate"
    sent = await send(lim, clock)
    assert retry_at <= sent <= retry_at + 0.01, "the read waited exactly until the retry time"
    assert await send(lim, clock) == sent, "and the gate is open again"


async def test_applied_ip_stops_the_ip_gate_and_endpoint_the_requests_own_bucket(clock: FakeClock) -> None:
    lim = limiter(clock)
    await _rate_limited(lim, clock, {"X-RateLimit-Retry-After": str(clock() + 5), "X-RateLimit-Applied": "IP"})
    assert [g.name for g in lim.budget().gates if g.blocked_for_s] == ["ip"]
    async with lim.slot(*MESSAGE) as ticket:
        pass
    await lim.rate_limited(ticket, {"X-RateLimit-Retry-After": str(clock() + 20), "X-RateLimit-Applied": "endpoint"})
    assert {g.name: round(g.blocked_for_s) for g in lim.budget().gates if g.blocked_for_s} == {"ip": 5, "messages": 20}


async def test_a_suppression_is_capped_at_a_minute(clock: FakeClock) -> None:
    lim = limiter(clock)
    await _rate_limited(lim, clock, {"X-RateLimit-Retry-After": str(clock() + 3600), "X-RateLimit-Applied": "account"})
    assert lim.budget().gates[0].blocked_for_s == pytest.approx(feedback.MAX_SUPPRESSION_S)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-RateLimit-Retry-After": "soon", "X-RateLimit-Applied": "account"},
        {"X-RateLimit-Retry-After": "nan", "X-RateLimit-Applied": "account"},
        {"X-RateLimit-Retry-After": "-5", "X-RateLimit-Applied": "account"},
        {"X-RateLimit-Retry-After": "1800000003", "X-RateLimit-Applied": "everything"},
        {"X-RateLimit-Retry-After": "1800000003"},
        {"X-RateLimit-Remaining": "-1", "X-RateLimit-Applied": "account"},
        {"X-RateLimit-Remaining": "²", "X-RateLimit-Applied": "account"},
        {"X-RateLimit-Remaining": "1e3", "X-RateLimit-Applied": "account"},
        {"X-RateLimit-Limit": "0", "X-RateLimit-Applied": "account"},
        {"X-RateLimit-Limit": "many", "X-RateLimit-Applied": "account"},
        {"X-RateLimit-Applied": ""},
        {"X-RateLimit-Retry-After": "1800000003", "X-RateLimit-Applied": "endpoint"},  # a read has no bucket
    ],
)
async def test_malformed_headers_change_nothing(clock: FakeClock, headers: dict[str, str]) -> None:
    lim = limiter(clock)
    before = lim.budget()
    await _rate_limited(lim, clock, headers)
    after = lim.budget()
    assert after.profile == "current", "malformed headers are still headers: no switch to legacy"
    assert [(g.limit, g.blocked_for_s) for g in after.gates] == [(g.limit, g.blocked_for_s) for g in before.gates]
    assert after.in_window == before.in_window + 1
    await asyncio.gather(*(send(lim, clock) for _ in range(40)))
    assert clock.sleeps == []


async def test_remaining_only_lowers_capacity_and_limit_only_lowers_the_size(clock: FakeClock) -> None:
    lim = limiter(clock)
    await _rate_limited(lim, clock, {"X-RateLimit-Remaining": "5", "X-RateLimit-Applied": "account"})
    account = lim.budget().gates[0]
    assert account.available == 5
    await _rate_limited(lim, clock, {"X-RateLimit-Remaining": "500", "X-RateLimit-Applied": "account"})
    assert lim.budget().gates[0].available == 4, "a larger Remaining never raises capacity"
    await _rate_limited(lim, clock, {"X-RateLimit-Limit": "100", "X-RateLimit-Applied": "ip"})
    await _rate_limited(lim, clock, {"X-RateLimit-Limit": "900", "X-RateLimit-Applied": "ip"})
    assert lim.budget().gates[1].limit == 100


async def test_remaining_lasts_until_the_retry_time(clock: FakeClock) -> None:
    lim = limiter(clock)
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Retry-After": str(clock() + 3), "X-RateLimit-Applied": "ip"}
    await _rate_limited(lim, clock, headers)
    sent = await send(lim, clock)
    assert sent - 1_800_000_000.0 == pytest.approx(3.0, abs=0.01)


# -- legacy accounts --------------------------------------------------------------------------------


async def test_a_bare_429_well_inside_the_budget_switches_to_legacy_once(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    lim = limiter(clock)
    caplog.set_level(logging.WARNING, "hostaway_mcp.ratelimit")
    await _rate_limited(lim, clock, {"Retry-After": "2"})
    await _rate_limited(lim, clock, {})
    budget = lim.budget()
    assert budget.profile == "legacy" and "429 without rate-limit headers" in budget.profile_note
    assert (budget.limit, budget.window_s) == (15, 10.0)
    assert len([r for r in caplog.records if "old rate limits" in r.message]) == 1, "logged once"
    start = clock()
    sent = await asyncio.gather(*(send(lim, clock) for _ in range(14)))
    assert max(sent) - start >= 10.0, "15 per 10 s now (two were taken already)"
    assert gate_names(*MESSAGE, "legacy") == ("messages", "account", "ip")


async def test_a_bare_429_near_the_limit_is_not_taken_for_legacy(clock: FakeClock) -> None:
    lim = limiter(clock)
    await asyncio.gather(*(send(lim, clock) for _ in range(120)))
    await _rate_limited(lim, clock, {})
    assert lim.budget().profile == "current"


async def test_adapting_can_be_turned_off(settings_factory: Callable[..., Settings], clock: FakeClock) -> None:
    lim = in_process_limiter(settings_factory(rate_limit_adapt=False), clock=clock, sleep=clock.sleep)
    await _rate_limited(lim, clock, {})
    assert lim.budget().profile == "current"


def test_header_parsing_is_strict() -> None:
    told = feedback.parse(
        {
            "x-ratelimit-retry-after": "1800000003",
            "X-RateLimit-Applied": " Account ",
            "X-RateLimit-Limit": "200",
            "X-RateLimit-Remaining": "0",
        }
    )
    assert told == feedback.RateLimitHeaders(True, 1_800_000_003.0, "account", 200, 0)
    assert feedback.parse({"Retry-After": "3"}) == feedback.RateLimitHeaders(False)
    assert json.dumps(feedback.parse({"X-RateLimit-Limit": "x"}).__dict__)  # present but empty


# -- edges the mutation run found untested (bench/RESULTS.md) ----------------------------------------


async def test_a_lower_limit_stays_lowest_whatever_later_429s_say(clock: FakeClock) -> None:
    lim = limiter(clock)
    await _rate_limited(lim, clock, {"X-RateLimit-Limit": "10", "X-RateLimit-Applied": "account"})
    await _rate_limited(lim, clock, {"X-RateLimit-Limit": "15", "X-RateLimit-Applied": "account"})
    assert lim.budget().gates[0].limit == 10, "15 is below our 180 but above the 10 already learnt"


async def test_remaining_counts_against_the_limit_learnt_in_the_same_429(clock: FakeClock) -> None:
    lim = limiter(clock)
    headers = {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "2", "X-RateLimit-Applied": "account"}
    await _rate_limited(lim, clock, headers)
    start = clock()
    first, second = await send(lim, clock), await send(lim, clock)
    assert first == second == start, "Hostaway said 2 of its 10 are left: two go at once"
    assert await send(lim, clock) >= start + 10.0, "and the third waits for the window"


async def test_a_bare_429_at_exactly_half_the_budget_is_not_taken_for_legacy(clock: FakeClock) -> None:
    lim = limiter(clock, account=(4, 10.0), ip=(4, 10.0))
    await send(lim, clock)
    await send(lim, clock)
    async with lim.slot(*READ) as ticket:  # 2 of 4 were in the window when this one was taken
        pass
    assert ticket.load == 0.5
    await lim.rate_limited(ticket, {})
    assert lim.budget().profile == "current", "half full is not 'well inside' the limits"


async def test_the_switch_to_legacy_says_why_and_what_to_set(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    lim = limiter(clock)
    caplog.set_level(logging.WARNING, "hostaway_mcp.ratelimit")
    await _rate_limited(lim, clock, {})
    (record,) = [r for r in caplog.records if "old rate limits" in r.message]
    assert record.getMessage() == (
        "Hostaway's answers show this account still runs the old rate limits (15 requests per 10 s per IP, "
        "20 per account): using them for the rest of this run (a 429 without rate-limit headers arrived while "
        "well inside the current limits). Set HOSTAWAY_RATE_LIMIT_PROFILE=legacy to start this way."
    )


async def test_a_wait_is_reported_with_its_length_and_its_gate(clock: FakeClock) -> None:
    from hostaway_mcp.ratelimit.base import report_waits_to
    from hostaway_mcp.ratelimit.gates import DESCRIPTIONS

    lim = limiter(clock, messages=(1, 60.0))
    heard: list[tuple[float, str]] = []

    async def listener(seconds: float, message: str) -> None:
        heard.append((seconds, message))

    await send(lim, clock, MESSAGE)
    async with report_waits_to(listener):
        await send(lim, clock, MESSAGE)
    assert len(heard) == 1
    seconds, message = heard[0]
    assert seconds == pytest.approx(60.0, abs=0.01)
    what = DESCRIPTIONS["messages"]
    assert message == f"waiting 60 s for {what[0].lower()}{what[1:]}"


async def test_waiting_on_our_own_requests_only_sleeps_until_one_answers(clock: FakeClock) -> None:
    """Nobody else shares the gates: the answer wakes the waiter, no polling (no short sleeps)."""
    lim = limiter(clock, account=(1, 10.0), ip=(1, 10.0))
    first, answered = await hold_slot(lim)
    second = asyncio.create_task(send(lim, clock))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not second.done() and clock.sleeps == [], "waiting for the answer, not polling"
    answered.set()
    await first
    sent = await second
    assert sent >= 1_800_000_000.0 + 10.0
    assert all(s > 1.0 for s in clock.sleeps), f"only the window's wait, no poll: {clock.sleeps}"


def counting_store(clock: FakeClock) -> tuple[MemoryStore, list[int]]:
    """A memory store that counts its transactions."""
    store = MemoryStore(clock)
    count = [0]
    inner = store.transact

    async def counted(change: Any) -> Any:
        count[0] += 1
        return await inner(change)

    store.transact = counted  # type: ignore[method-assign]
    return store, count


async def test_one_transaction_per_request_when_requests_follow_each_other(clock: FakeClock) -> None:
    """An answer is written with the next request's transaction; the background flush gives way."""
    store, transactions = counting_store(clock)
    lim = GateLimiter(store, plan_gates("acct", "ip", CURRENT), clock=clock, sleep=clock.sleep)
    for _ in range(5):
        await send(lim, clock)
    assert transactions == [5]
    await lim.flush()
    assert transactions == [6], "the last answer is written by the flush"


# -- edges the limiter's full mutation run found (bench/RESULTS.md) ---------------------------------


async def test_every_wait_is_counted(clock: FakeClock) -> None:
    lim = limiter(clock, account=(1, 10.0), ip=(1, 10.0))
    for _ in range(3):
        await send(lim, clock)
    assert lim.waits == 2, "the second and the third request each waited once"


def test_a_legacy_profile_chosen_in_the_settings_says_so() -> None:
    clock = FakeClock()
    chosen = GateLimiter(
        MemoryStore(clock), plan_gates("acct", "ip", CURRENT, profile="legacy"), clock=clock, sleep=clock.sleep
    )
    assert (chosen.budget().profile, chosen.budget().profile_note) == (
        "legacy",
        "chosen in the settings (HOSTAWAY_RATE_LIMIT_PROFILE)",
    )
    assert limiter(clock).budget().profile_note == ""


def test_an_unknown_profile_is_a_bug_not_the_legacy_limits() -> None:
    plan = plan_gates("acct", "ip", CURRENT)
    assert plan.table("current") is plan.current and plan.table("legacy") is plan.legacy
    with pytest.raises(ValueError, match="no such rate-limit profile"):
        plan.table("LEGACY")  # type: ignore[arg-type]


def failing_store(clock: FakeClock) -> tuple[MemoryStore, list[bool]]:
    """A memory store whose transactions raise an unexpected error while `broken[0]` is set."""
    store = MemoryStore(clock)
    broken = [False]
    inner = store.transact

    async def transact(change: Any) -> Any:
        if broken[0]:
            raise RuntimeError("disk on fire")
        return await inner(change)

    store.transact = transact  # type: ignore[method-assign]
    return store, broken


async def test_a_failed_background_write_is_logged_for_debugging_and_never_raised(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "hostaway_mcp.ratelimit")
    store, broken = failing_store(clock)
    lim = GateLimiter(store, plan_gates("acct", "ip", CURRENT), clock=clock, sleep=clock.sleep)
    async with lim.slot(*READ):
        broken[0] = True
    with pytest.raises(RuntimeError):
        await lim.flush()  # an explicit flush does raise, after the background one failed quietly
    records = [r for r in caplog.records if r.name == "hostaway_mcp.ratelimit" and r.levelno == logging.DEBUG]
    assert [r.getMessage() for r in records] == ["writing finished requests failed: disk on fire"]


async def test_an_answer_is_written_in_the_background_without_waiting_for_the_next_request(
    clock: FakeClock,
) -> None:
    store, transactions = counting_store(clock)
    lim = GateLimiter(store, plan_gates("acct", "ip", CURRENT), clock=clock, sleep=clock.sleep)
    await send(lim, clock)
    for _ in range(10):  # a few turns of the event loop, no time passes
        await asyncio.sleep(0)
    assert transactions == [2]
    state = store.peek()
    assert state is not None and state.windows["account:acct"].count() == 1
    assert not state.windows["account:acct"].flying, "written as answered"


def yielding_store(clock: FakeClock) -> tuple[MemoryStore, list[int]]:
    """A counting memory store whose transactions take a turn of the event loop, as a file's do."""
    store, count = counting_store(clock)
    counted = store.transact

    async def transact(change: Any) -> Any:
        await asyncio.sleep(0)
        return await counted(change)

    store.transact = transact  # type: ignore[method-assign]
    return store, count


async def test_the_background_write_gives_way_to_a_request_already_at_the_store(clock: FakeClock) -> None:
    """The next request's transaction writes the answer; the background flush then has nothing to do."""
    store, transactions = yielding_store(clock)
    lim = GateLimiter(store, plan_gates("acct", "ip", CURRENT), clock=clock, sleep=clock.sleep)
    for _ in range(5):
        await send(lim, clock)
    assert transactions == [5]
    await lim.flush()
    assert transactions == [6]
