"""Settings: safe defaults, clear refusals, and `.env.example` kept in step."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from platformdirs import user_config_dir
from pydantic import ValidationError

from hostaway_mcp import config
from hostaway_mcp.config import DEMO_BASE_URL, MissingCredentialsError, Settings

ROOT = Path(__file__).resolve().parent.parent
REAL_USER_ENV_FILE = config.user_env_file  # before the autouse fixture swaps it for a test


@pytest.mark.parametrize(
    "url",
    ["http://api.hostaway.com/v1", "http://10.0.0.5:8080/v1", "ftp://example.com/v1", "api.hostaway.com/v1"],
)
def test_credentials_never_travel_in_clear_text(settings_factory: Callable[..., Settings], url: str) -> None:
    with pytest.raises(ValidationError, match="HOSTAWAY_BASE_URL"):
        settings_factory(base_url=url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/v1", "http://localhost:9/v1", "http://[::1]:9/v1"])
def test_plain_http_is_allowed_on_loopback(settings_factory: Callable[..., Settings], url: str) -> None:
    assert settings_factory(base_url=url).base_url == url


def test_a_non_numeric_account_id_is_refused(settings_factory: Callable[..., Settings]) -> None:
    with pytest.raises(ValidationError, match="numeric"):
        settings_factory(account_id="my-account")


def test_missing_credentials_explain_what_to_set(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, cache_dir=tmp_path)
    with pytest.raises(MissingCredentialsError) as caught:
        settings.require_credentials()
    message = str(caught.value)
    for needle in ("HOSTAWAY_ACCOUNT_ID", "HOSTAWAY_SECRET_KEY", "Settings > Hostaway API", "--demo"):
        assert needle in message


def test_demo_mode_needs_no_credentials_and_never_points_at_the_live_api(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, demo=True, cache_dir=tmp_path)
    settings.require_credentials()
    assert settings.base_url == DEMO_BASE_URL


def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No HOSTAWAY_* variables, a bare working folder, and a per-user settings file under tmp_path."""
    for name in [n for n in os.environ if n.startswith("HOSTAWAY_")]:
        monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    user_file = tmp_path / "config" / "hostaway-mcp" / ".env"
    user_file.parent.mkdir(parents=True)
    monkeypatch.setattr(config, "user_env_file", lambda: user_file)
    return user_file


def test_the_per_user_env_file_is_read_wherever_the_server_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A desktop host runs `uvx --from ... hostaway-mcp` in a folder of its own: the per-user file
    # is the one place a `.env` reaches that entry.
    user_file = _isolated(monkeypatch, tmp_path)
    user_file.write_text("HOSTAWAY_ACCOUNT_ID=4242\nHOSTAWAY_SECRET_KEY=from-user-file\n")
    settings = Settings()
    assert settings.account_id == "4242"
    assert settings.secret_key is not None and settings.secret_key.get_secret_value() == "from-user-file"


def test_the_working_folder_env_wins_over_the_per_user_one_and_the_environment_over_both(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    user_file = _isolated(monkeypatch, tmp_path)
    user_file.write_text("HOSTAWAY_ACCOUNT_ID=1\nHOSTAWAY_SECRET_KEY=user\nHOSTAWAY_DEMO_SEED=3\n")
    Path(".env").write_text("HOSTAWAY_ACCOUNT_ID=2\nHOSTAWAY_DEMO_SEED=4\n")
    monkeypatch.setenv("HOSTAWAY_DEMO_SEED", "5")
    settings = Settings()
    assert (settings.account_id, settings.demo_seed) == ("2", 5)
    assert settings.secret_key is not None and settings.secret_key.get_secret_value() == "user"


def test_naming_the_env_file_explicitly_reads_only_that_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    user_file = _isolated(monkeypatch, tmp_path)
    user_file.write_text("HOSTAWAY_ACCOUNT_ID=1\n")
    Path(".env").write_text("HOSTAWAY_ACCOUNT_ID=2\n")
    assert Settings(_env_file=None).account_id is None
    other = tmp_path / "other.env"
    other.write_text("HOSTAWAY_ACCOUNT_ID=3\n")
    assert Settings(_env_file=other).account_id == "3"


def test_the_per_user_env_file_lives_in_the_os_settings_folder() -> None:
    assert REAL_USER_ENV_FILE() == Path(user_config_dir("hostaway-mcp", appauthor=False)) / ".env"


def test_the_secret_is_not_in_the_settings_repr(settings: Settings) -> None:
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() not in repr(settings)


def test_env_example_documents_every_setting() -> None:
    documented = set(re.findall(r"^#?\s*HOSTAWAY_([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - documented == set(), "settings missing from .env.example"
    assert documented - fields == set(), ".env.example names settings that do not exist"


def test_readme_configuration_table_names_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in Settings.model_fields if f"HOSTAWAY_{name.upper()}" not in readme]
    assert missing == []
