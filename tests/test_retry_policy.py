"""The retry policy as a table: what is retried, how long to wait, what a read and a write may do."""

from __future__ import annotations

import email.utils
import random

import httpx
import pytest

from hostaway_mcp import retry

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("method", "like_read", "read"),
    [("GET", False, True), ("get", False, True), ("POST", False, False), ("PUT", False, False),
     ("DELETE", False, False), ("POST", True, True)],
)  # fmt: skip
def test_what_counts_as_a_read(method: str, like_read: bool, read: bool) -> None:
    assert retry.is_read(method, retry_like_read=like_read) is read


@pytest.mark.parametrize(
    ("status", "read", "retried"),
    [(429, True, True), (500, True, True), (502, True, True), (503, True, True), (200, True, False),
     (400, True, False), (401, True, False), (403, True, False), (404, True, False), (409, True, False),
     (429, False, False), (500, False, False), (503, False, False), (200, False, False)],
)  # fmt: skip
def test_which_answers_are_retried(status: int, read: bool, retried: bool) -> None:
    assert retry.is_retryable_status(status, read=read) is retried


@pytest.mark.parametrize(
    ("error", "read", "retried"),
    [
        (httpx.ConnectError("refused"), True, True),
        (httpx.ConnectTimeout("slow connect"), True, True),
        (httpx.PoolTimeout("no free connection"), True, True),
        (httpx.ReadTimeout("slow answer"), True, True),
        (httpx.RemoteProtocolError("reset"), True, True),
        (httpx.ReadError("reset"), True, True),
        (httpx.ConnectError("refused"), False, True),  # never left this machine
        (httpx.ConnectTimeout("slow connect"), False, True),
        (httpx.PoolTimeout("no free connection"), False, True),
        (httpx.ReadTimeout("slow answer"), False, False),  # it was sent: at most once
        (httpx.WriteTimeout("half sent"), False, False),
        (httpx.RemoteProtocolError("reset"), False, False),
        (ValueError("not a transport error"), True, False),
    ],
)
def test_which_errors_are_retried(error: BaseException, read: bool, retried: bool) -> None:
    assert retry.is_retryable_error(error, read=read) is retried


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": " 2.5 "}, 2.5),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": email.utils.formatdate(NOW + 7, usegmt=True)}, 7.0),
        ({"Retry-After": "-10"}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": ""}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": email.utils.formatdate(NOW - 60, usegmt=True)}, None),
        ({}, None),
        # Hostaway's own header is a Unix timestamp, and wins over Retry-After.
        ({"X-RateLimit-Retry-After": str(int(NOW) + 4)}, 4.0),
        ({"X-RateLimit-Retry-After": str(int(NOW) + 4), "Retry-After": "30"}, 4.0),
        ({"X-RateLimit-Retry-After": str(int(NOW) - 5)}, 0.0),  # already past: go now
        ({"X-RateLimit-Retry-After": "tomorrow", "Retry-After": "2"}, 2.0),
        ({"X-RateLimit-Retry-After": "inf"}, None),
        ({"X-RateLimit-Retry-After": "-1"}, None),
    ],
)
def test_how_long_the_server_asked_to_wait(headers: dict[str, str], seconds: float | None) -> None:
    asked = retry.retry_after_s(httpx.Headers(headers), NOW)
    assert asked == (None if seconds is None else pytest.approx(seconds, abs=1e-6))


@pytest.mark.parametrize(("failed", "low", "high"), [(1, 0.5, 1.0), (2, 1.0, 1.5), (3, 2.0, 2.5), (4, 4.0, 4.5),
                                                     (5, 8.0, 8.5), (9, 8.0, 8.5), (60, 8.0, 8.5)])  # fmt: skip
def test_backoff_doubles_to_a_cap_with_half_a_second_of_jitter(failed: int, low: float, high: float) -> None:
    rng = random.Random(failed)
    waits = [retry.backoff_s(failed, rng) for _ in range(200)]
    assert all(low <= w <= high for w in waits)
    assert max(waits) - min(waits) > 0.2, "jitter spreads retries"


def test_the_servers_word_wins_over_backoff() -> None:
    assert retry.wait_before_retry_s(3, 12.0) == 12.0
    assert retry.wait_before_retry_s(3, 0.0) == 0.0
    assert 2.0 <= retry.wait_before_retry_s(3, None) <= 2.5


@pytest.mark.parametrize(
    ("failed", "waited", "next_wait", "allowed"),
    [(1, 0.0, 1.0, True), (4, 10.0, 4.0, True), (5, 10.0, 1.0, False),  # out of attempts (5)
     (2, 40.0, 5.0, True), (2, 40.0, 5.5, False),  # the wait would pass 45 s in total
     (1, 0.0, 3600.0, False)],  # an absurd Retry-After ends the retries at once
)  # fmt: skip
def test_the_retry_budget(failed: int, waited: float, next_wait: float, allowed: bool) -> None:
    assert retry.may_retry(retry.RetryBudget(5, 45.0), failed, waited, next_wait) is allowed
