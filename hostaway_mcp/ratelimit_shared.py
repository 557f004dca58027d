"""One rate-limit budget for every hostaway-mcp process that talks to the same Hostaway API.

Claude Desktop, an IDE and an agent each spawn their own server, but Hostaway counts their
requests together: 15 per 10 s per IP address, 20 per 10 s per account. So the processes share
the rolling window of `ratelimit.RollingWindowLimiter` instead of each keeping its own:

- `FileWindowLimiter` (default): the window lives in a small JSON file in the user cache folder,
  read and rewritten under a file lock (`filelock`, an OS lock that dies with its process, so a
  crash never leaves it held). One file per Hostaway API root, because the per-IP limit covers
  every account used from this machine. Budget: min(per-IP, per-account) = 15.
- `RedisWindowLimiter` (`HOSTAWAY_REDIS_URL`, extra `hostaway-mcp[redis]`): the same window in
  Redis for hosts on several machines, kept by two Lua scripts so every check-and-take is atomic:
  20 per account across all machines and 15 per machine, timed by the Redis server's clock so
  machines with skewed clocks agree. `redis_token_cache.RedisTokenCache` shares the access token
  the same way, so machines reuse one token instead of minting their own.

Slot semantics are those of `RollingWindowLimiter`: a slot is recorded (with a unique id) when
the request is sent and gets its end time when the answer arrives; it leaves the window
`window_s` after that end. A slot still in flight counts until it ends. A process that dies with
requests in flight cannot end them, so an in-flight slot older than `max_in_flight_s` (far longer
than any request can take) is treated as having ended then; on one machine a slot whose process
is gone is ended as soon as that is noticed.

`open_coordination(settings, ...)` picks the backend (shared file, Redis, or none: the
gateway's per-process limiter), and closes what it opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock
from filelock import Timeout as LockTimeout

from hostaway_mcp.config import Settings
from hostaway_mcp.ratelimit import Clock, LimiterBudget, RateLimiter, RollingWindowLimiter, Sleep
from hostaway_mcp.redis_token_cache import RedisTokenCache, make_token_cache
from hostaway_mcp.shared_keys import KEY_PREFIX, digest

if TYPE_CHECKING:
    from redis.asyncio import Redis as AsyncRedis

logger = logging.getLogger(__name__)

# When every slot in the window is held by another process, nobody can wake us when one of them
# answers, so we look again this often. Short against the 10 s window, long against a lock round.
POLL_S = 0.05
# Added to computed waits so that the slot has surely left the window when we look again.
WAKE_MARGIN_S = 0.001
# The file lock guards a read-modify-write of a few hundred bytes; waiting longer means trouble.
LOCK_TIMEOUT_S = 10.0


def default_max_in_flight_s(settings: Settings) -> float:
    """How long a slot may stay in flight before its process is presumed dead."""
    return max(120.0, 3 * (settings.timeout_s + settings.connect_timeout_s))


def machine_budget(settings: Settings) -> int:
    """What one machine may send per window: it is bound by both the per-IP and per-account limits."""
    return min(settings.rate_limit_requests, settings.account_rate_limit_requests)


class SharedStateError(Exception):
    """The shared window could not be read or written (file system or Redis trouble)."""


@dataclass(frozen=True)
class _Attempt:
    """What a backend found when it tried to take a slot."""

    taken: bool
    # Seconds until the earliest finished slot leaves the window (None: every slot is in flight).
    free_in: float | None = None
    in_flight: int = 0  # slots in flight in the scope that refused us
    in_window: int = 0


class _SharedWindowLimiter(ABC):
    """The waiting logic shared by the backends; they only record, end and count slots.

    Within a process, callers take turns (first come, first served). When the window is full of
    finished slots, we sleep until the earliest leaves it; when it is full of in-flight slots, we
    wait for one of ours to answer, or poll when some belong to other processes.
    """

    scope = "shared"

    def __init__(
        self,
        limit: int,
        window_s: float,
        *,
        clock: Clock,
        sleep: Sleep,
        poll_s: float = POLL_S,
        fallback_limit: int | None = None,
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be >= 1 and window_s > 0")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._sleep = sleep
        self._poll_s = poll_s
        self._held: set[str] = set()
        self._turn = asyncio.Lock()
        self._released = asyncio.Event()
        self.waits = 0  # times a caller had to wait, for tests and benchmarks
        self._fallback = RollingWindowLimiter(fallback_limit or limit, window_s, clock=clock, sleep=sleep)
        self._degraded = False

    def budget(self) -> LimiterBudget:
        if self._degraded:
            return self._fallback.budget()
        try:
            in_window = self._count(self._clock())
        except SharedStateError as exc:
            self._note_outage(exc)
            return self._fallback.budget()
        return LimiterBudget(self.limit, self.window_s, in_window, self.scope)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        try:
            slot_id = await self._acquire()
        except SharedStateError as exc:
            # Better a per-process limit (Hostaway answers any excess with 429, which the
            # gateway retries) than no answer at all while the shared state is unreachable.
            self._note_outage(exc)
            async with self._fallback.slot():
                yield
            return
        if self._degraded:
            logger.warning("the shared rate-limit state is reachable again")
            self._degraded = False
        try:
            yield
        finally:
            try:
                await self._record_end(slot_id)
            except SharedStateError as exc:
                logger.warning("could not record a finished request: %s", exc)

    async def _record_end(self, slot_id: str) -> None:
        # The file backend never suspends here, so even a cancelled caller records its answer.
        await self._finish(slot_id)

    def _note_outage(self, exc: SharedStateError) -> None:
        if not self._degraded:
            logger.warning("%s: limiting this process on its own until it is back", exc)
        self._degraded = True

    async def _acquire(self) -> str:
        slot_id = uuid.uuid4().hex
        async with self._turn:
            while True:
                # Cleared before looking, so an answer arriving while we look still wakes us.
                self._released.clear()
                attempt = await self._try_take(slot_id, self._clock())
                if attempt.taken:
                    self._held.add(slot_id)
                    return slot_id
                self.waits += 1
                if attempt.free_in is not None:
                    await self._sleep(max(0.0, attempt.free_in) + WAKE_MARGIN_S)
                elif attempt.in_flight > len(self._held):
                    await self._wait_for_release(self._poll_s)
                else:
                    await self._released.wait()

    async def _finish(self, slot_id: str) -> None:
        self._held.discard(slot_id)
        try:
            await self._end(slot_id, self._clock())
        finally:
            self._released.set()

    async def _wait_for_release(self, timeout_s: float) -> None:
        """Until one of our slots answers or `timeout_s` passes (on the injectable clock)."""
        released = asyncio.ensure_future(self._released.wait())
        timer = asyncio.ensure_future(self._sleep(timeout_s))
        try:
            await asyncio.wait({released, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (released, timer):
                task.cancel()
            await asyncio.gather(released, timer, return_exceptions=True)

    @abstractmethod
    async def _try_take(self, slot_id: str, now: float) -> _Attempt:
        """Take a slot for `slot_id` if the window has room; raise SharedStateError if unreachable."""

    @abstractmethod
    async def _end(self, slot_id: str, now: float) -> None:
        """Record that `slot_id` was answered at `now`."""

    @abstractmethod
    def _count(self, now: float) -> int:
        """Slots in the window now (for `budget()`)."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook, a no-op unless a backend holds a connection
        """Release what the backend holds open (nothing for the file backend)."""


# -- one machine: a state file under a file lock ----------------------------------------------------


def _process_is_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # os.kill(pid, 0) would terminate the process on Windows: rely on the max age
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, but belongs to someone else
    return True


class FileWindowLimiter(_SharedWindowLimiter):
    """At most `limit` requests in any rolling `window_s` across every process using `path`.

    The file holds `{"slots": [[id, host, pid, start, end], ...]}` with wall-clock times (`end` is
    null while in flight). Each take and each end is one short read-modify-write under the lock.
    """

    scope = "all hostaway-mcp processes on this machine"

    def __init__(
        self,
        path: Path,
        limit: int = 15,
        window_s: float = 10.0,
        *,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        max_in_flight_s: float = 120.0,
        poll_s: float = POLL_S,
    ) -> None:
        super().__init__(limit, window_s, clock=clock, sleep=sleep, poll_s=poll_s)
        self.path = path
        self.max_in_flight_s = max_in_flight_s
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = FileLock(str(path) + ".lock", timeout=LOCK_TIMEOUT_S, poll_interval=0.001, mode=0o600)
        self._host = socket.gethostname()
        self._pid = os.getpid()

    def _count(self, now: float) -> int:
        with self._locked_state(now) as slots:
            return len(slots)

    async def _try_take(self, slot_id: str, now: float) -> _Attempt:
        with self._locked_state(now) as slots:
            if len(slots) < self.limit:
                slots.append([slot_id, self._host, self._pid, now, None])
                return _Attempt(taken=True, in_window=len(slots))
            ends = [s[4] for s in slots if s[4] is not None]
            free_in = min(ends) + self.window_s - now if ends else None
            return _Attempt(False, free_in, in_flight=len(slots) - len(ends), in_window=len(slots))

    async def _end(self, slot_id: str, now: float) -> None:
        with self._locked_state(now) as slots:
            for entry in slots:
                if entry[0] == slot_id:
                    entry[4] = now
                    break
            else:  # the file was removed or reset meanwhile: record the request anyway
                slots.append([slot_id, self._host, self._pid, now, now])

    @contextlib.contextmanager
    def _locked_state(self, now: float) -> Iterator[list[list[Any]]]:
        """The live slots (pruned), to read or change; written back when the block exits."""
        try:
            with self._lock:
                slots = self._prune(self._read(), now)
                yield slots
                self._write(slots)
        except LockTimeout:
            raise SharedStateError(
                f"the rate-limit state {self.path} stayed locked for {LOCK_TIMEOUT_S:.0f} s"
            ) from None
        except OSError as exc:
            raise SharedStateError(f"cannot use the rate-limit state {self.path} ({exc.strerror or exc})") from None

    def _read(self) -> list[list[Any]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        try:
            data = json.loads(raw) if raw else {}
            slots = data.get("slots", []) if isinstance(data, dict) else []
            return [list(s) for s in slots if isinstance(s, list) and len(s) == 5]
        except ValueError:
            logger.warning("ignoring an unreadable rate-limit state file %s", self.path)
            return []

    def _write(self, slots: list[list[Any]]) -> None:
        tmp = self.path.with_name(f"{self.path.name}.{self._pid}.tmp")
        tmp.write_text(json.dumps({"version": 1, "slots": slots}, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, self.path)

    def _prune(self, slots: list[list[Any]], now: float) -> list[list[Any]]:
        horizon = now - self.window_s
        kept: list[list[Any]] = []
        for entry in slots:
            _, host, pid, start, end = entry
            if end is None:
                if start + self.max_in_flight_s <= now:
                    entry[4] = end = start + self.max_in_flight_s
                elif host == self._host and isinstance(pid, int) and not _process_is_alive(pid):
                    entry[4] = end = now  # its process died mid-request: count it from now
            if end is None or end > horizon:
                kept.append(entry)
        return kept


# -- several machines: Redis ------------------------------------------------------------------------

# KEYS: for each scope, its in-flight hash (id -> start) then its finished sorted set (score = end).
# ARGV: now (negative: use the Redis server's clock), window_s, max_in_flight_s, id, then each
# scope's limit. Returns {taken, free_in or -1, in_flight of the refusing scope, in_window, now}.
_TAKE_LUA = """
local now = tonumber(ARGV[1])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local window = tonumber(ARGV[2])
local max_age = tonumber(ARGV[3])
local id = ARGV[4]
local ttl_ms = math.ceil((window + max_age) * 1000)
local scopes = #KEYS / 2
local taken = 1
local free_in = -1
local refusing_in_flight = 0
local most = 0
for i = 1, scopes do
  local flying, done = KEYS[2 * i - 1], KEYS[2 * i]
  local starts = redis.call('HGETALL', flying)
  for j = 1, #starts, 2 do
    local started = tonumber(starts[j + 1])
    if started + max_age <= now then
      redis.call('HDEL', flying, starts[j])
      redis.call('ZADD', done, started + max_age, starts[j])
    end
  end
  redis.call('ZREMRANGEBYSCORE', done, '-inf', now - window)
  local in_flight = redis.call('HLEN', flying)
  local count = in_flight + redis.call('ZCARD', done)
  if count > most then most = count end
  if count >= tonumber(ARGV[4 + i]) then
    taken = 0
    local first = redis.call('ZRANGE', done, 0, 0, 'WITHSCORES')
    if #first == 2 then
      local wait = tonumber(first[2]) + window - now
      if wait > free_in then free_in = wait end
    else
      refusing_in_flight = in_flight
    end
  end
end
if taken == 1 then
  for i = 1, scopes do
    redis.call('HSET', KEYS[2 * i - 1], id, tostring(now))
    redis.call('PEXPIRE', KEYS[2 * i - 1], ttl_ms)
    redis.call('PEXPIRE', KEYS[2 * i], ttl_ms)
  end
  most = most + 1
end
if refusing_in_flight > 0 then free_in = -1 end
return {taken, tostring(free_in), refusing_in_flight, most, tostring(now)}
"""

# Same KEYS; ARGV: now (negative: server clock), window_s, max_in_flight_s, id.
_END_LUA = """
local now = tonumber(ARGV[1])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local ttl_ms = math.ceil((tonumber(ARGV[2]) + tonumber(ARGV[3])) * 1000)
for i = 1, #KEYS / 2 do
  redis.call('HDEL', KEYS[2 * i - 1], ARGV[4])
  redis.call('ZADD', KEYS[2 * i], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[2 * i], ttl_ms)
end
return 1
"""


def _retrieve_failure(task: asyncio.Future[None]) -> None:
    """Mark a shielded task's failure as seen: `slot()` logs it, unless its caller was cancelled."""
    if not task.cancelled() and task.exception() is not None:
        logger.debug("recording a finished request failed: %s", task.exception())


def _scope_keys(name: str) -> list[str]:
    return [f"{KEY_PREFIX}:window:{name}:in-flight", f"{KEY_PREFIX}:window:{name}:finished"]


class RedisWindowLimiter(_SharedWindowLimiter):
    """Every scope's rolling window at once, in Redis: by default the account's 20 across all
    machines and this machine's 15. A slot is taken in all scopes or none.

    `clock=None` times slots with the Redis server's clock (right across machines); tests may pass
    a clock. If Redis cannot be reached, requests fall back to a per-process limiter (logged)
    rather than fail: Hostaway then answers any excess with 429, which the gateway retries.

    "Machine" is the host name. Hosts behind one NAT address share Hostaway's per-IP limit but
    are counted apart here; give them a lower `HOSTAWAY_RATE_LIMIT_REQUESTS`.
    """

    scope = "this account on every machine (Redis)"

    def __init__(
        self,
        client: AsyncRedis,
        scopes: list[tuple[str, int]],
        window_s: float = 10.0,
        *,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        max_in_flight_s: float = 120.0,
        poll_s: float = POLL_S,
        fallback_limit: int = 15,
    ) -> None:
        if not scopes:
            raise ValueError("at least one (name, limit) scope is needed")
        super().__init__(
            min(limit for _, limit in scopes),
            window_s,
            clock=clock or time.time,
            sleep=sleep,
            poll_s=poll_s,
            fallback_limit=fallback_limit,
        )
        self._redis = client
        self._use_server_time = clock is None
        self._scopes = scopes
        self._keys = [key for name, _ in scopes for key in _scope_keys(name)]
        self.max_in_flight_s = max_in_flight_s
        self._take = client.register_script(_TAKE_LUA)
        self._end_script = client.register_script(_END_LUA)
        self._last_in_window = 0

    @classmethod
    def for_settings(cls, client: AsyncRedis, settings: Settings, **options: Any) -> RedisWindowLimiter:
        account = digest(settings.effective_account_id, settings.base_url)
        machine = digest(socket.gethostname(), settings.base_url)
        scopes = [
            (f"account:{account}", settings.account_rate_limit_requests),
            (f"machine:{machine}", settings.rate_limit_requests),
        ]
        options.setdefault("max_in_flight_s", default_max_in_flight_s(settings))
        options.setdefault("fallback_limit", machine_budget(settings))
        return cls(client, scopes, settings.rate_limit_window_s, **options)

    def _count(self, now: float) -> int:
        """The count seen by the last take (asking Redis here would block the event loop)."""
        return self._last_in_window

    def _now_arg(self, now: float) -> str:
        return "-1" if self._use_server_time else repr(now)

    async def _try_take(self, slot_id: str, now: float) -> _Attempt:
        from redis.exceptions import RedisError

        limits = [str(limit) for _, limit in self._scopes]
        args = [self._now_arg(now), repr(self.window_s), repr(self.max_in_flight_s), slot_id, *limits]
        try:
            taken, free_in, in_flight, in_window, _ = await self._take(keys=self._keys, args=args)
        except RedisError as exc:
            raise SharedStateError(f"Redis is unreachable ({type(exc).__name__})") from None
        self._last_in_window = int(in_window)
        wait = float(free_in)
        return _Attempt(bool(int(taken)), wait if wait >= 0 else None, int(in_flight), int(in_window))

    async def _end(self, slot_id: str, now: float) -> None:
        from redis.exceptions import RedisError

        args = [self._now_arg(now), repr(self.window_s), repr(self.max_in_flight_s), slot_id]
        try:
            await self._end_script(keys=self._keys, args=args)
        except RedisError as exc:
            raise SharedStateError(f"Redis is unreachable ({type(exc).__name__})") from None

    async def _record_end(self, slot_id: str) -> None:
        # Shielded: the answer must be recorded even when the caller is being cancelled, or the
        # slot would count as in flight until max_in_flight_s.
        ending = asyncio.ensure_future(self._finish(slot_id))
        ending.add_done_callback(_retrieve_failure)
        await asyncio.shield(ending)

    async def aclose(self) -> None:
        await self._redis.aclose()


# -- choosing a backend -----------------------------------------------------------------------------


def state_file(settings: Settings) -> Path:
    """The shared window's file: one per Hostaway API root (the per-IP limit spans accounts)."""
    return settings.cache_dir / f"ratelimit-{digest(settings.base_url)}.json"


def make_limiter(settings: Settings, *, clock: Clock = time.time, sleep: Sleep = asyncio.sleep) -> RateLimiter | None:
    """The limiter the settings ask for, or None for the gateway's per-process one.

    `clock` must be wall-clock time (processes compare it). Redis wins over the file when both
    are configured; `HOSTAWAY_SHARED_RATE_LIMIT=false` turns sharing off; the demo account lives
    inside its process, so it never shares.
    """
    if settings.demo or not settings.shared_rate_limit:
        return None
    if settings.redis_url is not None:
        from redis.asyncio import Redis as AsyncRedisClient

        client = AsyncRedisClient.from_url(settings.redis_url.get_secret_value())
        return RedisWindowLimiter.for_settings(client, settings, sleep=sleep)
    try:
        return FileWindowLimiter(
            state_file(settings),
            machine_budget(settings),
            settings.rate_limit_window_s,
            clock=clock,
            sleep=sleep,
            max_in_flight_s=default_max_in_flight_s(settings),
        )
    except OSError as exc:
        logger.warning(
            "cannot share the rate limit through %s (%s); limiting this process on its own",
            settings.cache_dir,
            exc.strerror or type(exc).__name__,
        )
        return None


@dataclass
class Coordination:
    """What the gateway shares with other processes; None means "the gateway's own default"."""

    limiter: RateLimiter | None = None
    token_cache: RedisTokenCache | None = None


@asynccontextmanager
async def open_coordination(
    settings: Settings,
    *,
    limiter: RateLimiter | None = None,
    clock: Clock = time.time,
    sleep: Sleep = asyncio.sleep,
) -> AsyncIterator[Coordination]:
    """The shared limiter and token cache for one server run; an injected `limiter` wins."""
    shared = Coordination(limiter=limiter)
    if limiter is None:
        shared.limiter = make_limiter(settings, clock=clock, sleep=sleep)
    shared.token_cache = make_token_cache(settings, wall_clock=clock)
    try:
        yield shared
    finally:
        if limiter is None and isinstance(shared.limiter, _SharedWindowLimiter):
            await shared.limiter.aclose()
        if shared.token_cache is not None:
            await shared.token_cache.aclose()
