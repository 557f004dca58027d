"""The benchmarks still run end to end (`python -m bench --quick`), and their key claims hold.

The quick run compresses time 10x for the limiter, so three real server processes sharing one
sandbox account for the equivalent of 40 s take 4 s here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_tool_surface import RESULT_SHARE_OF_RAW, TRANSCRIPT_SHARE_OF_RAW

ROOT = Path(__file__).resolve().parent.parent
TITLES = (
    "API calls and wall time per question",
    "The morning question",
    "Rate limiter",
    "Server overhead per tool call",
    "Cold start to a served initialize",
    "Bytes the model sees per tool",
    "Tool definitions in the context",
    "Server memory over",
    "Parsing Hostaway's response bodies",
    "A year's revenue report",
)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_quick_benchmark_runs_and_its_claims_hold(tmp_path: Path) -> None:
    figures_path = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--no-write", "--json", str(figures_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for title in TITLES:
        assert title in done.stdout, f"no table {title!r} in the output"
    figures = {
        title.split(":")[0].split(" (")[0]: values for title, values in json.loads(figures_path.read_text()).items()
    }
    limiter = next(values for title, values in figures.items() if title.startswith("Rate limiter"))
    for processes in (1, 3):
        assert limiter[f"{processes}p:429"] == 0, f"{processes} process(es) met a 429"
        assert limiter[f"{processes}p:errors"] == 0
    # A share of wall-clock time, so it bends when other work loads the machine (0.79 was seen beside
    # two test suites): the claim (>= 85%) is the full run's, in the README. Here: the three processes
    # together used most of Hostaway's 200 per window, and never met a 429 (above).
    assert limiter["3p:fraction"] >= 0.6, limiter
    assert limiter["burst40:429"] == 0 and limiter["messages:429"] == 0
    assert limiter["messages:longest_gap"] >= 0.5, "the 28th message waits for the send limit (6 s window here)"
    questions = next(values for title, values in figures.items() if title.startswith("API calls"))
    assert questions["search_available_properties:20:calls"] >= 1
    morning = next(values for title, values in figures.items() if title.startswith("The morning question"))
    assert morning["one:24:calls"] == 4 and morning["one:24:rejected"] == 0  # one first page per read
    assert morning["existing:24:tool_calls"] > morning["one:24:tool_calls"]
    context = next(values for title, values in figures.items() if title.startswith("Bytes the model sees"))
    for key, share in context.items():
        tool, _, kind = key.partition(":")
        if kind in ("share", "both_summary_share"):
            assert share <= TRANSCRIPT_SHARE_OF_RAW.get(tool, RESULT_SHARE_OF_RAW), (key, share)
    definitions = next(values for title, values in figures.items() if title.startswith("Tool definitions"))
    assert definitions["default_bytes"] <= 40_000 and definitions["default_per_tool"] <= 1_600, definitions
    memory = next(values for title, values in figures.items() if title.startswith("Server memory"))
    assert memory["errors"] == 0
    parsing = next(values for title, values in figures.items() if title.startswith("Parsing"))
    assert parsing["speedup_all"] > 1.5, "msgspec no longer pays for itself: bench/parsing.py"
    assert parsing["msgspec_extra_mb"] < 1, "parsing a body briefly needs more than the objects it builds"
    revenue = next(values for title, values in figures.items() if title.startswith("A year's revenue"))
    assert revenue["rejected"] == 0
    assert revenue["progress"] >= revenue["pages"] - 3  # a progress-aware client hears about every page
    # From the filled mirror: the watermark check and the calendars not yet final, never the pages.
    assert revenue["mirror:rejected"] == 0 and revenue["mirror:pages"] <= 1 < revenue["pages"]
    assert revenue["mirror:calls"] < revenue["calls"] / 2
