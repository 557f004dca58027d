"""State files: private modes, no symlink followed, atomic writes, tolerant reads."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from hostaway_mcp import statefiles
from tests.conftest import file_mode


def test_write_atomic_creates_private_folder_and_file(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "nested" / "state.json"
    statefiles.write_atomic(target, '{"a": 1}')
    assert target.read_text() == '{"a": 1}'
    assert file_mode(target) == 0o600
    assert file_mode(target.parent) == 0o700
    assert [p.name for p in target.parent.iterdir()] == ["state.json"]  # no temporary file left


def test_write_atomic_is_0600_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        statefiles.write_atomic(tmp_path / "s" / "f", b"x")
    finally:
        os.umask(old)
    assert file_mode(tmp_path / "s" / "f") == 0o600


def test_write_atomic_tightens_our_loose_folder(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    statefiles.write_atomic(folder / "f", b"x")
    assert file_mode(folder) == 0o700


def test_write_replaces_a_symlink_and_never_writes_through_it(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    folder = tmp_path / "cache"
    folder.mkdir()
    link = folder / "state.json"
    link.symlink_to(victim)
    statefiles.write_atomic(link, "new")
    assert victim.read_text() == "precious"
    assert not link.is_symlink()
    assert link.read_text() == "new"


def test_predictable_temporary_names_cannot_be_hijacked(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    # An attacker who pre-creates links with the old pid-based names gains nothing.
    (folder / f"state.json.{os.getpid()}.tmp").symlink_to(victim)
    (folder / f"state.{os.getpid()}.tmp").symlink_to(victim)
    statefiles.write_atomic(folder / "state.json", "new")
    assert victim.read_text() == "precious"


def test_reading_through_a_symlink_is_refused_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = tmp_path / "elsewhere.json"
    secret.write_text('{"stolen": true}')
    link = tmp_path / "state.json"
    link.symlink_to(secret)
    with caplog.at_level(logging.WARNING):
        assert statefiles.read_json(link, what="test state") is None
        assert statefiles.read_json(link, what="test state") is None
    warnings = [r for r in caplog.records if "test state" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"ok": [1, 2]}', {"ok": [1, 2]}),
        (b"", None),
        (b"   \n", None),
        (b"\xff\xfe{not utf-8", None),
        (b'{"truncated": ', None),
        (b"null", None),
    ],
)
def test_read_json_tolerates_corruption(tmp_path: Path, content: bytes, expected: object) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    assert statefiles.read_json(path) == expected


def test_read_missing_file_is_none_without_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert statefiles.read_bytes(tmp_path / "absent") is None
    assert caplog.records == []


def test_a_folder_in_place_of_a_file_reads_as_nothing(tmp_path: Path) -> None:
    (tmp_path / "state.json").mkdir()
    assert statefiles.read_text(tmp_path / "state.json") is None


def test_a_readable_by_others_file_is_tightened_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "token.json"
    path.write_text("{}")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        assert statefiles.read_text(path) == "{}"
    assert file_mode(path) == 0o600
    assert any("readable by others" in r.getMessage() for r in caplog.records)


def test_append_line_keeps_lines_and_refuses_symlinks(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "audit.jsonl"
    statefiles.append_line(log, "one")
    statefiles.append_line(log, "two")
    assert log.read_text() == "one\ntwo\n"
    assert file_mode(log) == 0o600
    victim = tmp_path / "victim"
    victim.write_text("")
    link = tmp_path / "logs" / "linked.jsonl"
    link.symlink_to(victim)
    with pytest.raises(statefiles.UnsafeStateFileError):
        statefiles.append_line(link, "x")
    assert victim.read_text() == ""


def test_append_never_chmods_an_operator_chosen_folder(tmp_path: Path) -> None:
    folder = tmp_path / "shared-logs"
    folder.mkdir()
    folder.chmod(0o755)
    statefiles.append_line(folder / "audit.jsonl", "x")
    assert file_mode(folder) == 0o755


def test_a_pipe_in_place_of_a_file_reads_as_nothing_without_waiting(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "state.json", 0o600)  # opening it without O_NONBLOCK waits for a writer forever
    assert statefiles.read_text(tmp_path / "state.json") is None


def test_missing_parent_folders_are_created_private_too(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        statefiles.write_atomic(tmp_path / "a" / "b" / "state.json", b"x")
    finally:
        os.umask(old)
    assert file_mode(tmp_path / "a") == 0o700
    assert file_mode(tmp_path / "a" / "b") == 0o700
