"""Settings, read from `HOSTAWAY_*` environment variables and optional `.env` files.

A desktop host starts the server in a folder of its own choosing (not the checkout), so besides
`.env` in the working directory the per-user settings file is read too: `user_env_file()`, e.g.
`~/.config/hostaway-mcp/.env` on Linux. The environment wins over both; the working directory's
file wins over the per-user one.

Nothing here runs at import time: `Settings()` is built by the CLI (or a test) and handed to
`build_server(settings)`. `.env.example` documents every field below; keep the two in step.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from platformdirs import user_cache_dir, user_config_dir
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from hostaway_mcp.ratelimit.gates import CURRENT, GateName, parse_gate_size

LIVE_BASE_URL = "https://api.hostaway.com/v1"
# The in-process demo account answers on this host; it is never resolvable on a network, so a
# live configuration cannot reach the sandbox by accident (and the sandbox is only ever wired in
# when `demo` is set).
DEMO_BASE_URL = "https://sandbox.hostaway.invalid/v1"
DEMO_ACCOUNT_ID = "10001"
# A demo process's own mirror file: the prefix, then the process id (`Settings.mirror_path`).
DEMO_MIRROR_PREFIX = "mirror-demo-"

LOCAL_ENV_FILE = ".env"
# The example configs' stand-ins for credentials: refused with a fix-it message, never sent.
PLACEHOLDER_PREFIX = "REPLACE_WITH_"

CREDENTIALS_HELP = (
    "Set HOSTAWAY_ACCOUNT_ID and HOSTAWAY_SECRET_KEY (environment, or a .env file in the working folder or "
    "the per-user settings folder: `hostaway-mcp check` names it). Both come from the "
    "Hostaway dashboard: Settings > Hostaway API (the account id is shown there; create an API key for "
    "the secret). To try the server without an account, run it with --demo (or HOSTAWAY_DEMO=1)."
)


def default_cache_dir() -> Path:
    """Where the token cache and shared rate-limit state live: the OS's per-user cache folder."""
    return Path(user_cache_dir("hostaway-mcp", appauthor=False))


def user_env_file() -> Path:
    """The per-user settings file, read wherever the server starts (a host's `uvx` entry included)."""
    return Path(user_config_dir("hostaway-mcp", appauthor=False)) / ".env"


def env_files() -> tuple[Path, ...]:
    """The `.env` files settings are read from, lowest priority first."""
    return (user_env_file(), Path(LOCAL_ENV_FILE))


def _refuse_placeholder(name: str, value: str, what: str) -> None:
    if value.upper().startswith(PLACEHOLDER_PREFIX):
        raise ValueError(
            f"{name} still holds the example's placeholder {value!r}: replace it with {what} "
            "(Hostaway dashboard: Settings > Hostaway API), or use --demo to try the demo account"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    """Everything the server can be told, with safe defaults for a desktop host."""

    model_config = SettingsConfigDict(
        env_prefix="HOSTAWAY_",
        env_file=LOCAL_ENV_FILE,  # widened to `env_files()` in settings_customise_sources
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    account_id: str | None = Field(default=None, description="Hostaway account id (numeric).")
    secret_key: SecretStr | None = Field(default=None, description="Hostaway API key (client secret).")
    base_url: str = Field(default=LIVE_BASE_URL, description="Hostaway API root, ending in /v1.")
    demo: bool = Field(default=False, description="Serve the built-in demo account; no credentials needed.")
    demo_seed: int = Field(default=7, description="Seed of the generated demo account.")
    demo_listings: int = Field(default=24, ge=1, le=2000, description="Size of the demo portfolio.")
    read_only: bool = Field(default=False, description="Hide write tools and refuse every request that changes data.")
    share_access_details: bool = Field(
        default=False,
        description="Include door codes, key pick-up and Wi-Fi credentials in results (off: withheld).",
    )
    # Comma-separated in the environment (NoDecode: not JSON). Checked against the tool catalogue.
    toolsets: Annotated[tuple[str, ...], NoDecode] = Field(
        default=("default",),
        description="Toolsets to offer: default, all, none, or names such as bookings, finance (see `tools`).",
    )
    tools: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Single tools to offer on top of the toolsets, by name."
    )
    result_text: Literal["json", "summary"] = Field(
        default="json",
        description="Text block of a result: json (the whole result, for hosts that show the model only the "
        "text, such as Claude Desktop) or summary (one line, for hosts that show it the structured content).",
    )

    # Hostaway's limits as gates (hostaway-api-2026.md §4.1); each REQUESTS/SECONDS, unset: the default.
    rate_limit_profile: Literal["current", "legacy"] = Field(
        default="current",
        description="current: Hostaway's limits since 2026-08-20; legacy: the old 15 / 10 s per IP, 20 per account.",
    )
    rate_limit_account: str | None = Field(
        default=None, description="General gate per account (default 180/10: 90% of Hostaway's 200 per 10 s)."
    )
    rate_limit_ip: str | None = Field(
        default=None, description="General gate per IP address (default 180/10: 90% of Hostaway's 200 per 10 s)."
    )
    rate_limit_messages: str | None = Field(
        default=None, description="Guest messages sent, per account (default 27/60: 90% of Hostaway's 30 per 60 s)."
    )
    rate_limit_quotes: str | None = Field(
        default=None, description="Price quotes per account (default 360/10: 90% of Hostaway's 400 per 10 s)."
    )
    rate_limit_bookings: str | None = Field(
        default=None, description="Reservations created per account (default 180/10: 90% of Hostaway's 200 per 10 s)."
    )
    rate_limit_egress: str | None = Field(
        default=None,
        description="Name of this machine's public address for the per-IP gate (default: the host name); "
        "give machines behind one address the same name.",
    )
    rate_limit_adapt: bool = Field(
        default=True, description="Switch to the legacy profile when Hostaway's 429s show the old limits."
    )
    shared_rate_limit: bool = Field(
        default=True,
        description="Share one rate-limit budget with other hostaway-mcp processes on this machine.",
    )
    redis_url: SecretStr | None = Field(
        default=None, description="Share the rate limit and token through Redis (hosts on several machines)."
    )

    timeout_s: float = Field(default=20.0, gt=0, description="Read timeout for one Hostaway request.")
    connect_timeout_s: float = Field(default=5.0, gt=0, description="Connect timeout for one request.")
    max_retry_time_s: float = Field(
        default=45.0, gt=0, description="Upper bound on the time spent retrying one read request."
    )
    max_attempts: int = Field(default=5, ge=1, le=10, description="Attempts per read request, first included.")

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO")
    cache_dir: Path = Field(
        default_factory=default_cache_dir, description="Token cache, limiter state and the write ledger."
    )
    token_cache: bool = Field(default=True, description="Persist the access token between restarts.")
    audit_log: Path | None = Field(
        default=None, description="JSON-lines audit log of write attempts (default: <cache_dir>/audit.jsonl)."
    )
    mirror: bool = Field(
        default=True,
        description="Keep a local copy of the account (SQLite in the cache folder) for fast reports and "
        "message search; false: every tool reads Hostaway live.",
    )
    mirror_max_age_s: float = Field(
        default=60.0, ge=0, description="Check the mirror against Hostaway at most this often (seconds)."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # `Settings(_env_file=...)` (tests, tools) names its own files; only the default is widened.
        if isinstance(dotenv_settings, DotEnvSettingsSource) and dotenv_settings.env_file == LOCAL_ENV_FILE:
            dotenv_settings = DotEnvSettingsSource(settings_cls, env_file=env_files())
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    @field_validator("account_id", mode="before")
    @classmethod
    def _account_id_is_numeric(cls, value: object) -> object:
        if value is None or value == "":
            return None
        text = str(value).strip()
        _refuse_placeholder("HOSTAWAY_ACCOUNT_ID", text, "your numeric account id")
        if not text.isdigit():
            raise ValueError("HOSTAWAY_ACCOUNT_ID must be the numeric Hostaway account id")
        return text

    @field_validator(
        "rate_limit_account", "rate_limit_ip", "rate_limit_messages", "rate_limit_quotes", "rate_limit_bookings"
    )
    @classmethod
    def _gate_size(cls, value: str | None) -> str | None:
        size = parse_gate_size(value)
        return None if size is None else f"{size[0]}/{size[1]:g}"

    @field_validator("secret_key", mode="before")
    @classmethod
    def _blank_secret_is_missing(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str):
            _refuse_placeholder("HOSTAWAY_SECRET_KEY", value.strip(), "an API key you create")
        return value

    @field_validator("toolsets", mode="before")
    @classmethod
    def _known_toolsets(cls, value: object) -> tuple[str, ...]:
        from hostaway_mcp.tools.toolsets import check_toolsets, split_names  # the catalogue: no tool imports

        return check_toolsets(split_names(value))

    @field_validator("tools", mode="before")
    @classmethod
    def _known_tools(cls, value: object) -> tuple[str, ...]:
        from hostaway_mcp.tools.toolsets import check_tool_names, split_names

        return check_tool_names(split_names(value))

    @field_validator("base_url")
    @classmethod
    def _https_unless_loopback(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("HOSTAWAY_BASE_URL must be an absolute http(s) URL")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise ValueError(
                "HOSTAWAY_BASE_URL must use https: credentials are never sent in clear text "
                "(plain http is allowed only for a loopback address such as 127.0.0.1)"
            )
        return value.rstrip("/")

    @model_validator(mode="after")
    def _demo_defaults(self) -> Settings:
        if self.demo and self.base_url == LIVE_BASE_URL:
            object.__setattr__(self, "base_url", DEMO_BASE_URL)
        return self

    @property
    def gate_sizes(self) -> dict[GateName, tuple[int, float]]:
        """Every gate's (requests, window seconds): the configured ones, else the defaults."""
        configured: dict[GateName, str | None] = {
            "account": self.rate_limit_account,
            "ip": self.rate_limit_ip,
            "messages": self.rate_limit_messages,
            "quotes": self.rate_limit_quotes,
            "bookings": self.rate_limit_bookings,
        }
        return {name: parse_gate_size(raw) or CURRENT[name] for name, raw in configured.items()}

    @property
    def has_credentials(self) -> bool:
        return bool(self.account_id and self.secret_key and self.secret_key.get_secret_value())

    @property
    def effective_account_id(self) -> str:
        """The account the server acts for; the demo account when no credentials are set."""
        if self.account_id:
            return self.account_id
        if self.demo:
            return DEMO_ACCOUNT_ID
        raise MissingCredentialsError(CREDENTIALS_HELP)

    @property
    def effective_secret(self) -> str:
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        if self.demo:
            return "demo-secret"
        raise MissingCredentialsError(CREDENTIALS_HELP)

    @property
    def audit_log_path(self) -> Path:
        return self.audit_log if self.audit_log is not None else self.cache_dir / "audit.jsonl"

    @property
    def ledger_path(self) -> Path:
        """The write ledger (SQLite) every process of this user shares: see `ledger.py`."""
        return self.cache_dir / "ledger.sqlite3"

    @property
    def mirror_enabled(self) -> bool:
        """A real account's shared mirror is used: on, and not the demo (whose account lives in
        its process, and so has a mirror of its own: `mirror/demo.py`)."""
        return self.mirror and not self.demo

    @property
    def mirror_path(self) -> Path:
        """The account's mirror (SQLite), shared by every process of this user: see `mirror/`.

        The demo account is generated by each demo process, so its mirror is that process's own
        (`mirror/demo.py`), named after it like its write ledger scope (`ledger.scope_of`)."""
        from hostaway_mcp.shared_keys import digest

        if self.demo:
            return self.cache_dir / f"{DEMO_MIRROR_PREFIX}{os.getpid()}.sqlite3"
        return self.cache_dir / f"mirror-{digest(self.effective_account_id, self.base_url)}.sqlite3"

    @property
    def mirror_lock_path(self) -> Path:
        return self.mirror_path.with_name(self.mirror_path.name + ".lock")

    def require_credentials(self) -> None:
        """Raise a fix-it error unless the server can authenticate (demo mode always can)."""
        if not self.demo and not self.has_credentials:
            raise MissingCredentialsError(CREDENTIALS_HELP)


class MissingCredentialsError(RuntimeError):
    """The server cannot start: no account id or secret, and not in demo mode."""
