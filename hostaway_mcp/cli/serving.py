"""Serving MCP over stdio until the client hangs up or a signal says stop.

A desktop host stops its server by closing stdin, and that ends the SDK's stdio loop by itself.
A person pressing Ctrl-C, a process manager sending SIGTERM, or a host that signals instead of
closing get this, within `EXIT_WITHIN_S`:

1. requests already running may finish for up to `GRACE_S`; new ones are refused meanwhile
   (a write in flight is either finished or, if cut off, left in the ledger as "unknown", which
   the next attempt reconciles);
2. the server is cancelled: its lifespan closes the gateway, the ledger and Redis;
3. logs are flushed and the process exits 0, without a traceback.

The SDK reads stdin in a worker thread that returns only when a line or end-of-file arrives, and
its cancellation waits for that thread; with stdin still open it would never come. So once the
server has had its chance to close (`CLOSE_S`), the process ends without waiting for that read.
A second signal ends it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from typing import Any

from mcp.server import MCPServer
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError

logger = logging.getLogger(__name__)

GRACE_S = 1.2  # running requests may finish within this
CLOSE_S = 0.5  # then the cancelled server closes what it holds within this
EXIT_WITHIN_S = 2.0  # the promise: gone this long after the signal, whatever is still running
SHUTTING_DOWN = -32000  # a JSON-RPC server error: "try again", there is nothing wrong with the request
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class InFlight:
    """Middleware that counts running requests and, once stopping, refuses new ones."""

    def __init__(self) -> None:
        self.running = 0
        self.stopping = False
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.request_id is None:  # a notification: nothing to wait for
            return await call_next(ctx)
        if self.stopping:
            raise MCPError(code=SHUTTING_DOWN, message="hostaway-mcp is shutting down; nothing was done.")
        self.running += 1
        self._idle.clear()
        try:
            return await call_next(ctx)
        finally:
            self.running -= 1
            if self.running == 0:
                self._idle.set()

    async def drained(self, timeout_s: float) -> bool:
        """Whether every running request finished within `timeout_s`."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True


def run_stdio(server: MCPServer[Any]) -> None:
    """Serve `server` over stdio; returns (exit 0) when stdin closes or after SIGINT/SIGTERM."""
    asyncio.run(_serve(server))


async def _serve(server: MCPServer[Any]) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    received: list[int] = []

    def on_signal(signum: int) -> None:
        received.append(signum)
        if len(received) > 1:
            _exit_now("a second signal")
        stop.set()

    in_flight = InFlight()
    server.middleware.insert(0, in_flight)  # outermost: it sees every request first
    with contextlib.ExitStack() as handlers:
        try:
            for signum in SIGNALS:
                loop.add_signal_handler(signum, on_signal, signum)
                handlers.callback(loop.remove_signal_handler, signum)
        except NotImplementedError:  # Windows: no loop signal handlers; Ctrl-C is KeyboardInterrupt there
            handlers.close()
            await server.run_stdio_async()
            return
        serving = asyncio.ensure_future(server.run_stdio_async())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if serving.done():  # the client closed stdin: the normal end
            stopping.cancel()
            serving.result()
            return
        started = loop.time()
        name = signal.Signals(received[0]).name
        in_flight.stopping = True
        if in_flight.running:
            finished = await in_flight.drained(GRACE_S)
            logger.info("%s: %s", name, "running requests finished" if finished else "abandoning running requests")
        logger.info("%s: stopping the server", name)
        serving.cancel()
        remaining = max(0.0, min(CLOSE_S, EXIT_WITHIN_S - 0.2 - (loop.time() - started)))
        done, _ = await asyncio.wait({serving}, timeout=remaining)
        if not done:
            # Only the SDK's blocked read of stdin is left (see the module docstring).
            _exit_now(name)
        with contextlib.suppress(asyncio.CancelledError):
            serving.result()


def _exit_now(reason: str) -> None:
    """End the process with status 0 after flushing what it has written (never the wire's half-lines)."""
    logger.info("stopped (%s)", reason)
    logging.shutdown()
    for stream in (sys.stderr, sys.stdout):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)
