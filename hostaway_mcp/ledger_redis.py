"""The write ledger's checks through Redis, so hosts on several machines agree (`HOSTAWAY_REDIS_URL`).

Each machine keeps its own SQLite ledger; Redis holds, per write key, only what another machine
must know before sending the same change:

    <key>:flight   SET NX with a TTL (the longest a send can take): one machine sends at a time;
    <key>:last     the newest attempt of the key and its outcome (7-day TTL), read before sending:
                   an `attempt`/`unknown` there is reconciled first, a recent `sent` is a duplicate.

The machine holding `flight` is the only one that reads or writes `last`, so no script is
needed for them to agree; `flight` is released only by its holder (compare-and-delete). Redis
being unreachable refuses the write (`LedgerError`): sending without the check could send twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hostaway_mcp.config import Settings
from hostaway_mcp.ledger import UNRESOLVED, Conflict, Entry, LedgerError, WriteKey

if TYPE_CHECKING:
    from redis.asyncio import Redis as AsyncRedis

KEY_PREFIX = "{hostaway-mcp}:write"
LAST_TTL_MS = 7 * 86_400 * 1000
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisWriteGuard:
    """The cross-machine half of `WriteLedger.begin`/`finish`/`resolve` for one account."""

    def __init__(self, client: AsyncRedis, scope: str, clock: Callable[[], float]) -> None:
        self._redis = client
        self._scope = scope
        self._clock = clock

    @classmethod
    def for_settings(cls, settings: Settings, scope: str, clock: Callable[[], float]) -> RedisWriteGuard | None:
        """A guard when `HOSTAWAY_REDIS_URL` is set (the `redis` extra must be installed)."""
        if settings.redis_url is None:
            return None
        try:
            from redis.asyncio import Redis
        except ImportError:
            raise LedgerError(
                "HOSTAWAY_REDIS_URL is set but the redis package is not installed, so writes are refused "
                "(machines could not agree on them). Install hostaway-mcp[redis], or unset HOSTAWAY_REDIS_URL. "
                "Nothing was sent."
            ) from None
        client = Redis.from_url(settings.redis_url.get_secret_value(), socket_timeout=5, socket_connect_timeout=5)
        return cls(client, scope, clock)

    def _keys(self, key: WriteKey) -> tuple[str, str]:
        digest = hashlib.sha256(f"{key.tool}\n{key.target}\n{key.fingerprint}".encode()).hexdigest()[:24]
        base = f"{KEY_PREFIX}:{self._scope}:{digest}"
        return f"{base}:flight", f"{base}:last"

    async def last(self, key: WriteKey) -> Entry | None:
        """The newest attempt of `key` on any machine, when it is unresolved or a send."""
        raw = await self._call(self._redis.get(self._keys(key)[1]))
        entry = _entry(raw)
        return entry if entry is not None and (entry.outcome in UNRESOLVED or entry.outcome == "sent") else None

    async def claim(self, entry: Entry, window_s: float, repeatable: bool, max_in_flight_s: float) -> Conflict | None:
        """Take `flight` and check `last`; None when `entry` may be sent, else what is in the way."""
        flight, last = self._keys(entry.key)
        taken = await self._call(self._redis.set(flight, entry.id, nx=True, px=max(1, int(max_in_flight_s * 1000))))
        if not taken:
            holder = _entry(await self._call(self._redis.get(last)))
            return Conflict("in_flight", holder if holder is not None else _placeholder(entry))
        raw = await self._call(self._redis.get(last))
        previous = _entry(raw)
        obstacle: Conflict | None = None
        if previous is not None and previous.id != entry.id:
            if previous.outcome in UNRESOLVED:
                obstacle = Conflict("unresolved", previous)
            elif not repeatable and previous.outcome == "sent" and previous.created_at >= entry.created_at - window_s:
                obstacle = Conflict("duplicate", previous)
        if obstacle is not None:
            await self._release(flight, entry.id)
            return obstacle
        record = _record(entry, "attempt", previous=_decoded(raw))
        await self._call(self._redis.set(last, record, px=LAST_TTL_MS))
        return None

    async def settle(self, entry: Entry, outcome: str) -> None:
        """The outcome of our send: keep sent/unknown for the others; anything else leaves no trace."""
        flight, last = self._keys(entry.key)
        await self._set_outcome(last, entry, outcome)
        await self._release(flight, entry.id)

    async def resolve(self, entry: Entry, outcome: str) -> None:
        """What reconciling `entry` found (sent, or failed: it never happened)."""
        await self._set_outcome(self._keys(entry.key)[1], entry, outcome)

    async def aclose(self) -> None:
        await self._redis.aclose()

    async def _set_outcome(self, last: str, entry: Entry, outcome: str) -> None:
        current = _decoded(await self._call(self._redis.get(last)))
        if current is None or current.get("id") != entry.id:
            return  # a newer attempt (or nothing) is there: not ours to change
        if outcome in ("sent", "unknown"):
            await self._call(self._redis.set(last, _record(entry, outcome), px=LAST_TTL_MS))
            return
        previous = current.get("previous")
        if isinstance(previous, dict):
            await self._call(self._redis.set(last, json.dumps(previous), px=LAST_TTL_MS))
        else:
            await self._call(self._redis.delete(last))

    async def _release(self, flight: str, entry_id: str) -> None:
        await self._call(self._redis.eval(_RELEASE, 1, flight, entry_id))

    async def _call(self, pending: Any) -> Any:
        from redis.exceptions import RedisError

        try:
            return await pending
        except (RedisError, OSError) as exc:
            raise LedgerError(
                f"Redis (HOSTAWAY_REDIS_URL) cannot be reached ({type(exc).__name__}), so writes are refused: "
                "without it, another machine could send the same change. Reads work as before. Fix Redis, or "
                "unset HOSTAWAY_REDIS_URL to coordinate only the processes of this machine. Nothing was sent."
            ) from None


def _record(entry: Entry, outcome: str, previous: dict[str, Any] | None = None) -> str:
    value: dict[str, Any] = {
        "id": entry.id,
        "tool": entry.tool,
        "target": entry.target,
        "fingerprint": entry.fingerprint,
        "outcome": outcome,
        "at": entry.created_at,
        "host": entry.host,
        "pid": entry.pid,
    }
    if previous is not None:
        previous.pop("previous", None)  # one level is enough to undo a failed attempt
        value["previous"] = previous
    return json.dumps(value, separators=(",", ":"))


def _decoded(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _entry(raw: Any) -> Entry | None:
    value = _decoded(raw)
    if value is None:
        return None
    try:
        return Entry(
            id=str(value["id"]),
            tool=str(value["tool"]),
            target=str(value["target"]),
            fingerprint=str(value["fingerprint"]),
            outcome=str(value["outcome"]),
            created_at=float(value["at"]),
            host=str(value.get("host") or ""),
            pid=int(value.get("pid") or 0),
            remote=True,
        )
    except (KeyError, TypeError, ValueError):
        return None


def _placeholder(entry: Entry) -> Entry:
    """Stands for another machine's send we know only by its `flight` key."""
    return Entry(
        id="elsewhere",
        tool=entry.tool,
        target=entry.target,
        fingerprint=entry.fingerprint,
        outcome="attempt",
        created_at=entry.created_at,
        host="another machine",
        pid=0,
        remote=True,
    )
