"""The demo account's mirror: filled from the in-process account, that process's alone, thrown away after.

Each demo process generates its own account (`hostaway_mcp.sandbox`), so its mirror cannot be
shared: it is a file of its own in the cache folder, named after the process
(`Settings.mirror_path`: `mirror-demo-<pid>.sqlite3`), deleted when the server stops; one left by
a demo process that died is deleted at the next demo's start.

It is filled by the same sync as a real account's mirror (`sync.py`), through the sandbox's own
transport, but outside the rate limits the demo simulates for the tools: the account is in the
process, so the backfill of the default 24 properties (about 1,900 reads, one per guest thread)
takes seconds instead of the two minutes Hostaway's 200 requests per 10 s would ask, and a tool
tried meanwhile never queues behind it. A mirrored read waits for the build (`build_first`), so
the demo answers `search_messages` and shows `as_of` on every mirrored read from its first call.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from hostaway_mcp.config import DEMO_MIRROR_PREFIX, Settings
from hostaway_mcp.gateway import HostawayGateway
from hostaway_mcp.ledger import process_alive
from hostaway_mcp.localtime import Now
from hostaway_mcp.mirror.service import Mirror
from hostaway_mcp.mirror.store import MirrorStore
from hostaway_mcp.ratelimit import Clock, Sleep

if TYPE_CHECKING:
    from hostaway_mcp.sandbox import Sandbox

logger = logging.getLogger(__name__)

CLIENT_KEY = "demo-mirror"  # the sandbox serves this caller outside its rate limits
# Gates no in-process backfill reaches (the sandbox does not count these requests either).
UNMETERED_GATE = "1000000/1"


@asynccontextmanager
async def demo_mirror(
    settings: Settings,
    sandbox: Sandbox,
    *,
    now: Now,
    clock: Clock,
    wall_clock: Clock,
    sleep: Sleep,
    background: bool,
) -> AsyncIterator[Mirror]:
    """The demo process's mirror over `sandbox`, built in the background when `background` (a
    served demo), else on the first mirrored read; deleted when the block ends."""
    unmetered = settings.model_copy(
        update={"rate_limit_account": UNMETERED_GATE, "rate_limit_ip": UNMETERED_GATE, "rate_limit_adapt": False}
    )
    sweep_dead_demo_mirrors(settings)
    async with HostawayGateway(
        unmetered,
        transport=sandbox.transport(client_key=CLIENT_KEY, sleep=sleep, metered=False),
        clock=clock,
        wall_clock=wall_clock,
        sleep=sleep,
        token_not_before_s=0.0,
    ) as gateway:
        mirror = Mirror(settings, gateway, now=now, wall_clock=wall_clock, build_first=True)
        mirror.store.remove()  # left by a dead process that had our id: another account's rows
        if background:
            mirror.start_backfill()
        try:
            yield mirror
        finally:
            await mirror.aclose()
            _delete(mirror)


def _delete(mirror: Mirror) -> None:
    try:
        mirror.store.remove()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(mirror.lock_path)
    except OSError as exc:  # a demo's leftovers: worth a line in the log, never a failure
        logger.warning("could not delete the demo's mirror %s (%s)", mirror.store.path, exc)


def sweep_dead_demo_mirrors(settings: Settings) -> int:
    """Delete the mirrors of demo processes that are no longer running; how many were deleted."""
    removed = 0
    try:
        names = os.listdir(settings.cache_dir)
    except OSError:
        return 0
    for name in names:
        pid = _demo_pid(name)
        if pid is None or pid == os.getpid() or process_alive(pid):
            continue
        path = settings.cache_dir / name
        with contextlib.suppress(OSError):
            if MirrorStore(path).remove():
                removed += 1
            os.unlink(path.with_name(path.name + ".lock"))
    return removed


def _demo_pid(name: str) -> int | None:
    if not (name.startswith(DEMO_MIRROR_PREFIX) and name.endswith(".sqlite3")):
        return None
    digits = name[len(DEMO_MIRROR_PREFIX) : -len(".sqlite3")]
    return int(digits) if digits.isdigit() else None
