"""Run a command with stdin passed through, its stdout copied to a file as well, stderr to a file.

Used by the stdio tests to see every byte the server wrote to stdout (the JSON-RPC wire) while
the SDK's stdio client talks to it: `python stdio_tee.py STDOUT_LOG STDERR_LOG -- cmd args...`.
"""

from __future__ import annotations

import subprocess
import sys


def main() -> int:
    stdout_log, stderr_log, separator, *command = sys.argv[1:]
    assert separator == "--"
    with open(stdout_log, "wb") as copy, open(stderr_log, "wb") as errors:
        child = subprocess.Popen(command, stdin=sys.stdin.buffer, stdout=subprocess.PIPE, stderr=errors)
        assert child.stdout is not None
        for line in child.stdout:
            copy.write(line)
            copy.flush()
            sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()
        return child.wait()


if __name__ == "__main__":
    raise SystemExit(main())
