"""Guest payments: `/guestPayments/charges`, its list query and the three writes the API allows.

1. **The list query** (`ChargeBook.query`), as documented ([D:_guestPayment_retrieveChargeList],
   changelog 2026-10-02): `reservationIds`/`listingMapIds` as brackets, a comma list or one id, at
   most **200 entries each** (counted before duplicates go), every entry a plain positive integer,
   else 400 naming the parameter; `statuses[]`/`types[]` in the bracket form only (a bare value is
   ignored); each pair of date bounds at most **60 days** apart, else 400 naming the pair (a pair
   with one bound only is accepted: UNCONFIRMED); the default order: upcoming charges first,
   soonest first, then past ones newest first; `limit` defaults to 100, at most 500.
2. **The writes**, each keeping the booking's `remainingBalance` and `paymentStatus` true (a paid
   charge takes its amount off the balance, a refund puts it back; `balance_of` is the rule the
   generated charges follow too):
   - create an offline charge ([D:_guestPayment_createOfflineCharge]): every field but
     `description` required, `status` awaiting|paid, an offline `paymentMethod` only: online card
     charges and payment links cannot be created through the API;
   - update one ([D:_guestPayment_updateOfflineCharge]): only `awaiting` charges, never
     `credit_card_online` ones, every field required, the new status `paid` or `cancelled`;
   - refund one ([D:_guestPayment_refundOfflineCharge]): a paid `charge`, never one paid by
     `credit_card_online` or `payment_link`, at most what is still refundable (partial refunds
     add up), stored as a separate `refund` charge with the negative amount, status `succeeded`.
     `isIncludeInPriceBreakdown` is kept in `refundInfo`; how Hostaway then changes the price
     breakdown is UNCONFIRMED, so the booking's total stays as it is.
3. **Routes** (`GuestPaymentsApi`): `GET /guestPayments/charges`, `GET .../charges/{id}`,
   `POST .../charges/{reservationId}`, `PUT .../charges/{reservationId}/{chargeId}` and
   `POST .../charges/{reservationId}/{chargeId}/refund`.

The demo account's own charges are generated in `charge_history.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox import charge_params as params
from hostaway_mcp.sandbox.account import JsonDict
from hostaway_mcp.sandbox.looseids import LooseIds
from hostaway_mcp.sandbox.queries import Check, field_equals, field_in, stamp_from, stamp_until, text_field
from hostaway_mcp.sandbox.rand import fmt_datetime
from hostaway_mcp.sandbox.wire import ApiError, Call, Query, Route, SandboxResponse, parse_json_body, success

MAX_IDS = params.MAX_IDS
MAX_PAIR_DAYS = 60
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
FIRST_CHARGE_ID = 8_000_000
PAYING_CHANNELS = frozenset({catalog.CHANNEL_DIRECT, 2013})  # direct and booking engine
OFFLINE_METHODS = params.OFFLINE_METHODS
ONLINE_METHODS = params.ONLINE_METHODS
REFUND_REASONS = ("requested_by_customer", "duplicate", "fraudulent")
SORTABLE = ("id", "amount", "status", "type", "scheduledDate", "chargeDate", "reservationId")

# The documented object's fields, in its order ([D:_guestPayment_chargeObject]).
CHARGE_TEMPLATE: JsonDict = dict.fromkeys((
    "id", "listingMapId", "reservationId", "autopaymentId", "type", "title", "description", "currency",
    "paymentMethod", "amount", "capturedAmount", "status", "paymentProvider", "paymentProviderMessage",
    "paymentProviderInvoiceId", "paymentProviderChargeId", "scheduledDate", "chargeDate", "holdReleaseDate",
    "isManual", "autoChargeId", "triggerEvent", "triggerTimeDelta", "flatFee", "percentageFee", "transactions",
))  # fmt: skip
CHARGE_TEMPLATE.update(type="charge", isManual=0, triggerTimeDelta=0, transactions=[])
ID_FILTERS = {"reservationIds": "reservationId", "listingMapIds": "listingMapId"}
# (lower bound, upper bound, the field they bound); arrival and departure are the booking's.
DATE_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("startDate", "endDate", "scheduledDate"),
    ("chargeDateStart", "chargeDateEnd", "scheduledDate"),
    ("refundDateStart", "refundDateEnd", "chargeDate"),
    ("arrivalDateFrom", "arrivalDateTo", "arrivalDate"),
    ("departureDateFrom", "departureDateTo", "departureDate"),
)


def balance_of(total: float, charges: Iterable[JsonDict]) -> float:
    """What a guest still owes: the total less the paid charges, plus what was refunded to them.

    Held pre-authorisations and awaiting, failed or cancelled charges move nothing.
    """
    paid = sum(c["amount"] for c in charges if c["type"] == "charge" and c["status"] == "paid")
    refunded = -sum(c["amount"] for c in charges if c["type"] == "refund" and c["status"] == "succeeded")
    return round(float(total - paid + refunded), 2)


def payment_status(total: float, remaining: float) -> str:
    """The undocumented `paymentStatus` words (hostaway-api.md §5) for a balance."""
    if remaining <= 0:
        return "Paid"
    return "Unpaid" if remaining >= total else "Partially paid"


def refund_charge(
    refund_id: int, charge: JsonDict, amount: float, reason: str, in_breakdown: int, stamp: str, title: str = "Refund"
) -> JsonDict:
    """The separate `refund` charge Hostaway stores for a refund of `charge` (negative amount)."""
    refund = CHARGE_TEMPLATE.copy()
    refund.update(
        id=refund_id,
        listingMapId=charge["listingMapId"],
        reservationId=charge["reservationId"],
        type="refund",
        title=title,
        currency=charge["currency"],
        paymentMethod=charge["paymentMethod"],
        amount=-round(amount, 2),
        capturedAmount=0,
        status="succeeded",
        paymentProvider=charge["paymentProvider"] if charge["paymentMethod"] in ONLINE_METHODS else "offline",
        chargeDate=stamp,
        isManual=1,
        flatFee=0,
        percentageFee=0,
        transactions=[],
    )
    refund["refundInfo"] = {
        "id": refund_id - FIRST_CHARGE_ID,
        "chargeId": refund_id,
        "refundedChargeId": charge["id"],
        "reason": reason if reason in REFUND_REASONS else "requested_by_customer",
        "isIncludeInPriceBreakdown": in_breakdown,
    }
    return refund


def refunded_part(charge: JsonDict, charges: Iterable[JsonDict]) -> float:
    """How much of `charge` was refunded so far (a positive amount)."""
    refunds = [
        c["amount"]
        for c in charges
        if c["type"] == "refund" and (c.get("refundInfo") or {}).get("refundedChargeId") == charge["id"]
    ]
    return round(-float(sum(refunds)), 2)


class ChargeBook:
    """The account's guest charges, the list query and the writes; callers hold the sandbox lock."""

    def __init__(
        self, charges: list[JsonDict], reservations_by_id: dict[int, JsonDict], now: Callable[[], datetime]
    ) -> None:
        self.charges = charges
        self.by_id = {charge["id"]: charge for charge in charges}
        self._reservations = reservations_by_id
        self._now = now

    def get(self, charge_id: int) -> JsonDict:
        charge = self.by_id.get(charge_id)
        if charge is None:
            raise ApiError(404, "Charge not found.")
        return charge

    # -- the list query ---------------------------------------------------------------------------

    def query(self, query: Query) -> list[JsonDict]:
        checks: list[Check] = []
        for name in ("reservationId", "listingMapId"):
            single = query.integer(name)
            if single is not None:
                checks.append(field_equals(name, single))
        for name, field in ID_FILTERS.items():
            ids = params.id_list(query, name)
            if ids:
                checks.append(field_in(field, frozenset(ids)))
        for name, field in (("statuses", "status"), ("types", "type")):
            values = params.bracketed(query, name)
            if values:
                checks.append(field_in(field, frozenset(values)))
        methods = query.texts("paymentMethods")
        if methods:
            checks.append(field_in("paymentMethod", frozenset(methods)))
        provider = query.text("paymentProvider")
        if provider:
            checks.append(field_equals("paymentProvider", provider))
        reservation_statuses = frozenset(query.texts("reservationStatuses"))
        if reservation_statuses:
            checks.append(lambda c: self._booking(c).get("status") in reservation_statuses)
        channels = frozenset(query.integers("channelIds"))
        if channels:
            checks.append(lambda c: self._booking(c).get("channelId") in channels)
        for low_name, high_name, field in DATE_PAIRS:
            checks.extend(self._date_pair(query, low_name, high_name, field))
        found = [c for c in self.charges if all(check(c) for check in checks)]
        sort_by = query.text("sortBy")
        if sort_by is None:
            return sorted(found, key=self._default_order)
        if sort_by not in SORTABLE:
            raise ApiError(400, f'The "sortBy" parameter must be one of {", ".join(SORTABLE)}.')
        order = (query.text("sortOrder") or "asc").lower()
        if order not in ("asc", "desc"):
            raise ApiError(400, 'The "sortOrder" parameter must be asc or desc.')
        return sorted(found, key=lambda c: (c[sort_by] is not None, c[sort_by] or 0, c["id"]), reverse=order == "desc")

    def _booking(self, charge: JsonDict) -> JsonDict:
        return self._reservations.get(charge["reservationId"]) or {}

    def _date_pair(self, query: Query, low_name: str, high_name: str, field: str) -> list[Check]:
        low, high = params.date_bound(query, low_name), params.date_bound(query, high_name)
        if low is not None and high is not None:
            if high < low:
                raise ApiError(400, f'The "{high_name}" parameter must not be before "{low_name}".')
            if (date.fromisoformat(high[:10]) - date.fromisoformat(low[:10])).days > MAX_PAIR_DAYS:
                raise ApiError(
                    400, f'The "{low_name}" and "{high_name}" parameters may be at most {MAX_PAIR_DAYS} days apart.'
                )
        on_charge = text_field(field)

        def value(charge: JsonDict) -> str | None:
            return on_charge(self._booking(charge) if field in ("arrivalDate", "departureDate") else charge)

        checks: list[Check] = []
        if low_name.startswith("refund") and (low or high):
            checks.append(field_equals("type", "refund"))
        if low is not None:
            checks.append(stamp_from(value, low))
        if high is not None:
            checks.append(stamp_until(value, high))
        return checks

    def _default_order(self, charge: JsonDict) -> tuple[int, float, int]:
        """Upcoming charges first, soonest first; then past ones, newest first."""
        stamp = charge["scheduledDate"] or charge["chargeDate"]
        moment = datetime.fromisoformat(stamp).timestamp() if stamp else 0.0
        now = self._now().replace(tzinfo=None).timestamp()
        return (0, moment, charge["id"]) if moment >= now else (1, -moment, -charge["id"])

    # -- the writes --------------------------------------------------------------------------------

    def create(self, reservation_id: int, body: Any) -> JsonDict:
        reservation = self._reservation(reservation_id)
        fields = params.body_fields(body, required=("title", "amount", "paymentMethod", "status", "scheduledDate"))
        status = params.choice(fields, "status", ("awaiting", "paid"))
        charge = CHARGE_TEMPLATE.copy()
        charge.update(
            id=self._next_id(),
            listingMapId=reservation["listingMapId"],
            reservationId=reservation["id"],
            title=params.title_text(fields["title"]),
            description=params.description_text(fields.get("description")),
            currency=reservation["currency"],
            paymentMethod=params.offline_method(fields["paymentMethod"]),
            amount=params.positive(fields["amount"], "amount"),
            capturedAmount=0,
            status=status,
            paymentProvider="offline",
            scheduledDate=params.stamp(fields["scheduledDate"], "scheduledDate"),
            chargeDate=self._stamp() if status == "paid" else None,
            flatFee=0,
            percentageFee=0,
            transactions=[],
        )
        self._add(charge)
        if status == "paid":
            self._settle(reservation, -charge["amount"])
        return charge

    def update(self, reservation_id: int, charge_id: int, body: Any) -> JsonDict:
        reservation = self._reservation(reservation_id)
        charge = self._charge_of(reservation, charge_id)
        required = ("title", "description", "amount", "paymentMethod", "status", "scheduledDate")
        fields = params.body_fields(body, required=required)
        if charge["paymentMethod"] == "credit_card_online":
            raise ApiError(400, "Charges paid with credit_card_online cannot be updated through the API.")
        if charge["status"] != "awaiting":
            raise ApiError(400, f"Only charges in status awaiting can be updated; this one is {charge['status']}.")
        status = params.choice(fields, "status", ("paid", "cancelled"))
        changes = {
            "title": params.title_text(fields["title"]),
            "description": params.description_text(fields["description"]),
            "amount": params.positive(fields["amount"], "amount"),
            "paymentMethod": params.offline_method(fields["paymentMethod"]),
            "status": status,
            "scheduledDate": params.stamp(fields["scheduledDate"], "scheduledDate"),
            "paymentProvider": "offline",
            "chargeDate": self._stamp() if status == "paid" else charge["chargeDate"],
        }
        charge.update(changes)
        if status == "paid":
            self._settle(reservation, -charge["amount"])
        return charge

    def refund(self, reservation_id: int, charge_id: int, body: Any) -> JsonDict:
        reservation = self._reservation(reservation_id)
        charge = self._charge_of(reservation, charge_id)
        if charge["paymentMethod"] in ONLINE_METHODS:
            raise ApiError(
                400,
                f"Charges paid with {charge['paymentMethod']} cannot be refunded here: refunding them returns the "
                "money through the payment provider.",
            )
        if charge["type"] != "charge" or charge["status"] != "paid":
            raise ApiError(400, "Only a charge of type charge in status paid can be refunded.")
        fields = params.body_fields(body, required=("title", "amount"))
        amount = params.positive(fields["amount"], "amount")
        refundable = round(charge["amount"] - refunded_part(charge, self.charges), 2)
        if amount > refundable:
            raise ApiError(400, f"The amount is more than what is still refundable on this charge ({refundable}).")
        in_breakdown = fields.get("isIncludeInPriceBreakdown", 0)
        if in_breakdown not in (0, 1) or isinstance(in_breakdown, bool):
            raise ApiError(400, 'The "isIncludeInPriceBreakdown" field must be 0 or 1.')
        reason = fields.get("reason") or "requested_by_customer"
        title = params.title_text(fields["title"])
        refund = refund_charge(self._next_id(), charge, amount, str(reason), in_breakdown, self._stamp(), title)
        refund["description"] = params.description_text(fields.get("description"))
        self._add(refund)
        self._settle(reservation, amount)
        return refund

    def _reservation(self, reservation_id: int) -> JsonDict:
        reservation = self._reservations.get(reservation_id)
        if reservation is None:
            raise ApiError(404, "Reservation not found.")
        return reservation

    def _charge_of(self, reservation: JsonDict, charge_id: int) -> JsonDict:
        charge = self.by_id.get(charge_id)
        if charge is None or charge["reservationId"] != reservation["id"]:
            raise ApiError(404, "Charge not found.")
        return charge

    def _next_id(self) -> int:
        return max(self.by_id, default=FIRST_CHARGE_ID) + 1

    def _stamp(self) -> str:
        return fmt_datetime(self._now().replace(microsecond=0, tzinfo=None))

    def _add(self, charge: JsonDict) -> None:
        self.charges.append(charge)
        self.by_id[charge["id"]] = charge

    @staticmethod
    def _settle(reservation: JsonDict, change: float) -> None:
        """Move the booking's balance by `change` (a booking with no balance, e.g. cancelled, keeps none)."""
        if reservation.get("remainingBalance") is None:
            return
        remaining = round(reservation["remainingBalance"] + change, 2)
        reservation["remainingBalance"] = remaining
        reservation["paymentStatus"] = payment_status(reservation["totalPrice"], remaining)


# -- routes --------------------------------------------------------------------------------------------


class GuestPaymentsApi:
    """`/guestPayments/...` routes over a ChargeBook."""

    def __init__(self, book: ChargeBook, loose: LooseIds) -> None:
        self._book = book
        self._loose = loose

    def routes(self) -> list[Route]:
        return [
            ("GET", re.compile(r"/guestPayments/charges"), self._list),
            ("GET", re.compile(r"/guestPayments/charges/(\d+)"), self._get),
            ("POST", re.compile(r"/guestPayments/charges/(\d+)"), self._create),
            ("PUT", re.compile(r"/guestPayments/charges/(\d+)/(\d+)"), self._update),
            ("POST", re.compile(r"/guestPayments/charges/(\d+)/(\d+)/refund"), self._refund),
        ]

    def _list(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        query = call.query
        limit = min(query.integer("limit", minimum=1) or DEFAULT_LIMIT, MAX_LIMIT)
        offset = query.integer("offset", minimum=0)
        found = self._book.query(query)
        start = offset or 0
        page = [self._loose.references(charge) for charge in found[start : start + limit]]
        return success(page, count=len(found), limit=limit, offset=offset)

    def _get(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        return success(self._loose.references(self._book.get(int(match.group(1)))))

    def _create(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        charge = self._book.create(int(match.group(1)), parse_json_body(call.body))
        return success(self._loose.references(charge))

    def _update(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        charge = self._book.update(int(match.group(1)), int(match.group(2)), parse_json_body(call.body))
        return success(self._loose.references(charge))

    def _refund(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        refund = self._book.refund(int(match.group(1)), int(match.group(2)), parse_json_body(call.body))
        return success(self._loose.references(refund))
