"""The allocator settings a serving process applies (`allocator.py`): applied on glibc, a person's own
environment settings left alone, nothing at all elsewhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hostaway_mcp.allocator import SETTINGS, on_glibc

GLIBC = on_glibc()
PROBE = "import json; from hostaway_mcp.allocator import tune_for_serving; print(json.dumps(tune_for_serving()))"


def _applied(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True, timeout=60, check=True
    )
    applied: list[str] = json.loads(done.stdout)
    return applied


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_every_setting_is_applied_on_glibc() -> None:
    assert _applied() == [name for name, _, _ in SETTINGS]


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_a_setting_given_in_the_environment_is_left_to_it() -> None:
    assert _applied(MALLOC_ARENA_MAX="4") == ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"]


def test_nothing_is_applied_where_there_is_no_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    from hostaway_mcp import allocator

    monkeypatch.setattr(os, "confstr", lambda name: "musl 1.2", raising=False)
    assert allocator.tune_for_serving() == []
