"""The demo account's coupons, and the reservation-coupon objects a quote needs to apply one.

Hostaway applies a coupon to a quote in two steps [D:_calendar_priceDetails]: `POST
/reservationCoupons` with `{couponName, listingMapId, startingDate, endingDate}` creates a
relation object (this is a write: the object stays in the account), and its id goes into
`priceDetails` as `reservationCouponId`. `couponName` on `POST /reservations` only counts one
use of the coupon; it does not change the price.

The four coupons cover what a caller must handle: a percentage off, a flat amount off with a
minimum stay, one whose check-in window is over, and one with no uses left. Names are upper-case
letters and digits, as Hostaway requires. The exact error texts are UNCONFIRMED.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from hostaway_mcp.sandbox.pricing import Coupon
from hostaway_mcp.sandbox.rand import fmt_datetime
from hostaway_mcp.sandbox.wire import ApiError

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class CouponSpec:
    coupon: Coupon
    minimum_nights: int
    uses_initial: int  # -1: unlimited
    uses_used: int
    check_in_days: tuple[int, int] | None  # check-in window, in days from "today"


COUPON_SPECS: tuple[CouponSpec, ...] = (
    CouponSpec(Coupon("WELCOME10", "percentage", 10.0), 1, -1, 41, None),
    CouponSpec(Coupon("STAY3SAVE50", "flatFee", 50.0), 3, 200, 12, (0, 365)),
    CouponSpec(Coupon("SUMMER25", "percentage", 25.0), 2, 100, 100, None),
    CouponSpec(Coupon("EARLYBIRD15", "percentage", 15.0), 2, -1, 7, (-200, -20)),
)


class CouponBook:
    """The coupons of one sandbox and the reservation-coupon objects created against them."""

    def __init__(self, account_id: int, today: date, generated_at: datetime) -> None:
        self._specs: dict[str, CouponSpec] = {spec.coupon.name: spec for spec in COUPON_SPECS}
        self.coupons: list[JsonDict] = []
        for index, spec in enumerate(COUPON_SPECS, start=1):
            window = spec.check_in_days
            self.coupons.append(
                {
                    "id": 700 + index,
                    "accountId": account_id,
                    "userId": None,
                    "isActive": 1,
                    "isExpired": 1 if window is not None and window[1] < 0 else 0,
                    "name": spec.coupon.name,
                    "type": spec.coupon.kind,
                    "amount": spec.coupon.amount,
                    "minimumNights": spec.minimum_nights,
                    "checkInDateStart": (today + timedelta(days=window[0])).isoformat() if window else None,
                    "checkInDateEnd": (today + timedelta(days=window[1])).isoformat() if window else None,
                    "numberOfUsesInitial": spec.uses_initial,
                    "numberOfUsesUsed": spec.uses_used,
                    "validityDateStart": (today - timedelta(days=400)).isoformat(),
                    "validityDateEnd": None,
                    "insertedOn": fmt_datetime(generated_at - timedelta(days=400)),
                    "updatedOn": fmt_datetime(generated_at - timedelta(days=3)),
                }
            )
        self._by_name = {coupon["name"]: coupon for coupon in self.coupons}
        self.relations: dict[int, JsonDict] = {}
        self._next_relation_id = 5_000

    def create_relation(self, name: str, listing_id: int, start: date, end: date, base_price: float) -> JsonDict:
        """`POST /reservationCoupons`: check the coupon applies to the stay, then record the relation."""
        coupon = self._usable(name, start, end)
        spec = self._specs[coupon["name"]]
        self._next_relation_id += 1
        off = base_price * spec.coupon.amount / 100 if spec.coupon.kind == "percentage" else spec.coupon.amount
        relation = {
            "id": self._next_relation_id,
            "userId": None,
            "listingMapId": listing_id,
            "reservationId": 0,
            "couponId": coupon["id"],
            "couponName": coupon["name"],
            "reservationBasePrice": base_price,
            "couponPrice": round(max(0.0, base_price - off), 2),
            "startingDate": start.isoformat(),
            "endingDate": end.isoformat(),
        }
        self.relations[relation["id"]] = relation
        return relation

    def for_quote(self, relation_id: int, listing_id: int, start: date, end: date) -> Coupon:
        """The coupon behind `reservationCouponId`, which must have been made for this listing and stay."""
        relation = self.relations.get(relation_id)
        if relation is None:
            raise ApiError(404, "Reservation coupon not found.")
        if relation["listingMapId"] != listing_id or (relation["startingDate"], relation["endingDate"]) != (
            start.isoformat(),
            end.isoformat(),
        ):
            raise ApiError(400, "The reservation coupon was created for another listing or other dates.")
        return self._specs[relation["couponName"]].coupon

    def count_use(self, name: str) -> None:
        """`couponName` on a new reservation: one more use (the price is not changed)."""
        coupon = self._by_name.get(name.strip().upper())
        if coupon is None:
            raise ApiError(400, "Coupon not found.")
        coupon["numberOfUsesUsed"] += 1

    def _usable(self, name: str, start: date, end: date) -> JsonDict:
        coupon = self._by_name.get(name.strip().upper())
        if coupon is None or not coupon["isActive"]:
            raise ApiError(400, "Coupon not found.")
        window_start, window_end = coupon["checkInDateStart"], coupon["checkInDateEnd"]
        if coupon["isExpired"] or (window_start and start.isoformat() < window_start):
            raise ApiError(400, "The coupon is not valid for this check-in date.")
        if window_end and start.isoformat() > window_end:
            raise ApiError(400, "The coupon is not valid for this check-in date.")
        if (end - start).days < coupon["minimumNights"]:
            raise ApiError(400, f"The coupon needs a stay of at least {coupon['minimumNights']} nights.")
        if 0 <= coupon["numberOfUsesInitial"] <= coupon["numberOfUsesUsed"]:
            raise ApiError(400, "The coupon has no uses left.")
        return coupon
