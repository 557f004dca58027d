"""Processes (and machines, through Redis) that use one Hostaway account share one rolling window.

The invariant checked everywhere: when a request is sent at time T, the requests that were sent
by then and had not finished `window` before T (or were still in flight) number at most `limit`.
Whatever moment between send and answer Hostaway counts a request at, no rolling window then
holds more than `limit` of them. Tests stamp the send and the answer inside the slot, so each
measured interval lies within the limiter's own record of it and the check can only be stricter.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hostaway_mcp.config import Settings
from hostaway_mcp.ratelimit import RollingWindowLimiter
from hostaway_mcp.ratelimit_shared import (
    FileWindowLimiter,
    RedisWindowLimiter,
    make_limiter,
    open_coordination,
    state_file,
)
from tests.conftest import NOW, FakeClock, free_port
from tests.sim_clock import AutoJumpClock

Interval = tuple[float, float]


def worst_window(intervals: list[Interval], window_s: float) -> int:
    """The most requests any send could have shared a rolling window with (see module docstring)."""
    worst = 0
    for sent, _ in intervals:
        live = sum(1 for s, e in intervals if s <= sent and e > sent - window_s)
        worst = max(worst, live)
    return worst


async def saturate(
    limiter: Any, clock: Callable[[], float], until: float, hold: Callable[[], Any], log: list[Interval]
) -> None:
    while clock() < until:
        async with limiter.slot():
            sent = clock()
            await hold()
            log.append((sent, clock()))  # the answer arrives here; the slot ends no sooner


# -- one machine: the state file ----------------------------------------------------------------


def file_limiter(path: Path, clock: FakeClock, **options: Any) -> FileWindowLimiter:
    options.setdefault("limit", 15)
    return FileWindowLimiter(path, clock=clock, sleep=clock.sleep, **options)


async def test_three_limiters_on_one_file_never_exceed_fifteen_and_keep_the_rate(tmp_path: Path) -> None:
    """Three processes' limiters, six callers each, 80-200 ms answers, 60 s of virtual time."""
    clock = AutoJumpClock()
    path = tmp_path / "window.json"
    limiters = [FileWindowLimiter(path, 15, 10.0, clock=clock, sleep=clock.sleep) for _ in range(3)]
    latencies = itertools.cycle([0.08, 0.2, 0.12, 0.15, 0.1])
    log: list[Interval] = []

    async def hold() -> None:
        await clock.sleep(next(latencies))

    async with clock.running():
        start = clock()
        await asyncio.gather(*(saturate(lim, clock, start + 60.0, hold, log) for lim in limiters for _ in range(6)))
    assert worst_window(log, 10.0) <= 15
    rate = len([s for s, _ in log if s - start < 60.0]) / 60.0
    assert rate >= 0.9 * 1.5, f"{rate:.2f} req/s"
    assert all(lim.waits > 0 for lim in limiters), "every process must have been held back at some point"


async def test_a_burst_of_fifteen_from_idle_goes_out_without_waiting(tmp_path: Path, clock: FakeClock) -> None:
    a, b = file_limiter(tmp_path / "w.json", clock), file_limiter(tmp_path / "w.json", clock)
    log: list[Interval] = []

    async def take(limiter: FileWindowLimiter) -> None:
        async with limiter.slot():
            log.append((clock(), clock()))

    await asyncio.gather(*(take(a if i % 2 else b) for i in range(15)))
    assert clock.sleeps == []
    await take(a)  # the sixteenth, in either process, waits for the window
    assert log[-1][0] - log[0][0] >= 10.0


async def test_a_slot_held_by_another_process_counts_until_it_answers(tmp_path: Path, clock: FakeClock) -> None:
    mine, theirs = file_limiter(tmp_path / "w.json", clock, limit=1), file_limiter(tmp_path / "w.json", clock, limit=1)
    answered = asyncio.Event()
    sent_at: list[float] = []

    async def slow() -> None:
        async with theirs.slot():
            await answered.wait()

    async def next_one() -> None:
        async with mine.slot():
            sent_at.append(clock())

    slow_task = asyncio.create_task(slow())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(next_one())
    for _ in range(100):  # polls advance the fake clock 5 s, still far below the max in-flight age
        await asyncio.sleep(0)
    assert sent_at == []
    answered_at = clock()
    answered.set()
    await asyncio.gather(slow_task, waiting)
    assert sent_at[0] >= answered_at + 10.0


async def test_budget_counts_every_process(tmp_path: Path, clock: FakeClock) -> None:
    a, b = file_limiter(tmp_path / "w.json", clock), file_limiter(tmp_path / "w.json", clock)
    for limiter in (a, a, b):
        async with limiter.slot():
            pass
    budget = b.budget()
    assert (budget.limit, budget.in_window, budget.available) == (15, 3, 12)
    assert "machine" in budget.scope
    clock.advance(10.5)
    assert a.budget().in_window == 0


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _plant(path: Path, entries: list[list[Any]]) -> None:
    path.write_text(json.dumps({"version": 1, "slots": entries}), encoding="utf-8")


async def test_slots_of_a_crashed_process_free_up_one_window_after_it_is_noticed(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "w.json"
    dead = _dead_pid()
    _plant(path, [[f"dead-{i}", socket.gethostname(), dead, clock() - 1.0, None] for i in range(15)])
    limiter = file_limiter(path, clock)
    start = clock()
    async with limiter.slot():
        sent = clock()
    assert 10.0 <= sent - start <= 10.5, "in-flight slots of a dead process count as ending when noticed"


async def test_in_flight_slots_from_elsewhere_expire_after_the_max_age(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "w.json"
    # Another host (say, a container sharing the cache folder): we cannot ask whether it is alive.
    _plant(path, [[f"other-{i}", "elsewhere", 4242, clock(), None] for i in range(15)])
    limiter = file_limiter(path, clock, max_in_flight_s=60.0, poll_s=1.0)
    start = clock()
    async with limiter.slot():
        sent = clock()
    assert 70.0 <= sent - start <= 72.0


async def test_a_corrupt_state_file_is_replaced(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "w.json"
    path.write_text("{not json", encoding="utf-8")
    limiter = file_limiter(path, clock)
    async with limiter.slot():
        pass
    assert json.loads(path.read_text())["slots"][0][4] == clock()


async def test_an_unusable_state_file_falls_back_to_a_per_process_limit(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "w.json"
    limiter = file_limiter(path, clock, limit=2)
    path.mkdir()  # the state "file" can no longer be written
    sent: list[float] = []
    for _ in range(3):
        async with limiter.slot():
            sent.append(clock())
    assert sent[2] - sent[0] >= 10.0, "the fallback still limits this process"
    assert "limiting this process on its own" in caplog.text
    assert limiter.budget().scope == "this process"


ROOT = Path(__file__).resolve().parent.parent
WORKER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from pathlib import Path
    from hostaway_mcp.ratelimit_shared import FileWindowLimiter

    path, limit, window, begin, duration, hold = sys.argv[1:]
    limiter = FileWindowLimiter(Path(path), int(limit), float(window))
    log = []

    async def worker():
        while time.time() < float(begin) + float(duration):
            async with limiter.slot():
                sent = time.time()
                await asyncio.sleep(float(hold))
                log.append((sent, time.time()))  # answered: inside the slot, which ends later

    async def main():
        await asyncio.sleep(max(0.0, float(begin) - time.time()))
        await asyncio.gather(*(worker() for _ in range(4)))

    asyncio.run(main())
    print(json.dumps(log))
    """
)


def test_real_processes_sharing_one_file_stay_inside_the_window(tmp_path: Path) -> None:
    """Three OS processes, real time, a compressed window (6 per 1 s) for 3 s."""
    limit, window, duration = 6, 1.0, 3.0
    begin = time.time() + 1.5  # every process is up (imports done) before the first request
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                str(tmp_path / "w.json"),
                str(limit),
                str(window),
                str(begin),
                str(duration),
                "0.01",
            ],
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        for _ in range(3)
    ]
    logs = [json.loads(proc.communicate(timeout=30)[0]) for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    intervals = [(s, e) for log in logs for s, e in log]
    assert all(log for log in logs), "every process got requests through"
    assert worst_window(intervals, window) <= limit
    sent_in_run = [s for s, _ in intervals if s < begin + duration]
    rate = len(sent_in_run) / duration
    assert rate >= 0.8 * limit / window, f"{rate:.1f} req/s of {limit / window:.0f}"


# -- choosing the backend -------------------------------------------------------------------------


def test_the_shared_file_limiter_is_the_default(settings_factory: Callable[..., Settings]) -> None:
    settings = settings_factory(shared_rate_limit=True)
    limiter = make_limiter(settings)
    assert isinstance(limiter, FileWindowLimiter)
    assert limiter.limit == 15 and limiter.window_s == 10.0
    assert limiter.path == state_file(settings) and limiter.path.parent == settings.cache_dir


def test_the_machine_budget_is_the_smaller_of_the_two_limits(settings_factory: Callable[..., Settings]) -> None:
    limiter = make_limiter(settings_factory(shared_rate_limit=True, account_rate_limit_requests=12))
    assert isinstance(limiter, FileWindowLimiter) and limiter.limit == 12


def test_sharing_can_be_turned_off_and_demo_mode_never_shares(settings_factory: Callable[..., Settings]) -> None:
    assert make_limiter(settings_factory(shared_rate_limit=False)) is None
    assert make_limiter(settings_factory(shared_rate_limit=True, demo=True)) is None


def test_the_opt_out_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOSTAWAY_SHARED_RATE_LIMIT", "false")
    settings = Settings(account_id="1", secret_key="s", cache_dir=tmp_path, _env_file=None)
    assert make_limiter(settings) is None


def test_an_unwritable_cache_folder_means_a_per_process_limit(
    settings_factory: Callable[..., Settings], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert make_limiter(settings_factory(shared_rate_limit=True, cache_dir=blocker / "cache")) is None
    assert "limiting this process on its own" in caplog.text


async def test_an_injected_limiter_wins(settings_factory: Callable[..., Settings]) -> None:
    mine = RollingWindowLimiter(3, 1.0)
    async with open_coordination(settings_factory(shared_rate_limit=True), limiter=mine) as shared:
        assert shared.limiter is mine and shared.token_cache is None


# -- the server, wired end to end ---------------------------------------------------------------


async def test_three_servers_sharing_the_cache_folder_get_no_429_and_keep_the_rate(
    settings_factory: Callable[..., Settings], sandbox_factory: Callable[..., Any]
) -> None:
    """Three full servers on one account (one "IP"), 80-200 ms answers, 60 s of virtual time."""
    from mcp import Client

    from hostaway_mcp.server import build_server

    clock = AutoJumpClock()
    sandbox = sandbox_factory(clock=clock, latency=(0.08, 0.2))
    settings = settings_factory(shared_rate_limit=True)
    servers = [
        build_server(
            settings,
            transport=sandbox.transport(sleep=clock.sleep),
            sleep=clock.sleep,
            clock=clock,
            wall_clock=clock,
            now=lambda: NOW,
        )
        for _ in range(3)
    ]
    async with clock.running(), Client(servers[0]) as a, Client(servers[1]) as b, Client(servers[2]) as c:
        start = clock()
        calls = 0

        async def ask(client: Client) -> None:
            nonlocal calls
            while clock() - start < 60.0:
                result = await client.call_tool("list_properties", {"limit": 5})
                assert not result.is_error, result.content
                calls += 1

        await asyncio.gather(*(ask(client) for client in (a, b, c) for _ in range(4)))
    assert sandbox.rate_limit_rejections == 0
    sent = [r.at for r in sandbox.request_log if r.path != "/accessTokens" and r.at - start < 60.0]
    assert len(sent) / 60.0 >= 0.9 * 1.5, f"{len(sent) / 60.0:.2f} req/s"
    assert calls >= len(sent) - 12


# -- several machines: Redis ------------------------------------------------------------------------


def redis_limiter(client: Any, clock: FakeClock | None, machine: str, **options: Any) -> RedisWindowLimiter:
    scopes = [("account:test", options.pop("account_limit", 20)), (f"machine:{machine}", options.pop("limit", 15))]
    sleep = clock.sleep if clock is not None else asyncio.sleep
    return RedisWindowLimiter(client, scopes, options.pop("window_s", 10.0), clock=clock, sleep=sleep, **options)


async def test_redis_machines_share_the_account_limit_and_each_keeps_its_own(
    redis_client: Any, clock: FakeClock
) -> None:
    machines = {name: [redis_limiter(redis_client, clock, name) for _ in range(2)] for name in ("a", "b", "c")}
    start = clock()
    logs: dict[str, list[Interval]] = {name: [] for name in machines}

    async def hold() -> None:
        await clock.sleep(0.15)

    await asyncio.gather(
        *(
            saturate(lim, clock, start + 40.0, hold, logs[name])
            for name, limiters in machines.items()
            for lim in limiters
            for _ in range(4)
        )
    )
    everything = [i for log in logs.values() for i in log]
    assert worst_window(everything, 10.0) <= 20
    assert all(0 < worst_window(log, 10.0) <= 15 for log in logs.values())


async def test_redis_one_machine_alone_gets_its_fifteen_then_waits(redis_client: Any, clock: FakeClock) -> None:
    limiters = [redis_limiter(redis_client, clock, "solo") for _ in range(2)]
    sent: list[float] = []

    async def take(limiter: RedisWindowLimiter) -> None:
        async with limiter.slot():
            sent.append(clock())

    start = clock()
    await asyncio.gather(*(take(limiters[i % 2]) for i in range(16)))
    assert sorted(sent)[14] == start, "a burst of 15 from idle goes out at once"
    assert max(sent) - start >= 10.0, "the sixteenth waits: 15 per machine even though the account allows 20"
    other_machine = redis_limiter(redis_client, clock, "other")
    async with other_machine.slot():
        assert clock() - start <= 10.5


async def test_redis_counts_in_flight_slots_of_other_machines(redis_client: Any, clock: FakeClock) -> None:
    mine = redis_limiter(redis_client, clock, "a", account_limit=1)
    theirs = redis_limiter(redis_client, clock, "b", account_limit=1)
    answered, holding = asyncio.Event(), asyncio.Event()
    sent_at: list[float] = []

    async def slow() -> None:
        async with theirs.slot():
            holding.set()
            await answered.wait()

    async def next_one() -> None:
        async with mine.slot():
            sent_at.append(clock())

    slow_task = asyncio.create_task(slow())
    await holding.wait()
    waiting = asyncio.create_task(next_one())
    for _ in range(20):
        await asyncio.sleep(0.005)
    assert sent_at == []
    answered_at = clock()
    answered.set()
    await asyncio.gather(slow_task, waiting)
    assert sent_at[0] >= answered_at + 10.0


async def test_redis_on_the_server_clock_in_real_time(redis_client: Any) -> None:
    """No injected clock: Redis times the slots. Three machines, a compressed window: the account
    may send 6 per 0.5 s, each machine 4, for 2 s."""
    machines = {
        name: [redis_limiter(redis_client, None, name, account_limit=6, limit=4, window_s=0.5)] for name in "abc"
    }
    logs: dict[str, list[Interval]] = {name: [] for name in machines}
    until = time.time() + 2.0

    async def hold() -> None:
        await asyncio.sleep(0.005)

    await asyncio.gather(
        *(
            saturate(lim, time.time, until, hold, logs[name])
            for name, lims in machines.items()
            for lim in lims
            for _ in range(3)
        )
    )
    everything = [i for log in logs.values() for i in log]
    assert worst_window(everything, 0.5) <= 6
    assert all(0 < worst_window(log, 0.5) <= 4 for log in logs.values())
    rate = len([s for s, _ in everything if s < until]) / 2.0
    assert rate >= 0.75 * 6 / 0.5, f"{rate:.1f} req/s of 12"


async def test_redis_unreachable_falls_back_to_a_per_process_limit(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("redis")
    from redis.asyncio import Redis

    client = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    limiter = redis_limiter(client, clock, "a", fallback_limit=2)
    sent: list[float] = []
    for _ in range(3):
        async with limiter.slot():
            sent.append(clock())
    await limiter.aclose()
    assert sent[2] - sent[0] >= 10.0
    assert "limiting this process on its own" in caplog.text


def test_the_redis_backend_is_chosen_by_the_url(settings_factory: Callable[..., Settings], redis_url: str) -> None:
    settings = settings_factory(shared_rate_limit=True, redis_url=redis_url)
    limiter = make_limiter(settings)
    assert isinstance(limiter, RedisWindowLimiter)
    assert limiter.limit == 15
    asyncio.run(limiter.aclose())
