"""The sandbox over loopback HTTP, so several processes can share one fake account and its limits.

Stdlib only (`http.server.ThreadingHTTPServer`), bound to 127.0.0.1, API under /v1. The caller's
address is the rate-limit client key, so processes on one machine share the 15-per-10-s "IP"
window exactly as they would against Hostaway. Sandbox.dispatch holds the lock; latency is slept
outside it, so slow responses do not serialise the server.

Transport failures a request hook asks for (`Sandbox.hook`) can only be approximated over a real socket:
- `read_timeout`: the request is processed, then the connection is held open without a reply
  (up to `hang_s`), so the client's read timeout fires;
- `reset`, `connect_error`, `connect_timeout`: the connection is closed with a TCP reset (for
  the connect kinds, before processing). The client sees a read/protocol error, not a connect
  error; use the in-process transport to test connect failures precisely.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from hostaway_mcp.sandbox.sandbox import Sandbox
from hostaway_mcp.sandbox.wire import SandboxRequest

LOOPBACK = "127.0.0.1"
DEFAULT_HANG_S = 30.0
logger = logging.getLogger(__name__)


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that owns one Sandbox."""

    daemon_threads = True

    def __init__(self, sandbox: Sandbox, port: int = 0, hang_s: float = DEFAULT_HANG_S) -> None:
        super().__init__((LOOPBACK, port), _SandboxHandler)
        self.sandbox = sandbox
        self.hang_s = hang_s
        self.stopping = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}/v1"


class _SandboxHandler(BaseHTTPRequestHandler):
    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        target = urlsplit(self.path)
        outcome = self.server.sandbox.dispatch(
            SandboxRequest(
                method=self.command,
                path=target.path,
                query=target.query,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
                client_key=self.client_address[0],
            )
        )
        if outcome.failure in ("connect_error", "connect_timeout", "reset"):
            self._reset()
            return
        if outcome.delay > 0:
            time.sleep(outcome.delay)
        if outcome.failure == "read_timeout":
            self.server.stopping.wait(self.server.hang_s)
            self.close_connection = True
            return
        response = outcome.response
        assert response is not None  # only connect failures carry no response
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.content)))
        self.end_headers()
        self.wfile.write(response.content)

    def _reset(self) -> None:
        """Close with RST instead of FIN: SO_LINGER on, timeout 0."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


@contextmanager
def serve_sandbox(sandbox: Sandbox, port: int = 0, hang_s: float = DEFAULT_HANG_S) -> Iterator[str]:
    """Serve `sandbox` in a background thread; yields the base URL "http://127.0.0.1:PORT/v1"."""
    server = SandboxHTTPServer(sandbox, port, hang_s)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="hostaway-sandbox", daemon=True
    )
    thread.start()
    try:
        yield server.base_url
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def run_forever(sandbox: Sandbox, port: int) -> None:
    """Serve until interrupted (the `hostaway-mcp sandbox --port N` command)."""
    server = SandboxHTTPServer(sandbox, port)
    logger.info("Hostaway sandbox listening on %s (Ctrl-C to stop)", server.base_url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        logger.info("Hostaway sandbox stopping")
    finally:
        server.stopping.set()
        server.server_close()
