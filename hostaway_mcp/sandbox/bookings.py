"""Quotes and the booking lifecycle: priceDetails, coupons, and reservations made, changed, cancelled.

The endpoints [D:_calendar_priceDetails, D:_reservation_createReservation, ..updateReservation,
..cancelReservation, D:_coupon_*] and the rules Hostaway documents for them:

- `POST /listings/{id}/calendar/priceDetails` needs `version: 2`; the price comes from the
  listing's calendar prices (written prices included) through `pricing.charge_stay`, with the
  coupon of `reservationCouponId` applied. It quotes any dates: availability is the caller's
  business (`components[]` overrides are not modelled);
- `POST /reservations` takes `channelId` 2000, 2002 or 2020 only (2026-08-24), refuses nights
  that are booked or blocked unless `forceOverbooking=1`, and refuses a `provider` longer than 50
  characters (2026-09-01: rejected, not truncated; it becomes `source`). `financeField[]` and
  `totalPrice` are kept as sent; without them the booking is priced like a quote;
- `PUT /reservations/{id}` changes only what it is sent, except `financeField`: "all fields must
  be submitted … not specified fields will be deleted", so a list replaces the booking's fields
  whole. `listingMapId` cannot change. Bookings the channel manages (Airbnb, Booking.com) answer
  403, as Hostaway does for channel-managed data;
- `PUT /reservations/{id}/statuses/cancelled` with `{"cancelledBy": "host"|"guest"}` cancels and
  frees the nights.

Error texts are UNCONFIRMED; the codes follow the rest of the sandbox (400 bad input, 404 unknown ids).
"""

# Over 400 lines for now: the quote and the booking routes share one pricing (`charges`) and one
# stay check; quotes and coupons can move to a module of their own when either side grows.

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox.account import JsonDict, Money
from hostaway_mcp.sandbox.calendar import iter_days
from hostaway_mcp.sandbox.looseids import LooseIds
from hostaway_mcp.sandbox.pricing import Coupon, StayCharges, charge_stay, quote_component
from hostaway_mcp.sandbox.rand import fmt_datetime
from hostaway_mcp.sandbox.reservations import RESERVATION_TEMPLATE
from hostaway_mcp.sandbox.state import AccountState
from hostaway_mcp.sandbox.wire import ApiError, Call, Query, Route, SandboxResponse, parse_json_body, success

MAX_PROVIDER_CHARS = 50
MAX_STAY_NIGHTS = 3 * 366
# Reservation fields a POST or PUT may set as sent (the rest are the server's: ids, channel names...).
WRITABLE = frozenset(RESERVATION_TEMPLATE) - {
    "id",
    "listingMapId",
    "listingName",
    "channelId",
    "channelName",
    "hostawayReservationId",
    "status",
    "nights",
    "arrivalDate",
    "departureDate",
    "currency",
    "financeField",
    "reservationDate",
    "insertedOn",
    "updatedOn",
    "latestActivityOn",
    "cancellationDate",
    "cancelledBy",
    "source",
    "totalPrice",
    "numberOfGuests",
}
CANCELLED_BY = ("host", "guest")


class BookingRoutes:
    """The handlers; `HostawayApi` routes the calls (its `Call` carries method, query and body)."""

    def __init__(self, state: AccountState, loose: LooseIds) -> None:
        self._state = state
        self._loose = loose
        self._next_id = max((r["id"] for r in state.account.reservations), default=40_000_000)

    def routes(self) -> list[Route]:
        return [
            ("POST", re.compile(r"/listings/(\d+)/calendar/priceDetails"), self._price_details),
            ("GET", re.compile(r"/coupons"), self._coupons),
            ("GET", re.compile(r"/reservationCoupons"), self._reservation_coupons),
            ("POST", re.compile(r"/reservationCoupons"), self._create_reservation_coupon),
            ("POST", re.compile(r"/reservations"), self._create),
            ("PUT", re.compile(r"/reservations/(\d+)"), self._update),
            ("PUT", re.compile(r"/reservations/(\d+)/statuses/cancelled"), self._cancel),
        ]

    # -- quotes and coupons ---------------------------------------------------------------------

    def charges(
        self,
        listing: JsonDict,
        start: date,
        end: date,
        guests: int,
        coupon: Coupon | None = None,
        markup: float | None = None,
    ) -> StayCharges:
        """What the stay costs now: the calendar's nightly prices through `pricing.charge_stay`.

        A quote gives only the number of guests, so all of them count as adults (city tax).
        """
        nightly = sum(
            float(self._state.calendar.day(listing["id"], day)["price"])
            for day in iter_days(start, end - timedelta(days=1))
        )
        nights = (end - start).days
        return charge_stay(listing, nightly, nights, guests=guests, adults=guests, coupon=coupon, markup=markup)

    def _price_details(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        listing = self._listing(int(match.group(1)))
        body = _object(call.body)
        if body.get("version") not in (2, "2"):
            raise ApiError(400, 'Please use version 2 of the price calculation ("version": 2).')
        fields = _fields(body)
        start, end = _stay(fields, "startingDate", "endingDate")
        guests = fields.integer("numberOfGuests", minimum=1)
        if guests is None:
            raise ApiError(400, 'The "numberOfGuests" parameter is required.')
        markup = body.get("markup")
        if markup is not None and (isinstance(markup, bool) or not isinstance(markup, int | float) or markup < 1):
            raise ApiError(400, 'The "markup" parameter must be a number of at least 1.0.')
        coupon_id = fields.integer("reservationCouponId", minimum=1)
        coupon = None if coupon_id is None else self._state.coupons.for_quote(coupon_id, listing["id"], start, end)
        return success(self.quote(listing, start, end, guests, coupon, None if markup is None else float(markup)))

    def quote(
        self,
        listing: JsonDict,
        start: date,
        end: date,
        guests: int,
        coupon: Coupon | None = None,
        markup: float | None = None,
    ) -> JsonDict:
        """The `result` of priceDetails for this stay, as the account prices it now."""
        charges = self.charges(listing, start, end, guests, coupon, markup)
        return {
            "totalPrice": charges.total,
            "originalTotalPrice": 0,
            "selectedComponentsAmount": 0,
            "components": [quote_component(line) for line in charges.lines()],
            "extraComponents": [],
            "selectedComponents": [],
        }

    def _coupons(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        return success(self._state.coupons.coupons)

    def _reservation_coupons(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        return success(list(self._state.coupons.relations.values()))

    def _create_reservation_coupon(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        body = _object(call.body)
        fields = _fields(body)
        name = fields.text("couponName")
        if name is None:
            raise ApiError(400, 'The "couponName" parameter is required.')
        listing_id = fields.integer("listingMapId", minimum=1)
        if listing_id is None:
            raise ApiError(400, 'The "listingMapId" parameter is required.')
        listing = self._listing(listing_id)
        start, end = _stay(fields, "startingDate", "endingDate")
        base = self.charges(listing, start, end, 1)
        relation = self._state.coupons.create_relation(
            name, listing["id"], start, end, round(base.accommodation + base.discount, 2)
        )
        # The docs name the id both `id` (the object) and `reservationCouponId` (the quote's field).
        return success({**relation, "reservationCouponId": relation["id"]})

    # -- reservations -----------------------------------------------------------------------------

    def _create(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        body = _object(call.body)
        fields = _fields(body)
        provider = call.query.text("provider")
        if provider is not None and len(provider) > MAX_PROVIDER_CHARS:
            raise ApiError(400, f'The "provider" parameter may be at most {MAX_PROVIDER_CHARS} characters.')
        channel = fields.integer("channelId")
        if channel is None:
            raise ApiError(400, 'The "channelId" parameter is required.')
        if channel not in catalog.CREATABLE_CHANNELS:
            raise ApiError(400, 'The "channelId" parameter must be 2000 (direct), 2002 (homeaway) or 2020 (partner).')
        listing_id = fields.integer("listingMapId", minimum=1)
        if listing_id is None:
            raise ApiError(400, 'The "listingMapId" parameter is required.')
        listing = self._listing(listing_id)
        arrival, departure = _stay(fields, "arrivalDate", "departureDate")
        guests = fields.integer("numberOfGuests", minimum=1) or 1
        if not call.query.flag("forceOverbooking"):
            self._refuse_overbooking(listing["id"], arrival, departure, None)
        self._next_id += 1
        now = fmt_datetime(self._state.now().replace(microsecond=0))
        reservation = {
            **RESERVATION_TEMPLATE,
            **_writable(body),
            "id": self._next_id,
            "listingMapId": listing["id"],
            "listingName": listing["name"],
            "channelId": channel,
            "source": provider,
            "channelName": catalog.CHANNEL_NAMES[channel],
            "reservationId": f"{self._state.account.account_id}-{listing['id']}-{channel}-{self._next_id}",
            "hostawayReservationId": str(self._next_id),
            "reservationDate": now,
            "numberOfGuests": guests,
            "arrivalDate": arrival.isoformat(),
            "departureDate": departure.isoformat(),
            "nights": (departure - arrival).days,
            "checkInTime": body.get("checkInTime", listing["checkInTimeStart"]),
            "checkOutTime": body.get("checkOutTime", listing["checkOutTime"]),
            "currency": listing["currencyCode"],
            "status": "new",
            "insertedOn": now,
            "updatedOn": now,
            "latestActivityOn": now,
            "cancellationPolicyId": listing["cancellationPolicyId"],
            "customFieldValues": [],
            "reservationFees": [],
            "reservationUnit": [],
            "financeField": [],
        }
        reservation["guestName"] = reservation["guestName"] or _joined(body)
        finance = body.get("financeField")
        if finance is None:
            charges = self.charges(listing, arrival, departure, guests)
            finance = [quote_component(line) for line in charges.lines()]
        self._set_finance(reservation, finance)
        total = _amount(body, "totalPrice")
        reservation["totalPrice"] = total if total is not None else _included_total(self._state.finance[self._next_id])
        coupon = fields.text("couponName")
        if coupon is not None:
            self._state.coupons.count_use(coupon)
        self._state.account.reservations.append(reservation)
        self._state.reservations_by_id[reservation["id"]] = reservation
        self._state.calendar.hold(reservation)
        return success(self._loose.reservation(reservation))

    def _update(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        reservation = self._reservation(int(match.group(1)))
        if reservation["channelId"] in catalog.CHANNEL_MANAGED:
            channel = reservation["channelName"]
            raise ApiError(403, f"This reservation is managed by {channel} and cannot be changed through the API.")
        body = _object(call.body)
        fields = _fields(body)
        for fixed in ("listingMapId", "channelId"):
            if fixed in body and fields.integer(fixed) != reservation[fixed]:
                raise ApiError(400, f'The "{fixed}" of a reservation cannot be changed.')
        finance = body.get("financeField")
        if finance is not None and not isinstance(finance, list):
            raise ApiError(400, 'The "financeField" parameter must be an array.')
        total = _amount(body, "totalPrice")
        if "arrivalDate" in body or "departureDate" in body:
            merged = Query({"arrivalDate": reservation["arrivalDate"], "departureDate": reservation["departureDate"]})
            merged.params.update({k: str(v) for k, v in body.items() if k in ("arrivalDate", "departureDate")})
            arrival, departure = _stay(merged, "arrivalDate", "departureDate")
            self._move(reservation, arrival, departure, force=bool(call.query.flag("forceOverbooking")))
        if "numberOfGuests" in body:
            reservation["numberOfGuests"] = fields.integer("numberOfGuests", minimum=1)
        reservation.update(_writable(body))
        if finance is not None:
            self._set_finance(reservation, finance)  # the whole list: whatever was not sent is gone
        if total is not None:
            reservation["totalPrice"] = total
        if reservation["status"] == "new":
            reservation["status"] = "modified"
        reservation["updatedOn"] = reservation["latestActivityOn"] = fmt_datetime(
            self._state.now().replace(microsecond=0)
        )
        return success(self._loose.reservation(reservation))

    def _cancel(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        reservation = self._reservation(int(match.group(1)))
        body = _object(call.body)
        cancelled_by = body.get("cancelledBy")
        if cancelled_by not in CANCELLED_BY:
            raise ApiError(400, 'The "cancelledBy" parameter must be host or guest.')
        if reservation["status"] == "cancelled":
            raise ApiError(400, "The reservation is already cancelled.")
        now = fmt_datetime(self._state.now().replace(microsecond=0))
        self._state.calendar.release(reservation)
        reservation.update(
            status="cancelled", cancelledBy=cancelled_by, cancellationDate=now, updatedOn=now, latestActivityOn=now
        )
        return success(self._loose.reservation(reservation))

    # -- helpers ---------------------------------------------------------------------------------

    def _listing(self, listing_id: int) -> JsonDict:
        listing = self._state.listings_by_id.get(listing_id)
        if listing is None:
            raise ApiError(404, "Listing not found.")
        return listing

    def _reservation(self, reservation_id: int) -> JsonDict:
        reservation = self._state.reservations_by_id.get(reservation_id)
        if reservation is None:
            raise ApiError(404, "Reservation not found.")
        return reservation

    def _refuse_overbooking(self, listing_id: int, arrival: date, departure: date, moving: JsonDict | None) -> None:
        calendar = self._state.calendar
        taken = [
            day
            for day in iter_days(arrival, departure - timedelta(days=1))
            if calendar.day(listing_id, day)["isAvailable"] != 1
            and (moving is None or calendar.holding_reservation(listing_id, day) is not moving)
        ]
        if taken:
            raise ApiError(
                400,
                f"The listing is not available for the selected dates ({len(taken)} night(s) from "
                f"{taken[0].isoformat()} are booked or blocked).",
            )

    def _move(self, reservation: JsonDict, arrival: date, departure: date, *, force: bool) -> None:
        if not force:
            self._refuse_overbooking(reservation["listingMapId"], arrival, departure, reservation)
        blocking = reservation["status"] in catalog.BLOCKING_STATUSES
        if blocking:
            self._state.calendar.release(reservation)
        reservation["previousArrivalDate"] = reservation["arrivalDate"]
        reservation["previousDepartureDate"] = reservation["departureDate"]
        reservation.update(
            arrivalDate=arrival.isoformat(), departureDate=departure.isoformat(), nights=(departure - arrival).days
        )
        if blocking:
            self._state.calendar.hold(reservation)

    def _set_finance(self, reservation: JsonDict, finance: Any) -> None:
        if not isinstance(finance, list) or not all(isinstance(item, dict) for item in finance):
            raise ApiError(400, 'The "financeField" parameter must be an array of objects.')
        stored = []
        for index, item in enumerate(finance, start=1):
            value = _amount(item, "value")
            total = _amount(item, "total")
            if not isinstance(item.get("name"), str) or (value is None and total is None):
                raise ApiError(400, 'Each "financeField" item needs a "name" and a "value".')
            stored.append(
                {**item, "id": reservation["id"] * 100 + index, "value": value if value is not None else total,
                 "total": total if total is not None else value}
            )  # fmt: skip
        self._state.finance[reservation["id"]] = stored
        self._state.account.money[reservation["id"]] = _money(stored)


def _object(raw: bytes) -> JsonDict:
    body = parse_json_body(raw)
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


def _fields(body: JsonDict) -> Query:
    """A JSON body's scalars as a `Query`, for the same strict parsing as query parameters."""
    return Query({key: str(value) for key, value in body.items() if isinstance(value, str | int | float)})


def _stay(fields: Query, first: str, last: str) -> tuple[date, date]:
    start, end = fields.day(first), fields.day(last)
    if start is None or end is None:
        raise ApiError(400, f'The "{first}" and "{last}" parameters are required.')
    if end <= start:
        raise ApiError(400, f'"{last}" must be after "{first}".')
    if (end - start).days > MAX_STAY_NIGHTS:
        raise ApiError(400, "The stay is too long.")
    return start, end


def _amount(body: JsonDict, name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, f'The "{name}" parameter must be a number.')
    return round(float(value), 2)


def _writable(body: JsonDict) -> JsonDict:
    return {key: value for key, value in body.items() if key in WRITABLE}


def _joined(body: JsonDict) -> str | None:
    parts = [body.get("guestFirstName"), body.get("guestLastName")]
    return " ".join(p for p in parts if isinstance(p, str) and p) or None


def _included_total(fields: list[JsonDict]) -> float:
    return round(sum(float(f["total"]) for f in fields if f.get("isIncludedInTotalPrice") in (1, True, "1")), 2)


def _money(fields: list[JsonDict]) -> Money:
    """The breakdown behind reports, read back from finance fields as they were written."""

    def total(*names: str, kind: str | None = None) -> float:
        return round(sum(float(f["total"]) for f in fields if f.get("name") in names or f.get("type") == kind), 2)

    vat_name = next((f["name"] for f in fields if f.get("name") in ("vat", "salesTax")), "vat")
    return Money(
        accommodation=total(kind="price"),
        discount=total(kind="discount"),
        discount_name=next((f["name"] for f in fields if f.get("name") in ("weeklyDiscount", "monthlyDiscount")), None),
        cleaning_fee=total("cleaningFee"),
        pet_fee=total("petFee"),
        vat=total(vat_name),
        vat_name=vat_name,
        city_tax=total("cityTax"),
        channel_commission=total("hostChannelFee"),
        pm_commission=0.0,
    )
