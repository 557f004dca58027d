"""Processes on one machine share Hostaway's gates through one state file.

The invariant checked everywhere: when a request is sent at time T, the requests that were sent
by then and had not finished `window` before T (or were still in flight) number at most `limit`.
Whatever moment between send and answer Hostaway counts a request at, no sliding window then
holds more than `limit` of them. Tests stamp the send and the answer inside the slot, so each
measured interval lies within the limiter's own record of it and the check can only be stricter.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import re
import socket
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hostaway_mcp.config import Settings
from hostaway_mcp.gateway import HostawayGateway
from hostaway_mcp.ratelimit.coordination import in_process_limiter, make_limiter, open_coordination, state_file
from hostaway_mcp.ratelimit.file import FileStore
from hostaway_mcp.ratelimit.gates import CURRENT, plan_gates
from hostaway_mcp.ratelimit.limiter import GateLimiter, is_gone, owner_id
from hostaway_mcp.ratelimit.state import SharedState
from tests.conftest import FakeClock, hold_slot
from tests.faults import Fault, faults_of
from tests.sim_clock import AutoJumpClock, BusyStore

Interval = tuple[float, float]
READ = ("GET", "listings")
SMALL = {**CURRENT, "account": (15, 10.0), "ip": (15, 10.0)}


def worst_window(intervals: list[Interval], window_s: float) -> int:
    """The most requests any send could have shared a sliding window with (see module docstring)."""
    worst = 0
    for sent, _ in intervals:
        worst = max(worst, sum(1 for s, e in intervals if s <= sent and e > sent - window_s))
    return worst


async def saturate(
    lim: Any, clock: Callable[[], float], until: float, hold: Callable[[], Any], log: list[Interval]
) -> None:
    while clock() < until:
        async with lim.slot(*READ):
            sent = clock()
            await hold()
            log.append((sent, clock()))  # the answer arrives here; the slot ends no sooner


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def file_limiter(path: Path, clock: Any, *, sizes: Any = None, owner: str | None = None, **options: Any) -> GateLimiter:
    store: Any = FileStore(path, clock, offload=False)
    if isinstance(clock, AutoJumpClock):
        store = BusyStore(store, clock)
    plan = plan_gates("acct", "ip", sizes or SMALL)
    return GateLimiter(store, plan, clock=clock, sleep=clock.sleep, owner=owner, **options)


# -- several limiters on one file ------------------------------------------------------------------


async def test_three_processes_saturating_the_general_gate_get_no_excess_and_the_rate(tmp_path: Path) -> None:
    """Three processes' limiters at the current defaults (180 per 10 s), six callers each,
    80-200 ms answers, 30 s of virtual time."""
    clock = AutoJumpClock()
    path = tmp_path / "state.json"
    limiters = [file_limiter(path, clock, sizes=CURRENT, owner=f"{i}@bench") for i in range(3)]
    latencies = itertools.cycle([0.08, 0.2, 0.12, 0.15, 0.1])
    log: list[Interval] = []

    async def hold() -> None:
        await clock.sleep(next(latencies))

    async with clock.running():
        start = clock()
        await asyncio.gather(*(saturate(lim, clock, start + 30.0, hold, log) for lim in limiters for _ in range(6)))
    assert worst_window(log, 10.0) <= 180
    rate = len([s for s, _ in log if s - start < 30.0]) / 30.0
    assert rate >= 0.85 * 200 / 10.0, f"{rate:.2f} req/s of Hostaway's 20"
    assert all(lim.waits > 0 for lim in limiters), "every process was held back at some point"


async def test_a_burst_from_idle_goes_out_without_waiting_across_processes(tmp_path: Path, clock: FakeClock) -> None:
    a, b = file_limiter(tmp_path / "s.json", clock), file_limiter(tmp_path / "s.json", clock, owner="2@x")
    sent: list[float] = []

    async def take(lim: GateLimiter) -> None:
        async with lim.slot(*READ):
            sent.append(clock())

    await asyncio.gather(*(take(a if i % 2 else b) for i in range(15)))
    assert clock.sleeps == []
    await take(a)  # the sixteenth, in either process, waits for the window
    assert sent[-1] - sent[0] >= 10.0


async def test_a_slot_held_by_another_process_counts_until_it_answers(tmp_path: Path, clock: FakeClock) -> None:
    sizes = {**CURRENT, "account": (1, 10.0)}
    mine = file_limiter(tmp_path / "s.json", clock, sizes=sizes)
    theirs = file_limiter(tmp_path / "s.json", clock, sizes=sizes, owner="2@elsewhere")
    answered = asyncio.Event()
    sent_at: list[float] = []

    async def slow() -> None:
        async with theirs.slot(*READ):
            await answered.wait()

    async def next_one() -> None:
        async with mine.slot(*READ):
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
    await theirs.flush()
    assert sent_at[0] >= answered_at + 10.0


async def test_budget_counts_every_process(tmp_path: Path, clock: FakeClock) -> None:
    a, b = file_limiter(tmp_path / "s.json", clock), file_limiter(tmp_path / "s.json", clock, owner="2@x")
    for lim in (a, a, b):
        async with lim.slot(*READ):
            pass
    await a.flush()
    budget = b.budget()
    assert (budget.limit, budget.in_window, budget.available) == (15, 3, 12)
    assert "machine" in budget.scope
    clock.advance(10.5)
    assert a.budget().in_window == 0


async def test_slots_of_a_crashed_process_free_up_one_window_after_it_is_noticed(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "s.json"
    dead = f"{_dead_pid()}@{socket.gethostname()}"
    planted = SharedState()
    planted.members[dead] = clock()
    planted.window("account:acct").flying = {f"dead-{i}": (dead, clock() - 1.0) for i in range(15)}
    path.write_bytes(planted.to_json())
    start = clock()
    async with file_limiter(path, clock).slot(*READ):
        sent = clock()
    assert 10.0 <= sent - start <= 10.5, "in-flight slots of a dead process count as ending when noticed"


async def test_in_flight_slots_from_elsewhere_expire_after_the_max_age(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "s.json"
    planted = SharedState()
    planted.window("account:acct").flying = {f"other-{i}": ("4242@elsewhere", clock()) for i in range(15)}
    path.write_bytes(planted.to_json())
    lim = file_limiter(path, clock, max_in_flight_s=60.0, poll_s=1.0)
    start = clock()
    async with lim.slot(*READ):
        sent = clock()
    assert 70.0 <= sent - start <= 72.0


async def test_one_write_per_request_and_the_file_is_rewritten_in_place(tmp_path: Path, clock: FakeClock) -> None:
    """The bookkeeping of a request is one short write in place: no rename, no second write."""
    lim = file_limiter(tmp_path / "s.json", clock, sizes=CURRENT)
    store = lim.store
    assert isinstance(store, FileStore)
    async with lim.slot(*READ):
        pass
    inode = (tmp_path / "s.json").stat().st_ino
    before = store.writes
    for _ in range(100):
        async with lim.slot(*READ):
            pass
    await lim.flush()
    assert store.writes - before <= 101
    assert (tmp_path / "s.json").stat().st_ino == inode


def test_the_state_file_is_private_and_no_symlink_is_followed(tmp_path: Path, clock: FakeClock) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep me", encoding="utf-8")
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o755)
    (folder / "s.json").symlink_to(target)
    lim = file_limiter(folder / "s.json", clock)

    async def one() -> None:
        async with lim.slot(*READ):
            pass
        await lim.aclose()

    asyncio.run(one())
    assert target.read_text(encoding="utf-8") == "keep me"
    path = folder / "s.json"
    assert not path.is_symlink() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "s.json.lock").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    "garbage",
    [
        b"\xff\xfe\x00 not utf-8",
        b"{not json",
        b'{"slots": [["a", "host", 1, "not a number", null]]}',  # the old format, wrongly typed
        b'{"v": 2, "gen": "g", "members": {}, "legacy": {}, "gates": {"account:acct": {"f": {}, "d": {"x": ["1"]}, '
        b'"p": []}}}',
        b'{"v": 2, "gen": "g", "members": {}, "legacy": {}, "gates": {"account:acct": []}}',
        b"[1, 2, 3]",
    ],
)
async def test_a_corrupt_state_is_discarded_with_one_warning_and_rebuilt(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture, garbage: bytes
) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(garbage)
    lim = file_limiter(path, clock)
    for _ in range(3):
        async with lim.slot(*READ):
            pass
    path.write_bytes(garbage)
    async with lim.slot(*READ):
        pass
    await lim.flush()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "rate-limit state" in r.message]
    assert len(warnings) == 1, [r.message for r in warnings]
    assert "discarded and rebuilt" in warnings[0].message
    assert SharedState.from_json(path.read_bytes()).windows["account:acct"].count() >= 1


async def test_a_state_file_we_may_not_read_is_replaced(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """As root every mode is readable, so the refusal is the OS's answer, played by `os.open`."""
    from hostaway_mcp import statefiles

    path = tmp_path / "s.json"
    path.write_bytes(b"whatever was there")
    real_open = statefiles._open_regular
    refused: list[Path] = []

    def refuse_once(target: Path, flags: int, *args: Any, **kwargs: Any) -> int:
        if target == path and not refused:
            refused.append(target)
            raise PermissionError(13, "Permission denied", str(target))
        return real_open(target, flags, *args, **kwargs)

    monkeypatch.setattr(statefiles, "_open_regular", refuse_once)
    lim = file_limiter(path, clock)
    async with lim.slot(*READ):
        pass
    await lim.aclose()
    assert refused and "could not be read" in caplog.text
    assert not lim.budget().degraded
    assert SharedState.from_json(path.read_bytes()).windows["account:acct"].count() == 1


async def test_an_unusable_state_falls_back_to_a_share_of_the_limit(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes={**CURRENT, "account": (4, 10.0), "ip": (4, 10.0)})
    path.mkdir()  # the state "file" can no longer be used
    sent: list[float] = []
    for _ in range(3):
        async with lim.slot(*READ):
            sent.append(clock())
    assert sent[2] - sent[0] >= 10.0, "half of 4 per window: the third waits"
    assert "on 1/2 of each limit" in caplog.text
    budget = lim.budget()
    assert budget.degraded and "alone" in budget.scope and budget.limit == 2


async def test_the_legacy_switch_reaches_every_process(tmp_path: Path, clock: FakeClock) -> None:
    a = file_limiter(tmp_path / "s.json", clock, sizes=CURRENT)
    b = file_limiter(tmp_path / "s.json", clock, sizes=CURRENT, owner="2@x")
    async with a.slot(*READ) as ticket:
        pass
    await a.rate_limited(ticket, {})
    assert a.budget().profile == "legacy"
    async with b.slot(*READ):
        pass
    budget = b.budget()
    assert (budget.profile, budget.profile_note) == (
        "legacy",
        "switched automatically: another hostaway-mcp process found this account on the old limits at "
        "2027-01-15 08:00 UTC",
    )
    assert budget.limit == 15


async def test_when_another_process_found_the_old_limits_is_told_in_utc_wherever_we_run(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        a = file_limiter(tmp_path / "s.json", clock, sizes=CURRENT)
        b = file_limiter(tmp_path / "s.json", clock, sizes=CURRENT, owner="2@x")
        async with a.slot(*READ) as ticket:
            pass
        await a.rate_limited(ticket, {})
        async with b.slot(*READ):
            pass
        assert b.budget().profile_note.endswith("on the old limits at 2027-01-15 08:00 UTC")
    finally:
        monkeypatch.undo()
        time.tzset()


ROOT = Path(__file__).resolve().parent.parent
WORKER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from pathlib import Path
    from hostaway_mcp.ratelimit.file import FileStore
    from hostaway_mcp.ratelimit.gates import CURRENT, plan_gates
    from hostaway_mcp.ratelimit.limiter import GateLimiter, is_gone, owner_id

    path, limit, window, begin, duration, hold = sys.argv[1:]
    sizes = {**CURRENT, "account": (int(limit), float(window)), "ip": (int(limit), float(window))}
    limiter = GateLimiter(FileStore(Path(path), time.time), plan_gates("a", "i", sizes), clock=time.time)
    log = []

    async def worker():
        while time.time() < float(begin) + float(duration):
            async with limiter.slot("GET", "listings"):
                sent = time.time()
                await asyncio.sleep(float(hold))
                log.append((sent, time.time()))  # answered: inside the slot, which ends later

    async def main():
        await asyncio.sleep(max(0.0, float(begin) - time.time()))
        await asyncio.gather(*(worker() for _ in range(4)))
        await limiter.aclose()

    asyncio.run(main())
    print(json.dumps(log))
    """
)


@pytest.mark.slow
def test_real_processes_sharing_one_file_stay_inside_the_window(tmp_path: Path) -> None:
    """Three OS processes, real time and real worker threads, a compressed window (6 per 1 s), 3 s."""
    limit, window, duration = 6, 1.0, 3.0
    begin = time.time() + 1.5  # every process is up (imports done) before the first request
    args = [str(tmp_path / "s.json"), str(limit), str(window), str(begin), str(duration), "0.01"]
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, *args], stdout=subprocess.PIPE, cwd=ROOT) for _ in range(3)
    ]
    logs = [json.loads(proc.communicate(timeout=30)[0]) for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    intervals = [(s, e) for log in logs for s, e in log]
    assert all(log for log in logs), "every process got requests through"
    assert worst_window(intervals, window) <= limit
    rate = len([s for s, _ in intervals if s < begin + duration]) / duration
    assert rate >= 0.8 * limit / window, f"{rate:.1f} req/s of {limit / window:.0f}"


# -- choosing the backend -----------------------------------------------------------------------


def test_the_shared_file_limiter_is_the_default(settings_factory: Callable[..., Settings]) -> None:
    settings = settings_factory(shared_rate_limit=True)
    limiter = make_limiter(settings)
    assert isinstance(limiter, GateLimiter) and isinstance(limiter.store, FileStore)
    assert (limiter.budget().limit, limiter.budget().window_s) == (180, 10.0)
    assert limiter.store.path == state_file(settings) and limiter.store.path.parent == settings.cache_dir


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
    mine = in_process_limiter(settings_factory())
    async with open_coordination(settings_factory(shared_rate_limit=True), limiter=mine) as shared:
        assert shared.limiter is mine and shared.token_cache is None


async def test_the_gateway_feeds_429_headers_back_into_the_gates(
    settings_factory: Callable[..., Settings], sandbox_factory: Callable[..., Any], clock: FakeClock
) -> None:
    """The sandbox says the account gate is shut for 3 s: reads wait those 3 s, messages do not."""

    sandbox = sandbox_factory(token_not_before_s=0.0)
    settings = settings_factory()
    headers = {"X-RateLimit-Retry-After": str(int(clock()) + 3), "X-RateLimit-Applied": "account"}
    async with HostawayGateway(
        settings, transport=sandbox.transport(), clock=clock, wall_clock=clock, sleep=clock.sleep, token_not_before_s=0
    ) as gateway:
        await gateway.get("listings", {"limit": 1})
        faults_of(sandbox).script(Fault("status", status=429, headers=headers, method="GET", path="/listings"))
        await gateway.get("listings", {"limit": 1})
        assert gateway.stats.rate_limited == 1
        refused, retried = [r.at for r in sandbox.request_log if r.path == "/listings"][-2:]
        assert retried - refused == pytest.approx(3.0, abs=0.01), "the retry went when the gate opened"
        assert all(g.blocked_for_s == 0 for g in gateway.limiter.budget().gates)


# -- outages: edges the mutation run found untested (bench/RESULTS.md) -------------------------------

FOUR = {**CURRENT, "account": (4, 10.0), "ip": (4, 10.0)}


def break_store(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.mkdir()  # the state "file" can no longer be used


async def test_an_outage_mid_request_still_counts_that_request(tmp_path: Path, clock: FakeClock) -> None:
    """Cut off with one request in flight: it takes one of the two slots of our share."""
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes=FOUR)
    first, answered = await hold_slot(lim)
    start = clock()
    break_store(path)
    async with lim.slot(*READ):  # the second of our two: at once
        pass
    assert clock() == start and clock.sleeps == []
    answered.set()
    await first
    sent: list[float] = []
    async with lim.slot(*READ):  # the third waits for the window of the first two
        sent.append(clock())
    assert start + 10.0 <= sent[0] <= start + 10.1, "both earlier requests counted, and freed on time"


async def test_the_store_is_tried_again_a_second_after_an_outage(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes=FOUR)
    break_store(path)
    async with lim.slot(*READ):
        pass
    path.rmdir()  # usable again, but not looked at for a second
    async with lim.slot(*READ):
        pass
    assert lim.budget().degraded and "usable again" not in caplog.text
    clock.advance(1.1)
    async with lim.slot(*READ):
        pass
    assert not lim.budget().degraded and "the shared rate-limit state is usable again" in caplog.text
    assert lim.budget().limit == 4, "the whole limit again"


async def test_the_outage_share_counts_every_process_seen_lately(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "s.json"
    sizes = {**CURRENT, "account": (12, 10.0), "ip": (12, 10.0)}
    a, b, c = (file_limiter(path, clock, sizes=sizes, owner=f"{i}@elsewhere") for i in range(3))
    for lim in (b, c, a):
        async with lim.slot(*READ):
            pass
    break_store(path)
    start = clock()
    for _ in range(2):
        async with a.slot(*READ):
            pass
    assert clock() == start, "an outage is not a loss: no window of assumed-full gates"
    assert "on 1/3 of each limit" in caplog.text
    assert a.budget().limit == 4, "12 shared by the three processes seen lately"


async def test_an_unshared_limiter_keeps_its_whole_limit_in_an_outage(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes=FOUR, shared=False)
    break_store(path)
    async with lim.slot(*READ):
        pass
    assert "on 1/1 of each limit" in caplog.text and lim.budget().limit == 4


async def test_a_lost_state_brings_back_our_request_in_flight_and_trusts_we_were_alone(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Deleted mid-request, when no other process used it lately: our request in flight counts
    again, and nothing else is assumed."""
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes={**CURRENT, "account": (2, 10.0), "ip": (2, 10.0)})
    first, answered = await hold_slot(lim)
    start = clock()
    path.unlink()
    async with lim.slot(*READ):  # the second of two: at once, since we were alone
        pass
    assert clock() == start
    answered.set()
    await first
    sent: list[float] = []
    async with lim.slot(*READ):  # the third waits: the one in flight was brought back
        sent.append(clock())
    assert start + 10.0 <= sent[0] <= start + 10.1


async def test_a_lost_state_counts_as_full_for_a_window_when_others_used_it(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "s.json"
    a = file_limiter(path, clock, sizes=FOUR)
    b = file_limiter(path, clock, sizes=FOUR, owner="2@elsewhere")
    for lim in (b, a):
        async with lim.slot(*READ):
            pass
    path.unlink()  # what b had in the window is unknown now
    start = clock()
    sent: list[float] = []
    async with a.slot(*READ):
        sent.append(clock())
    assert sent[0] >= start + 10.0 - 0.1, "the rebuilt gates count as full for one window"


# -- edges the limiter's full mutation run found (bench/RESULTS.md) ---------------------------------

THREE = {**CURRENT, "account": (3, 10.0), "ip": (3, 10.0)}


def test_an_owner_is_this_process_on_this_host_with_a_nonce_where_pids_are_reused() -> None:
    base = f"{os.getpid()}@{socket.gethostname()}"
    assert owner_id() == base
    assert re.fullmatch(re.escape(base) + r"#[0-9a-f]{8}", owner_id(nonce=True))


def test_a_dead_process_on_this_host_is_gone_whatever_its_nonce() -> None:
    host = socket.gethostname()
    dead = _dead_pid()
    assert is_gone(f"{dead}@{host}") and is_gone(f"{dead}@{host}#0123abcd")
    assert not is_gone(f"{dead}@elsewhere"), "another host's processes cannot be looked at"
    assert not is_gone(f"{os.getpid()}@{host}") and not is_gone(f"{os.getppid()}@{host}")
    assert not is_gone(f"not-a-pid@{host}") and not is_gone("no owner at all")


@pytest.mark.parametrize(("raised", "gone"), [(None, False), (ProcessLookupError, True), (PermissionError, False)])
def test_whether_a_slots_process_lives_is_probed_without_signalling_it(
    monkeypatch: pytest.MonkeyPatch, raised: type[OSError] | None, gone: bool
) -> None:
    """Signal 0 only asks; someone else's process (PermissionError) is alive."""
    probes: list[tuple[int, int]] = []

    def probe(pid: int, signal: int) -> None:
        probes.append((pid, signal))
        if raised is not None:
            raise raised()

    monkeypatch.setattr(os, "kill", probe)
    pid = os.getpid() + 100_000
    assert is_gone(f"{pid}@{socket.gethostname()}") is gone
    assert probes == [(pid, 0)]


async def test_the_budget_while_cut_off_is_this_process_alone(tmp_path: Path, clock: FakeClock) -> None:
    """Its own view: our share of each gate, our request, the block Hostaway asked for; the store,
    usable again but not yet tried, is not what it shows."""
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes=FOUR)
    break_store(path)
    async with lim.slot(*READ) as ticket:
        pass
    await lim.rate_limited(ticket, {"X-RateLimit-Retry-After": str(clock() + 3), "X-RateLimit-Applied": "ip"})
    path.rmdir()
    budget = lim.budget()
    assert budget.degraded and budget.scope == "this process alone (the shared state is unusable)"
    assert {g.name: (g.limit, g.in_window, g.blocked_for_s) for g in budget.gates} == {
        "account": (2, 1, 0.0),
        "ip": (2, 1, 3.0),
        "messages": (13, 0, 0.0),
        "quotes": (180, 0, 0.0),
        "bookings": (90, 0, 0.0),
    }


async def test_the_share_of_an_odd_limit_rounds_down(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes={**CURRENT, "account": (5, 10.0), "ip": (5, 10.0)})
    break_store(path)
    sent: list[float] = []
    for _ in range(3):
        async with lim.slot(*READ):
            sent.append(clock())
    assert lim.budget().limit == 2 and sent[1] == sent[0] and sent[2] >= sent[0] + 10.0


async def test_the_store_is_tried_again_once_a_second_has_passed(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes=FOUR)
    break_store(path)
    async with lim.slot(*READ):
        pass
    path.rmdir()
    clock.advance(1.0)
    async with lim.slot(*READ):
        pass
    assert not lim.budget().degraded
    back = [r.getMessage() for r in caplog.records if "usable again" in r.getMessage()]
    assert back == ["the shared rate-limit state is usable again"]


async def test_a_limit_learnt_during_an_outage_holds_after_it(tmp_path: Path, clock: FakeClock) -> None:
    """`X-RateLimit-Limit` lowers the gate's size itself, not our share of it."""
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes={**CURRENT, "account": (100, 10.0), "ip": (100, 10.0)})
    break_store(path)
    async with lim.slot(*READ) as ticket:
        pass
    assert [g.limit for g in ticket.gates] == [50, 50]
    await lim.rate_limited(ticket, {"X-RateLimit-Limit": "80", "X-RateLimit-Applied": "account"})
    assert {g.name: g.limit for g in lim.budget().gates}["account"] == 40, "half of the 80"
    path.rmdir()
    clock.advance(1.0)
    async with lim.slot(*READ):
        pass
    limits = {g.name: g.limit for g in lim.budget().gates}
    assert not lim.budget().degraded and (limits["account"], limits["ip"]) == (80, 100)


async def test_after_a_loss_an_answered_request_counts_until_one_window_after_its_answer(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes=FOUR)
    async with lim.slot(*READ):
        pass
    await lim.flush()
    clock.advance(1.5)  # a transaction a while later: the first is still ours to bring back
    async with lim.slot(*READ):
        pass
    await lim.flush()
    path.unlink()
    clock.advance(1.5)
    async with lim.slot(*READ):  # brings both back
        pass
    assert lim.budget().in_window == 3
    clock.advance(7.5)
    assert lim.budget().in_window == 2, "the first left 10 s after its answer; the others are still there"


async def test_after_a_loss_a_request_in_flight_comes_back_and_leaves_one_window_after_its_answer(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes=THREE)
    first, answered = await hold_slot(lim)
    path.unlink()
    clock.advance(1.0)
    async with lim.slot(*READ):  # brings the one in flight back
        pass
    clock.advance(1.0)
    answered.set()
    await first
    await lim.flush()
    assert lim.budget().in_window == 2
    clock.advance(10.5)
    assert lim.budget().in_window == 0, "both answered more than a window ago"


async def test_an_answer_not_yet_written_when_the_state_is_lost_counts_from_when_it_is_written(
    tmp_path: Path, clock: FakeClock
) -> None:
    """The safe side: the write, not the answer, starts its window."""
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes=THREE)
    async with lim.slot(*READ):
        pass
    path.unlink()  # before the background write's turn
    clock.advance(9.0)
    await lim.flush()
    clock.advance(3.0)
    assert lim.budget().in_window == 1


async def test_after_a_loss_our_answers_come_back_on_the_stores_own_clock(tmp_path: Path, clock: FakeClock) -> None:
    """The store keeps its own time (as Redis does), here 100 s ahead of ours: an answer brought back
    after a loss still leaves the store's window 10 s after it arrived, by the store's clock."""
    path = tmp_path / "s.json"
    store = FileStore(path, lambda: clock() + 100.0, offload=False)
    lim = GateLimiter(
        store,
        plan_gates("acct", "ip", {**CURRENT, "account": (2, 10.0), "ip": (2, 10.0)}),
        clock=clock,
        sleep=clock.sleep,
    )
    start = clock()
    async with lim.slot(*READ):
        pass
    await lim.flush()
    path.unlink()
    clock.advance(5.0)
    async with lim.slot(*READ):  # the second of two: at once, we were alone
        pass
    sent: list[float] = []
    async with lim.slot(*READ):
        sent.append(clock())
    assert start + 10.0 <= sent[0] <= start + 10.1, "the first answer counted again, until 10 s after it"


async def test_the_first_request_after_another_process_found_the_old_limits_fits_them(
    tmp_path: Path, clock: FakeClock
) -> None:
    a = file_limiter(tmp_path / "s.json", clock, sizes=CURRENT)
    b = file_limiter(tmp_path / "s.json", clock, sizes=CURRENT, owner="2@x")
    start = clock()
    async with a.slot(*READ) as ticket:
        pass
    await a.rate_limited(ticket, {})  # the old limits: 15 per 10 s per IP
    for _ in range(14):
        async with a.slot(*READ):
            pass
    await a.flush()
    assert clock() == start
    async with b.slot(*READ):
        sent = clock()
    assert start + 10.0 <= sent <= start + 10.1, "b's very first request counts against the old limits"


async def test_a_process_that_started_in_an_outage_counts_the_state_it_finds_afterwards_as_full(
    tmp_path: Path, clock: FakeClock
) -> None:
    """It never saw the shared state: what other processes did meanwhile is unknown."""
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes=FOUR)
    break_store(path)
    first = clock()
    async with lim.slot(*READ):
        pass
    await lim.flush()
    path.rmdir()
    clock.advance(1.0)
    async with lim.slot(*READ):
        sent = clock()
    assert not lim.budget().degraded
    assert first + 10.0 <= sent <= first + 10.1


async def test_an_outage_brings_our_requests_along_answered_and_in_flight(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Cut off, each of our requests still counts until one window after its answer, however far
    along it was; every figure below is the fallback's count with one more request."""
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes={**CURRENT, "account": (8, 10.0), "ip": (8, 10.0)})  # 4 of our own
    start = clock()
    async with lim.slot(*READ):  # answered at once
        pass
    await lim.flush()
    second, answered = await hold_slot(lim)
    break_store(path)
    clock.advance(1.0)
    async with lim.slot(*READ):  # cut off here
        pass
    (warning,) = [r.getMessage() for r in caplog.records if "limiting this process" in r.getMessage()]
    assert re.fullmatch(
        r"cannot use the rate-limit state .*: limiting this process on its own, on 1/2 of each limit, until it is back",
        warning,
    )
    clock.advance(1.0)
    answered.set()
    await second
    clock.advance(8.5)  # the first left the window; the second and third are still in it
    async with lim.slot(*READ):
        assert clock() == start + 10.5
    assert lim.budget().in_window == 3
    clock.advance(2.0)  # and now they left too, the second counting from its answer
    async with lim.slot(*READ):
        pass
    assert lim.budget().in_window == 2 and clock() == start + 12.5


async def test_after_a_loss_answers_that_already_left_the_window_are_not_brought_back(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Brought back, an old answer would stand in for a request of the others' that we cannot see."""
    path = tmp_path / "s.json"
    a = file_limiter(path, clock, sizes=FOUR)
    b = file_limiter(path, clock, sizes=FOUR, owner="2@elsewhere")
    for lim in (b, a):
        async with lim.slot(*READ):
            pass
        await lim.flush()
    clock.advance(20.0)
    path.unlink()  # what b had in the window is unknown now
    start = clock()
    async with a.slot(*READ):
        sent = clock()
    assert start + 10.0 <= sent <= start + 10.1, "the rebuilt gates count as full for one window"


async def test_cut_off_from_the_start_a_wait_on_our_own_request_sleeps_until_it_answers(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Nobody else can free a slot of our own state: the answer wakes the waiter, no polling."""
    path = tmp_path / "s.json"
    lim = file_limiter(path, clock, sizes={**CURRENT, "account": (2, 10.0), "ip": (2, 10.0)})  # 1 of our own
    break_store(path)
    first, answered = await hold_slot(lim)

    async def one() -> None:
        async with lim.slot(*READ):
            pass

    second = asyncio.create_task(one())
    for _ in range(20):
        await asyncio.sleep(0)
    assert not second.done() and clock.sleeps == [], "waiting for the answer, not polling"
    answered.set()
    await first
    await second
    assert all(s > 1.0 for s in clock.sleeps), f"only the window's wait, no poll: {clock.sleeps}"


def counted_file_store(path: Path, clock: FakeClock) -> tuple[FileStore, list[int]]:
    store = FileStore(path, clock, offload=False)
    count = [0]
    inner = store.transact

    async def transact(change: Any) -> Any:
        count[0] += 1
        return await inner(change)

    store.transact = transact  # type: ignore[method-assign]
    return store, count


async def test_coming_back_from_an_outage_costs_one_transaction(tmp_path: Path, clock: FakeClock) -> None:
    """Our own slots go along with the first transaction after the outage: no second attempt for them."""
    path = tmp_path / "s.json"
    store, transactions = counted_file_store(path, clock)
    sizes: Any = {**CURRENT, "account": (8, 10.0), "ip": (8, 10.0)}  # room for three even on our share
    lim = GateLimiter(store, plan_gates("acct", "ip", sizes), clock=clock, sleep=clock.sleep)
    for outage in (False, True):
        if outage:
            break_store(path)
        async with lim.slot(*READ):
            pass
        await lim.flush()
    path.rmdir()
    clock.advance(1.0)
    before = transactions[0]
    async with lim.slot(*READ):
        assert transactions[0] == before + 1
    assert not lim.budget().degraded
