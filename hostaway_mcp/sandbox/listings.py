"""Generates listings shaped like the 144-key objects a real account returns, with pricing rules.

Key order and the many null/channel-specific fields follow a real `GET /listings` response
(sync-hostaway fixtures), because tools are judged on how much of this bulk they cut away.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox.calendar import PricingRules
from hostaway_mcp.sandbox.rand import code, digits, fmt_datetime, hex_string

JsonDict = dict[str, Any]
_IMAGE_HOST = "https://hostaway-platform.s3.us-west-2.amazonaws.com/listing"
_TOKEN_ALPHABET = string.ascii_letters + string.digits + "-"


@dataclass(frozen=True)
class ListingFacts:
    """What later generators need to know about a listing without digging through its dict."""

    listing: JsonDict
    city: catalog.City
    rules: PricingRules
    pets_allowed: bool
    pm_rate: float  # property manager commission on the base rate, for finance reports
    external_ids: dict[int, str]  # channel id -> the channel's property id


def _zipcode(rng: random.Random, pattern: str) -> str:
    return "".join(rng.choice(string.digits) if ch == "#" else ch for ch in pattern)


def generate_listings(seed: int, account_id: int, count: int, generated_at: datetime) -> list[ListingFacts]:
    """`count` listings spread evenly over the catalog cities, ids ascending."""
    order_rng = random.Random(f"{seed}:cities")
    cities = list(catalog.CITIES)
    order_rng.shuffle(cities)
    listing_id = order_rng.randint(180_000, 260_000)
    facts = []
    for index in range(count):
        listing_id += order_rng.randint(1, 60)
        rng = random.Random(f"{seed}:listing:{index}")
        facts.append(_listing(rng, account_id, listing_id, cities[index % len(cities)], index, generated_at))
    return facts


def _listing(
    rng: random.Random,
    account_id: int,
    listing_id: int,
    city: catalog.City,
    index: int,
    generated_at: datetime,
) -> ListingFacts:
    kind = rng.choice(catalog.PROPERTY_KINDS)
    bedrooms = rng.randint(*kind.bedrooms)
    capacity = 2 if bedrooms == 0 else bedrooms * 2 + rng.choice((0, 0, 1, 2))
    beds = max(1, bedrooms + rng.choice((0, 0, 1)))
    bathrooms = max(1, (bedrooms + 1) // 2 + rng.choice((0, 0, 1)))
    hood = rng.choice(city.neighborhoods)
    adjective = rng.choice(catalog.NAME_ADJECTIVES)
    feature = rng.choice(catalog.NAME_FEATURES)
    size_label = "Studio" if bedrooms == 0 else f"{bedrooms}BR {kind.label}"
    name = f"{adjective} {size_label} in {hood}"
    if rng.random() < 0.7:
        name = f"{name} | {feature}"
    street = rng.choice(city.streets)
    number = rng.randint(1, 240) if city.street_first else rng.randint(100, 4800)
    zipcode = _zipcode(rng, city.zip_pattern)
    if city.street_first:
        line = f"{street} {number}"
        address = f"{line}, {zipcode} {city.name}, {city.country}"
    else:
        line = f"{number} {street}"
        country = "USA" if city.country_code == "US" else city.country
        address = f"{line}, {city.name}, {city.state} {zipcode}, {country}"
    public_address = f"{street}, {city.name}, {city.state}, {city.country}, {zipcode}"

    words = {
        "hood": hood,
        "city": city.name,
        "kind_lower": kind.label.lower(),
        "adj_lower": adjective.lower(),
    }
    opener = rng.choice(catalog.DESCRIPTION_OPENERS).format(**words)
    space = "\n\n".join(rng.sample(catalog.DESCRIPTION_SPACE, rng.randint(2, 4)))
    neighborhood = rng.choice(catalog.DESCRIPTION_NEIGHBORHOOD).format(**words)
    notes = "\n\n".join(catalog.DESCRIPTION_NOTES)
    description = "\n\n".join((opener, space, neighborhood, notes))

    pets_allowed = rng.random() < 0.3
    rules = PricingRules(
        listing_id=listing_id,
        base_price=round(city.base_price * (1 + 0.35 * (max(bedrooms, 1) - 1)) * rng.uniform(0.85, 1.2)),
        season=city.season,
        weekend_multiplier=rng.choice((1.1, 1.15, 1.2, 1.25, 1.3)),
        min_nights=rng.choice((1, 1, 2, 2, 3)),
        max_nights=rng.choice((30, 60, 90, 365, 1125)),
        high_season_weekend_min=3 if rng.random() < 0.5 else None,
        closed_on_arrival_weekday=6 if rng.random() < 0.25 else None,
        closed_on_departure_weekday=5 if rng.random() < 0.2 else None,
        jitter_salt=rng.randint(0, 1_000_000),
    )
    cleaning_fee = float(round(25 + 20 * max(bedrooms, 1) + rng.randint(0, 20)))
    currency_rate = 1.0 if city.currency == "EUR" else 1.1
    extra_person = float(rng.choice((0, 0, 10, 15, 20))) * currency_rate
    guests_included = capacity if extra_person == 0 else min(capacity, rng.choice((2, 2, 4)))
    policy_index = rng.randrange(len(catalog.CANCELLATION_POLICIES))
    policy_base = 79_300 + policy_index * 11

    amenity_pool = [a for a, _ in catalog.AMENITIES if a not in catalog.CORE_AMENITY_IDS]
    amenity_pool.remove(catalog.PETS_AMENITY_ID)
    amenity_ids = sorted(
        (*catalog.CORE_AMENITY_IDS, *rng.sample(amenity_pool, rng.randint(10, 35)))
        + ((catalog.PETS_AMENITY_ID,) if pets_allowed else ())
    )
    item_id = rng.randint(215_000_000, 233_000_000)
    amenities = []
    for amenity_id in amenity_ids:
        item_id += rng.randint(1, 30)
        amenities.append({"id": item_id, "amenityId": amenity_id, "amenityName": catalog.AMENITY_NAMES[amenity_id]})
    bed_item = rng.randint(18_000_000, 19_500_000)
    bed_types = []
    for bedroom in range(max(bedrooms, 1)):
        bed_item += rng.randint(1, 5)
        bed_types.append(
            {
                "id": bed_item,
                "bedTypeId": rng.choice(catalog.BED_TYPE_IDS),
                "quantity": 1,
                "bedroomNumber": bedroom + 1 if bedrooms else 0,
            }
        )
    image_id = rng.randint(300_000_000, 317_000_000)
    images = []
    for order in range(1, rng.randint(5, 15) + 1):
        image_id += rng.randint(1, 900)
        room = rng.choice(catalog.IMAGE_ROOMS)
        key = f"{account_id}-{listing_id}-{code(rng, 43, _TOKEN_ALPHABET)}-{hex_string(rng, 13)}"
        caption = (
            f"The {room.replace('-', ' ')} of this {kind.label.lower()} in {hood}." if rng.random() < 0.5 else None
        )
        images.append(
            {
                "id": image_id,
                "caption": f"{room}-{order:02d}.jpg",
                "bookingEngineCaption": None,
                "airbnbCaption": caption,
                "vrboCaption": caption,
                "url": f"{_IMAGE_HOST}/{key}",
                "sortOrder": order,
            }
        )
    owner = catalog.OWNER_NAMES[index % len(catalog.OWNER_NAMES)]
    external_ids = {
        catalog.CHANNEL_AIRBNB: str(rng.randint(10**17, 10**18)),
        catalog.CHANNEL_BOOKINGCOM: digits(rng, 8),
        catalog.CHANNEL_HOMEAWAY: digits(rng, 7),
    }
    check_in_start = rng.choice((14, 15, 15, 16))
    inserted = generated_at - timedelta(days=rng.randint(400, 1500), seconds=rng.randint(0, 86_399))
    hood_slug = "".join(ch for ch in hood if ch.isascii() and ch.isalnum())

    listing: JsonDict = {
        "id": listing_id,
        "propertyTypeId": kind.property_type_id,
        "name": name,
        "externalListingName": name,
        "internalListingName": f"{city.name[:3].upper()}-{index + 1:03d} {line}",
        "description": description,
        "thumbnailUrl": images[0]["url"],
        "houseRules": rng.choice(catalog.HOUSE_RULES),
        "keyPickup": (
            f"Lockbox {catalog.LOCKBOX_PREFIX}{digits(rng, 4)} on the railing left of the entrance."
            if rng.random() < 0.6
            else None
        ),
        "specialInstruction": None,
        "doorSecurityCode": f"{catalog.LISTING_DOOR_CODE_PREFIX}{digits(rng, 4)}#",
        "country": city.country,
        "countryCode": city.country_code,
        "state": city.state,
        "city": city.name,
        "street": street,
        "address": address,
        "publicAddress": public_address,
        "zipcode": zipcode,
        "price": rules.base_price,
        "starRating": None,
        "weeklyDiscount": rng.choice((0.9, 0.9, 0.85, 0.95)),
        "monthlyDiscount": rng.choice((0.75, 0.8, 0.7)),
        "propertyRentTax": 0,
        "guestPerPersonPerNightTax": city.city_tax_per_adult_night,
        "guestStayTax": 0,
        "guestNightlyTax": 0,
        "refundableDamageDeposit": rng.choice((0, 0, 200, 300)),
        "isDepositStayCollected": 0,
        "personCapacity": capacity,
        "maxChildrenAllowed": None,
        "maxInfantsAllowed": None,
        "maxPetsAllowed": 1 if pets_allowed else 0,
        "lat": round(city.lat + rng.uniform(-0.03, 0.03), 7),
        "lng": round(city.lng + rng.uniform(-0.03, 0.03), 7),
        "checkInTimeStart": check_in_start,
        "checkInTimeEnd": rng.choice((20, 22, 23)),
        "checkOutTime": rng.choice((10, 11, 11, 12)),
        "cancellationPolicy": catalog.CANCELLATION_POLICIES[policy_index],
        "squareMeters": 30 + 25 * max(bedrooms, 1) + rng.randint(0, 25),
        "roomType": "entire_home",
        "bathroomType": "private",
        "bedroomsNumber": bedrooms,
        "bedsNumber": beds,
        "bathroomsNumber": bathrooms,
        "guestBathroomsNumber": None,
        "minNights": rules.min_nights,
        "maxNights": rules.max_nights,
        "guestsIncluded": guests_included,
        "cleaningFee": cleaning_fee,
        "checkinFee": 0,
        "priceForExtraPerson": extra_person,
        "instantBookable": 1 if rng.random() < 0.6 else 0,
        "instantBookableLeadTime": None,
        "airbnbBookingLeadTime": rng.choice((0, 2, 4, 24)),
        "airbnbBookingLeadTimeAllowRequestToBook": 0,
        "airbnbName": name[:50],
        "airbnbSummary": opener,
        "airbnbSpace": space,
        "airbnbAccess": f"Guests have the whole {kind.label.lower()} to themselves.",
        "airbnbInteraction": "We are always a message away and happy to help with recommendations.",
        "airbnbNeighborhoodOverview": neighborhood,
        "airbnbTransit": None,
        "airbnbNotes": notes,
        "airbnbExportStatus": "exported",
        "vrboExportStatus": rng.choice(("exported", None)),
        "marriotExportStatus": None,
        "bookingcomExportStatus": rng.choice(("exported", None)),
        "expediaExportStatus": None,
        "googleExportStatus": "exported",
        "allowSameDayBooking": rng.choice((0, 1)),
        "sameDayBookingLeadTime": 12,
        "contactName": owner,
        "contactSurName": None,
        "contactPhone1": city.contact_phone,
        "contactPhone2": None,
        "contactLanguage": city.language,
        "contactEmail": "host@example.com",
        "contactAddress": None,
        "language": "en",
        "currencyCode": city.currency,
        "timeZoneName": city.timezone,
        "wifiUsername": f"{hood_slug}-Guest-5G",
        "wifiPassword": f"{catalog.WIFI_PASSWORD_PREFIX}{code(rng, 8, string.ascii_letters + string.digits)}",
        "cleannessStatus": "2",
        "cleaningInstruction": None,
        "cleannessStatusUpdatedOn": None,
        "homeawayPropertyName": name[:80],
        "homeawayPropertyHeadline": name[:80],
        "homeawayPropertyDescription": description,
        "bookingcomPropertyName": "",
        "bookingcomPropertyRoomName": "Apartment" if kind.property_type_id == 1 else "Holiday Home",
        "bookingcomPropertyDescription": "",
        "invoicingContactName": None,
        "invoicingContactSurName": None,
        "invoicingContactPhone1": None,
        "invoicingContactPhone2": None,
        "invoicingContactLanguage": None,
        "invoicingContactEmail": None,
        "invoicingContactAddress": None,
        "invoicingContactCity": None,
        "invoicingContactZipcode": None,
        "invoicingContactCountry": None,
        "attachment": None,
        "listingAmenities": amenities,
        "listingBedTypes": bed_types,
        "listingImages": images,
        "listingTags": [],
        "listingUnits": [],
        "propertyLicenseNumber": f"{digits(rng, 6)}/AL" if city.country_code == "PT" else None,
        "propertyLicenseType": None,
        "propertyLicenseIssueDate": None,
        "propertyLicenseExpirationDate": None,
        "customFieldValues": [],
        "applyPropertyRentTaxToFees": None,
        "bookingEngineLeadTime": None,
        "cancellationPolicyId": policy_base,
        "vrboCancellationPolicyId": policy_base + 1,
        "marriottCancellationPolicyId": policy_base + 2,
        "bookingCancellationPolicyId": policy_base + 3,
        "listingFeeSetting": [],
        "isRentalAgreementActive": None,
        "averageNightlyPrice": None,
        "bookingcomPropertyRegisteredInVcs": None,
        "bookingcomPropertyHasVat": None,
        "bookingcomPropertyDeclaresRevenue": None,
        "airbnbCancellationPolicyId": policy_base + 4,
        "airbnbListingUrl": f"https://www.airbnb.com/rooms/{external_ids[catalog.CHANNEL_AIRBNB]}",
        "vrboListingUrl": f"https://www.vrbo.com/{external_ids[catalog.CHANNEL_HOMEAWAY]}",
        "googleVrListingUrl": None,
        "expediaListingUrl": None,
        "averageReviewRating": rng.choice((8.8, 9.2, 9.4, 9.6, 9.8, 10)),
        "partnersListingMarkup": 1,
        "airbnbOfficialListingMarkup": rng.choice((1, 1.1, 1.15)),
        "bookingEngineMarkup": 1,
        "homeawayApiMarkup": rng.choice((1, 1.08)),
        "marriottListingMarkup": 1,
        "latestActivityOn": fmt_datetime(inserted),
        "bookingEngineUrls": [],
        "marriottListingName": None,
        "airbnbPetFeeAmount": 25 if pets_allowed else None,
        "insertedOn": fmt_datetime(inserted),
        "insuranceEligibilityStatus": None,
        "listingSettings": None,
    }
    return ListingFacts(
        listing=listing,
        city=city,
        rules=rules,
        pets_allowed=pets_allowed,
        pm_rate=rng.choice((0.15, 0.18, 0.2, 0.22)),
        external_ids=external_ids,
    )
