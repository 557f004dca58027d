"""Small seeded-random and timestamp helpers shared by the generators.

Only `random.Random` instances passed in are used (never the global RNG), and the helpers are
written for speed: a 200-listing account makes hundreds of thousands of these calls.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from datetime import datetime
from typing import Generic, TypeVar

T = TypeVar("T")
_CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class Weighted(Generic[T]):
    """A fixed weighted choice, with cumulative weights computed once."""

    def __init__(self, options: Sequence[tuple[T, int]]) -> None:
        self._values = [value for value, _ in options]
        self._cumulative = list(itertools.accumulate(weight for _, weight in options))

    def pick(self, rng: random.Random) -> T:
        return rng.choices(self._values, cum_weights=self._cumulative)[0]


def fmt_datetime(moment: datetime) -> str:
    """Hostaway's `YYYY-MM-DD HH:MM:SS` (no zone); isoformat is ~20x faster than strftime."""
    return moment.isoformat(" ", "seconds")


def parse_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text)


def digits(rng: random.Random, count: int) -> str:
    return f"{rng.getrandbits(64) % 10**count:0{count}d}"


def hex_string(rng: random.Random, length: int) -> str:
    return f"{rng.getrandbits(length * 4):0{length}x}"


def code(rng: random.Random, length: int, alphabet: str = _CODE_ALPHABET) -> str:
    return "".join(rng.choices(alphabet, k=length))
