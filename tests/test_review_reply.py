"""reply_to_review through a real MCP client on the sandbox: checked first, confirmed, posted at most once.

Which reviews take a reply is decided here from the raw review with the rules written out in
tests/test_review_tools.py, never with the tool's helpers; POSTs are counted on the request log
and the stored reply is read back from the sandbox.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import ElicitRequestParams, ElicitResult

from tests.conftest import AIRBNB, BOOKING, DIRECT, TODAY, VRBO, call_error, call_ok, guest_reviews, still_answerable
from tests.faults import Fault, faults_of

REPLY = "Thank you so much for staying with us, we would love to welcome you back!"
HTML_REPLY = "<p>Thank you, <b>dear guest</b>!</p><br/>See you soon <3"
HTML_PUBLIC = "Thank you, dear guest!See you soon"


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory(listings=8)


def reply_posts(sandbox: Any, review_id: int | None = None) -> list[Any]:
    return [
        r
        for r in sandbox.request_log
        if r.method == "POST"
        and r.path.startswith("/reviews/")
        and (review_id is None or r.path == f"/reviews/{review_id}/respond")
    ]


def answerable(sandbox: Any, channel: int = AIRBNB) -> dict[str, Any]:
    return next(r for r in guest_reviews(sandbox) if r["channelId"] == channel and still_answerable(r))


def ledger_outcomes(cache: Path) -> list[str]:
    with sqlite3.connect(cache / "ledger.sqlite3") as conn:
        return [row[0] for row in conn.execute("SELECT outcome FROM writes WHERE tool = 'reply_to_review'")]


# -- preview, confirm, once --------------------------------------------------------------------


async def test_preview_posts_nothing_and_shows_the_exact_public_text(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    review = answerable(sandbox, BOOKING)
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(client, "reply_to_review", {"review_id": review["id"], "text": HTML_REPLY})
    assert preview["status"] == "preview" and preview["public_text"] == HTML_PUBLIC and preview["html_removed"]
    assert preview["channel"] == "booking.com" and preview["characters"] == len(HTML_PUBLIC)
    assert "one reply" in preview["once_only"] and "cannot be edited or sent again" in preview["once_only"]
    assert preview["booking_id"] == review["reservationId"] and preview["rating"] == review["rating"]
    assert any("HTML tags were removed" in w for w in preview["warnings"])
    assert "confirm=true" in preview["next_step"] and "only one reply" in preview["next_step"]
    assert reply_posts(sandbox) == [] and review["revieweeResponse"] is None


async def test_confirm_posts_once_and_the_public_text_is_what_hostaway_keeps(
    sandbox: Any, server_factory: Callable[..., Any], tmp_path: Path
) -> None:
    review = answerable(sandbox, VRBO)
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(client, "reply_to_review", {"review_id": review["id"], "text": HTML_REPLY})
        posted = await call_ok(
            client, "reply_to_review", {"review_id": review["id"], "text": HTML_REPLY, "confirm": True}
        )
    assert posted["status"] == "replied" and posted["confirmed_by"] == "confirm"
    # Hostaway strips the HTML itself; what it stored is exactly what the preview promised.
    assert review["revieweeResponse"] == preview["public_text"] == posted["public_text"] == HTML_PUBLIC
    (post,) = reply_posts(sandbox, review["id"])
    assert post.body == {"revieweeResponse": HTML_PUBLIC}
    assert posted["reply_by"] == (date.fromisoformat(review["submittedAt"][:10]) + timedelta(days=29)).isoformat()
    assert ledger_outcomes(tmp_path / "cache") == ["sent"]


async def test_a_second_reply_is_refused_before_any_post(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    review = answerable(sandbox)
    args = {"review_id": review["id"], "text": REPLY, "confirm": True}
    async with Client(server_factory(sandbox)) as client:
        await call_ok(client, "reply_to_review", args)
        same = await call_error(client, "reply_to_review", args)
        other = await call_error(client, "reply_to_review", {**args, "text": "Another reply"})
        preview = await call_error(client, "reply_to_review", {"review_id": review["id"], "text": "A preview?"})
    for error in (same, other, preview):
        assert "You already responded to this review." in error and "Nothing was posted" in error
    assert len(reply_posts(sandbox)) == 1 and review["revieweeResponse"] == REPLY


async def test_a_reply_the_ledger_saw_sent_is_not_posted_again_nor_offered_again(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    """Hostaway shows no reply yet (a lagging read), but this server posted one minutes ago: the
    refusal must not suggest `allow_duplicate`, an argument reply_to_review does not take."""
    review = answerable(sandbox)
    args = {"review_id": review["id"], "text": REPLY, "confirm": True}
    async with Client(server_factory(sandbox)) as client:
        await call_ok(client, "reply_to_review", args)
        review["revieweeResponse"] = None  # the reply not visible in Hostaway's answer yet
        error = await call_error(client, "reply_to_review", args)
    assert "already sent" in error and "one public reply" in error and "allow_duplicate" not in error
    assert len(reply_posts(sandbox)) == 1


def _ineligible(sandbox: Any) -> dict[str, tuple[dict[str, Any], str]]:
    reviews = guest_reviews(sandbox)

    def first(test: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        return next(r for r in reviews if test(r))

    def vrbo_closed(r: dict[str, Any]) -> bool:
        submitted = r["submittedAt"] and date.fromisoformat(r["submittedAt"][:10])
        return (
            bool(r["channelId"] == VRBO and r["status"] == "published" and not r["revieweeResponse"] and submitted)
            and (TODAY - submitted).days >= 30
        )

    return {
        "direct": (first(lambda r: r["channelId"] == DIRECT and r["status"] == "published"),
                   "Invalid review. You cant respond to this review"),
        "host-to-guest": (next(r for r in sandbox.account.reviews if r["type"] == "host-to-guest"), "Invalid review."),
        "not published": (first(lambda r: r["status"] in ("awaiting", "submitted", "expired")
                                and r["channelId"] != DIRECT), "Invalid review."),
        "no words": (first(lambda r: r["channelId"] == BOOKING and r["status"] == "published"
                           and r["publicReview"] == ""), "The review contains no words to reply to."),
        "answered": (first(lambda r: bool(r["revieweeResponse"])), "You already responded to this review."),
        "vrbo window": (first(vrbo_closed), "The time to send the review/rating has expired on Vrbo."),
    }  # fmt: skip


@pytest.mark.parametrize("case", ["direct", "host-to-guest", "not published", "no words", "answered", "vrbo window"])
async def test_an_ineligible_review_is_refused_with_hostaways_reason_before_anyone_is_asked(
    sandbox: Any, server_factory: Callable[..., Any], case: str
) -> None:
    review, reason = _ineligible(sandbox)[case]
    before = dict(review)
    asked: list[ElicitRequestParams] = []

    async def accept(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params)
        return ElicitResult(action="accept", content={"confirm": True})

    async with Client(server_factory(sandbox), elicitation_callback=accept) as client:
        error = await call_error(client, "reply_to_review", {"review_id": review["id"], "text": REPLY, "confirm": True})
    assert f'("{reason}")' in error and "Refused before anything was sent" in error
    assert asked == [] and reply_posts(sandbox) == [] and review == before


@pytest.mark.parametrize("text", ["<br/>", "<p> </p>", "   <b></b>"])
async def test_a_reply_with_no_words_once_html_is_removed_is_refused_before_any_request(
    sandbox: Any, server_factory: Callable[..., Any], text: str
) -> None:
    review = answerable(sandbox)
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "reply_to_review", {"review_id": review["id"], "text": text, "confirm": True})
    assert "Response must not be empty." in error
    assert [r for r in sandbox.request_log if "accessTokens" not in r.path] == []


async def test_an_unknown_review_says_where_ids_come_from(sandbox: Any, server_factory: Callable[..., Any]) -> None:
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "reply_to_review", {"review_id": 999_999_999, "text": REPLY})
    assert "Review 999999999 not found" in error and "list_reviews" in error and reply_posts(sandbox) == []


# -- the confirmation form ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["auto", "legacy"], ids=["2026-07-28", "2025-11-25"])
async def test_the_form_shows_the_public_text_the_channel_and_that_it_is_final(
    sandbox: Any, server_factory: Callable[..., Any], mode: str
) -> None:
    review = answerable(sandbox)
    asked: list[ElicitRequestParams] = []

    async def accept(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params)
        return ElicitResult(action="accept", content={"confirm": True})

    async with Client(server_factory(sandbox), mode=mode, elicitation_callback=accept) as client:
        result = await call_ok(client, "reply_to_review", {"review_id": review["id"], "text": HTML_REPLY})
    assert result["status"] == "replied" and result["confirmed_by"] == "form"
    (question,) = [params.message for params in asked]
    assert HTML_PUBLIC in question and HTML_REPLY not in question
    assert "public reply to the airbnb review" in question and "takes one reply" in question
    assert "guest-written, not an instruction" in question and f"booking {review['reservationId']}" in question
    assert len(reply_posts(sandbox)) == 1


@pytest.mark.parametrize("action", ["decline", "cancel"])
async def test_a_declined_form_posts_nothing_even_with_confirm(
    sandbox: Any, server_factory: Callable[..., Any], action: str
) -> None:
    review = answerable(sandbox)

    async def answer(context: Any, params: ElicitRequestParams) -> ElicitResult:
        return ElicitResult(action=action)

    async with Client(server_factory(sandbox), elicitation_callback=answer) as client:
        result = await call_ok(client, "reply_to_review", {"review_id": review["id"], "text": REPLY, "confirm": True})
    assert result["status"] == ("declined" if action == "decline" else "cancelled")
    assert "nothing was posted" in result["next_step"] and reply_posts(sandbox) == []


async def test_a_reply_posted_by_someone_else_meanwhile_is_refused_with_hostaways_reason(
    sandbox: Any, server_factory: Callable[..., Any], tmp_path: Path
) -> None:
    """Between the check and the POST, a colleague answers in the dashboard: Hostaway refuses ours."""
    review = answerable(sandbox)

    async def colleague_then_accept(context: Any, params: ElicitRequestParams) -> ElicitResult:
        review["revieweeResponse"] = "Thanks! (answered in the dashboard)"
        return ElicitResult(action="accept", content={"confirm": True})

    server = server_factory(sandbox)
    async with Client(server, mode="legacy", elicitation_callback=colleague_then_accept) as client:
        error = await call_error(client, "reply_to_review", {"review_id": review["id"], "text": REPLY})
    assert 'The reply was NOT posted. Hostaway refused it: "You already responded to this review."' in error
    assert review["revieweeResponse"] == "Thanks! (answered in the dashboard)"
    assert ledger_outcomes(tmp_path / "cache") == ["failed"]


# -- outcome unknown: reconciled, never repeated ---------------------------------------------------


async def test_a_timed_out_post_that_arrived_is_reported_not_posted_again(
    sandbox: Any, server_factory: Callable[..., Any], tmp_path: Path
) -> None:
    review = answerable(sandbox)
    args = {"review_id": review["id"], "text": REPLY, "confirm": True}
    faults_of(sandbox).script(Fault("read_timeout", method="POST", path="/reviews"))
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "reply_to_review", args)
    assert "Outcome unknown" in error and "not retried" in error
    assert review["revieweeResponse"] == REPLY  # it did arrive; the answer was lost
    async with Client(server_factory(sandbox)) as client:  # a restart: the same ledger
        preview = await call_ok(client, "reply_to_review", {**args, "confirm": False})
        found = await call_ok(client, "reply_to_review", args)
    assert preview["status"] == "preview" and any("unknown outcome" in w for w in preview["warnings"])
    assert found["status"] == "already_replied" and found["posted_reply"] == REPLY
    assert "Nothing was posted" in found["next_step"]
    assert len(reply_posts(sandbox)) == 1
    assert ledger_outcomes(tmp_path / "cache") == ["sent"]
    # The ledger keeps ids and a digest of the reply, never its words.
    stored = b"".join(path.read_bytes() for path in (tmp_path / "cache").glob("ledger.sqlite3*"))
    assert REPLY.encode() not in stored and b"reply_sha256" in stored
    # Settled: from now on the review is simply answered.
    async with Client(server_factory(sandbox)) as client:
        again = await call_error(client, "reply_to_review", args)
    assert "You already responded to this review." in again and len(reply_posts(sandbox)) == 1


async def test_a_failed_post_that_never_arrived_is_posted_once_after_checking(
    sandbox: Any, server_factory: Callable[..., Any], tmp_path: Path
) -> None:
    review = answerable(sandbox, BOOKING)
    args = {"review_id": review["id"], "text": REPLY, "confirm": True}
    faults_of(sandbox).script(Fault("html", method="POST", path="/reviews", status=502))  # answered by a proxy
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "reply_to_review", args)
        assert "Outcome unknown" in error and review["revieweeResponse"] is None
        reads_before = sum(1 for r in sandbox.request_log if r.method == "GET" and r.path == f"/reviews/{review['id']}")
        posted = await call_ok(client, "reply_to_review", args)
    assert posted["status"] == "replied" and review["revieweeResponse"] == REPLY
    reads = sum(1 for r in sandbox.request_log if r.method == "GET" and r.path == f"/reviews/{review['id']}")
    assert reads >= reads_before + 2  # the plan's read and the reconciliation's read, before the one POST
    assert len(reply_posts(sandbox)) == 2  # the lost one and the real one, never a third
    assert sorted(ledger_outcomes(tmp_path / "cache")) == ["failed", "sent"]


async def test_an_attempt_in_doubt_blocks_any_other_reply_until_it_is_checked(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    """A review takes one reply: another text after a lost answer is not a new write, it is checked first."""
    review = answerable(sandbox)
    faults_of(sandbox).script(Fault("read_timeout", method="POST", path="/reviews"))
    async with Client(server_factory(sandbox)) as client:
        await call_error(client, "reply_to_review", {"review_id": review["id"], "text": REPLY, "confirm": True})
        found = await call_ok(
            client, "reply_to_review", {"review_id": review["id"], "text": "A different reply", "confirm": True}
        )
    assert found["status"] == "already_replied" and "posted_reply" not in found
    assert "another reply" in found["next_step"] and review["revieweeResponse"] == REPLY
    assert len(reply_posts(sandbox)) == 1


# -- where the tool is offered --------------------------------------------------------------------


async def test_read_only_mode_hides_the_reply_and_keeps_the_list(
    sandbox: Any, server_factory: Callable[..., Any]
) -> None:
    async with Client(server_factory(sandbox, read_only=True)) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert "list_reviews" in names and "reply_to_review" not in names
    async with Client(server_factory(sandbox)) as client:
        tool = next(t for t in (await client.list_tools()).tools if t.name == "reply_to_review")
    assert tool.annotations is not None and tool.annotations.destructive_hint is True
    assert set(tool.input_schema["properties"]) == {"review_id", "text", "confirm"}
