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


def card_number(rng: random.Random, style: str) -> str:
    """A Luhn-valid card number written as `style` says: each "#" a digit, the last one the check
    digit, everything else kept ("4### #### #### ####" gives e.g. "4929 1180 3362 5071")."""
    slots = [index for index, ch in enumerate(style) if ch == "#"]
    chars = [rng.choice("0123456789") if ch == "#" else ch for ch in style]
    digits = [int(ch) for ch in chars if ch.isdigit()]  # the check digit is still a placeholder here
    total = 0
    for index, digit in enumerate(reversed(digits[:-1])):  # from the digit left of the check digit
        doubled = digit * 2 if index % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    chars[slots[-1]] = str(-total % 10)
    return "".join(chars)
