"""Generates 18 months of reservations and owner blocks per listing, never double-booking a night.

Blocking stays (new, modified, ownerStay, pending, awaitingPayment) and owner blocks are laid
end to end by one cursor per listing, so they cannot overlap; cancelled stays and inquiries are
scattered afterwards and may overlap anything, as on a real calendar. Occupancy thins out with
distance into the future, like a real booking pace. Ids grow with booking time, so the default
`updatedOn DESC` order is not id order (as observed on real data).
"""

# Over 400 lines on purpose: one idea, laying 18 months of bookings end to end per listing; each
# step (`place_stays`, `compute_money`, `_reservation`) serves only `build_reservations`.

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox.account import Money
from hostaway_mcp.sandbox.calendar import nightly_price
from hostaway_mcp.sandbox.listings import ListingFacts
from hostaway_mcp.sandbox.pricing import charge_stay
from hostaway_mcp.sandbox.rand import Weighted, card_number, code, digits, fmt_datetime, hex_string

JsonDict = dict[str, Any]
PAST_DAYS = 365
FUTURE_DAYS = 182
_NIGHTS = Weighted(((1, 5), (2, 14), (3, 20), (4, 17), (5, 13), (6, 8), (7, 10), (8, 3), (10, 3), (14, 3), (30, 1)))
_LEAD_DAYS = Weighted((((0, 3), 15), ((4, 14), 25), ((15, 45), 30), ((46, 120), 25), ((121, 240), 5)))
_BOOKED_CHANNEL = Weighted(catalog.BOOKED_CHANNEL_WEIGHTS)
_NON_BLOCKING_STATUS = Weighted(catalog.NON_BLOCKING_STATUS_WEIGHTS)
_INQUIRY_CHANNEL = Weighted(((catalog.CHANNEL_AIRBNB, 8), (catalog.CHANNEL_HOMEAWAY, 1), (catalog.CHANNEL_DIRECT, 1)))
_GUEST_ORIGIN = Weighted(tuple((origin, origin.weight) for origin in catalog.GUEST_ORIGINS))
_INQUIRY_STATUSES = frozenset(
    {"inquiry", "inquiryPreapproved", "inquiryNotPossible", "inquiryTimedout", "inquiryDenied"}
)


@dataclass
class StayDraft:
    """A reservation before ids and guest details are assigned."""

    facts: ListingFacts
    arrival: date
    nights: int
    status: str
    channel: int
    booked_at: datetime


def _fmt(moment: datetime | None) -> str | None:
    return None if moment is None else fmt_datetime(moment)


def _booked_at(rng: random.Random, arrival: date, generated_at: datetime) -> datetime:
    low, high = _LEAD_DAYS.pick(rng)
    moment = datetime.combine(arrival, time()) - timedelta(days=rng.randint(low, high))
    moment += timedelta(seconds=rng.randint(0, 86_399))
    latest = generated_at - timedelta(hours=2)
    if moment > latest:
        moment = latest - timedelta(seconds=rng.randint(0, 14 * 86_400))
    return moment


def place_stays(
    seed: int,
    index: int,
    facts: ListingFacts,
    today: date,
    generated_at: datetime,
    keep_free: tuple[date, date] | None = None,
) -> tuple[list[StayDraft], list[tuple[date, date, str]]]:
    """One listing's blocking stays, owner blocks and scattered non-blocking reservations.

    `keep_free` (start, end exclusive) is a gap no blocking stay or block may cover.
    """
    rng = random.Random(f"{seed}:stays:{index}")
    window_start = today - timedelta(days=PAST_DAYS)
    window_end = today + timedelta(days=FUTURE_DAYS)
    occupancy = rng.uniform(0.55, 0.85)
    drafts: list[StayDraft] = []
    blocks: list[tuple[date, date, str]] = []
    cursor = window_start
    while True:
        days_out = (cursor - today).days
        likely = occupancy if days_out <= 14 else occupancy * max(0.12, 1 - (days_out - 14) / 170)
        gap = rng.choice((0, 0, 0, 1, 1, 2, 3)) if rng.random() < likely else rng.randint(2, 12)
        arrival = cursor + timedelta(days=gap)
        if arrival > window_end:
            break
        nights = max(_NIGHTS.pick(rng), facts.rules.min_nights)
        cursor = arrival + timedelta(days=nights)
        roll = rng.random()
        if keep_free is not None and arrival < keep_free[1] and cursor > keep_free[0]:
            cursor = max(cursor, keep_free[1])
            continue
        if roll < 0.05:
            blocks.append((arrival, cursor, rng.choice(catalog.OWNER_BLOCK_NOTES)))
            continue
        if roll < 0.08:
            status, channel = "ownerStay", catalog.CHANNEL_DIRECT
            booked = _booked_at(rng, arrival, generated_at)
        elif arrival > today and roll < 0.13:
            pending = rng.random() < 0.5
            status = "pending" if pending else "awaitingPayment"
            channel = catalog.CHANNEL_AIRBNB if pending else catalog.CHANNEL_DIRECT
            booked = generated_at - timedelta(seconds=rng.randint(3_600, 20 * 3_600))
        else:
            status = "new" if rng.random() < 0.55 else "modified"
            channel = _BOOKED_CHANNEL.pick(rng)
            booked = _booked_at(rng, arrival, generated_at)
        drafts.append(StayDraft(facts, arrival, nights, status, channel, booked))

    span = (window_end - window_start).days
    for _ in range(round(len(drafts) * rng.uniform(0.3, 0.42))):
        arrival = window_start + timedelta(days=rng.randint(0, span))
        nights = max(_NIGHTS.pick(rng), facts.rules.min_nights)
        status = _NON_BLOCKING_STATUS.pick(rng)
        if status == "cancelled":
            channel = _BOOKED_CHANNEL.pick(rng)
        elif status == "inquiry":
            channel = _INQUIRY_CHANNEL.pick(rng)
        else:
            channel = catalog.CHANNEL_AIRBNB
        drafts.append(StayDraft(facts, arrival, nights, status, channel, _booked_at(rng, arrival, generated_at)))
    return drafts, blocks


def compute_money(facts: ListingFacts, draft: StayDraft, adults: int, guests: int, pets: int) -> Money:
    """The price the channel quoted (`pricing.charge_stay` on the rule prices), and the commissions."""
    nightly = sum(nightly_price(facts.rules, draft.arrival + timedelta(days=offset)) for offset in range(draft.nights))
    charges = charge_stay(facts.listing, nightly, draft.nights, guests=guests, adults=adults, pets=pets)
    return Money(
        accommodation=charges.accommodation,
        discount=charges.discount,
        discount_name=charges.discount_name,
        cleaning_fee=charges.cleaning_fee,
        pet_fee=charges.pet_fee,
        vat=charges.vat,
        vat_name=charges.vat_name,
        city_tax=charges.city_tax,
        channel_commission=round(charges.taxable * catalog.CHANNEL_COMMISSION_RATE[draft.channel], 2),
        pm_commission=round((charges.accommodation + charges.discount) * facts.pm_rate, 2),
    )


_ASCII_FOLD = str.maketrans("áàâãäçéèêëíìîïñóòôõöúùûüß", "aaaaaceeeeiiiinooooouuuus")


def _uuid4(rng: random.Random) -> str:
    """A version-4 UUID string drawn from `rng` (Vrbo's reservation reference format)."""
    raw = hex_string(rng, 32)
    return f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-a{raw[17:20]}-{raw[20:]}"


def _ascii(text: str) -> str:
    return "".join(ch for ch in text.lower().translate(_ASCII_FOLD) if ch.isalnum())


def _timeline(
    rng: random.Random, draft: StayDraft, generated_at: datetime
) -> tuple[datetime, datetime | None, datetime]:
    """(updatedOn, cancellationDate, pendingExpireDate) for a draft, all before generated_at."""
    booked = draft.booked_at
    ceiling = generated_at - timedelta(seconds=60)
    arrival_dt = datetime.combine(draft.arrival, time(15))
    departure_dt = arrival_dt + timedelta(days=draft.nights)
    cancelled: datetime | None = None
    if draft.status == "cancelled":
        latest = min(arrival_dt, ceiling)
        span = max((latest - booked).total_seconds(), 60.0)
        cancelled = booked + timedelta(seconds=span * rng.uniform(0.05, 0.95))
        updated = cancelled + timedelta(seconds=rng.randint(1, 30))
    elif draft.status in _INQUIRY_STATUSES or draft.status in {"declined", "expired"}:
        updated = booked + timedelta(seconds=rng.randint(60, 3 * 86_400))
    elif departure_dt <= generated_at:
        updated = departure_dt + timedelta(seconds=rng.randint(3_600, 2 * 86_400))
    else:
        span = max((ceiling - booked).total_seconds(), 1.0)
        updated = booked + timedelta(seconds=span * rng.uniform(0.0, 0.9))
    return min(updated, ceiling), cancelled, booked + timedelta(hours=24)


def build_reservations(
    seed: int,
    account_id: int,
    drafts: list[StayDraft],
    generated_at: datetime,
) -> tuple[list[JsonDict], dict[int, Money]]:
    """Turn drafts into full reservation dicts; ids ascend with booking time."""
    rng = random.Random(f"{seed}:reservations")
    drafts = sorted(drafts, key=lambda d: (d.booked_at, d.facts.listing["id"], d.arrival))
    next_id = rng.randint(30_000_000, 40_000_000)
    reservations: list[JsonDict] = []
    money_by_id: dict[int, Money] = {}
    for draft in drafts:
        next_id += rng.randint(1, 2_500)
        reservation, money = _reservation(rng, account_id, next_id, draft, generated_at)
        reservations.append(reservation)
        if money is not None:
            money_by_id[next_id] = money
    _plant_notes(rng, reservations)
    return reservations, money_by_id


# Every key of a real reservation object, in the real order, with the values most bookings share.
RESERVATION_TEMPLATE: JsonDict = dict.fromkeys((
    "id", "listingMapId", "listingName", "channelId", "source", "channelName", "reservationId",
    "hostawayReservationId", "channelReservationId", "externalPropertyId", "externalUnitId",
    "assigneeUserId", "customerIcalId", "customerIcalName", "guestAuthHash", "guestPortalUrl",
    "guestPortalRevampUrl", "isProcessed", "isInitial", "isManuallyChecked", "isInstantBooked",
    "reservationDate", "pendingExpireDate", "guestName", "guestFirstName", "guestLastName",
    "guestExternalAccountId", "guestZipCode", "guestAddress", "guestCity", "guestCountry", "guestEmail",
    "guestPicture", "guestRecommendations", "guestTrips", "guestWork", "isGuestIdentityVerified",
    "isGuestVerifiedByEmail", "isGuestVerifiedByWorkEmail", "isGuestVerifiedByFacebook", "originalChannel",
    "isGuestVerifiedByGovernmentId", "isGuestVerifiedByPhone", "isGuestVerifiedByReviews", "numberOfGuests",
    "adults", "children", "infants", "pets", "arrivalDate", "departureDate", "isDatesUnspecified",
    "previousArrivalDate", "previousDepartureDate", "checkInTime", "checkOutTime", "nights", "phone",
    "totalPrice", "remainingBalance", "taxAmount", "channelCommissionAmount", "hostawayCommissionAmount",
    "cleaningFee", "securityDepositFee", "isPaid", "ccName", "ccNumber", "ccNumberEndingDigits",
    "ccExpirationYear", "ccExpirationMonth", "cvc", "stripeGuestId", "stripeMessage", "braintreeGuestId",
    "braintreeMessage", "currency", "status", "paymentStatus", "cancellationDate", "cancelledBy", "hostNote",
    "guestNote", "doorCode", "doorCodeVendor", "doorCodeInstruction", "comment", "confirmationCode",
    "airbnbExpectedPayoutAmount", "airbnbListingBasePrice", "airbnbListingCancellationHostFee",
    "airbnbListingCancellationPayout", "airbnbListingCleaningFee", "airbnbListingHostFee",
    "airbnbListingSecurityPrice", "airbnbOccupancyTaxAmountPaidToHost", "airbnbTotalPaidAmount",
    "airbnbTransientOccupancyTaxPaidAmount", "airbnbCancellationPolicy", "isStarred", "isArchived",
    "isPinned", "reservationCouponId", "customFieldValues", "reservationFees", "reservationUnit",
    "insertedOn", "updatedOn", "latestActivityOn", "customerUserId", "guestLocale", "localeForMessaging",
    "localeForMessagingSource", "listingCustomFields", "rentalAgreementFileUrl", "reservationAgreement",
    "financeField", "guestPaymentCardIsVirtual", "insuranceStatus", "claimStatus", "insurancePolicyId",
    "cancellationPolicyId", "hostProxyEmail",
))  # fmt: skip
RESERVATION_TEMPLATE.update(
    isProcessed=1,
    isInitial=0,
    isManuallyChecked=0,
    isGuestIdentityVerified=0,
    isGuestVerifiedByEmail=0,
    isGuestVerifiedByWorkEmail=0,
    isGuestVerifiedByFacebook=0,
    isGuestVerifiedByGovernmentId=0,
    isGuestVerifiedByPhone=0,
    isGuestVerifiedByReviews=0,
    isDatesUnspecified=0,
    comment="",
    isArchived=0,
    insuranceStatus="not_eligible",
)


def _reservation(
    rng: random.Random, account_id: int, reservation_id: int, draft: StayDraft, generated_at: datetime
) -> tuple[JsonDict, Money | None]:
    facts = draft.facts
    listing = facts.listing
    channel = draft.channel
    owner_stay = draft.status == "ownerStay"
    origin = _GUEST_ORIGIN.pick(rng)
    if owner_stay:
        first, last = listing["contactName"].split(" ", 1)
    else:
        first, last = rng.choice(origin.first_names), rng.choice(origin.last_names)
    guest_number = rng.randint(10_000_000, 999_999_999)
    has_email = channel != catalog.CHANNEL_AIRBNB or rng.random() < 0.6
    email = (
        f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 99)}@{rng.choice(catalog.EMAIL_DOMAINS)}" if has_email else None
    )
    national_length = 10 if origin.phone_country_code == "1" else 9
    national = str(rng.randint(2, 9)) + digits(rng, national_length - 1)
    phone = f"+{origin.phone_country_code}{national}"
    capacity = listing["personCapacity"]
    adults = min(capacity, rng.choice((1, 2, 2, 2, 2, 3, 4, 4, 5, 6)))
    children = rng.randint(0, capacity - adults) if rng.random() < 0.3 else 0
    infants = 1 if rng.random() < 0.08 else 0
    pets = 1 if facts.pets_allowed and rng.random() < 0.15 else 0
    guests = adults + children
    money = None if owner_stay else compute_money(facts, draft, adults, guests, pets)
    updated, cancelled_at, pending_expire = _timeline(rng, draft, generated_at)
    booked = draft.booked_at
    departure = draft.arrival + timedelta(days=draft.nights)

    confirmation: str | None
    if channel == catalog.CHANNEL_AIRBNB:
        confirmation = "HM" + code(rng, 8)
        channel_reference = f"{listing['id']}-guest-{guest_number}-confirmation-{confirmation}"
    elif channel == catalog.CHANNEL_BOOKINGCOM:
        confirmation = str(rng.randint(10**9, 10**10 - 1))
        channel_reference = confirmation
    elif channel == catalog.CHANNEL_HOMEAWAY:
        confirmation = "HA-" + code(rng, 6)
        channel_reference = _uuid4(rng)
    else:
        confirmation = None
        channel_reference = f"{account_id}-{listing['id']}-2000-{rng.randint(10**9, 10**10 - 1)}"

    booked_status = draft.status in catalog.BLOCKING_STATUSES
    door_code = f"{catalog.DOOR_CODE_PREFIX}{rng.randint(1000, 9999)}" if booked_status else None
    door_instruction = (
        f"Enter {door_code} on the keypad, then press the lock button."
        if door_code is not None and rng.random() < 0.3
        else None
    )
    if money is None:
        payment_status: str | None = None
    elif draft.status in _INQUIRY_STATUSES or draft.status in {"declined", "expired"}:
        payment_status = None
    elif draft.status == "cancelled":
        payment_status = "Unknown"
    elif draft.status in {"awaitingPayment", "pending"}:
        payment_status = "Unpaid"
    elif channel == catalog.CHANNEL_DIRECT and draft.arrival > generated_at.date():
        payment_status = rng.choice(("Paid", "Paid", "Partially paid", "Unpaid"))
    else:
        payment_status = "Paid"
    total = 0.0 if money is None else money.total
    remaining = {"Paid": 0.0, "Partially paid": round(total / 2, 2), "Unpaid": total}.get(payment_status or "")
    airbnb = channel == catalog.CHANNEL_AIRBNB and money is not None
    payout = None if money is None else round(total - money.tax - money.channel_commission, 2)
    shift = rng.choice((-2, -1, 1, 2)) if draft.status == "modified" and rng.random() < 0.4 else 0
    auth_hash = hex_string(rng, 64)

    reservation = RESERVATION_TEMPLATE.copy()
    reservation.update(
        {
            "id": reservation_id,
            "listingMapId": listing["id"],
            "listingName": listing["name"],
            "channelId": channel,
            "source": "VRBO" if channel == catalog.CHANNEL_HOMEAWAY else None,
            "channelName": catalog.CHANNEL_NAMES[channel],
            "reservationId": channel_reference,
            "hostawayReservationId": str(reservation_id),
            "channelReservationId": channel_reference,
            "externalPropertyId": facts.external_ids.get(channel),
            "guestAuthHash": auth_hash,
            "guestPortalUrl": f"https://guest-portal.hostaway.com/{reservation_id}/{auth_hash}",
            "isInstantBooked": 1 if channel == catalog.CHANNEL_AIRBNB and listing["instantBookable"] else 0,
            "reservationDate": _fmt(booked),
            "pendingExpireDate": _fmt(pending_expire),
            "guestName": f"{first} {last}",
            "guestFirstName": first,
            "guestLastName": last,
            "guestExternalAccountId": str(guest_number) if channel == catalog.CHANNEL_AIRBNB else None,
            "guestCountry": None if owner_stay else origin.country_code,
            "guestEmail": "owner@example.com" if owner_stay else email,
            "guestPicture": (
                f"https://a0.muscache.com/im/pictures/user/{hex_string(rng, 32)}.jpg?aki_policy=profile_x_medium"
                if channel == catalog.CHANNEL_AIRBNB
                else None
            ),
            "guestRecommendations": rng.randint(0, 6) if channel == catalog.CHANNEL_AIRBNB else 0,
            "guestTrips": rng.randint(0, 25) if channel == catalog.CHANNEL_AIRBNB else 0,
            "numberOfGuests": guests,
            "adults": adults,
            "children": children,
            "infants": infants,
            "pets": pets,
            "arrivalDate": draft.arrival.isoformat(),
            "departureDate": departure.isoformat(),
            "previousArrivalDate": ((draft.arrival + timedelta(days=shift)).isoformat() if shift else None),
            "previousDepartureDate": ((departure + timedelta(days=shift)).isoformat() if shift else None),
            "checkInTime": listing["checkInTimeStart"],
            "checkOutTime": listing["checkOutTime"],
            "nights": draft.nights,
            "phone": None if owner_stay else phone,
            "totalPrice": total,
            "remainingBalance": remaining,
            "taxAmount": 0.0 if money is None else money.tax,
            "channelCommissionAmount": 0.0 if money is None else money.channel_commission,
            "hostawayCommissionAmount": None if channel in catalog.OTA_CHANNELS else 0.0,
            "cleaningFee": 0.0 if money is None else money.cleaning_fee,
            "securityDepositFee": float(listing["refundableDamageDeposit"]) or None,
            "currency": listing["currencyCode"],
            "status": draft.status,
            "paymentStatus": payment_status,
            "cancellationDate": _fmt(cancelled_at),
            "cancelledBy": (rng.choice(("guest", "guest", "guest", "host")) if cancelled_at else None),
            "hostNote": rng.choice(catalog.HOST_NOTES) if rng.random() < 0.06 else None,
            "guestNote": rng.choice(catalog.GUEST_NOTES) if rng.random() < 0.08 else None,
            "doorCode": door_code,
            "doorCodeVendor": "Yale" if door_instruction else None,
            "doorCodeInstruction": door_instruction,
            "confirmationCode": confirmation,
            "airbnbExpectedPayoutAmount": payout if airbnb else None,
            "airbnbListingBasePrice": money.base_rate if airbnb and money else None,
            "airbnbListingCancellationHostFee": money.channel_commission if airbnb and money else None,
            "airbnbListingCancellationPayout": _cancellation_payout(draft, listing, payout) if airbnb else None,
            "airbnbListingCleaningFee": money.cleaning_fee if airbnb and money else None,
            "airbnbListingHostFee": money.channel_commission if airbnb and money else None,
            "airbnbTotalPaidAmount": total if airbnb else None,
            "airbnbTransientOccupancyTaxPaidAmount": money.tax if airbnb and money else None,
            "airbnbCancellationPolicy": (
                rng.choice(catalog.AIRBNB_CANCELLATION_POLICIES) if channel == catalog.CHANNEL_AIRBNB else None
            ),
            "isStarred": 1 if rng.random() < 0.03 else 0,
            "isPinned": 1 if rng.random() < 0.02 else 0,
            "customFieldValues": [],
            "reservationFees": [],
            "reservationUnit": [],
            "insertedOn": _fmt(booked + timedelta(seconds=1)),
            "updatedOn": _fmt(updated),
            "latestActivityOn": _fmt(updated),
            "guestLocale": origin.locale,
            "localeForMessaging": origin.locale,
            "reservationAgreement": rng.choice(("not_required", "signed", "signed", "not_signed")),
            "financeField": [],
            "cancellationPolicyId": listing["cancellationPolicyId"],
            "hostProxyEmail": f"c-{hex_string(rng, 32)}@host.hostaway.info",
        }
    )
    return reservation, money


def _cancellation_payout(draft: StayDraft, listing: JsonDict, payout: float | None) -> float | None:
    """What Airbnb pays the host after a guest cancels: half the payout under a strict policy,
    nothing under the others (full refund); null on a booking that was not cancelled."""
    if draft.status != "cancelled" or payout is None:
        return None
    return round(payout * 0.5, 2) if listing["cancellationPolicy"] == "strict" else 0.0


def _plant_notes(rng: random.Random, reservations: list[JsonDict]) -> None:
    """Put a Luhn-valid card number, in each of the ways guests write them, into the guest note of
    one confirmed (mostly direct) booking each."""
    candidates = [
        r for r in reservations if r["status"] in {"new", "modified"} and r["channelId"] == catalog.CHANNEL_DIRECT
    ] or [r for r in reservations if r["status"] in {"new", "modified"}]
    styles = catalog.NOTE_CARD_STYLES
    for style, reservation in zip(styles, rng.sample(candidates, min(len(candidates), len(styles))), strict=False):
        # Its own generator, so the rest of the account is drawn exactly as without the cards.
        card = card_number(random.Random(f"card:{reservation['id']}"), style)
        reservation["guestNote"] = catalog.CARD_NOTE_TEMPLATE.format(card=card)
