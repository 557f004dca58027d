"""Routes and handlers: the documented endpoints our tools use, with Hostaway's envelopes.

Envelope keys per endpoint follow what real responses carried (hostaway-api.md §2):
- `/listings`, `/reservations`: status, result, count, limit, offset (no page/totalPages);
- `/conversations`, `/reservations/{id}/conversations`, `/conversations/{id}/messages`: status,
  result, limit, offset, count, page, totalPages (page counted from 1);
- `count` is always the total matching the filters, and is served as a **string** on
  `/financeField/{id}` and `/amenities` (the docs show `"count":"1"` on finance endpoints);
- single objects and writes: status, result.
Errors: `{"status":"fail","result":"<text>"}`; unknown ids and unknown routes are 404; malformed
or unknown parameter values (bad dates, non-integers, unknown sortOrder, empty writes) are 400.
Hostaway's bodies and codes for these are UNCONFIRMED; strictness makes a tool's bad request fail
in tests instead of silently returning unfiltered data. `includeResources` is honoured where the docs say it
matters: calendar `reservations` and reservation `reservationFees`/`financeField` stay empty
without it; listings always carry images and amenities, as real responses did.
"""

# Over 400 lines on purpose: the route table of the fake Hostaway, one thin handler per documented
# endpoint; the rules behind each live in the domain modules (reservations, reviews, ...).

from __future__ import annotations

import hmac
import math
import re
from datetime import date, timedelta
from typing import Any

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.sandbox.account import JsonDict
from hostaway_mcp.sandbox.bookings import BookingRoutes
from hostaway_mcp.sandbox.calendar import WRITABLE_DAY_FIELDS, iter_days
from hostaway_mcp.sandbox.expenses import ExpensesApi
from hostaway_mcp.sandbox.finance import consolidated_report, report_csv
from hostaway_mcp.sandbox.guest_care_api import GuestCareApi
from hostaway_mcp.sandbox.guest_payments import GuestPaymentsApi
from hostaway_mcp.sandbox.limits import TokenRegistry
from hostaway_mcp.sandbox.looseids import LooseIds
from hostaway_mcp.sandbox.queries import (
    conversation_activity,
    filter_listings,
    sort_listings,
)
from hostaway_mcp.sandbox.reservation_views import ReservationViews
from hostaway_mcp.sandbox.state import COMMUNICATION_TYPES, AccountState
from hostaway_mcp.sandbox.task_book import TasksApi
from hostaway_mcp.sandbox.wire import (
    ApiError,
    Call,
    Handler,
    Query,
    Route,
    SandboxResponse,
    fail,
    json_response,
    parse_form,
    parse_json_body,
    success,
)

RESERVATIONS_DEFAULT_LIMIT = 100
RESERVATIONS_MAX_LIMIT = 100
CONVERSATIONS_DEFAULT_LIMIT = 100
CALENDAR_DEFAULT_DAYS = 365
CALENDAR_MAX_DAYS = 3 * 366
# How the Reservation embedded in a conversation differed from the list object in real data.
_EMBEDDED_RESERVATION_OVERRIDES: JsonDict = {
    "listingName": "",
    "source": "reservation",
    "guestAuthHash": None,
    "guestPortalUrl": None,
    "latestActivityOn": None,
    "guestLocale": None,
    "localeForMessaging": None,
    "insuranceStatus": None,
    "cancellationPolicyId": None,
    "hostProxyEmail": None,
    "remainingBalance": None,
}
_REFUND_RULES: dict[str, list[tuple[int, int]]] = {
    "flexible": [(100, 86_400)],
    "moderate": [(100, 5 * 86_400)],
    "strict": [(100, 30 * 86_400), (50, 7 * 86_400)],
}


def _paged(items: list[JsonDict], query: Query, default_limit: int) -> tuple[list[JsonDict], JsonDict]:
    """Offset paging with the page/totalPages envelope of conversations and messages."""
    limit = query.integer("limit", minimum=1) or default_limit
    offset = query.integer("offset", minimum=0) or 0
    count = len(items)
    envelope = {
        "limit": limit,
        "offset": offset,
        "count": count,
        "page": offset // limit + 1,
        "totalPages": math.ceil(count / limit),
    }
    return items[offset : offset + limit], envelope


class HostawayApi:
    """Routes a Call to its handler; checks the bearer token on everything but /accessTokens."""

    def __init__(
        self,
        state: AccountState,
        tokens: TokenRegistry,
        credentials: tuple[str, str] | None,
        loose_ids: LooseIds | None = None,
    ) -> None:
        self._state = state
        self._tokens = tokens
        self._credentials = credentials
        self._loose = state.account.loose_ids if loose_ids is None else loose_ids
        self.bookings = BookingRoutes(state, self._loose)
        self._reservation_views = ReservationViews(state.account.reservations, state.conversation_of)
        self._public: list[Route] = [
            ("POST", re.compile(r"/accessTokens"), self._issue_token),
            ("DELETE", re.compile(r"/accessTokens"), self._revoke_token),
        ]
        self._routes: list[Route] = [
            ("GET", re.compile(r"/listings"), self._listings),
            ("GET", re.compile(r"/listings/(\d+)"), self._listing),
            ("GET", re.compile(r"/listings/(\d+)/calendar"), self._calendar),
            ("PUT", re.compile(r"/listings/(\d+)/calendar"), self._update_calendar),
            ("GET", re.compile(r"/reservations"), self._reservations),
            ("GET", re.compile(r"/reservations/(\d+)"), self._reservation),
            ("GET", re.compile(r"/reservations/(\d+)/conversations"), self._reservation_conversations),
            ("GET", re.compile(r"/conversations"), self._conversations),
            ("GET", re.compile(r"/conversations/(\d+)"), self._conversation),
            ("GET", re.compile(r"/conversations/(\d+)/messages"), self._messages),
            ("POST", re.compile(r"/conversations/(\d+)/messages"), self._send_message),
            ("GET", re.compile(r"/financeField/(\d+)"), self._finance_fields),
            ("POST", re.compile(r"/finance/report/consolidated"), self._consolidated_report),
            ("GET", re.compile(r"/amenities"), self._amenities),
            *GuestCareApi(state, self._loose).routes(),
            *self.bookings.routes(),
        ]
        # The API areas that live in their own modules (task_book.py, guest_payments.py, expenses.py,
        # owner_statements.py).
        self._routes += TasksApi(state.tasks, self._loose).routes()
        self._routes += GuestPaymentsApi(state.charges, self._loose).routes()
        self._routes += ExpensesApi(state.expenses, self._loose).routes()
        self._routes += state.owner_statements.routes()

    def handle(self, call: Call) -> SandboxResponse:
        if call.method != "GET":  # a write may change any booking or conversation: pages are built afresh
            self._reservation_views.clear()
        try:
            found = self._route(self._public, call)
            if found is not None:
                return found[0](call, found[1])
            refusal = self._tokens.refusal(call.headers.get("authorization"))
            if refusal is not None:
                return fail(403, refusal)
            found = self._route(self._routes, call)
            if found is None:
                return fail(404, "Not found.")
            return found[0](call, found[1])
        except ApiError as error:
            return fail(error.status, error.message, error.field)

    @staticmethod
    def _route(routes: list[Route], call: Call) -> tuple[Handler, re.Match[str]] | None:
        path = call.path.rstrip("/") or "/"
        for method, pattern, handler in routes:
            match = pattern.fullmatch(path)
            if match is not None and method == call.method:
                return handler, match
        return None

    # --- tokens ---

    def _issue_token(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        form = parse_form(call.headers.get("content-type", ""), call.body)
        if form is None:
            raise ApiError(400, "The token request must be form-encoded (application/x-www-form-urlencoded).")
        fields = Query(form)
        client_id, secret = fields.text("client_id"), fields.text("client_secret")
        if fields.text("grant_type") != "client_credentials":
            raise ApiError(400, 'The "grant_type" parameter must be client_credentials.')
        if fields.text("scope") != "general":
            raise ApiError(400, 'The "scope" parameter must be general.')
        if not client_id or not secret or not self._credentials_ok(client_id, secret):
            # 401 for bad client credentials follows TK's client; UNCONFIRMED (hostaway-api.md §1).
            return fail(401, "Invalid client credentials.")
        token = self._tokens.issue(client_id)
        return json_response(200, {"token_type": "Bearer", "expires_in": self._tokens.ttl_s, "access_token": token})

    def _credentials_ok(self, client_id: str, secret: str) -> bool:
        if self._credentials is None:
            return True
        expected_id, expected_secret = self._credentials
        return hmac.compare_digest(client_id, expected_id) & hmac.compare_digest(secret, expected_secret)

    def _revoke_token(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        token = call.query.text("token")
        if token is None:
            raise ApiError(400, 'The "token" parameter is required.')
        self._tokens.revoke(token)
        return success([])

    # --- listings and calendar ---

    def _listing_or_404(self, match: re.Match[str]) -> JsonDict:
        listing = self._state.listings_by_id.get(int(match.group(1)))
        if listing is None:
            raise ApiError(404, "Listing not found.")
        return listing

    def _listings(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        query = call.query
        listings = filter_listings(self._state.account.listings, query, self._state.calendar)
        listings = sort_listings(listings, query.text("sortOrder"))
        limit = query.integer("limit", minimum=1)
        offset = query.integer("offset", minimum=0)
        start = offset or 0
        page = listings[start : start + limit] if limit is not None else listings[start:]
        served = [self._loose.listing(listing) for listing in page]
        return success(served, count=len(listings), limit=limit, offset=offset)

    def _listing(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        return success(self._loose.listing(self._listing_or_404(match)))

    def _calendar(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        listing = self._listing_or_404(match)
        query = call.query
        start = query.day("startDate") or self._state.now().date()
        end = query.day("endDate") or start + timedelta(days=CALENDAR_DEFAULT_DAYS - 1)
        self._check_range(start, end)
        include = bool(query.flag("includeResources"))
        days = [
            self._state.calendar.day(listing["id"], day, include_resources=include) for day in iter_days(start, end)
        ]
        return success(days)

    @staticmethod
    def _check_range(start: date, end: date) -> None:
        if end < start:
            raise ApiError(400, "endDate must not be before startDate.")
        if (end - start).days >= CALENDAR_MAX_DAYS:
            raise ApiError(400, "The date range is too long.")

    def _update_calendar(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        listing = self._listing_or_404(match)
        body = parse_json_body(call.body)
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        dates = Query({k: str(v) for k, v in body.items() if k in ("startDate", "endDate") and v is not None})
        start, end = dates.day("startDate"), dates.day("endDate")
        if start is None or end is None:
            raise ApiError(400, 'The "startDate" and "endDate" parameters are required.')
        self._check_range(start, end)
        changes = {name: _day_value(name, body[name]) for name in WRITABLE_DAY_FIELDS if name in body}
        if not changes:
            raise ApiError(400, f"Nothing to update: send at least one of {', '.join(WRITABLE_DAY_FIELDS)}.")
        return success(self._state.calendar.write(listing["id"], start, end, changes))

    # --- reservations ---

    def _reservation_or_404(self, match: re.Match[str]) -> JsonDict:
        reservation = self._state.reservations_by_id.get(int(match.group(1)))
        if reservation is None:
            raise ApiError(404, "Reservation not found.")
        return reservation

    def _reservations(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        query = call.query
        limit = min(query.integer("limit", minimum=1) or RESERVATIONS_DEFAULT_LIMIT, RESERVATIONS_MAX_LIMIT)
        offset = query.integer("offset", minimum=0) or 0
        after_id = query.integer("afterId")
        view, key = self._reservation_views.view(query, fresh=after_id is None and offset == 0)
        if after_id is not None:
            offset = 0
            anchor = self._state.reservations_by_id.get(after_id)
            page = [] if anchor is None else view.after(key(anchor), limit)  # an unknown cursor: empty
        else:
            page = view.page(offset, limit)
        include = bool(query.flag("includeResources"))
        payments = bool(query.flag("includePayments"))
        result = [self._serve_reservation(r, include=include, payments=payments) for r in page]
        return success(result, count=len(view), limit=limit, offset=offset)

    def _reservation(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        reservation = self._reservation_or_404(match)
        served = self._serve_reservation(
            reservation,
            include=bool(call.query.flag("includeResources")),
            payments=bool(call.query.flag("includePayments")),
        )
        served = {**served, "cancellationPolicyDetails": self._cancellation_policy(reservation)}
        return success(served)

    def _serve_reservation(self, reservation: JsonDict, *, include: bool, payments: bool) -> JsonDict:
        if not payments:
            # remainingBalance is only served with includePayments=1 (hostaway-api.md §5).
            reservation = {**reservation, "remainingBalance": None}
        if not include:
            return self._loose.reservation(reservation)
        money = self._state.account.money.get(reservation["id"])
        fees = []
        if money is not None:
            for index, (name, amount) in enumerate((("Cleaning fee", money.cleaning_fee), ("Pet fee", money.pet_fee))):
                if amount:
                    fees.append(
                        {
                            "id": reservation["id"] * 10 + index,
                            "name": name,
                            "amount": amount,
                            "currency": reservation["currency"],
                            "percentage": None,
                            "isIncluded": 1,
                            "isPerNight": 0,
                            "isPerPerson": 0,
                            "isImported": 1 if reservation["channelId"] in catalog.OTA_CHANNELS else 0,
                            "insertedOn": reservation["insertedOn"],
                            "updatedOn": reservation["insertedOn"],
                        }
                    )
        served = {**reservation, "reservationFees": fees, "financeField": self._state.finance_of(reservation)}
        return self._loose.reservation(served)

    def _cancellation_policy(self, reservation: JsonDict) -> JsonDict:
        listing = self._state.listings_by_id[reservation["listingMapId"]]
        name = listing["cancellationPolicy"]
        return {
            "name": name,
            "channelId": reservation["channelId"],
            "channelSpecificCode": reservation["airbnbCancellationPolicy"],
            "longTerm": None,
            "cancellationPolicyItem": [
                {
                    "refundAmount": amount,
                    "refundType": "percent",
                    "refundField": "totalPrice",
                    "timeDelta": seconds,
                    "event": "arrival",
                }
                for amount, seconds in _REFUND_RULES[name]
            ],
        }

    # --- conversations and messages ---

    def _conversation_or_404(self, match: re.Match[str]) -> JsonDict:
        conversation = self._state.conversations_by_id.get(int(match.group(1)))
        if conversation is None:
            raise ApiError(404, "Conversation not found.")
        return conversation

    def _serve_conversation(self, conversation: JsonDict) -> JsonDict:
        embedded = {**conversation["Reservation"], **_EMBEDDED_RESERVATION_OVERRIDES}
        return self._loose.conversation({**conversation, "Reservation": embedded})

    def _conversation_page(self, conversations: list[JsonDict], query: Query) -> SandboxResponse:
        ordered = sorted(conversations, key=conversation_activity, reverse=True)
        page, envelope = _paged(ordered, query, CONVERSATIONS_DEFAULT_LIMIT)
        return success([self._serve_conversation(c) for c in page], **envelope)

    def _conversations(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        reservation_id = call.query.integer("reservationId")
        conversations = self._state.account.conversations
        if reservation_id is not None:
            conversations = self._state.conversations_by_reservation.get(reservation_id, [])
        return self._conversation_page(conversations, call.query)

    def _reservation_conversations(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        reservation = self._reservation_or_404(match)
        return self._conversation_page(self._state.conversations_by_reservation.get(reservation["id"], []), call.query)

    def _conversation(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        return success(self._serve_conversation(self._conversation_or_404(match)))

    def _messages(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        conversation = self._conversation_or_404(match)
        thread = self._state.account.messages.get(conversation["id"], [])
        if not call.query.flag("includeScheduledMessages"):
            thread = [m for m in thread if m["status"] == "sent"]
        # Oldest first; Hostaway's order is UNCONFIRMED (hostaway-api.md §6).
        ordered = sorted(thread, key=lambda m: (m["date"], m["id"]))
        page, envelope = _paged(ordered, call.query, CONVERSATIONS_DEFAULT_LIMIT)
        return success([self._loose.message(m) for m in page], **envelope)

    def _send_message(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        conversation = self._conversation_or_404(match)
        body = parse_json_body(call.body)
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        text = body.get("body")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, 'The "body" parameter is required.')
        communication_type = body.get("communicationType", "email")
        if communication_type not in COMMUNICATION_TYPES:
            raise ApiError(400, f'The "communicationType" parameter must be one of {", ".join(COMMUNICATION_TYPES)}.')
        return success(self._loose.message(self._state.post_message(conversation, text, communication_type)))

    # --- finance and reference data ---

    def _finance_fields(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        reservation = self._reservation_or_404(match)
        fields = self._state.finance_of(reservation)
        return success(fields, count=str(len(fields)))

    def _consolidated_report(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        form = parse_form(call.headers.get("content-type", ""), call.body)
        if form is None:
            raise ApiError(400, "Report filters must be sent as form data.")
        fields = Query(form)
        result, output = consolidated_report(self._state.account.reservations, self._state.account.money, fields)
        if output == "json":
            return success(result)
        text = report_csv(result, fields.text("delimiter") or "comma")
        return SandboxResponse(200, text.encode(), (("Content-Type", "text/csv; charset=utf-8"),))

    def _amenities(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        amenities = [{"id": amenity_id, "name": name} for amenity_id, name in catalog.AMENITIES]
        return success(amenities, limit=None, offset=None, count=str(len(amenities)), page=1, totalPages=1)


def _day_value(name: str, value: Any) -> Any:
    """Validate one PUT calendar field; 0/1 flags also accept JSON booleans."""
    if name == "note":
        if value is not None and not isinstance(value, str):
            raise ApiError(400, 'The "note" parameter must be a string.')
        return value
    if name in ("isAvailable", "closedOnArrival", "closedOnDeparture"):
        if value is None and name != "isAvailable":
            return None
        if isinstance(value, bool) or value in (0, 1):
            return int(value)
        raise ApiError(400, f'The "{name}" parameter must be 0 or 1.')
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, f'The "{name}" parameter must be a number.')
    if name == "price":
        if value < 0:
            raise ApiError(400, 'The "price" parameter must not be negative.')
        return value
    if value != int(value) or value < 1:
        raise ApiError(400, f'The "{name}" parameter must be a positive integer.')
    return int(value)
