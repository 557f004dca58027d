"""Routes for reviews, message templates, reservation logs, and the team's users and groups.

Envelopes follow the docs of each endpoint:
- `GET /reviews`: status, result, count, offset (`offset` null when not sent, as in the sample);
- `GET /reservations/{id}/logs`: the whole log as a bare list, or with count and offset when
  `limit` or `offset` is sent;
- `POST /reviews/{id}/respond`: the updated review; a refusal is HTTP 403 with the reason in
  `message` (not `result`), unknown review ids included;
- the rest: status, result (lists also carry count).
Unknown ids on GET are 404 with the text in `result`, like the other endpoints.
"""

from __future__ import annotations

import re
from typing import Any

from hostaway_mcp.sandbox import templates
from hostaway_mcp.sandbox.account import JsonDict
from hostaway_mcp.sandbox.looseids import LooseIds
from hostaway_mcp.sandbox.review_listing import page_limits, select_reviews, sort_reviews
from hostaway_mcp.sandbox.reviews import NOT_FOUND
from hostaway_mcp.sandbox.state import AccountState
from hostaway_mcp.sandbox.wire import ApiError, Call, Route, SandboxResponse, parse_json_body, success

_PREVIEWED = ("publicReview", "privateFeedback")


class GuestCareApi:
    """Handlers over one AccountState; `routes()` is spliced into HostawayApi's table."""

    def __init__(self, state: AccountState, loose_ids: LooseIds) -> None:
        self._state = state
        self._loose = loose_ids

    def routes(self) -> list[Route]:
        return [
            ("GET", re.compile(r"/reviews"), self._reviews),
            ("GET", re.compile(r"/reviews/(\d+)"), self._review),
            ("POST", re.compile(r"/reviews/(\d+)/respond"), self._respond),
            ("GET", re.compile(r"/messageTemplates"), self._templates),
            ("GET", re.compile(r"/messageTemplates/(\d+)"), self._template),
            ("GET", re.compile(r"/reservations/(\d+)/messageTemplates"), self._booking_templates),
            ("GET", re.compile(r"/reservations/(\d+)/messageTemplates/(\d+)"), self._booking_template),
            ("GET", re.compile(r"/reservations/(\d+)/logs"), self._logs),
            ("GET", re.compile(r"/users"), self._users),
            ("GET", re.compile(r"/user/(\d+)"), self._user),
            ("GET", re.compile(r"/userGroups"), self._groups),
        ]

    # --- reviews ---

    def _served(self, review: JsonDict, preview: bool) -> JsonDict:
        """The review as the API sends it: ids in the account's shapes, template text filled on preview."""
        reservation = self._state.reservations_by_id.get(review["reservationId"])
        if preview and reservation is not None:
            listing = self._state.listings_by_id[reservation["listingMapId"]]
            review = {**review, **{key: templates.fill(review[key], reservation, listing) for key in _PREVIEWED}}
        return self._loose.references(review)

    def _reviews(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        query = call.query
        listings = self._state.listings_by_id
        limit, offset = page_limits(query)
        preview = bool(query.flag("preview"))
        items = sort_reviews(select_reviews(self._state.account.reviews, query, listings), query, listings)
        page = [self._served(r, preview) for r in items[offset : offset + limit]]
        return success(page, count=len(items), offset=query.integer("offset", minimum=0))

    def _review_or_404(self, match: re.Match[str]) -> JsonDict:
        review = self._state.reviews_by_id.get(int(match.group(1)))
        if review is None:
            raise ApiError(404, NOT_FOUND)
        return review

    def _review(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        return success(self._served(self._review_or_404(match), bool(call.query.flag("preview"))))

    def _respond(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        review = self._state.reviews_by_id.get(int(match.group(1)))
        if review is None:
            raise ApiError(403, NOT_FOUND, field="message")
        body = parse_json_body(call.body)
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        response = body.get("revieweeResponse")
        updated = self._state.respond_to_review(review, response if isinstance(response, str) else "")
        return success(self._served(updated, preview=False))

    # --- message templates ---

    def _booking(self, reservation_id: int) -> tuple[JsonDict, JsonDict]:
        reservation = self._state.reservations_by_id.get(reservation_id)
        if reservation is None:
            raise ApiError(404, "Reservation not found.")
        return reservation, self._state.listings_by_id[reservation["listingMapId"]]

    def _templates(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        query = call.query
        chosen = self._state.account.templates
        for param, field in (
            ("messageTemplateGroupId", "messageTemplateGroupId"),
            ("channelId", "channelId"),
            ("listingMapId", "listingMapId"),
        ):
            wanted = query.integer(param)
            if wanted is not None:
                chosen = [t for t in chosen if t[field] in (None, str(wanted))]
        reservation_id = query.integer("reservationId")
        booking = self._booking(reservation_id) if reservation_id is not None else (None, None)
        served = [templates.served(t, *booking) for t in chosen]
        return success(served, count=len(served))

    def _template_or_404(self, template_id: int) -> JsonDict:
        for template in self._state.account.templates:
            if template["id"] == template_id:
                return template
        raise ApiError(404, "Message template not found.")

    def _template(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        return success(templates.served(self._template_or_404(int(match.group(1))), None, None))

    def _booking_templates(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        reservation, listing = self._booking(int(match.group(1)))
        chosen = [t for t in self._state.account.templates if templates.applies(t, reservation)]
        return success([templates.served(t, reservation, listing) for t in chosen])

    def _booking_template(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        reservation, listing = self._booking(int(match.group(1)))
        return success(templates.served(self._template_or_404(int(match.group(2))), reservation, listing))

    # --- reservation logs and users ---

    def _logs(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        reservation, _ = self._booking(int(match.group(1)))
        entries = [self._loose.references(e) for e in self._state.change_log.entries(reservation, self._state.now())]
        query = call.query
        limit, offset = query.integer("limit", minimum=1), query.integer("offset", minimum=0)
        if limit is None and offset is None:
            return success(entries)
        start = offset or 0
        page = entries[start : start + limit] if limit is not None else entries[start:]
        return success(page, count=len(entries), offset=start)

    def _users(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        users = self._state.account.users
        limit = call.query.integer("limit", minimum=1)
        offset = call.query.integer("offset", minimum=0) or 0
        page = users[offset : offset + limit] if limit is not None else users[offset:]
        return success(page, count=len(users), limit=limit, offset=offset)

    def _user(self, call: Call, match: re.Match[str]) -> SandboxResponse:
        user_id = int(match.group(1))
        found: Any = next((u for u in self._state.account.users if u["id"] == user_id), None)
        if found is None:
            raise ApiError(404, "User not found.")
        if call.query.flag("includeResources"):  # the listings the user works on ([D:_user_retrieve])
            found = {**found, "listingMapIds": list(self._state.account.coverage.get(user_id, []))}
        return success(found)

    def _groups(self, call: Call, _: re.Match[str]) -> SandboxResponse:
        return success(self._state.account.user_groups)
