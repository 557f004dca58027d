"""The access-token file: corrupt, tampered or odd content never fails a call.

Whatever is found in the token file's place (bytes that are not UTF-8, JSON of the wrong shape or
types, a symlink, a folder, a pipe), the call succeeds: the token is minted afresh, stored safely,
and the log says so once. A token dated in the future costs at most a few seconds.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import respx

from hostaway_mcp.auth import MAX_NOT_BEFORE_WAIT_S, AccessToken, TokenFileCache, TokenRecordError
from hostaway_mcp.config import Settings
from hostaway_mcp.gateway import HostawayGateway
from tests.conftest import ACCOUNT_ID, BASE_URL, PLANTED_TOKEN, FakeClock, file_mode, token_body

LISTINGS = {"status": "success", "result": [], "count": 0, "limit": 100, "offset": 0}


def record(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "account_id": ACCOUNT_ID,
        "base_url": BASE_URL,
        "access_token": "cached-token",
        "issued_at": 1_700_000_000.0,
        "expires_at": 1_900_000_000.0,
    }
    value.update(changes)
    return value


def cache_file(settings: Settings) -> Path:
    return TokenFileCache(settings.cache_dir, ACCOUNT_ID, BASE_URL).path


def plant_fifo(path: Path) -> None:
    os.mkfifo(path, 0o600)


def plant_folder(path: Path) -> None:
    path.mkdir()


def plant_symlink(path: Path) -> None:
    elsewhere = path.parent.parent / "someone-elses-token.json"
    elsewhere.write_text(json.dumps(record(access_token="planted-by-a-link")))
    path.symlink_to(elsewhere)


# Every way the token file can be corrupt: bytes, or something that is not a plain file.
CORRUPTIONS: dict[str, bytes | Callable[[Path], None]] = {
    "invalid-utf8": b'{"access_token": "\xff\xfe\xfa"}',
    "utf8-bom-and-garbage": b"\xef\xbb\xbf\x00\x01\x02",
    "empty": b"",
    "truncated": json.dumps(record()).encode()[:40],
    "not-json": b"access_token=abc",
    "json-list": b'["cached-token"]',
    "json-number": b"42",
    "json-null": b"null",
    "token-a-number": json.dumps(record(access_token=12345)).encode(),
    "token-a-list": json.dumps(record(access_token=["cached-token"])).encode(),
    "token-empty": json.dumps(record(access_token="")).encode(),
    "token-with-a-newline": json.dumps(record(access_token="abc\r\nX-Evil: 1")).encode(),
    "token-missing": json.dumps({k: v for k, v in record().items() if k != "access_token"}).encode(),
    "time-a-string": json.dumps(record(issued_at="2026-01-01")).encode(),
    "time-a-bool": json.dumps(record(expires_at=True)).encode(),
    "time-null": json.dumps(record(issued_at=None)).encode(),
    "time-nan": json.dumps(record(expires_at=float("nan"))).encode(),
    "time-infinite": json.dumps(record(expires_at=float("inf"))).encode(),
    "time-huge-integer": json.dumps(record(expires_at=10**400)).encode(),
    "deeply-nested": b"[" * 100_000 + b"]" * 100_000,
    "foreign-account": json.dumps(record(account_id="1")).encode(),
    "foreign-api": json.dumps(record(base_url="https://evil.test/v1")).encode(),
    "symlink": plant_symlink,
    "folder": plant_folder,
    "fifo": plant_fifo,
}


def corrupt(path: Path, how: bytes | Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if callable(how):
        how(path)
    else:
        path.write_bytes(how)
        path.chmod(0o600)  # only the content is wrong (loose modes have their own test)


@pytest.mark.parametrize("how", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
@respx.mock(base_url=BASE_URL)
async def test_a_corrupt_token_file_is_discarded_with_one_warning_and_the_call_succeeds(
    respx_mock: respx.MockRouter,
    settings: Settings,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    how: bytes | Callable[[Path], None],
) -> None:
    mint = respx_mock.post("/accessTokens").respond(200, json=token_body())
    listings = respx_mock.get("/listings").respond(200, json=LISTINGS)
    path = cache_file(settings)
    corrupt(path, how)
    with caplog.at_level(logging.WARNING):
        for _ in range(2):  # a second server run must not warn again for the same file
            async with HostawayGateway(settings, clock=clock, wall_clock=clock, sleep=clock.sleep) as gw:
                await gw.get("listings")
                await gw.get("listings")
    assert listings.call_count == 4
    assert listings.calls.last.request.headers["authorization"] == f"Bearer {PLANTED_TOKEN}"
    assert "planted-by-a-link" not in str([c.request.headers for c in listings.calls])
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and str(path) in r.getMessage()]
    if path.is_file() and not path.is_symlink():
        # It was replaced by a good file: the second run reused the fresh token.
        assert mint.call_count == 1
        assert json.loads(path.read_text())["access_token"] == PLANTED_TOKEN
        assert file_mode(path) == 0o600
    else:  # a folder or a pipe stays (we never delete what we did not write); every run mints
        assert mint.call_count == 2
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    assert PLANTED_TOKEN not in caplog.text


async def test_a_symlinked_token_file_is_replaced_never_written_through(settings: Settings) -> None:
    path = cache_file(settings)
    path.parent.mkdir(parents=True)
    victim = path.parent.parent / "victim"
    victim.write_text("precious")
    path.symlink_to(victim)
    cache = TokenFileCache(settings.cache_dir, ACCOUNT_ID, BASE_URL)
    assert await cache.load() is None
    await cache.store(AccessToken("fresh", 1.0, 2.0))
    assert victim.read_text() == "precious"
    assert not path.is_symlink()
    assert json.loads(path.read_text())["access_token"] == "fresh"


async def test_the_old_predictable_temporary_name_cannot_be_hijacked(settings: Settings) -> None:
    path = cache_file(settings)
    path.parent.mkdir(parents=True)
    victim = path.parent.parent / "victim"
    victim.write_text("precious")
    old_name = path.with_suffix(f".{os.getpid()}.tmp")
    old_name.symlink_to(victim)  # the name the old code opened (following links) and wrote
    await TokenFileCache(settings.cache_dir, ACCOUNT_ID, BASE_URL).store(AccessToken("fresh", 1.0, 2.0))
    assert victim.read_text() == "precious"
    assert json.loads(path.read_text())["access_token"] == "fresh"
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, old_name.name]), "no temp left"


@respx.mock(base_url=BASE_URL)
async def test_the_token_file_and_its_folders_are_private_whatever_the_umask(
    respx_mock: respx.MockRouter, settings_factory: Callable[..., Settings], tmp_path: Path, clock: FakeClock
) -> None:
    respx_mock.post("/accessTokens").respond(200, json=token_body())
    respx_mock.get("/listings").respond(200, json=LISTINGS)
    settings = settings_factory(cache_dir=tmp_path / "new" / "cache")
    old = os.umask(0)
    try:
        async with HostawayGateway(settings, clock=clock, wall_clock=clock, sleep=clock.sleep) as gw:
            await gw.get("listings")
    finally:
        os.umask(old)
    assert file_mode(cache_file(settings)) == 0o600
    assert file_mode(settings.cache_dir) == 0o700
    assert file_mode(settings.cache_dir.parent) == 0o700, "a folder we create on the way is private too"


@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_a_token_file_readable_by_others_is_tightened_with_a_warning(
    respx_mock: respx.MockRouter, settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    mint = respx_mock.post("/accessTokens").respond(200, json=token_body())
    respx_mock.get("/listings").respond(200, json=LISTINGS)
    path = cache_file(settings)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(record(issued_at=clock() - 60, expires_at=clock() + 1e7)))
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        async with HostawayGateway(settings, clock=clock, wall_clock=clock, sleep=clock.sleep) as gw:
            await gw.get("listings")
    assert mint.call_count == 0, "the token itself is fine: reused"
    assert file_mode(path) == 0o600
    assert [r.getMessage() for r in caplog.records if "readable by others" in r.getMessage()] != []


@pytest.mark.parametrize(
    ("ahead_s", "reused"),
    [(0.5, True), (3.0, True), (MAX_NOT_BEFORE_WAIT_S + 1, False), (86400.0 * 365, False)],
    ids=["just-issued", "small-clock-skew", "beyond-the-cap", "a-year-ahead"],
)
@respx.mock(base_url=BASE_URL, assert_all_called=False)
async def test_a_token_dated_in_the_future_costs_at_most_a_few_seconds(
    respx_mock: respx.MockRouter,
    settings: Settings,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    ahead_s: float,
    reused: bool,
) -> None:
    mint = respx_mock.post("/accessTokens").respond(200, json=token_body())
    listings = respx_mock.get("/listings").respond(200, json=LISTINGS)
    path = cache_file(settings)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(record(issued_at=clock() + ahead_s, expires_at=clock() + 1e7)))
    path.chmod(0o600)
    start = clock()
    async with HostawayGateway(settings, clock=clock, wall_clock=clock, sleep=clock.sleep) as gw:
        await gw.get("listings")
    waited = clock() - start
    assert listings.call_count == 1
    assert mint.call_count == (0 if reused else 1)
    assert waited <= MAX_NOT_BEFORE_WAIT_S + 1.0  # the fresh token's own not-before second at most
    used = listings.calls.last.request.headers["authorization"]
    assert used == ("Bearer cached-token" if reused else f"Bearer {PLANTED_TOKEN}")
    if not reused:
        assert "dated" in caplog.text and "in the future" in caplog.text


async def test_the_not_before_wait_is_capped_even_for_a_token_in_memory(clock: FakeClock) -> None:
    from hostaway_mcp.auth import TokenManager

    async def mint() -> AccessToken:
        return AccessToken("t", clock() + 1e9, clock() + 2e9)  # a broken clock stamped it

    manager = TokenManager(mint, wall_clock=clock, sleep=clock.sleep)
    assert await manager.token() == "t"
    assert clock.sleeps == [MAX_NOT_BEFORE_WAIT_S]


@pytest.mark.parametrize("how", ["invalid-utf8", "token-a-number", "symlink", "fifo"])
def test_check_succeeds_over_a_corrupt_token_file(
    how: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from hostaway_mcp.cli import main
    from hostaway_mcp.sandbox import Sandbox
    from hostaway_mcp.sandbox.http_server import serve_sandbox

    for name in list(os.environ):
        if name.startswith("HOSTAWAY_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    sandbox = Sandbox(seed=7, listings=3, token_not_before_s=0.0, credentials=(ACCOUNT_ID, "s3cret"))
    with serve_sandbox(sandbox) as base_url:
        cache = tmp_path / "cache"
        for name, value in {
            "HOSTAWAY_BASE_URL": base_url,
            "HOSTAWAY_ACCOUNT_ID": ACCOUNT_ID,
            "HOSTAWAY_SECRET_KEY": "s3cret",
            "HOSTAWAY_SHARED_RATE_LIMIT": "false",
            "HOSTAWAY_CACHE_DIR": str(cache),
        }.items():
            monkeypatch.setenv(name, value)
        corrupt(TokenFileCache(cache, ACCOUNT_ID, base_url).path, CORRUPTIONS[how])
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        try:
            with pytest.raises(SystemExit) as exited:
                main(["check"])
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)
    out, err = capsys.readouterr()
    assert exited.value.code == 0, err
    assert "hostaway-mcp check: OK" in out
    assert "minted a new one" in out
    assert "Traceback" not in err


def test_parse_names_the_reason_and_never_the_token() -> None:
    with pytest.raises(TokenRecordError) as caught:
        AccessToken.parse(json.dumps(record(account_id="1")), ACCOUNT_ID, BASE_URL)
    assert "another account" in str(caught.value)
    assert "cached-token" not in str(caught.value)
    assert AccessToken.parse(json.dumps(record()), ACCOUNT_ID, BASE_URL) == AccessToken(
        "cached-token", 1_700_000_000.0, 1_900_000_000.0
    )
    # An integer time is a time; a token is stored exactly as it came.
    assert AccessToken.parse(json.dumps(record(issued_at=5, expires_at=6)), ACCOUNT_ID, BASE_URL).issued_at == 5.0


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff{", "is not valid UTF-8 JSON"),
        (b"{nope", "is not valid UTF-8 JSON"),
        (b"[1]", "is not a token record"),
        (json.dumps(record(account_id="1")).encode(), "belongs to another account or API root"),
        (json.dumps(record(access_token=5)).encode(), "holds no usable access token"),
        (json.dumps(record(expires_at="soon")).encode(), "has no valid issue and expiry times"),
    ],
)
async def test_each_reason_for_discarding_is_named_once(
    raw: bytes, reason: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(TokenRecordError) as caught:
        AccessToken.parse(raw, ACCOUNT_ID, BASE_URL)
    assert str(caught.value) == reason
    cache = TokenFileCache(settings.cache_dir, ACCOUNT_ID, BASE_URL)
    corrupt(cache.path, raw)
    with caplog.at_level(logging.WARNING):
        assert await cache.load() is None
        assert await cache.load() is None
    expected = f"access-token cache {cache.path}: {reason}; discarded and rebuilt"
    if reason == "is not valid UTF-8 JSON" and raw.startswith(b"\xff"):
        expected = f"access-token cache {cache.path}: is not valid UTF-8 (corrupt); discarded and rebuilt"
    assert [r.getMessage() for r in caplog.records] == [expected]


def test_the_token_file_is_named_after_the_account_and_api_root(tmp_path: Path) -> None:
    import hashlib

    key = hashlib.sha256(f"{ACCOUNT_ID}|{BASE_URL}".encode()).hexdigest()[:16]
    assert TokenFileCache(tmp_path, ACCOUNT_ID, BASE_URL).path == tmp_path / f"token-{key}.json"
    assert TokenFileCache(tmp_path, "1", BASE_URL).path != TokenFileCache(tmp_path, ACCOUNT_ID, BASE_URL).path


async def test_a_cache_folder_that_cannot_be_written_means_minting_not_failing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    cache = TokenFileCache(blocker, ACCOUNT_ID, BASE_URL)
    with caplog.at_level(logging.WARNING):
        await cache.store(AccessToken("t", 1.0, 2.0))
    [message] = [r.getMessage() for r in caplog.records]
    assert message.startswith("could not cache the access token (") and message.endswith("); continuing without")
    assert "()" not in message and "None" not in message and "%s" not in message
    await cache.clear()  # nothing there to clear: no error either
    assert await cache.load() is None
