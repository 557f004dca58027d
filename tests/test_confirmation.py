"""The confirmation rules as a table: what each answer of the person (or the model) leads to.

`decide` is the one place that says whether a write goes ahead, so every branch is pinned here,
including the ones a slip of a boolean operator would turn around (a form accepted with the box
unticked must never carry out the write). `audited_planning` must leave an audit line for every
write that stops while planning.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from mcp.server.mcpserver import AcceptedElicitation, CancelledElicitation, DeclinedElicitation, Elicit
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ClientCapabilities, ElicitationCapability, FormElicitationCapability, UrlElicitationCapability
from pydantic import ValidationError

from hostaway_mcp.config import Settings
from hostaway_mcp.errors import NotFoundError
from hostaway_mcp.tools.confirmation import (
    ConfirmationForm,
    FormUnavailable,
    Verdict,
    ask,
    audited_planning,
    client_can_show_forms,
    decide,
    not_done_text,
)

TICKED: Any = AcceptedElicitation(data=ConfirmationForm(confirm=True))
UNTICKED: Any = AcceptedElicitation(data=ConfirmationForm(confirm=False))
NO_FORM: Any = AcceptedElicitation(data=FormUnavailable())
NOT_OUR_FORM: Any = AcceptedElicitation.model_construct(data=object())


@pytest.mark.parametrize(
    ("answer", "confirm", "expected"),
    [
        (TICKED, False, Verdict("proceed", "form")),
        (TICKED, True, Verdict("proceed", "form")),
        (UNTICKED, False, Verdict("declined")),
        (UNTICKED, True, Verdict("declined")),  # the model's confirm=true never overrides the person
        (NO_FORM, False, Verdict("preview")),
        (NO_FORM, True, Verdict("proceed", "confirm")),
        (DeclinedElicitation(), True, Verdict("declined")),
        (DeclinedElicitation(), False, Verdict("declined")),
        (CancelledElicitation(), True, Verdict("cancelled")),
        (NOT_OUR_FORM, True, Verdict("declined")),
    ],
    ids=[
        "ticked",
        "ticked+confirm",
        "unticked",
        "unticked+confirm",
        "no-form",
        "no-form+confirm",
        "declined+confirm",
        "declined",
        "cancelled+confirm",
        "accepted-something-else",
    ],
)
def test_decide(answer: Any, confirm: bool, expected: Verdict) -> None:
    assert decide(answer, confirm) == expected


def test_the_form_box_is_a_real_boolean_and_unticked_by_default_only_without_a_form() -> None:
    for word in ("yes", "true", 1, "on"):
        with pytest.raises(ValidationError):
            ConfirmationForm.model_validate({"confirm": word})
    with pytest.raises(ValidationError):
        ConfirmationForm.model_validate({})  # the person must answer: no default
    assert FormUnavailable().confirm is False
    assert ConfirmationForm.model_json_schema()["properties"]["confirm"]["type"] == "boolean"


@pytest.mark.parametrize(
    ("verdict", "response"),
    [(Verdict("declined"), "decline"), (Verdict("cancelled"), "cancel"), (Verdict("preview"), None)],
)
def test_the_audit_response_says_what_the_person_did(verdict: Verdict, response: str | None) -> None:
    assert verdict.response == response
    assert Verdict("proceed", "form").response is None


def test_not_done_text_says_how_the_person_answered() -> None:
    declined = not_done_text(Verdict("declined"), "nothing was sent")
    cancelled = not_done_text(Verdict("cancelled"), "nothing was sent")
    assert (
        declined
        == "The user declined the confirmation: nothing was sent. Do not try again unless the user asks for it."
    )
    assert cancelled.startswith("The user dismissed the confirmation: nothing was sent.")


def ctx_with(elicitation: ElicitationCapability | None, *, capabilities: bool = True) -> Any:
    caps = ClientCapabilities(elicitation=elicitation) if capabilities else None
    return SimpleNamespace(client_capabilities=caps)


@pytest.mark.parametrize(
    ("ctx", "forms"),
    [
        (ctx_with(ElicitationCapability()), True),  # a bare `elicitation: {}` means form
        (ctx_with(ElicitationCapability(form=FormElicitationCapability())), True),
        (ctx_with(ElicitationCapability(form=FormElicitationCapability(), url=UrlElicitationCapability())), True),
        (ctx_with(ElicitationCapability(url=UrlElicitationCapability())), False),  # URL mode only
        (ctx_with(None), False),
        (ctx_with(None, capabilities=False), False),
    ],
    ids=["bare", "form", "form+url", "url-only", "none", "no-capabilities"],
)
def test_forms_are_asked_for_only_when_the_client_can_show_them(ctx: Any, forms: bool) -> None:
    assert client_can_show_forms(ctx) is forms
    answer = ask(ctx, "Block 3 nights?")
    if forms:
        assert isinstance(answer, Elicit) and answer.message == "Block 3 nights?"
        assert answer.schema is ConfirmationForm
    else:
        assert isinstance(answer, FormUnavailable) and answer.confirm is False


@pytest.fixture
def audit_lines(settings_factory: Callable[..., Settings], tmp_path: Path) -> tuple[Settings, Callable[[], list[Any]]]:
    settings = settings_factory(audit_log=tmp_path / "audit.jsonl")

    def read() -> list[Any]:
        path = tmp_path / "audit.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    return settings, read


def test_a_refusal_while_planning_is_audited_and_raised_as_it_is(audit_lines: Any) -> None:
    settings, read = audit_lines
    with pytest.raises(ToolError, match=r"^booked nights$"), audited_planning(settings, "block_dates", property_id=7):
        raise ToolError("booked nights")
    [line] = read()
    assert (line["tool"], line["outcome"], line["detail"], line["property_id"]) == (
        "block_dates",
        "refused",
        "booked nights",
        7,
    )


def test_a_failed_read_while_planning_is_audited_and_says_nothing_changed(audit_lines: Any) -> None:
    settings, read = audit_lines
    with pytest.raises(ToolError) as caught, audited_planning(settings, "send_guest_message", booking_id=5):
        raise NotFoundError("Booking 5 not found: use search_bookings.", status_code=404)
    assert str(caught.value) == "Nothing was changed. Booking 5 not found: use search_bookings."
    assert caught.value.__cause__ is None
    [line] = read()
    assert (line["outcome"], line["detail"], line["booking_id"]) == ("failed", "while reading: NotFoundError", 5)


def test_a_bug_while_planning_is_audited_logged_and_hidden(audit_lines: Any, caplog: pytest.LogCaptureFixture) -> None:
    settings, read = audit_lines
    with (
        caplog.at_level(logging.ERROR),
        pytest.raises(ToolError) as caught,
        audited_planning(settings, "unblock_dates", property_id=9),
    ):
        raise KeyError("secret internals")
    message = str(caught.value)
    assert message.startswith("unblock_dates failed unexpectedly before changing anything")
    assert message.endswith("Nothing was changed.") and "secret internals" not in message
    assert caught.value.__cause__ is None
    assert "unexpected failure while planning unblock_dates" in caplog.text
    [line] = read()
    assert (line["outcome"], line["detail"], line["property_id"]) == ("failed", "internal error while planning", 9)


def test_planning_that_succeeds_leaves_no_audit_line(audit_lines: Any) -> None:
    settings, read = audit_lines
    with audited_planning(settings, "block_dates", property_id=7):
        pass
    assert read() == []
