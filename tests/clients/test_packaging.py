"""The built wheel is a complete product: `uvx --from dist/...whl hostaway-mcp --demo` serves.

`uv build` runs as the README says; the wheel then runs from uv's cache without the checkout,
with only the runtime dependencies, and its metadata names the license and the project links.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from hostaway_mcp import __version__
from tests.clients.conftest import OFFLINE, ROOT, install_failed
from tests.conftest import TEST_ONLY_VALUES


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH: `uv build` cannot run")
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(out), str(ROOT)], capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        install_failed("uv build (its build backend comes from the package index)", done)
    (built,) = out.glob("hostaway_mcp-*.whl")
    yield built


def uvx() -> str:
    found = shutil.which("uvx")
    if found is None:
        pytest.skip("uvx is not on PATH")
    return found


def test_the_wheel_carries_the_license_links_and_no_tests(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = Parser().parsestr(archive.read(f"hostaway_mcp-{__version__}.dist-info/METADATA").decode())
        license_text = archive.read(f"hostaway_mcp-{__version__}.dist-info/licenses/LICENSE").decode()
    assert metadata["License-Expression"] == "MIT" and license_text.startswith("MIT License")
    assert metadata.get_all("Project-URL"), "the wheel names the project's links"
    assert "Typing :: Typed" in metadata.get_all("Classifier", [])
    assert "hostaway_mcp/py.typed" in names and "hostaway_mcp/sandbox/sandbox.py" in names
    assert not [name for name in names if name.startswith("tests/")]
    requires = metadata.get_all("Requires-Dist", [])
    assert not [r for r in requires if r.split()[0].startswith(("pytest", "ruff", "mypy"))], requires


@pytest.fixture(scope="module")
def uvx_ready(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """uvx, with the wheel's environment built once (its dependencies from the package index or cache)."""
    env = {**os.environ, "HOSTAWAY_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    warm = subprocess.run(
        [uvx(), "--from", str(wheel), "hostaway-mcp", "--version"], env=env, capture_output=True, text=True, timeout=300
    )
    if warm.returncode != 0 and OFFLINE.search(warm.stderr):
        install_failed("uvx --from the wheel (its dependencies come from the package index)", warm)
    assert warm.returncode == 0, warm.stderr[-3000:]
    assert warm.stdout.strip() == f"hostaway-mcp {__version__}"
    return uvx()


@pytest.mark.timeout(600)
async def test_uvx_from_the_wheel_serves_the_demo_account(wheel: Path, uvx_ready: str, tmp_path: Path) -> None:
    env = {**os.environ, "HOSTAWAY_CACHE_DIR": str(tmp_path / "cache")}
    params = StdioServerParameters(
        command=uvx_ready, args=["--from", str(wheel), "hostaway-mcp", "--demo"], env=env, cwd=str(tmp_path)
    )
    async with Client(params) as client:
        assert client.server_info is not None and client.server_info.name == "hostaway-mcp"
        result = await client.call_tool("list_properties", {"limit": 1})
        assert not result.is_error, result.content
        assert result.structured_content is not None and result.structured_content["total"] == 24


@pytest.mark.timeout(600)
def test_the_tools_hint_from_the_wheel_works_as_printed(wheel: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HOSTAWAY_CACHE_DIR": str(tmp_path / "cache"), "PWD": str(tmp_path)}
    listed = subprocess.run(
        [uvx(), "--from", str(wheel), "hostaway-mcp", "tools"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert listed.returncode == 0, listed.stderr[-3000:]
    hint = listed.stdout.strip().splitlines()[-1].removeprefix("Try one: ")
    assert hint.startswith(f"uvx --from {wheel}"), hint  # `hostaway-mcp` alone is not on this PATH
    done = subprocess.run(shlex.split(hint), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{hint}\n{done.stderr[-2000:]}"
    assert "total: 24" in done.stdout


@pytest.mark.timeout(900)
def test_pipx_installs_the_wheel_as_a_command_whose_hint_works(wheel: Path, tmp_path: Path) -> None:
    pipx = shutil.which("pipx")
    if pipx is None:
        pytest.skip("pipx is not installed: the README's pipx route for the wheel cannot be tried")
    bin_dir = tmp_path / "bin"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PIPX_HOME")}
    env.update(PIPX_HOME=str(tmp_path / "pipx"), PIPX_BIN_DIR=str(bin_dir), PIPX_MAN_DIR=str(tmp_path / "man"))
    installed = subprocess.run([pipx, "install", str(wheel)], env=env, capture_output=True, text=True, timeout=600)
    if installed.returncode != 0:
        install_failed("pipx install of the wheel", installed)
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", HOSTAWAY_CACHE_DIR=str(tmp_path / "cache"))
    listed = subprocess.run(["hostaway-mcp", "tools"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr[-3000:]
    hint = listed.stdout.strip().splitlines()[-1].removeprefix("Try one: ")
    assert hint.startswith("hostaway-mcp call "), hint
    done = subprocess.run(shlex.split(hint), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{hint}\n{done.stderr[-2000:]}"
    assert "total: 24" in done.stdout


def test_the_wheel_ships_the_demo_but_no_fault_injection_or_planted_test_values(wheel: Path) -> None:
    """The demo needs the sandbox; the suite's scripted faults and planted values stay in tests/."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        sources = {name: archive.read(name).decode("utf-8", "replace") for name in names if name.endswith(".py")}
    assert "hostaway_mcp/sandbox/sandbox.py" in names and "hostaway_mcp/sandbox/generator.py" in names
    assert [name for name in names if "fault" in name.rsplit("/", 1)[-1]] == []
    for value in TEST_ONLY_VALUES:
        assert [name for name, text in sources.items() if value in text] == [], value
