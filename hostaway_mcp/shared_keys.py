"""Names for state that several processes share: the Redis key prefix and short digests.

The Redis limiter and the Redis token cache keep their keys under one prefix, and the file
limiter names its file after the API root; all of them hash the parts that identify whose
state it is, so a key or file name never carries an account id or URL in the clear.
"""

from __future__ import annotations

import hashlib

KEY_PREFIX = "{hostaway-mcp}"  # one Redis hash slot for every key, so scripts also run on a cluster


def digest(*parts: str) -> str:
    """A short, stable name for `parts` (16 hex digits of their SHA-256)."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
