"""What every benchmark needs: tables, the machine, sandboxes, servers and timing helpers."""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 21)
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)  # the sandbox's generation time on TODAY
SEED = 7
REALISTIC_LATENCY = (0.08, 0.2)  # seconds per Hostaway call, uniform


@dataclass
class Table:
    """One benchmark's figures, printed as a Markdown table (also what RESULTS.md holds)."""

    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Named figures for tests and for the README headline (not printed).
    figures: dict[str, float] = field(default_factory=dict)

    def render(self) -> str:
        cells = [[_cell(v) for v in row] for row in self.rows]
        widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(self.headers)]
        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(self.headers, widths, strict=True)) + " |")
        lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        lines.extend("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells)
        if self.notes:
            lines.append("")
            lines.extend(f"- {note}" for note in self.notes)
        return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def machine() -> dict[str, str]:
    """nproc, CPU model, Python and OS: the context every figure needs."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }


@dataclass(frozen=True)
class Scale:
    """Time compression for --quick: windows, latencies and durations divided by `factor`.

    The limiter's behaviour is scale-free (requests per window, latency as a fraction of the
    window), so a 10x compressed run measures the same fractions in a tenth of the time.
    """

    factor: float = 1.0

    @property
    def window_s(self) -> float:
        return 10.0 / self.factor

    @property
    def latency(self) -> tuple[float, float]:
        return (REALISTIC_LATENCY[0] / self.factor, REALISTIC_LATENCY[1] / self.factor)

    def seconds(self, real: float) -> float:
        return real / self.factor

    @property
    def label(self) -> str:
        return "" if self.factor == 1 else f" (time compressed {self.factor:g}x: window {self.window_s:g} s)"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def make_sandbox(listings: int = 24, *, latency: float | tuple[float, float] = 0.0, **options: Any) -> Any:
    from hostaway_mcp.sandbox import Sandbox

    return Sandbox(seed=SEED, today=TODAY, listings=listings, latency=latency, **options)


def gate_settings(scale: Scale) -> dict[str, str]:
    """Our gates (the defaults) with every window compressed like the sandbox's, as settings."""
    from hostaway_mcp.ratelimit.gates import CURRENT

    return {f"rate_limit_{name}": f"{limit}/{window / scale.factor:g}" for name, (limit, window) in CURRENT.items()}


def sandbox_limits(scale: Scale, profile: str = "current") -> Any:
    """Hostaway's limits (current or legacy) for the sandbox, windows compressed like `scale`."""
    from hostaway_mcp.sandbox.limits import RateLimits

    return RateLimits.profile(profile).scaled(1 / scale.factor)  # type: ignore[arg-type]


def bench_settings(cache_dir: Path, **overrides: Any) -> Any:
    """Settings for a server on the sandbox: credentials the sandbox accepts, nothing from .env."""
    from hostaway_mcp.config import Settings

    values: dict[str, Any] = {
        "account_id": "10001",
        "secret_key": "bench-secret",
        "cache_dir": cache_dir,
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


class MeteredTransport(httpx.AsyncBaseTransport):
    """Wraps a transport; counts calls, response bytes and time spent waiting on it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.calls = 0
        self.token_calls = 0
        self.bytes = 0
        self.seconds = 0.0

    def reset(self) -> None:
        self.calls = self.token_calls = self.bytes = 0
        self.seconds = 0.0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        self.seconds += time.perf_counter() - started
        if request.url.path.endswith("/accessTokens"):
            self.token_calls += 1
        else:
            self.calls += 1
            self.bytes += len(content)
        return response


@asynccontextmanager
async def connected(server: Any) -> AsyncIterator[Any]:
    from mcp import Client

    async with Client(server) as client:
        yield client


def text_of(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a server subprocess: ours without HOSTAWAY_*, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSTAWAY_")}
    env.update(extra)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def python_command(*args: str) -> list[str]:
    return [sys.executable, *args]


def scratch_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"hostaway-bench-{prefix}-"))


def skip_client_validation() -> None:
    """Measure the server, not the client: skip the SDK client's re-validation of every result
    against the tool's output schema (jsonschema, tens of ms for large results; a cost of the
    client, which differs between hosts)."""
    from mcp.client.session import ClientSession

    async def no_validation(self: Any, name: str, result: Any) -> None:
        return None

    ClientSession.validate_tool_result = no_validation  # type: ignore[method-assign]


async def premint_token(settings: Any, transport: httpx.AsyncBaseTransport) -> None:
    """Mint and cache the access token (in settings.cache_dir) before a measurement starts."""
    from hostaway_mcp.gateway import HostawayGateway
    from hostaway_mcp.ratelimit.coordination import open_coordination

    async with (
        open_coordination(settings) as shared,
        HostawayGateway(settings, transport=transport, limiter=shared.limiter, token_not_before_s=0.0) as gateway,
    ):
        await gateway.tokens.token()


def production_python(workdir: Path) -> tuple[str, str]:
    """The interpreter of a production-like install of this checkout, and how it was made."""
    uv = shutil.which("uv")
    if uv is None:
        return sys.executable, "the development environment (uv not found on PATH)"
    environment = workdir / "venv"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(environment)}
    env.pop("VIRTUAL_ENV", None)
    subprocess.run(
        [uv, "sync", "--no-dev", "--no-editable", "--compile-bytecode", "--frozen", "--quiet"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    python = environment / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    return str(python), "uv sync --no-dev --no-editable --compile-bytecode (this checkout as a wheel, compiled)"
