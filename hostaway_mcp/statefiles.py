"""Private state files in the cache folder: created safely, read tolerantly, never followed.

Everything the server keeps between runs (the access token, the shared rate-limit window, the
write ledger, the audit log, caches) lives in the user's cache folder, which other programs on
the machine, or a mistake, can change under us. So every state file goes through here:

- folders are created 0700 and files 0600 (tightened, with a warning, when found looser);
- no symlink is ever followed: opening one fails (`O_NOFOLLOW`), and a write replaces the link
  itself, never its target;
- writes are atomic: a temporary file with a random name, created exclusively (`O_EXCL`), then
  renamed over the old one, so a reader sees the old file or the new one, never half of either;
- reads are tolerant: a file that is missing, unreadable, not UTF-8, not JSON, a symlink or not a
  regular file reads as "nothing there", with one warning on stderr, so the caller rebuilds it
  instead of failing the user's request.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import secrets
import stat
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
# A state file is small; anything far larger was not written by us and is not worth reading.
MAX_STATE_BYTES = 64 * 1024 * 1024

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# Opening a FIFO (named pipe) put in a state file's place would wait for a writer forever; with
# O_NONBLOCK it opens at once and is then refused as "not a regular file". No effect on files.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_warned: set[tuple[str, str]] = set()


class UnsafeStateFileError(OSError):
    """A state path is a symlink or not a regular file: we refuse to read or write through it."""


def warn_once(path: Path, what: str, reason: str) -> None:
    """Log that a state file was discarded (or fixed), once per file and reason in this process."""
    key = (str(path), reason)
    if key in _warned:
        return
    _warned.add(key)
    logger.warning("%s %s: %s", what, path, reason)


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create `path` (and parents, 0700) if missing; with `tighten`, keep our own folder 0700.

    A folder reached through a symlink is accepted only if it belongs to this user (a cache folder
    moved to another disk is common); one owned by someone else is refused.
    """
    missing = [folder for folder in (path, *path.parents) if not os.path.lexists(folder)]
    for folder in reversed(missing):  # `mkdir(parents=True)` would make the parents 0755
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=DIR_MODE)
    info = path.stat()
    if path.is_symlink() and info.st_uid != os.getuid():
        raise UnsafeStateFileError(errno.ELOOP, "refusing a state folder linked to another user's folder", str(path))
    if tighten and stat.S_IMODE(info.st_mode) & 0o077 and info.st_uid == os.getuid():
        with contextlib.suppress(OSError):
            os.chmod(path, DIR_MODE)
    return path


def _open_regular(path: Path, flags: int, mode: int = FILE_MODE, *, what: str = "state file") -> int:
    """`os.open` that never follows a symlink and only accepts a regular file; the fd is 0600."""
    try:
        fd = os.open(path, flags | _NOFOLLOW | _CLOEXEC | _NONBLOCK, mode)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):  # EMLINK: what FreeBSD says for O_NOFOLLOW
            raise UnsafeStateFileError(errno.ELOOP, "refusing to follow a symlink", str(path)) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeStateFileError(errno.EINVAL, "not a regular file", str(path))
        if stat.S_IMODE(info.st_mode) & 0o077 and info.st_uid == os.getuid():
            warn_once(path, what, f"was readable by others (mode {stat.S_IMODE(info.st_mode):o}); set to 0600")
            os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes(path: Path, *, what: str = "state file") -> bytes | None:
    """The file's bytes, or None (with one warning unless simply missing) if it cannot be used."""
    try:
        fd = _open_regular(path, os.O_RDONLY, what=what)
    except FileNotFoundError:
        return None
    except OSError as exc:
        warn_once(path, what, f"ignored ({exc.strerror or type(exc).__name__}); it will be rebuilt")
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_STATE_BYTES + 1)
    except OSError as exc:
        warn_once(path, what, f"unreadable ({exc.strerror or type(exc).__name__}); it will be rebuilt")
        return None
    if len(data) > MAX_STATE_BYTES:
        warn_once(path, what, "is far too large to be ours; ignored and rebuilt")
        return None
    return data


def read_text(path: Path, *, what: str = "state file") -> str | None:
    """The file as UTF-8 text, or None (with one warning) when missing, unreadable or not UTF-8."""
    data = read_bytes(path, what=what)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        warn_once(path, what, "is not valid UTF-8 (corrupt); discarded and rebuilt")
        return None


def read_json(path: Path, *, what: str = "state file") -> Any | None:
    """The file's JSON value, or None (with one warning) when it is missing or cannot be parsed.

    The caller still checks the value's shape and types: JSON that parses is not yet trusted.
    """
    raw = read_text(path, what=what)
    if raw is None:
        return None
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        warn_once(path, what, "is not valid JSON (corrupt); discarded and rebuilt")
        return None


def discard(path: Path, *, what: str, reason: str) -> None:
    """Say a state file's content was unusable (wrong shape or types); the caller rebuilds it."""
    warn_once(path, what, f"{reason}; discarded and rebuilt")


def write_atomic(path: Path, data: bytes | str) -> None:
    """Replace `path` with `data` atomically, as a 0600 file in a 0700 folder, through no symlink."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    folder = private_dir(path.parent)
    tmp = folder / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, FILE_MODE)
    try:
        try:
            os.fchmod(fd, FILE_MODE)  # O_CREAT's mode is masked by umask; be explicit
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        finally:
            os.close(fd)
        # os.replace renames over a symlink itself (never writes through it).
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def open_private(path: Path) -> int:
    """A read-write descriptor on a private state file (created 0600 in a 0700 folder), refusing
    symlinks and non-files: for state kept in place under a lock; the caller closes it."""
    private_dir(path.parent)
    return _open_regular(path, os.O_RDWR | os.O_CREAT)


def private_file(path: Path) -> Path:
    """Make sure `path` is a private regular file (created 0600 in a 0700 folder), never a symlink.

    For a file another library opens by name (SQLite opens the write ledger itself): creating it
    here first means it gets our mode and a planted symlink is refused before the library sees it.
    """
    os.close(open_private(path))
    return path


def open_append(path: Path) -> int:
    """An O_APPEND file descriptor on `path` (created 0600), refusing symlinks and non-files.

    O_APPEND keeps the lines of several processes whole; the caller closes the descriptor.
    """
    private_dir(path.parent, tighten=False)  # may be a folder the operator chose: create, never chmod
    return _open_regular(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)


def append_line(path: Path, line: str) -> None:
    """Append one line (a newline is added) to a private append-only file."""
    fd = open_append(path)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)
