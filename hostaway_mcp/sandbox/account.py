"""The generated account: Hostaway-shaped raw dicts plus the hidden facts behind them.

The dicts are exactly what the API serves (key order included), so tests can compare API output
with `sandbox.account` directly, except that the ids in `loose_ids` are served as strings. The
hidden parts (pricing rules, owner blocks, money breakdowns) are what the real Hostaway keeps in
other tables; the sandbox derives calendar days and finance fields from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hostaway_mcp.sandbox.calendar import PricingRules
from hostaway_mcp.sandbox.looseids import LooseIds
from hostaway_mcp.sandbox.pricing import StayCharges

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class Money:
    """How a reservation's totalPrice breaks down; finance fields and reports are built from it."""

    accommodation: float  # nightly prices plus extra-guest charges, before discounts
    discount: float  # <= 0
    discount_name: str | None  # "weeklyDiscount" / "monthlyDiscount"
    cleaning_fee: float
    pet_fee: float
    vat: float
    vat_name: str  # "vat" in the EU, "salesTax" in the US
    city_tax: float
    channel_commission: float
    pm_commission: float

    @property
    def base_rate(self) -> float:
        return round(self.accommodation + self.discount, 2)

    @property
    def tax(self) -> float:
        return round(self.vat + self.city_tax, 2)

    @property
    def total(self) -> float:
        return round(self.base_rate + self.cleaning_fee + self.pet_fee + self.tax, 2)

    def charges(self) -> StayCharges:
        """What the guest was charged, as price lines (a generated booking has no coupon or deposit line)."""
        return StayCharges(
            accommodation=self.accommodation,
            discount=self.discount,
            discount_name=self.discount_name,
            coupon_discount=0.0,
            coupon_name=None,
            cleaning_fee=self.cleaning_fee,
            pet_fee=self.pet_fee,
            vat=self.vat,
            vat_name=self.vat_name,
            city_tax=self.city_tax,
            damage_deposit=0.0,
        )


@dataclass
class Account:
    """One fake Hostaway account. Mutable only through the owning Sandbox (messages, calendar, money, tasks)."""

    account_id: int
    seed: int
    today: date
    generated_at: datetime  # every generated timestamp is earlier than this
    listings: list[JsonDict]
    reservations: list[JsonDict]
    conversations: list[JsonDict]
    messages: dict[int, list[JsonDict]]  # conversation id -> messages, oldest first
    owner_blocks: dict[int, list[tuple[date, date, str]]]  # listing id -> [(start, end excl., note)]
    pricing: dict[int, PricingRules]
    money: dict[int, Money]  # reservation id -> breakdown (absent for owner stays)
    loose_ids: LooseIds = field(default_factory=LooseIds)  # ids the API serves as strings
    reviews: list[JsonDict] = field(default_factory=list)  # guest-to-host and host-to-guest, ids ascending
    templates: list[JsonDict] = field(default_factory=list)  # the account's message templates
    users: list[JsonDict] = field(default_factory=list)  # the team, as GET /users lists it
    former_user_id: int = 0  # a user the reservation logs name but GET /users no longer lists
    charges: list[JsonDict] = field(default_factory=list)  # guest charges (charge_history.py); written
    expenses: list[JsonDict] = field(default_factory=list)  # expenses and extras (expenses.py); written
    expense_categories: list[JsonDict] = field(default_factory=list)  # grows when a write names a new one
    owner_statements: list[JsonDict] = field(default_factory=list)  # owner_statements.py; never written
    user_groups: list[JsonDict] = field(default_factory=list)  # GET /userGroups (crew.py)
    coverage: dict[int, list[int]] = field(default_factory=dict)  # user id -> listing ids they work on
    tasks: list[JsonDict] = field(default_factory=list)  # tasks.py; changed by the task writes
