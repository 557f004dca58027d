"""Settings: safe defaults, clear refusals, and `.env.example` kept in step."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from hostaway_mcp.config import DEMO_BASE_URL, MissingCredentialsError, Settings

ROOT = Path(__file__).resolve().parent.parent


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
    settings = Settings(_env_file=None, cache_dir=tmp_path)  # type: ignore[call-arg]
    with pytest.raises(MissingCredentialsError) as caught:
        settings.require_credentials()
    message = str(caught.value)
    for needle in ("HOSTAWAY_ACCOUNT_ID", "HOSTAWAY_SECRET_KEY", "Settings > Hostaway API", "--demo"):
        assert needle in message


def test_demo_mode_needs_no_credentials_and_never_points_at_the_live_api(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, demo=True, cache_dir=tmp_path)  # type: ignore[call-arg]
    settings.require_credentials()
    assert settings.base_url == DEMO_BASE_URL


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
