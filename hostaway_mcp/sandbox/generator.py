"""Builds the deterministic account for (seed, today, size), memoised, copied per sandbox.

Generation is the expensive part (a 200-listing account has ~17,000 reservations and ~60,000
messages), and tests build many sandboxes with the same parameters. The first request for a key
generates and hands the account out as is, so a single demo sandbox costs one account's memory;
from the second request on, a pristine account is kept (never handed out) and every Sandbox gets
its own copy of every object it or a test could change (a structural copy is ~10x faster than
pickling or deepcopy), sharing only immutable strings and numbers.
"""

from __future__ import annotations

import gc
import random
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any

from hostaway_mcp.sandbox.account import Account, JsonDict
from hostaway_mcp.sandbox.automations import add_queued_messages
from hostaway_mcp.sandbox.catalog import CITIES, ZONES_BEHIND_UTC
from hostaway_mcp.sandbox.charge_history import generate_charges
from hostaway_mcp.sandbox.conversations import generate_conversations
from hostaway_mcp.sandbox.crew import generate_crew
from hostaway_mcp.sandbox.expenses import generate_categories, generate_expenses
from hostaway_mcp.sandbox.listings import generate_listings
from hostaway_mcp.sandbox.looseids import LooseIds
from hostaway_mcp.sandbox.owner_statements import generate_statements, statement_finder
from hostaway_mcp.sandbox.reservations import StayDraft, build_reservations, place_stays
from hostaway_mcp.sandbox.reviews import generate_reviews
from hostaway_mcp.sandbox.tasks import generate_tasks
from hostaway_mcp.sandbox.team import generate_users
from hostaway_mcp.sandbox.templates import generate_templates

# The account's "now": every generated timestamp is before this time on `today`.
GENERATED_AT = time(9, 0)
_MEMO_SIZE = 4


MemoKey = tuple[int, date, int]


class _AccountMemo:
    """Pristine accounts by (seed, today, listings): kept from a key's second request on."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._seen: set[MemoKey] = set()
        self._pristine: OrderedDict[MemoKey, Account] = OrderedDict()

    def build(self, key: MemoKey) -> Account:
        pristine = self._pristine.get(key)
        if pristine is not None:
            self._pristine.move_to_end(key)
            return copy_account(pristine)
        if key not in self._seen:
            self._seen.add(key)
            return generate_account(*key)
        pristine = generate_account(*key)
        self._pristine[key] = pristine
        if len(self._pristine) > self._size:
            self._pristine.popitem(last=False)
        return copy_account(pristine)

    def clear(self) -> None:
        self._seen.clear()
        self._pristine.clear()


_MEMO = _AccountMemo(_MEMO_SIZE)


def build_account(seed: int, today: date, listings: int) -> Account:
    """A private, mutable account: freshly generated or copied from the memo."""
    return _MEMO.build((seed, today, listings))


def clear_memo() -> None:
    """Forget memoised accounts (tests use it to prove generation itself is deterministic)."""
    _MEMO.clear()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Generation allocates ~10^5 acyclic containers; cyclic GC passes over them are pure cost."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _clone(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clone(item) for item in value]
    return value


def copy_account(account: Account) -> Account:
    """Copy every object a sandbox or a test might change; keep the API's shared references.

    Listings are copied deeply; reservations, conversations, messages and reviews are copied one
    level deep, sharing only their never-written array fields such as `reservationFees`. Templates
    and users are never written, so they are shared.
    """
    reservations = [r.copy() for r in account.reservations]
    reservation_by_id = {r["id"]: r for r in reservations}
    messages: dict[int, list[JsonDict]] = {}
    message_by_id: dict[int, JsonDict] = {}
    for conversation_id, thread in account.messages.items():
        messages[conversation_id] = copied = [m.copy() for m in thread]
        message_by_id.update((m["id"], m) for m in copied)
    conversations = []
    for conversation in account.conversations:
        copy = dict(conversation)
        copy["Reservation"] = reservation_by_id[conversation["reservationId"]]
        copy["conversationMessages"] = [message_by_id[m["id"]] for m in conversation["conversationMessages"]]
        conversations.append(copy)
    return Account(
        account_id=account.account_id,
        seed=account.seed,
        today=account.today,
        generated_at=account.generated_at,
        listings=[_clone(listing) for listing in account.listings],
        reservations=reservations,
        conversations=conversations,
        messages=messages,
        owner_blocks={key: list(blocks) for key, blocks in account.owner_blocks.items()},
        pricing=dict(account.pricing),
        money=dict(account.money),
        loose_ids=account.loose_ids,
        reviews=[r.copy() for r in account.reviews],  # `reviewCategory` lists are shared, never written
        templates=account.templates,  # read-only
        users=account.users,  # read-only
        former_user_id=account.former_user_id,
        charges=[charge.copy() for charge in account.charges],  # their arrays are never written in place
        expenses=[_clone(expense) for expense in account.expenses],
        expense_categories=[dict(category) for category in account.expense_categories],
        owner_statements=account.owner_statements,  # never written
        user_groups=account.user_groups,  # read-only
        coverage=account.coverage,
        tasks=[_clone(task) for task in account.tasks],
    )


def generate_account(seed: int, today: date, listings: int) -> Account:
    """Generate everything from scratch; pure in (seed, today, listings)."""
    if listings < 1:
        raise ValueError("a sandbox account needs at least one listing")
    with _collector_paused():
        return _generate(seed, today, listings)


def _generate(seed: int, today: date, listings: int) -> Account:
    generated_at = datetime.combine(today, GENERATED_AT)
    account_id = random.Random(f"{seed}:account").randint(10_000, 99_999)
    facts = generate_listings(seed, account_id, listings, generated_at)
    drafts: list[StayDraft] = []
    owner_blocks = {}
    for index, listing_facts in enumerate(facts):
        # The first listing of a market behind UTC keeps last night and the next two free, so the
        # demo shows a stay that starts "yesterday" by the server's date and tonight by the
        # property's (its time zone decides: localtime.py).
        behind = index < len(CITIES) and listing_facts.city.timezone in ZONES_BEHIND_UTC
        gap = (today - timedelta(days=1), today + timedelta(days=2)) if behind else None
        listing_drafts, blocks = place_stays(seed, index, listing_facts, today, generated_at, keep_free=gap)
        drafts.extend(listing_drafts)
        owner_blocks[listing_facts.listing["id"]] = blocks
    reservations, money = build_reservations(seed, account_id, drafts, generated_at)
    listings_by_id = {f.listing["id"]: f.listing for f in facts}
    conversations, messages = generate_conversations(
        seed, account_id, reservations, listings_by_id, today, generated_at
    )
    add_queued_messages(seed, {r["id"]: r for r in reservations}, listings_by_id, conversations, messages, today)
    for reservation in reservations:
        listing = listings_by_id[reservation["listingMapId"]]
        listing["latestActivityOn"] = max(listing["latestActivityOn"], reservation["latestActivityOn"])
    office, former_user_id = generate_users(seed, account_id)
    listing_list = [f.listing for f in facts]
    statements = generate_statements(account_id, listing_list, today)
    expenses = generate_expenses(
        seed, account_id, listing_list, reservations, statement_finder(statements), today, generated_at
    )
    crew = generate_crew(seed, account_id, office, list(listings_by_id))
    tasks = generate_tasks(seed, listing_list, reservations, crew, today, generated_at)
    return Account(
        account_id=account_id,
        seed=seed,
        today=today,
        generated_at=generated_at,
        listings=listing_list,
        reservations=reservations,
        conversations=conversations,
        messages=messages,
        owner_blocks=owner_blocks,
        pricing={f.listing["id"]: f.rules for f in facts},
        money=money,
        loose_ids=LooseIds.pick(seed, [f.listing["id"] for f in facts], [r["id"] for r in reservations]),
        reviews=generate_reviews(seed, account_id, reservations, listings_by_id, generated_at),
        templates=generate_templates(seed, account_id, [f.listing for f in facts]),
        users=[*office, *crew.users],
        former_user_id=former_user_id,
        charges=generate_charges(seed, reservations, money, generated_at),
        expenses=expenses,
        expense_categories=generate_categories(),
        owner_statements=statements,
        user_groups=crew.groups,
        coverage=crew.coverage,
        tasks=tasks,
    )
