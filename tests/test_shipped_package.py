"""What the wheel ships: the package folder, as the hatch build config says, and nothing test-only.

The demo needs the sandbox, so it ships; fault injection (`tests/faults.py`, installed through
the sandbox's request hook) and the suite's planted values live in tests/. The client suite's
`test_packaging.py` checks the same in a wheel built with `uv build`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.conftest import TEST_ONLY_VALUES

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_is_the_package_folder() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel == {"packages": ["hostaway_mcp"]}, "the checks below assume the wheel is exactly this folder"


def test_the_package_holds_no_fault_injection_and_no_planted_test_values() -> None:
    sources = {path: path.read_text(encoding="utf-8") for path in (ROOT / "hostaway_mcp").rglob("*.py")}
    assert [path for path in sources if "fault" in path.name] == []
    for value in TEST_ONLY_VALUES:
        assert [path.name for path, text in sources.items() if value in text] == [], value
    assert "def faults_of" in (ROOT / "tests" / "faults.py").read_text(encoding="utf-8")
