"""The demo's own mirror: built from the in-process account, searched, shown with `as_of`, deleted after."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from hostaway_mcp.config import Settings
from hostaway_mcp.mirror.demo import CLIENT_KEY, sweep_dead_demo_mirrors
from hostaway_mcp.sandbox import Sandbox, generator
from hostaway_mcp.sandbox import sandbox as sandbox_module
from hostaway_mcp.server import build_server
from tests.conftest import call_ok, file_mode

PHRASE = "the lighthouse kettle hums a lullaby"


@pytest.fixture
def demo_accounts(monkeypatch: pytest.MonkeyPatch) -> list[Sandbox]:
    """Every demo account the servers generate, each with PHRASE planted in a guest message."""
    made: list[Sandbox] = []
    generate = generator.build_account
    transport = Sandbox.transport

    def planted(seed: int, today: Any, listings: int) -> Any:
        account = generate(seed, today, listings)
        for conversation in account.conversations:
            thread = account.messages.get(conversation["id"], [])
            guest = [m for m in thread if m["isIncoming"] and m["status"] == "sent"]
            if guest:
                guest[0]["body"] = f"Hi, {PHRASE} all night long."
                account.planted = conversation  # type: ignore[attr-defined]
                return account
        raise AssertionError("the demo account has no guest message")

    def recorded(self: Sandbox, *args: Any, **kwargs: Any) -> Any:
        if self not in made:
            made.append(self)
        return transport(self, *args, **kwargs)

    monkeypatch.setattr(sandbox_module, "build_account", planted)
    monkeypatch.setattr(Sandbox, "transport", recorded)
    return made


def demo_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"demo": True, "demo_listings": 3, "cache_dir": tmp_path / "cache", "toolsets": ("all",)}
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.mark.parametrize("served", [True, False], ids=["built-at-start", "built-by-the-first-read"])
async def test_the_demo_answers_search_messages_from_its_own_mirror(
    tmp_path: Path, demo_accounts: list[Sandbox], served: bool
) -> None:
    settings = demo_settings(tmp_path)
    async with Client(build_server(settings, background_sync=served)) as client:
        found = await call_ok(client, "search_messages", {"query": "lighthouse kettle lullaby"})
        bookings = await call_ok(client, "search_bookings", {"limit": 3})
        path = settings.mirror_path
        assert path.exists() and file_mode(path) == 0o600 and file_mode(path.parent) == 0o700
        (account,) = demo_accounts
        tool_calls = [e for e in account.request_log if e.client_key != CLIENT_KEY and "accessTokens" not in e.path]
        again = await call_ok(client, "search_messages", {"query": "lighthouse kettle lullaby"})
    planted = account.account.planted  # type: ignore[attr-defined]
    assert found["total"] == 1 and again["items"] == found["items"]
    top = found["items"][0]
    assert top["conversation_id"] == planted["id"] and top["booking_id"] == planted["reservationId"]
    assert top["guest_written"] is True and "«lighthouse»" in top["snippet"]
    assert found["as_of"].endswith("Z") and bookings["as_of"].endswith("Z")
    # The mirror read the account outside its rate limits; the tools' own requests: none at all.
    assert tool_calls == []
    assert account.requests_in_window(None) == 0
    assert sum(e.client_key == CLIENT_KEY for e in account.request_log) > len(account.account.conversations)
    assert not path.exists(), "the demo's mirror is deleted when its server stops"
    assert not path.with_name(path.name + ".lock").exists()


def test_each_demo_process_has_a_mirror_of_its_own(tmp_path: Path) -> None:
    here = demo_settings(tmp_path).mirror_path
    assert here.name == f"mirror-demo-{os.getpid()}.sqlite3"
    assert here != demo_settings(tmp_path, demo=False, account_id="12345", secret_key="s").mirror_path


def test_the_mirrors_of_dead_demo_processes_are_swept(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path)
    settings.cache_dir.mkdir(mode=0o700)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(finished.stdout)
    alive = os.getppid()
    names = [f"mirror-demo-{dead}.sqlite3", f"mirror-demo-{dead}.sqlite3-wal", f"mirror-demo-{dead}.sqlite3.lock"]
    kept = [f"mirror-demo-{alive}.sqlite3", "mirror-0123456789abcdef.sqlite3", "mirror-demo-x.sqlite3"]
    for name in names + kept:
        (settings.cache_dir / name).write_text("rows")
    assert sweep_dead_demo_mirrors(settings) == 1
    assert sorted(p.name for p in settings.cache_dir.iterdir()) == sorted(kept)


async def test_mirror_false_keeps_the_demo_live_and_search_messages_says_why(
    tmp_path: Path, demo_accounts: list[Sandbox]
) -> None:
    settings = demo_settings(tmp_path, mirror=False)
    async with Client(build_server(settings)) as client:
        result = await client.call_tool("search_messages", {"query": "lighthouse"})
        bookings = await call_ok(client, "search_bookings", {"limit": 3})
    assert result.is_error and "HOSTAWAY_MIRROR=false" in str(result.content)
    assert bookings.get("as_of") is None
    assert not settings.mirror_path.exists()
