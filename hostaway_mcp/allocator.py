"""The C allocator tuned for a long-running server that reads big pages now and then.

Measured on the memory bench (1,000 calls on 200 listings, bench/memory.py), glibc's defaults
cost a server process 15-20 MB of peak memory that it never uses at once:

- **arenas**: every thread that allocates gets an arena of its own (up to eight per core), and
  ours are short jobs (SQLite reads and writes of the mirror, the shared limiter's file lock, the
  SDK's stdin reader) whose freed memory stays in their arenas. The GIL serializes our threads
  anyway, so one arena costs no speed;
- **the mmap threshold**: glibc raises it after each large free, so the next response body (a
  page is 0.3-1.5 MB) is carved out of the heap and leaves a hole behind it instead of being
  mapped and returned whole. A fixed 128 KiB threshold (glibc's starting value) keeps them mapped;
  the trim threshold returns the heap's free top at the same size.

A setting a person gave in the environment (`MALLOC_ARENA_MAX`, ...) is theirs and is left alone.
Elsewhere than glibc (macOS, musl, Windows) this does nothing. There is no library for this: it
is three `mallopt` calls.
"""

from __future__ import annotations

import ctypes
import logging
import os

logger = logging.getLogger(__name__)

# mallopt's parameter numbers (glibc's malloc.h) and what we set them to.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
SETTINGS: tuple[tuple[str, int, int], ...] = (
    ("MALLOC_ARENA_MAX", _M_ARENA_MAX, 1),
    ("MALLOC_MMAP_THRESHOLD_", _M_MMAP_THRESHOLD, 128 * 1024),
    ("MALLOC_TRIM_THRESHOLD_", _M_TRIM_THRESHOLD, 128 * 1024),
)


def tune_for_serving() -> list[str]:
    """Apply `SETTINGS` (call before the first thread starts); the names of those applied."""
    if not on_glibc():
        return []
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return []
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    applied = []
    for variable, parameter, value in SETTINGS:
        if variable in os.environ:
            continue
        if mallopt(parameter, value) == 1:
            applied.append(variable)
    logger.debug("allocator: %s", ", ".join(applied) or "left as it was")
    return applied


def on_glibc() -> bool:
    """Whether this process runs on glibc (whose `mallopt` this module calls)."""
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):  # not a glibc system (no such name, or no confstr)
        return False
