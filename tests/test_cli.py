"""The `hostaway-mcp` command line: check, tools, call, sandbox, and the shared flags.

Most tests run `main(argv)` in process (the same code as the console script, minus the
interpreter start-up), with the environment cleared and the working folder empty so no `.env`
leaks in. The fakes are the demo account (`--demo`) and the sandbox served on loopback HTTP,
where the gateway goes through its real network stack. One test runs the installed console
script itself to prove that a failure reaches the person as a message, not a traceback.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from hostaway_mcp import __version__
from hostaway_mcp.cli import build_parser, common, main
from hostaway_mcp.config import Settings
from hostaway_mcp.sandbox import Sandbox
from hostaway_mcp.sandbox.http_server import serve_sandbox
from hostaway_mcp.server import build_server
from hostaway_mcp.tools import TOOLSETS, catalogue
from tests.conftest import ACCOUNT_ID, PLANTED_SECRET
from tests.faults import Fault, faults_of

ROOT = Path(__file__).resolve().parent.parent
CONSOLE_SCRIPT = Path(sys.executable).with_name("hostaway-mcp")
CONFIRMED = {"new", "modified", "confirmed"}  # Hostaway statuses of a booking that will arrive
RIGHT_SECRET = "right-secret-for-the-fake"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No HOSTAWAY_* from the outside, no `.env`, a private cache; logging restored afterwards."""
    for name in list(os.environ):
        if name.startswith("HOSTAWAY_"):
            monkeypatch.delenv(name)
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("HOSTAWAY_CACHE_DIR", str(tmp_path / "cache"))
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield tmp_path / "cache"
    root.handlers[:] = handlers
    root.setLevel(level)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.fixture(scope="module")
def demo() -> Sandbox:
    """What the demo account holds today, built independently of the CLI (read only)."""
    return Sandbox(seed=7, today=date.today(), listings=24)


@pytest.fixture
def loopback() -> Iterator[tuple[Sandbox, str]]:
    """The fake Hostaway on 127.0.0.1 that accepts only ACCOUNT_ID with RIGHT_SECRET."""
    sandbox = Sandbox(seed=7, listings=6, token_not_before_s=0.0, credentials=(ACCOUNT_ID, RIGHT_SECRET))
    with serve_sandbox(sandbox) as base_url:
        yield sandbox, base_url


def use_loopback(monkeypatch: pytest.MonkeyPatch, base_url: str, secret: str) -> None:
    monkeypatch.setenv("HOSTAWAY_BASE_URL", base_url)
    monkeypatch.setenv("HOSTAWAY_ACCOUNT_ID", ACCOUNT_ID)
    monkeypatch.setenv("HOSTAWAY_SECRET_KEY", secret)
    monkeypatch.setenv("HOSTAWAY_SHARED_RATE_LIMIT", "false")


def confirmed_arrivals(sandbox: Sandbox, first: date, days: int) -> int:
    last = first + timedelta(days=days - 1)
    return sum(
        1
        for r in sandbox.account.reservations
        if r["status"] in CONFIRMED and first <= date.fromisoformat(r["arrivalDate"]) <= last
    )


# -- check ------------------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_check_demo_prints_the_summary_and_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo: Sandbox
) -> None:
    code, out, err = run(capsys, "check", "--demo")
    assert code == 0, err
    today = date.today()
    assert out.startswith("hostaway-mcp check: OK")
    fields = dict(re.findall(r"^  (\S+(?: \S+)?)\s{2,}(.+)$", out, re.M))
    assert fields["mode"].startswith("demo")
    assert fields["account"] == "10001"
    assert fields["listings"] == str(len(demo.account.listings))
    arrivals = confirmed_arrivals(demo, today, 7)
    assert fields["arrivals"].startswith(f"{arrivals} confirmed in the next 7 days ({today.isoformat()} to ")
    assert fields["read-only"].startswith("no")
    assert fields["access token"].startswith("minted a new one")
    assert fields["token cache"].startswith(str(tmp_path / "cache"))
    assert re.fullmatch(
        r"\d+ of 180 requests free in the rolling 10 s window \(.+; Hostaway's current limits\)", fields["rate limit"]
    )


@pytest.mark.timeout(120)
def test_check_on_the_api_reuses_the_cached_token_and_reports_read_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, loopback: tuple[Sandbox, str]
) -> None:
    sandbox, base_url = loopback
    use_loopback(monkeypatch, base_url, RIGHT_SECRET)
    code, out, err = run(capsys, "check")
    assert code == 0, err
    assert "minted a new one" in out
    assert f"live ({base_url})" in out

    before = len(sandbox.request_log)
    code, out, err = run(capsys, "--read-only", "check")
    assert code == 0, err
    assert "reused the cached one" in out
    assert "read-only     yes" in out
    calls = [(r.method, r.path) for r in sandbox.request_log[before:]]
    assert calls == [("GET", "/listings"), ("GET", "/reservations")], "no new token, no extra call"


@pytest.mark.timeout(60)
def test_check_with_a_wrong_secret_says_how_to_fix_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, loopback: tuple[Sandbox, str]
) -> None:
    _, base_url = loopback
    use_loopback(monkeypatch, base_url, PLANTED_SECRET)
    code, out, err = run(capsys, "check")
    assert code == 3
    assert out == ""
    assert "rejected the credentials for account 59808" in err
    assert "HOSTAWAY_SECRET_KEY" in err and "Settings > Hostaway API" in err
    assert PLANTED_SECRET not in err


@pytest.mark.timeout(60)
def test_check_when_hostaway_refuses_the_account_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, loopback: tuple[Sandbox, str]
) -> None:
    sandbox, base_url = loopback
    refusal = Fault(
        "status", method="GET", path="/listings", status=403, body={"status": "fail", "result": "Forbidden"}
    )
    faults_of(sandbox).script(refusal, refusal)  # the first try and the one after a fresh token
    use_loopback(monkeypatch, base_url, RIGHT_SECRET)
    code, _, err = run(capsys, "check")
    assert code == 4
    assert "accepted the credentials" in err and "HTTP 403" in err
    assert "Fix:" in err


@pytest.mark.timeout(60)
def test_check_when_the_network_is_down_says_what_to_check(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    use_loopback(monkeypatch, f"http://127.0.0.1:{port}/v1", RIGHT_SECRET)
    monkeypatch.setenv("HOSTAWAY_MAX_ATTEMPTS", "1")
    code, _, err = run(capsys, "check")
    assert code == 5
    assert f"Could not reach Hostaway at http://127.0.0.1:{port}/v1" in err
    assert "HOSTAWAY_BASE_URL" in err


def test_check_without_settings_explains_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check")
    assert code == 2
    assert out == ""
    for needle in ("HOSTAWAY_ACCOUNT_ID", "HOSTAWAY_SECRET_KEY", "Settings > Hostaway API", "--demo"):
        assert needle in err


def test_check_with_an_invalid_setting_names_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOSTAWAY_ACCOUNT_ID", "my-account")
    code, _, err = run(capsys, "check")
    assert code == 2
    assert "HOSTAWAY_ACCOUNT_ID" in err and "numeric" in err


@pytest.mark.timeout(120)
def test_the_console_script_reports_a_wrong_secret_without_a_traceback(
    loopback: tuple[Sandbox, str], tmp_path: Path
) -> None:
    _, base_url = loopback
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "HOSTAWAY_BASE_URL": base_url,
        "HOSTAWAY_ACCOUNT_ID": ACCOUNT_ID,
        "HOSTAWAY_SECRET_KEY": PLANTED_SECRET,
        "HOSTAWAY_CACHE_DIR": str(tmp_path / "cache"),
    }
    done = subprocess.run(
        [str(CONSOLE_SCRIPT), "check"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=100
    )
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "HOSTAWAY_SECRET_KEY" in done.stderr
    assert PLANTED_SECRET not in done.stderr + done.stdout


# -- tools ------------------------------------------------------------------------------------


async def listed_tools(**overrides: Any) -> dict[str, bool]:
    """Tool name -> read-only, as an MCP client sees them."""
    settings = Settings(_env_file=None, demo=True, **overrides)
    async with Client(build_server(settings)) as client:
        tools = (await client.list_tools()).tools
    return {t.name: bool(t.annotations and t.annotations.read_only_hint) for t in tools}


def tool_rows(out: str) -> dict[str, tuple[str, str, str]]:
    """Tool name -> (on/off/hidden, read/write, default/extra), from the `tools` table."""
    rows = re.findall(r"^  (on|off|hidden)\s+(\w+)\s+(read|write)\s+(default|extra)\s+\S", out, re.M)
    return {name: (state, kind, membership) for state, name, kind, membership in rows}


async def test_tools_shows_every_tool_and_which_are_on(capsys: pytest.CaptureFixture[str]) -> None:
    offered = await listed_tools()
    code, out, _ = run(capsys, "tools")
    assert code == 0
    rows = tool_rows(out)
    assert set(rows) == {spec.name for spec in catalogue()}
    assert {name for name, (state, _, _) in rows.items() if state == "on"} == set(offered)
    for name, read in offered.items():
        assert rows[name][1] == ("read" if read else "write")
    assert f"{len(offered)} of {len(rows)} tools on" in out
    for toolset in TOOLSETS:
        assert re.search(rf"^{toolset} \(\d+ of \d+ on\): ", out, re.M), toolset


async def test_tools_follows_the_toolsets_and_single_tools_asked_for(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOSTAWAY_TOOLSETS", "finance")
    monkeypatch.setenv("HOSTAWAY_TOOLS", "get_booking_details")
    code, out, _ = run(capsys, "tools")
    assert code == 0
    on = {name for name, (state, _, _) in tool_rows(out).items() if state == "on"}
    finance = {spec.name for spec in catalogue() if spec.toolset == "finance"}
    assert on == finance | {"get_booking_details"}
    assert on == set(await listed_tools(toolsets="finance", tools="get_booking_details"))


async def test_tools_in_read_only_mode_leaves_out_the_writes(capsys: pytest.CaptureFixture[str]) -> None:
    expected = await listed_tools(read_only=True)
    code, out, _ = run(capsys, "tools", "--read-only")
    assert code == 0
    rows = tool_rows(out)
    assert {name for name, (state, _, _) in rows.items() if state == "on"} == set(expected)
    assert {name for name, (state, _, _) in rows.items() if state == "hidden"} == {
        spec.name for spec in catalogue() if spec.kind == "write" and spec.default
    }
    assert "Read-only mode hides" in out


@pytest.mark.timeout(240)
@pytest.mark.parametrize("where", ["checkout", "elsewhere"])
def test_the_tools_hint_is_a_command_that_works_as_printed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str
) -> None:
    if shutil.which("uv") is None:
        pytest.skip("uv is not on PATH: the hint in a checkout is a `uv run` command")
    shell_dir = ROOT if where == "checkout" else tmp_path / "work"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSTAWAY_")}
    env.update(PWD=str(shell_dir), HOSTAWAY_CACHE_DIR=str(tmp_path / "cache"))
    listed = subprocess.run(
        [sys.executable, "-m", "hostaway_mcp", "tools"], cwd=shell_dir, env=env, capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    hint = listed.stdout.strip().splitlines()[-1]
    assert hint.startswith("Try one: uv run "), hint  # this test runs from a checkout
    done = subprocess.run(
        shlex.split(hint.removeprefix("Try one: ")),
        cwd=shell_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=220,
    )
    assert done.returncode == 0, f"{hint}\n{done.stderr[-2000:]}"
    assert "total: 24" in done.stdout


@pytest.mark.timeout(120)
def test_check_names_the_env_files_it_read(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "check", "--demo")
    assert code == 0
    assert re.search(r"^  settings\s+environment only \(no \.env here or in .+\)$", out, re.M), out
    Path(".env").write_text("HOSTAWAY_DEMO_SEED=7\n")
    code, out, _ = run(capsys, "check", "--demo")
    assert code == 0
    assert f"  settings      environment, then {(tmp_path / 'work' / '.env').resolve()}" in out


def test_tools_json_has_one_line_summaries(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "tools", "--json")
    assert code == 0
    rows = json.loads(out)
    assert rows and all("\n" not in row["summary"] and row["kind"] in ("read", "write") for row in rows)
    assert {row["toolset"] for row in rows} <= set(TOOLSETS)
    assert all(row["state"] == ("on" if row["default"] else "off") for row in rows)


def test_an_unknown_toolset_stops_with_the_valid_names(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOSTAWAY_TOOLSETS", "default,bookngs")
    code, _, err = run(capsys, "tools")
    assert code == 2
    assert "HOSTAWAY_TOOLSETS" in err and "'bookngs'" in err and "did you mean bookings" in err
    for name in (*TOOLSETS, "default", "all"):
        assert name in err


def test_the_server_refuses_to_start_on_an_unknown_tool_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOSTAWAY_TOOLS", "get_booking")
    with pytest.raises(SystemExit) as exited:
        main(["--demo"])  # serving: refused before any server is built
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "HOSTAWAY_TOOLS" in err and "'get_booking'" in err and "get_booking_details" in err
    assert "Traceback" not in err


# -- call -------------------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_call_search_available_properties_on_the_demo_prints_bookable_properties(
    capsys: pytest.CaptureFixture[str], demo: Sandbox
) -> None:
    today = date.today()
    check_in, check_out = today + timedelta(days=20), today + timedelta(days=23)
    arguments = json.dumps({"check_in": check_in.isoformat(), "check_out": check_out.isoformat(), "guests": 2})
    code, out, err = run(capsys, "call", "search_available_properties", arguments, "--demo", "--json")
    assert code == 0, err
    found = json.loads(out)["items"]
    assert found, "the demo account has free properties three weeks out"

    by_id = {listing["id"]: listing for listing in demo.account.listings}
    for item in found:
        assert by_id[item["id"]]["personCapacity"] >= 2
        for night in range((check_out - check_in).days):
            assert demo.calendar_day(item["id"], check_in + timedelta(days=night))["isAvailable"] == 1

    code, out, err = run(capsys, "call", "search_available_properties", arguments, "--demo")
    assert code == 0, err
    for item in found:
        assert f"name: {item['name']}" in out
    assert f"items ({len(found)}):" in out
    assert not out.lstrip().startswith("{"), "the default output is for people, not JSON"


@pytest.mark.timeout(120)
def test_call_prints_json_with_the_flag_and_accepts_flags_before_the_command(
    capsys: pytest.CaptureFixture[str], demo: Sandbox
) -> None:
    code, out, err = run(capsys, "--demo", "call", "list_properties", '{"limit": 3}', "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["total"] == len(demo.account.listings)
    assert [item["id"] for item in result["items"]] == [listing["id"] for listing in demo.account.listings[:3]]


@pytest.mark.timeout(120)
def test_call_offers_a_tool_outside_the_chosen_toolsets_when_it_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, demo: Sandbox
) -> None:
    monkeypatch.setenv("HOSTAWAY_TOOLSETS", "none")
    listing = demo.account.listings[0]["id"]
    arguments = json.dumps({"property_id": listing, "start_date": "2026-01-01", "end_date": "2026-01-31"})
    code, out, err = run(capsys, "--demo", "call", "get_property_financials", arguments, "--json")
    assert code == 0, err
    assert json.loads(out)["property_id"] == listing


@pytest.mark.timeout(120)
def test_a_tool_error_exits_1_with_the_message_the_model_would_see(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "call", "get_property_details", '{"property_id": 999999999}', "--demo")
    assert code == 1
    assert out == ""
    assert "hostaway-mcp call: get_property_details failed: Property 999999999 not found" in err
    assert "Error executing tool" not in err


def test_an_unknown_tool_suggests_the_close_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "call", "list_propertys", "--demo")
    assert code == 2
    assert "Did you mean list_properties" in err


def test_arguments_must_be_a_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "call", "list_properties", "{city: Lisbon}", "--demo")
    assert code == 2 and "not valid JSON" in err
    code, _, err = run(capsys, "call", "list_properties", "[1, 2]", "--demo")
    assert code == 2 and "JSON object" in err


def test_a_write_tool_is_refused_in_read_only_mode(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "call", "block_dates", "{}", "--demo", "--read-only")
    assert code == 2
    assert "read-only mode is on" in err


@pytest.mark.timeout(120)
def test_a_slow_call_shows_a_progress_line_on_stderr(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "PROGRESS_AFTER_S", 0.0)
    code, out, err = run(capsys, "call", "list_properties", '{"limit": 1}', "--demo")
    assert code == 0
    assert "calling list_properties... (still working after" in err
    assert re.search(r"calling list_properties: done in \d+\.\d s", err)
    assert "calling" not in out


def test_no_progress_line_when_the_work_is_quick() -> None:
    stream = io.StringIO()
    with common.progress("quick", stream=stream):
        pass
    assert stream.getvalue() == ""


def test_the_progress_line_does_not_need_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "PROGRESS_AFTER_S", 0.0)
    stream = io.StringIO()
    written = threading.Event()
    original = stream.write

    def write(text: str) -> int:
        written.set()
        return original(text)

    stream.write = write  # type: ignore[method-assign]
    with common.progress("blocking work", stream=stream):
        assert written.wait(5), "the line appears while this thread is busy"
    assert stream.getvalue().startswith("blocking work... (still working after 0 s)\n")


# -- flags, help, version ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "demo", "read_only"),
    [
        (["tools"], False, False),
        (["--demo", "tools"], True, False),
        (["tools", "--demo"], True, False),
        (["--read-only", "call", "x", "--demo"], True, True),
        (["check", "--read-only"], False, True),
        (["--demo"], True, False),
    ],
)
def test_mode_flags_work_before_and_after_the_command(argv: list[str], demo: bool, read_only: bool) -> None:
    args = build_parser().parse_args(argv)
    assert (args.demo, args.read_only) == (demo, read_only)


def test_no_command_means_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[Settings] = []

    class FakeServer:
        def run(self) -> None:
            served.append(self.settings)

        def __init__(self, settings: Settings, *, background_sync: bool = False) -> None:
            self.settings = settings
            assert background_sync, "serving fills the local mirror in the background"

    import hostaway_mcp.cli.serving
    import hostaway_mcp.server

    monkeypatch.setattr(hostaway_mcp.server, "build_server", FakeServer)
    monkeypatch.setattr(hostaway_mcp.cli.serving, "run_stdio", lambda server: server.run())
    main(["--demo", "--read-only"])
    assert len(served) == 1 and served[0].demo and served[0].read_only


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"hostaway-mcp {__version__}"
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("check", "tools", "call", "audit", "sandbox"):
        assert re.search(rf"^\s+{command}\s", out, re.M), command
    code, out, _ = run(capsys, "call", "--help")
    assert code == 0 and "--json" in out and "--demo" in out


# -- sandbox ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.timeout(120)
def test_the_sandbox_command_serves_a_fake_hostaway_that_check_accepts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    port = free_port()
    command = [str(CONSOLE_SCRIPT), "sandbox", "--port", str(port), "--listings", "5"]
    command += ["--account-id", ACCOUNT_ID, "--secret", RIGHT_SECRET]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path
    ) as server:
        try:
            assert server.stdout is not None and server.stderr is not None
            banner = server.stdout.readline()
            assert f"listening on http://127.0.0.1:{port}/v1" in banner, banner + server.stderr.read()
            use_loopback(monkeypatch, f"http://127.0.0.1:{port}/v1", RIGHT_SECRET)
            code, out, err = run(capsys, "check")
            assert code == 0, err
            assert "listings      5" in out
            use_loopback(monkeypatch, f"http://127.0.0.1:{port}/v1", "not-the-pinned-secret")
            monkeypatch.setenv("HOSTAWAY_CACHE_DIR", str(tmp_path / "other-cache"))
            code, _, _ = run(capsys, "check")
            assert code == 3
        finally:
            server.terminate()
            server.wait(timeout=10)


def test_the_sandbox_command_refuses_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        code, _, err = run(capsys, "sandbox", "--port", str(busy.getsockname()[1]))
    assert code == 2
    assert "pick another port" in err


# -- audit ------------------------------------------------------------------------------------


async def test_audit_lists_recent_writes_newest_first(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from hostaway_mcp.ledger import Entry, WriteKey, WriteLedger

    settings = Settings(account_id=ACCOUNT_ID, secret_key=PLANTED_SECRET, cache_dir=tmp_path / "cache", _env_file=None)
    book = WriteLedger(settings)
    fields = {"booking_id": 12, "conversation_id": 34, "channel": "email", "message_chars": 40}
    sent = await book.begin(
        WriteKey("send_guest_message", "conversation:34", "aa"),
        fields,
        confirmed_by="form",
        window_s=600,
        repeatable=False,
    )
    assert isinstance(sent, Entry)
    await book.finish(sent, "sent", message_id=56)
    blocked = await book.begin(
        WriteKey("block_dates", "listing:7:calendar", "bb"),
        {"property_id": 7, "first_night": "2026-12-01", "last_night": "2026-12-02"},
        confirmed_by="confirm",
        window_s=600,
        repeatable=True,
    )
    assert isinstance(blocked, Entry)

    code, out, _ = run(capsys, "audit")
    assert code == 0
    lines = out.splitlines()
    assert "2 most recent write(s)" in lines[0]
    assert "block_dates  attempt, no outcome recorded" in lines[1]
    assert "property 7 · from 2026-12-01 · to 2026-12-02 · confirmed by confirm=true" in lines[2]
    assert "send_guest_message  sent" in lines[3]
    assert "booking 12 · conversation 34 · by email · characters 40 · message 56 · confirmed by a form" in lines[4]

    code, out, _ = run(capsys, "audit", "--tool", "send_guest_message", "--json")
    rows = json.loads(out)
    assert code == 0 and [(r["tool"], r["outcome"], r["message_id"]) for r in rows] == [
        ("send_guest_message", "sent", 56)
    ]


def test_audit_without_a_ledger_creates_nothing(capsys: pytest.CaptureFixture[str], clean_environment: Path) -> None:
    code, out, _ = run(capsys, "audit")
    assert code == 0 and "No writes recorded yet" in out
    assert not (clean_environment / "ledger.sqlite3").exists()


def test_audit_of_a_damaged_ledger_says_how_to_recover(
    capsys: pytest.CaptureFixture[str], clean_environment: Path
) -> None:
    clean_environment.mkdir(mode=0o700)
    (clean_environment / "ledger.sqlite3").write_bytes(b"not a database" * 50)
    code, _, err = run(capsys, "audit")
    assert code == 1 and "is damaged" in err and "mv '" in err and "Traceback" not in err
    assert (clean_environment / "ledger.sqlite3").read_bytes() == b"not a database" * 50
