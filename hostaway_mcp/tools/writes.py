"""The one write path: plan → confirm → ledger intent → send once → outcome (→ audit lines).

Every write tool is a plan plus a result model; what is particular to a kind of write lives in a
`WriteKind`, and everything that makes a write safe lives here, once:

- the person confirms (`tools/confirmation.py`: a form, else a preview and `confirm=true`);
- the ledger (`ledger.py`) records the intent before anything is sent, shared by every process
  on the machine (and, with Redis, every machine): the same change in flight elsewhere, or sent
  within the window, is refused, and the audit log gets its `attempt` line first;
- an earlier attempt whose outcome is unknown (a lost answer, a killed process) is reconciled
  against Hostaway (`WriteKind.reconcile`) before anything is sent again: found → reported, not
  sent; absent → sent; cannot tell → refused;
- the request is sent once, never retried once it may have left (the gateway's rule), and its
  outcome (sent, failed, unknown) is recorded;
- if the ledger or the audit log cannot be written, the write is refused, saying how to fix it;
- a write that went out (or was found done) marks its target in the local mirror, so the next
  answer from the mirror reads it again first (`target` names it: "reservation:12" re-reads that
  booking, "conversation:34" that thread; anything else makes every resource check its watermark).

How to add a write (`tools/messaging.py`, `send_guest_message`, is the example to copy):

1. A plan: a frozen dataclass subclassing `WritePlan` that holds exactly what would be sent, with
   `question()` (the confirmation text: every detail the person says yes to) and `audit_fields()`
   (ids and sizes only, never free text). A *plan resolver* (`_plan_message`) validates the
   arguments, reads what the change touches and refuses what must not happen, all inside
   `audited_planning(settings, TOOL, **ids)`, and ends with `return await screened(state, KIND,
   plan, allow_duplicate)`, which adds what the ledger already knows (a send minutes ago, an
   attempt whose outcome is unknown) to the plan's notes, or refuses a send in flight.
2. A `WriteKind` subclass (`GuestMessage`), one instance per tool (`KIND`): `tool`, `target` and
   `fingerprint` (what makes two writes the same: "conversation:412" and a digest of the text),
   `what` and `check_hint` (words for refusals), `send` (the one request), `reconcile` (how to
   tell from Hostaway whether an earlier attempt happened: read the thread for the text, read the
   calendar for the values; raise `Inconclusive` when it cannot tell), the result model for each
   way a write ends (`unsent`: preview, declined, cancelled; `found`; `done`) and `preview_note`
   (what the person must see). `repeats`: the same write twice is a second effect ("on_request":
   a message, a booking, a payment; refused within `window_s` unless the person asks with
   `allow_duplicate`) or harmless ("harmless": a calendar PUT setting the same values again).
3. The tool: `_ask_message = asker(_plan_message)` once, then the parameters `plan:
   Annotated[MessagePlan, Resolve(_plan_message)]` and `answer: Annotated[ElicitationResult[
   ConfirmationForm], Resolve(_ask_message)]` (both hidden from the model), the tool's own
   arguments, `confirm` (and `allow_duplicate` for "on_request" kinds), and the body `return
   await carry_out(state, KIND, plan, answer, confirm, allow_duplicate=allow_duplicate)`. List it
   in `tools/__init__.py` as a "write" (read-only mode then hides it). Its tests: the shapes in
   `tests/test_write_tools.py` and `tests/test_write_ledger.py` (preview sends nothing, one
   confirmed send, a lost answer reconciled, two at once send once).
"""

# Over 400 lines on purpose: the one write path, with its how-to above; each step (screen, confirm,
# claim, reconcile, send, record) is a few lines, and splitting them would scatter the safety rules.

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Generic, Literal, TypeVar

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError

from hostaway_mcp import audit
from hostaway_mcp.errors import HostawayError, OutcomeUnknownError, UpstreamError
from hostaway_mcp.gateway import Envelope, HostawayGateway
from hostaway_mcp.ledger import Conflict, Entry, LedgerError, WriteKey
from hostaway_mcp.tools._runtime import AppState
from hostaway_mcp.tools.confirmation import ConfirmationForm, ConfirmedBy, FormUnavailable, ask, decide, not_done_text

logger = logging.getLogger(__name__)

StepStatus = Literal["preview", "declined", "cancelled", "done", "found"]
Unsent = Literal["preview", "declined", "cancelled"]  # the steps where nothing was sent
Repeats = Literal["on_request", "harmless"]


@dataclass(frozen=True)
class Screening:
    """What the ledger knew while planning: notes for the person, and a reason writes are refused."""

    notes: tuple[str, ...] = ()
    refused: str | None = None  # set when a confirmed write would be refused (ledger unusable)
    duplicate: bool = False  # the same change was sent within the window (allow_duplicate given)
    # An earlier attempt of exactly this change has an unknown outcome: confirming reconciles it
    # first, so a planner must not refuse the change for being visible in Hostaway already.
    unsettled: bool = False


@dataclass(frozen=True, kw_only=True)
class WritePlan(ABC):
    """Base of every plan: the kind-specific fields, plus warnings and the ledger's screening."""

    warnings: list[str] = field(default_factory=list)
    screening: Screening = Screening()

    def notes(self) -> list[str]:
        """Everything the person should read before saying yes, most important first."""
        refused = [self.screening.refused] if self.screening.refused else []
        return [*refused, *self.screening.notes, *self.warnings]

    @abstractmethod
    def question(self) -> str:
        """The confirmation form's text: every detail the person says yes to."""

    @abstractmethod
    def audit_fields(self) -> dict[str, Any]:
        """What the ledger and the audit log keep of the write: ids and sizes, never free text."""


@dataclass(frozen=True)
class Finding:
    """What reconciliation saw in Hostaway: whether the change is there, in words, and its ids."""

    found: bool
    detail: str
    fields: dict[str, Any] = field(default_factory=dict)


class Inconclusive(Exception):
    """Reconciliation could not tell whether the change happened (say why); nothing may be sent."""


@dataclass(frozen=True)
class Step:
    """Where a write ended, for `WriteKind.result` to turn into the tool's result model."""

    status: StepStatus
    next_step: str | None = None  # given for preview/declined/cancelled; the kind words done/found
    confirmed_by: ConfirmedBy | None = None
    answer: Envelope | None = None  # done: Hostaway's answer
    finding: Finding | None = None  # found: the earlier attempt, seen in Hostaway
    warnings: tuple[str, ...] = ()


P = TypeVar("P", bound=WritePlan)
R = TypeVar("R")


class WriteKind(ABC, Generic[P, R]):
    """What is particular to one write tool (see the module docstring)."""

    tool: str
    repeats: Repeats = "on_request"
    window_s: float = 600.0
    nothing: str = "nothing was changed"  # how a result says nothing happened
    not_done: str = "Nothing was changed."  # how a refusal by Hostaway starts
    preview_note: str = ""  # what the person must see before saying yes, added to a preview's next step

    def key(self, plan: P) -> WriteKey:
        return WriteKey(self.tool, self.target(plan), self.fingerprint(plan))

    @abstractmethod
    def target(self, plan: P) -> str:
        """What the write changes, as a stable name ("conversation:412")."""

    @abstractmethod
    def fingerprint(self, plan: P) -> str:
        """A digest of exactly what is sent (never the text itself)."""

    @abstractmethod
    def what(self, plan: P) -> str:
        """The change in a few words for error texts ("the message to booking 123")."""

    @abstractmethod
    def check_hint(self, plan: P) -> str:
        """How the model can look for itself ("check get_conversation_history for booking 123")."""

    @abstractmethod
    async def send(self, gateway: HostawayGateway, plan: P) -> Envelope:
        """The one request that makes the change; never retried once it may have left."""

    @abstractmethod
    async def reconcile(self, gateway: HostawayGateway, plan: P, earlier: list[Entry]) -> Finding:
        """Whether the change is visible in Hostaway now, after the `earlier` unresolved attempts.

        Each entry carries the `audit_fields` its plan had (e.g. the thread's newest message id
        then). Raise `Inconclusive` (or let a `HostawayError` through) when Hostaway cannot tell:
        only a real absence may lead to sending.
        """

    def duplicate_hint(self, plan: P) -> str:
        """What a refusal of a recent duplicate tells the model to do (kinds without allow_duplicate differ)."""
        return "only if the user explicitly wants it sent again, call again with allow_duplicate=true"

    def sent_fields(self, plan: P, answer: Envelope) -> dict[str, Any]:
        """Ids from Hostaway's answer worth keeping in the ledger and the audit line."""
        return {}

    def result(self, plan: P, step: Step) -> R:
        """The tool's result for this step, worded by the kind: nothing sent (`unsent`: a preview, or
        the person said no), an earlier attempt found (`found`), or sent once (`done`)."""
        if (status := step.status) == "found":
            assert step.finding is not None
            return self.found(plan, step, step.finding)
        if status == "done":
            assert step.answer is not None
            return self.done(plan, step, step.answer)
        next_step = step.next_step or ""
        if status == "preview" and self.preview_note:
            next_step = f"{next_step} {self.preview_note}"
        return self.unsent(plan, step, status, next_step)

    @abstractmethod
    def unsent(self, plan: P, step: Step, status: Unsent, next_step: str) -> R:
        """Nothing was sent: a preview, or the person declined or dismissed the form."""

    @abstractmethod
    def found(self, plan: P, step: Step, finding: Finding) -> R:
        """An earlier attempt whose outcome was unknown made the change: reported, not sent again."""

    @abstractmethod
    def done(self, plan: P, step: Step, answer: Envelope) -> R:
        """Sent once; `answer` is Hostaway's."""


# -- planning: the ledger's view, and the confirmation form ----------------------------------------


async def screened(state: AppState, kind: WriteKind[P, Any], plan: P, allow_duplicate: bool = False) -> P:
    """The plan with what the ledger knows added; refuses a change in flight or a recent duplicate.

    Reads only: if the ledger cannot be used, the plan (and its preview) still comes back, saying
    that confirming will be refused until it is fixed.
    """
    key = kind.key(plan)
    try:
        earlier = await state.ledger.history(key, kind.window_s)
    except LedgerError as exc:
        return replace(plan, screening=Screening(refused=f"Writes are refused right now: {exc.message}"))
    notes: list[str] = []
    duplicate = unsettled = False
    for entry in earlier:
        if state.ledger.in_flight(entry):
            raise await _refused(state, kind, plan, Conflict("in_flight", entry))
        if entry.outcome in ("attempt", "unknown"):
            unsettled = True
            notes.append(
                f"An earlier attempt of exactly this change ({_ago(state, entry)} ago) has an unknown outcome. "
                "If confirmed, the server first checks Hostaway and sends nothing if it is already there."
            )
        elif entry.outcome == "sent" and kind.repeats == "on_request":
            if not allow_duplicate:
                raise await _refused(state, kind, plan, Conflict("duplicate", entry))
            duplicate = True
            notes.append(f"WARNING: exactly this was already sent {_ago(state, entry)} ago; confirming sends it again.")
    screening = Screening(notes=tuple(dict.fromkeys(notes)), duplicate=duplicate, unsettled=unsettled)
    return replace(plan, screening=screening)


def asker(planner: Callable[..., Any]) -> Callable[..., Any]:
    """The ask resolver of a write tool whose plan resolver is `planner` (shows the plan's question).

    When a confirmed write would be refused anyway (the ledger is unusable), no form is shown:
    the call answers with the preview, which says why.
    """

    async def ask_person(ctx: Context, plan: WritePlan) -> ConfirmationForm | Elicit[ConfirmationForm]:
        if plan.screening.refused is not None:
            return FormUnavailable()
        return ask(ctx, plan.question())

    ask_person.__annotations__ = {
        "ctx": Context,
        "plan": Annotated[WritePlan, Resolve(planner)],
        "return": ConfirmationForm | Elicit[ConfirmationForm],
    }
    ask_person.__name__ = ask_person.__qualname__ = f"ask_{planner.__name__.lstrip('_')}"
    return ask_person


# -- carrying it out -------------------------------------------------------------------------------


async def carry_out(
    state: AppState,
    kind: WriteKind[P, R],
    plan: P,
    answer: ElicitationResult[ConfirmationForm],
    confirm: bool,
    *,
    allow_duplicate: bool = False,
) -> R:
    """Preview, report a "no", or make the change at most once (see the module docstring)."""
    verdict = decide(answer, confirm)
    key, fields = kind.key(plan), plan.audit_fields()
    if verdict.decision == "preview":
        audit.record(state.settings, kind.tool, "previewed", **fields)
        return kind.result(plan, Step("preview", next_step=_preview_next_step(kind, plan, allow_duplicate)))
    if verdict.decision != "proceed":
        await state.ledger.note(key, "declined", fields, response=verdict.response)
        return kind.result(plan, Step(verdict.decision, next_step=not_done_text(verdict, kind.nothing)))
    repeat = kind.repeats == "harmless" or allow_duplicate
    try:
        finding = await _settle_earlier(state, kind, plan, key)
        if finding is not None and not (kind.repeats == "on_request" and allow_duplicate):
            await _touched(state, kind.target(plan))
            return kind.result(plan, Step("found", confirmed_by=verdict.confirmed_by, finding=finding))
        claimed = await state.ledger.begin(
            key, fields, confirmed_by=verdict.confirmed_by, window_s=kind.window_s, repeatable=repeat
        )
    except (LedgerError, audit.AuditLogError) as exc:
        audit.record(state.settings, kind.tool, "refused", detail="ledger or audit log unusable", **fields)
        raise ToolError(exc.message) from None
    if isinstance(claimed, Conflict):
        refusal = _refusal(state, kind, plan, claimed)
        await state.ledger.note(key, "refused", fields, detail=f"{claimed.reason} (write {claimed.entry.id})")
        raise refusal
    return await _send_once(state, kind, plan, claimed, verdict.confirmed_by)


async def _settle_earlier(state: AppState, kind: WriteKind[P, Any], plan: P, key: WriteKey) -> Finding | None:
    """Reconcile every unresolved earlier attempt of `key`; the finding when the change is there."""
    earlier = [e for e in await state.ledger.history(key, kind.window_s) if e.outcome in ("attempt", "unknown")]
    if not earlier:
        return None
    for entry in earlier:
        if state.ledger.in_flight(entry):
            raise _refusal(state, kind, plan, Conflict("in_flight", entry))
    try:
        finding = await kind.reconcile(state.gateway, plan, earlier)
    except (Inconclusive, HostawayError) as exc:
        why = str(exc) if isinstance(exc, Inconclusive) else exc.message
        raise ToolError(
            f"Refused: an earlier attempt of {kind.what(plan)} ({_ago(state, earlier[0])} ago) has an unknown "
            f"outcome, and checking Hostaway for it did not settle it ({why}). Nothing was sent, since sending "
            f"now could make the change twice. Try again in a moment, or {kind.check_hint(plan)}."
        ) from None
    outcome: Literal["sent", "failed"] = "sent" if finding.found else "failed"
    for entry in earlier:
        await state.ledger.resolve(entry, outcome, finding.detail, **finding.fields)
    return finding if finding.found else None


async def _send_once(state: AppState, kind: WriteKind[P, R], plan: P, entry: Entry, confirmed_by: Any) -> R:
    try:
        answer = await kind.send(state.gateway, plan)
    except (OutcomeUnknownError, UpstreamError) as exc:
        await state.ledger.finish(entry, "unknown", _cause(exc))
        raise ToolError(
            f"Outcome unknown: {kind.what(plan)} may or may not have been made ({_cause(exc)}); it was not "
            "retried. Calling again with the same arguments and confirm=true is safe: the server first checks "
            f"Hostaway and does nothing if it is already there. Or {kind.check_hint(plan)}, and tell the user "
            "what you find."
        ) from None
    except HostawayError as exc:
        await state.ledger.finish(entry, "failed", _cause(exc))
        raise ToolError(f"{kind.not_done} {exc.message}") from None
    except BaseException:
        with contextlib.suppress(Exception):  # cancelled or a bug: the request may have left
            await asyncio.shield(state.ledger.finish(entry, "unknown", "interrupted while sending"))
        raise
    await state.ledger.finish(entry, "sent", **kind.sent_fields(plan, answer))
    await _touched(state, kind.target(plan))
    return kind.result(plan, Step("done", confirmed_by=confirmed_by, answer=answer))


async def _touched(state: AppState, target: str) -> None:
    """The local mirror reads what a write changed again before it answers next (`mirror/service.py`)."""
    if state.mirror is not None:
        await state.mirror.touched(target)


# -- words -------------------------------------------------------------------------------------------


async def _refused(state: AppState, kind: WriteKind[P, Any], plan: P, conflict: Conflict) -> ToolError:
    """The refusal of a write while planning, kept in the ledger (`audited_planning` writes its line)."""
    detail = f"{conflict.reason} (write {conflict.entry.id})"
    await state.ledger.note(kind.key(plan), "refused", plan.audit_fields(), detail, audit_line=False)
    return _refusal(state, kind, plan, conflict)


def _refusal(state: AppState, kind: WriteKind[P, Any], plan: P, conflict: Conflict) -> ToolError:
    entry, what = conflict.entry, kind.what(plan)
    if conflict.reason == "in_flight":
        where = "on another machine" if entry.remote else f"by another hostaway-mcp process (pid {entry.pid})"
        return ToolError(
            f"Refused: {what} is being sent right now {where}, started {_ago(state, entry)} ago. Nothing was sent "
            f"by this call. Wait a minute, then {kind.check_hint(plan)} before trying again."
        )
    if conflict.reason == "duplicate":
        return ToolError(
            f"Refused: exactly this ({what}) was already sent {_ago(state, entry)} ago. Nothing was sent. "
            f"{kind.check_hint(plan)[0].upper() + kind.check_hint(plan)[1:]}; {kind.duplicate_hint(plan)}."
        )
    return ToolError(
        f"Refused: another attempt of {what} appeared while this one was being checked. Nothing was sent; call "
        "again to have it checked against Hostaway first."
    )


def _preview_next_step(kind: WriteKind[Any, Any], plan: WritePlan, allow_duplicate: bool) -> str:
    if plan.screening.refused is not None:
        return f"Nothing was changed, and a confirmed call would be refused: {plan.screening.refused}"
    again = ", allow_duplicate=true" if allow_duplicate and plan.screening.duplicate else ""
    return (
        f"Nothing was changed. Show the user this preview and ask whether to go ahead. Only after the user "
        f"explicitly agrees, call {kind.tool} again with the same arguments and confirm=true{again}."
    )


def _ago(state: AppState, entry: Entry) -> str:
    seconds = max(0, int(state.ledger.clock() - entry.created_at))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def _cause(exc: HostawayError) -> str:
    status = getattr(exc, "status_code", None)
    return type(exc).__name__ + (f" HTTP {status}" if status else "")
