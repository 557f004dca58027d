"""A person confirms every write: by a form when the client can show one, else preview + confirm=true.

How a write tool uses this (the one write path, `tools/writes.py`, does steps 2 and 3 for every
write; `tools/messaging.py` is the example):

1. a *plan* resolver validates the arguments, reads what the change would touch and builds the
   exact question ("Send this text to Anna by Airbnb thread?"); refusals are raised here, before
   anything is asked or sent, and audited by `audited_planning`;
2. an *ask* resolver (`ask(ctx, question)`) returns `Elicit(question, ConfirmationForm)` when the
   client declared form elicitation, which the SDK turns into a form in either protocol era
   (2026-07-28: an `InputRequiredResult` round trip; 2025-11-25: an `elicitation/create` request).
   Without the capability it returns `FormUnavailable()` instead (never an `Elicit`, which the SDK
   would reject with error -32021);
3. the tool body calls `decide(answer, confirm)`:
   - form accepted with the box ticked → proceed; accepted unticked, declined → "declined";
     dismissed → "cancelled" (both are normal results saying nothing changed, not errors: the
     person answered, and the model must not retry);
   - no form: `confirm=true` → proceed; otherwise → "preview" (nothing sent).

When the client can show forms, the form is the confirmation and `confirm` is ignored: a model
cannot confirm on the person's behalf. On 2026-07-28 the resolvers run again when the client
answers, so the plan is rebuilt from fresh reads; if it changed, the SDK asks again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from mcp.server.mcpserver import AcceptedElicitation, CancelledElicitation, Context, Elicit, ElicitationResult
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field, StrictBool

from hostaway_mcp import audit
from hostaway_mcp.config import Settings
from hostaway_mcp.errors import HostawayError

logger = logging.getLogger(__name__)

Decision = Literal["preview", "proceed", "declined", "cancelled"]
ConfirmedBy = Literal["form", "confirm"]


class ConfirmationForm(BaseModel):
    """The form shown to the person: the question carries the exact change, the box says yes."""

    # Strict: only a ticked box (JSON true) confirms; "yes", "true" or 1 from a client do not.
    confirm: StrictBool = Field(title="Confirm", description="Tick to confirm exactly this change.")


class FormUnavailable(ConfirmationForm):
    """Stands in for the form when the client cannot show one; the `confirm` argument decides."""

    confirm: bool = False


def client_can_show_forms(ctx: Context) -> bool:
    """Whether the client declared form elicitation (a bare `elicitation: {}` counts as form)."""
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def ask(ctx: Context, question: str) -> ConfirmationForm | Elicit[ConfirmationForm]:
    """The ask resolver's answer: a form when the client can show one, else `FormUnavailable`."""
    if client_can_show_forms(ctx):
        return Elicit(question, ConfirmationForm)
    return FormUnavailable()


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    confirmed_by: ConfirmedBy | None = None

    @property
    def response(self) -> str | None:
        """What the person did with the form, for the audit log."""
        if self.decision == "declined":
            return "decline"
        if self.decision == "cancelled":
            return "cancel"
        return None


def decide(answer: ElicitationResult[ConfirmationForm], confirm: bool) -> Verdict:
    """Turn the ask resolver's outcome and the `confirm` argument into what the tool does."""
    if isinstance(answer, AcceptedElicitation):
        form: Any = answer.data
        if isinstance(form, FormUnavailable):
            return Verdict("proceed", "confirm") if confirm else Verdict("preview")
        if isinstance(form, ConfirmationForm) and form.confirm:
            return Verdict("proceed", "form")
        return Verdict("declined")
    if isinstance(answer, CancelledElicitation):
        return Verdict("cancelled")
    return Verdict("declined")


def not_done_text(verdict: Verdict, nothing: str) -> str:
    """The next-step text of a declined or cancelled result (`nothing`: "nothing was sent")."""
    how = "dismissed the confirmation" if verdict.decision == "cancelled" else "declined the confirmation"
    return f"The user {how}: {nothing}. Do not try again unless the user asks for it."


@contextmanager
def audited_planning(settings: Settings, tool: str, **ids: Any) -> Iterator[None]:
    """Audit a refusal raised while planning a write, and turn gateway errors into ToolErrors.

    Resolvers run before the tool body (outside `hostaway_tool`), so they translate errors here.
    """
    try:
        yield
    except ToolError as exc:
        audit.record(settings, tool, "refused", detail=str(exc), **ids)
        raise
    except HostawayError as exc:
        audit.record(settings, tool, "failed", detail=f"while reading: {type(exc).__name__}", **ids)
        raise ToolError(f"Nothing was changed. {exc.message}") from None
    except Exception:
        logger.exception("unexpected failure while planning %s", tool)
        audit.record(settings, tool, "failed", detail="internal error while planning", **ids)
        raise ToolError(
            f"{tool} failed unexpectedly before changing anything (an internal error, logged on the "
            "server). Nothing was changed."
        ) from None
