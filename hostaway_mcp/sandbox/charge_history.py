"""The demo account's guest charges: what bookings paid through Hostaway, agreeing with their balances.

OTAs collect their own guests' money, so only direct and booking-engine bookings have guest
charges, and they agree with each booking's `totalPrice`, `remainingBalance` and `paymentStatus`
(the invariant is `guest_payments.balance_of`):
- paid bookings paid one online card charge, a deposit and a balance, cash at check-in, through a
  payment link, by a card taken by phone (whose number staff typed into the description, written
  as `catalog.CHARGE_CARD_STYLES`: tools must withhold it), or twice by mistake with the duplicate
  refunded;
- partly paid ones have a paid deposit and an awaiting balance due a week before arrival; unpaid
  ones one awaiting charge. An awaiting charge whose date has passed was tried and **failed**
  (card declined): the money is still owed;
- cancelled bookings had their charge cancelled, or their deposit refunded;
- some confirmed bookings have a security deposit held on the card (`preAuth`), not a payment.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox.account import JsonDict, Money
from hostaway_mcp.sandbox.guest_payments import (
    CHARGE_TEMPLATE,
    FIRST_CHARGE_ID,
    ONLINE_METHODS,
    PAYING_CHANNELS,
    refund_charge,
)
from hostaway_mcp.sandbox.rand import card_number, fmt_datetime, hex_string


def generate_charges(
    seed: int, reservations: list[JsonDict], money: dict[int, Money], generated_at: datetime
) -> list[JsonDict]:
    """Charges of the direct bookings, agreeing with their balances (see the module docstring)."""
    maker = _ChargeMaker(random.Random(f"{seed}:charges"), generated_at)
    for reservation in sorted(reservations, key=lambda r: r["id"]):
        if reservation["channelId"] in PAYING_CHANNELS and reservation["id"] in money:
            maker.for_booking(reservation)
    return maker.charges


class _ChargeMaker:
    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.next_id = FIRST_CHARGE_ID + rng.randint(0, 400_000)
        self.charges: list[JsonDict] = []
        # Their own generators, so the charges are drawn exactly as without the cards.
        self.cards = [
            card_number(random.Random(f"charge-card:{self.next_id}:{n}"), style)
            for n, style in enumerate(catalog.CHARGE_CARD_STYLES)
        ]

    def for_booking(self, reservation: JsonDict) -> None:
        rng, total = self.rng, float(reservation["totalPrice"])
        booked = datetime.fromisoformat(reservation["reservationDate"])
        arrival = datetime.combine(date.fromisoformat(reservation["arrivalDate"]), time(15))
        paid_at = booked + timedelta(minutes=5)
        due = max(booked + timedelta(hours=1), arrival - timedelta(days=7))
        status, payment = reservation["status"], reservation["paymentStatus"]
        if status == "cancelled":
            if rng.random() < 0.5:
                deposit = self.add(reservation, "deposit", round(total * 0.3, 2), "paid", paid_at)
                self.refund(deposit, deposit["amount"], "requested_by_customer", booked + timedelta(days=2))
            else:
                self.add(reservation, "full", total, "cancelled", booked + timedelta(hours=1))
        elif payment == "Paid":
            self.paid_in_full(reservation, total, booked, arrival, paid_at, due)
        elif payment == "Partially paid":
            owed = float(reservation["remainingBalance"])
            self.add(reservation, "deposit", round(total - owed, 2), "paid", paid_at)
            self.add(reservation, "balance", owed, "awaiting", due)
        elif payment == "Unpaid":
            owed = float(reservation["remainingBalance"])
            self.add(reservation, "full", owed, "awaiting", booked + timedelta(days=1))
        if reservation["securityDepositFee"] and status in ("new", "modified") and rng.random() < 0.5:
            self.hold(reservation, float(reservation["securityDepositFee"]), arrival)

    def paid_in_full(
        self, reservation: JsonDict, total: float, booked: datetime, arrival: datetime, paid_at: datetime, due: datetime
    ) -> None:
        roll = self.rng.random()
        if self.cards and roll < 0.2:  # a card taken by phone; staff typed the number in
            card = self.cards.pop(0)
            description = catalog.CHARGE_CARD_DESCRIPTION.format(card=card)
            self.add(reservation, "full", total, "paid", paid_at, method="credit_card", description=description)
        elif roll < 0.55:
            self.add(reservation, "full", total, "paid", paid_at, method="credit_card_online")
        elif roll < 0.7:
            deposit = round(total * 0.3, 2)
            self.add(reservation, "deposit", deposit, "paid", paid_at, method="credit_card_online")
            balance = round(total - deposit, 2)
            self.add(reservation, "balance", balance, "paid", min(due, self.now), method="bank_transfer")
        elif roll < 0.8:
            self.add(reservation, "full", total, "paid", paid_at, method="payment_link")
        elif roll < 0.9 and arrival < self.now:
            self.add(reservation, "full", total, "paid", arrival, method="cash", title="Cash at check-in")
        else:  # paid twice by bank transfer; the duplicate went back
            moment = min(paid_at + timedelta(days=1), self.now)
            self.add(reservation, "full", total, "paid", moment, method="bank_transfer")
            twice = self.add(reservation, "full", total, "paid", moment + timedelta(hours=2), method="bank_transfer")
            self.refund(twice, total, "duplicate", min(moment + timedelta(days=2), self.now))

    def add(
        self,
        reservation: JsonDict,
        kind: str,
        amount: float,
        status: str,
        scheduled: datetime,
        *,
        method: str = "credit_card_online",
        title: str | None = None,
        description: str | None = None,
    ) -> JsonDict:
        if status == "awaiting" and scheduled < self.now:
            status = "failed"  # tried when due: the card was declined, the money is still owed
        online = method == "credit_card_online"
        charge = self._new(reservation)
        charge.update(
            autopaymentId=34_000 + (1 if kind == "deposit" else 2) if online else None,
            title=title or catalog.CHARGE_TITLES[kind],
            description=description,
            paymentMethod=method,
            amount=amount,
            status=status,
            paymentProvider="stripe" if method in ONLINE_METHODS else "offline",
            scheduledDate=fmt_datetime(scheduled.replace(microsecond=0)),
            triggerEvent=("reservation" if kind != "balance" else "arrival") if online else None,
            triggerTimeDelta=-168 if kind == "balance" and online else 0,
            percentageFee=(100 if kind == "full" else 30 if kind == "deposit" else None) if online else None,
        )
        if status == "paid":
            charge["chargeDate"] = charge["scheduledDate"]
            if method in ONLINE_METHODS:
                provider_id = "ch_" + hex_string(self.rng, 24)
                charge["paymentProviderChargeId"] = provider_id
                charge["paymentProviderMessage"] = f"Charged successfully. Payment Provider charge ID: {provider_id}"
                charge["transactions"] = [self._transaction(charge, provider_id)]
        elif status == "failed":
            charge["paymentProviderMessage"] = catalog.CARD_DECLINED
        self.charges.append(charge)
        return charge

    def hold(self, reservation: JsonDict, amount: float, arrival: datetime) -> None:
        """A security deposit held on the guest's card two days before arrival, released after."""
        held = arrival - timedelta(days=2)
        departure = datetime.combine(date.fromisoformat(reservation["departureDate"]), time(11))
        charge = self._new(reservation)
        released = departure + timedelta(days=3)
        charge.update(
            type="preAuth",
            title="Security deposit",
            paymentMethod="credit_card_online",
            amount=amount,
            capturedAmount=0,
            status="awaitingHold" if held > self.now else ("holdReleased" if released < self.now else "holdSuccess"),
            paymentProvider="stripe",
            scheduledDate=fmt_datetime(held),
            holdReleaseDate=fmt_datetime(released),
            triggerEvent="arrival",
            triggerTimeDelta=-48,
        )
        self.charges.append(charge)

    def refund(self, charge: JsonDict, amount: float, reason: str, moment: datetime) -> JsonDict:
        refund = refund_charge(self.next_id, charge, amount, reason, 0, fmt_datetime(moment.replace(microsecond=0)))
        self.next_id += self.rng.randint(1, 40)
        self.charges.append(refund)
        return refund

    def _new(self, reservation: JsonDict) -> JsonDict:
        charge = CHARGE_TEMPLATE.copy()
        charge.update(
            id=self.next_id,
            listingMapId=reservation["listingMapId"],
            reservationId=reservation["id"],
            currency=reservation["currency"],
            transactions=[],
        )
        self.next_id += self.rng.randint(1, 40)
        return charge

    def _transaction(self, charge: JsonDict, provider_id: str) -> JsonDict:
        return {
            "id": charge["id"] * 10 + 1,
            "reservationId": charge["reservationId"],
            "paymentProviderInvoiceId": "in_" + hex_string(self.rng, 24),
            "amount": charge["amount"],
            "currency": charge["currency"],
            "status": "paid",
            "paymentProvider": "stripe",
            "paymentProviderMessage": f"Charged successfully. Payment Provider charge ID: {provider_id}",
            "balanceTransactionId": "txn_" + hex_string(self.rng, 24),
        }
