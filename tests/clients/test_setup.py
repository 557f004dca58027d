"""The README's set-up on a machine whose system Python refuses `pip install` (PEP 668).

Debian's and Ubuntu's Python answer `python3 -m pip install uv` with
`externally-managed-environment`. The README's route for them is pipx; this test proves the
refusal is real here, installs uv with the README's own pipx command into a private folder, and
runs the README's demo command with that uv on a fresh clone of this repository.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.clients.conftest import README, ROOT, install_failed

PEP_668_CHECK = (
    "import os, sysconfig; print(os.path.exists(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))"
)


def externally_managed_python() -> str:
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if candidate and Path(candidate).exists():
            done = subprocess.run([candidate, "-c", PEP_668_CHECK], capture_output=True, text=True, timeout=30)
            if done.stdout.strip() == "True":
                return candidate
    pytest.skip("no Python on this machine refuses pip install (PEP 668): the pip route of the README works here")


def readme_line(pattern: str) -> str:
    found = re.findall(pattern, README, re.M)
    assert len(found) == 1, f"the README should say this once: {pattern} ({found})"
    return str(found[0])


@pytest.mark.timeout(900)
def test_the_readme_set_up_works_where_the_system_python_refuses_pip(tmp_path: Path) -> None:
    python = externally_managed_python()
    refused = subprocess.run(
        [python, "-m", "pip", "install", "uv"], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )
    assert refused.returncode != 0
    assert "externally-managed-environment" in refused.stdout + refused.stderr, "the README names this error"

    row = readme_line(r"^\|.*externally-managed-environment.*\|$")
    install = re.findall(r"`(pipx install [^`]+)`", row)
    assert install == ["pipx install uv"], row
    pipx = shutil.which("pipx")
    if pipx is None:
        pytest.skip("pipx is not installed: the README's route for this machine starts with `sudo apt install pipx`")
    bin_dir = tmp_path / "bin"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PIPX_HOME")}
    env.update(PIPX_HOME=str(tmp_path / "pipx"), PIPX_BIN_DIR=str(bin_dir), PIPX_MAN_DIR=str(tmp_path / "man"))
    installed = subprocess.run(
        [pipx, *shlex.split(install[0])[1:]], env=env, capture_output=True, text=True, timeout=600
    )
    if installed.returncode != 0:
        install_failed("pipx install uv", installed)
    assert (bin_dir / "uv").exists(), installed.stdout + installed.stderr

    clone = tmp_path / "clone"
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed: no fresh clone to try the README's commands on")
    subprocess.run([git, "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"  # what `pipx ensurepath` arranges
    env["HOSTAWAY_CACHE_DIR"] = str(tmp_path / "cache")
    demo = readme_line(r"^(uv run hostaway-mcp call .+)$")
    done = subprocess.run(shlex.split(demo), cwd=clone, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"^items \(\d+\):$", done.stdout, re.M), done.stdout
    assert (clone / ".venv").is_dir(), "the clone got its own environment from the pipx-installed uv"
