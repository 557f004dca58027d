"""create_booking, update_booking and cancel_booking through a real MCP client, against the sandbox.

Every "nothing happened" claim is checked on the sandbox's state and its request log; prices are
checked against the sandbox's own quote (`Sandbox.quote`), to the cent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from mcp import Client
from mcp.types import ElicitRequestParams, ElicitResult

from hostaway_mcp.sandbox import catalog
from hostaway_mcp.tools.booking_create import PROVIDER
from tests.conftest import TODAY, assert_no_planted_secrets, call_error, call_ok
from tests.faults import Fault, faults_of
from tests.stays import bookable_stay, requests_to, stay_args

GUEST = {"guest_name": "Ana Lima", "guest_email": "ana.lima@example.org", "guest_phone": "+351 912 345 678"}
WRITES = ("create_booking", "update_booking", "cancel_booking")


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory(listings=6)


def booking_args(listing: dict[str, Any], start: date, end: date, **extra: Any) -> dict[str, Any]:
    return {**stay_args(listing, start, end), **GUEST, **extra}


def posts(sandbox: Any) -> list[Any]:
    return [r for r in sandbox.request_log if r.method == "POST" and r.path.rstrip("/") == "/reservations"]


def puts(sandbox: Any, booking_id: int) -> list[Any]:
    return [r for r in sandbox.request_log if r.method == "PUT" and r.path.startswith(f"/reservations/{booking_id}")]


def reservation(sandbox: Any, booking_id: int) -> dict[str, Any]:
    return next(r for r in sandbox.account.reservations if r["id"] == booking_id)


def finance(sandbox: Any, booking_id: int) -> list[dict[str, Any]]:
    return list(sandbox._api.bookings._state.finance_of(reservation(sandbox, booking_id)))


def statuses(sandbox: Any, listing_id: int, start: date, nights: int) -> list[str]:
    return [sandbox.calendar_day(listing_id, start + timedelta(days=n))["status"] for n in range(nights)]


def asking(action: str, asked: list[str]) -> Callable[..., Any]:
    async def answer(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action=action, content={"confirm": True} if action == "accept" else None)

    return answer


async def booked(client: Client, sandbox: Any, nights: int = 3, **extra: Any) -> tuple[dict[str, Any], Any, date, date]:
    listing, start, end = bookable_stay(sandbox, nights, **extra)
    made = await call_ok(client, "create_booking", booking_args(listing, start, end, confirm=True))
    assert made["status"] == "created", made
    return made, listing, start, end


# -- create_booking ---------------------------------------------------------------------------------


async def test_a_booking_preview_changes_nothing_and_shows_the_quote(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    listing, start, end = bookable_stay(sandbox, 4)
    count = len(sandbox.account.reservations)
    asked: list[str] = []
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(client, "create_booking", booking_args(listing, start, end))
    async with Client(server_factory(sandbox), elicitation_callback=asking("decline", asked)) as client:
        declined = await call_ok(client, "create_booking", booking_args(listing, start, end, confirm=True))
    own = sandbox.quote(listing["id"], start, end, 2)
    assert preview["status"] == "preview" and preview["booking_id"] is None
    assert preview["total_price"] == own["totalPrice"] == preview["price"]["total"]
    assert [(line["name"], line["amount"]) for line in preview["lines"]] == [
        (c["name"], c["total"]) for c in own["components"]
    ]
    assert preview["nights"] == 4 and preview["cancellation_policy"] == listing["cancellationPolicy"]
    assert "confirm=true" in preview["next_step"]
    assert declined["status"] == "declined" and "no booking was made" in declined["next_step"]
    question = asked[0]
    for needle in (f"{own['totalPrice']:.2f}", "Base rate", "4 nights", listing["cancellationPolicy"], "Ana Lima"):
        assert needle in question, needle
    assert posts(sandbox) == [] and len(sandbox.account.reservations) == count
    assert statuses(sandbox, listing["id"], start, 4) == ["available"] * 4
    assert_no_planted_secrets(preview)


@pytest.mark.parametrize(("channel", "channel_id"), [("direct", 2000), ("partner", 2020)])
async def test_a_confirmed_booking_is_made_once_at_the_quoted_total(
    server_factory: Callable[..., Any], sandbox: Any, channel: str, channel_id: int
) -> None:
    listing, start, end = bookable_stay(sandbox, 3, weekend=True)
    own = sandbox.quote(listing["id"], start, end, 2)
    async with Client(server_factory(sandbox)) as client:
        made = await call_ok(client, "create_booking", booking_args(listing, start, end, channel=channel, confirm=True))
    assert made["status"] == "created" and made["confirmed_by"] == "confirm"
    [sent] = posts(sandbox)
    assert sent.body["channelId"] == channel_id and sent.params == {"provider": PROVIDER}
    assert len(PROVIDER) <= 50
    assert sent.body["totalPrice"] == own["totalPrice"] and sent.body["financeField"] == own["components"]
    new = reservation(sandbox, made["booking_id"])
    assert new["totalPrice"] == own["totalPrice"] == made["booked_total"] == made["total_price"]
    assert new["channelId"] == channel_id and new["guestName"] == "Ana Lima" and new["source"] == PROVIDER
    assert [f["total"] for f in finance(sandbox, made["booking_id"])] == [c["total"] for c in own["components"]]
    assert statuses(sandbox, listing["id"], start, 3) == ["reserved"] * 3


async def test_a_form_confirms_a_booking(server_factory: Callable[..., Any], sandbox: Any) -> None:
    listing, start, end = bookable_stay(sandbox, 2)
    asked: list[str] = []
    async with Client(server_factory(sandbox), elicitation_callback=asking("accept", asked)) as client:
        made = await call_ok(client, "create_booking", booking_args(listing, start, end))
    assert made["status"] == "created" and made["confirmed_by"] == "form" and len(asked) == 1
    assert len(posts(sandbox)) == 1


def overlapping_stay(sandbox: Any) -> tuple[dict[str, Any], date, date, dict[str, Any]]:
    """Two nights whose second is the first night of an existing booking."""
    listings = {x["id"]: x for x in sandbox.account.listings}
    for held in sandbox.account.reservations:
        arrival = date.fromisoformat(held["arrivalDate"])
        if held["status"] == "new" and arrival > TODAY + timedelta(days=10):
            listing = listings[held["listingMapId"]]
            if sandbox.calendar_day(listing["id"], arrival - timedelta(days=1))["status"] == "available":
                return listing, arrival - timedelta(days=1), arrival + timedelta(days=1), held
    raise AssertionError("no booking with a free night before it")


async def test_an_overlapping_stay_is_refused_before_any_post(server_factory: Callable[..., Any], sandbox: Any) -> None:
    listing, start, end, held = overlapping_stay(sandbox)
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "create_booking", booking_args(listing, start, end, confirm=True))
    assert "Refused: the stay cannot be booked" in error and f"booking {held['id']}" in error
    assert "Nothing was sent" in error and "force_overbooking=true" in error
    assert posts(sandbox) == [] and requests_to(sandbox, "POST", "priceDetails") == []


async def test_overbooking_only_when_asked_for_in_so_many_words(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    listing, start, end, held = overlapping_stay(sandbox)
    args = booking_args(listing, start, end, force_overbooking=True)
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(client, "create_booking", args)
        made = await call_ok(client, "create_booking", {**args, "confirm": True})
    assert preview["overbooking"] is True and "OVERBOOKING" in preview["warnings"][0]
    assert f"booking {held['id']}" in preview["warnings"][0]
    assert made["status"] == "created"
    assert [r.params for r in posts(sandbox)] == [{"provider": PROVIDER, "forceOverbooking": "1"}]


async def test_a_stay_rule_is_refused_even_when_overbooking_is_asked_for(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    listing, start, end = bookable_stay(sandbox, 3)
    args = {**booking_args(listing, start, end), "guests": listing["personCapacity"] + 1, "force_overbooking": True}
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "create_booking", {**args, "confirm": True})
    assert "sleeps at most" in error and "force_overbooking" not in error
    assert posts(sandbox) == []


async def test_a_timed_out_post_and_a_retry_make_one_booking(server_factory: Callable[..., Any], sandbox: Any) -> None:
    listing, start, end = bookable_stay(sandbox, 3)
    args = booking_args(listing, start, end, confirm=True)
    faults_of(sandbox).script(Fault("read_timeout", method="POST", path="/reservations"))  # made, answer lost
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "create_booking", args)
        assert "Outcome unknown" in error and "not retried" in error and "search_bookings" in error
        again = await call_ok(client, "create_booking", args)
    made = [r for r in sandbox.account.reservations if r["guestName"] == "Ana Lima"]
    assert len(made) == 1 and len(posts(sandbox)) == 1
    assert again["status"] == "already_created" and again["booking_id"] == made[0]["id"]


async def test_a_post_that_never_arrived_is_sent_on_the_retry(server_factory: Callable[..., Any], sandbox: Any) -> None:
    listing, start, end = bookable_stay(sandbox, 3)
    args = booking_args(listing, start, end, confirm=True)
    faults_of(sandbox).script(Fault("status", status=502, method="POST", path="/reservations"))  # not processed
    async with Client(server_factory(sandbox)) as client:
        await call_error(client, "create_booking", args)
        made = await call_ok(client, "create_booking", args)
    assert made["status"] == "created" and len(posts(sandbox)) == 2
    assert len([r for r in sandbox.account.reservations if r["guestName"] == "Ana Lima"]) == 1


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"guest_name": "   "}, "guest_name is blank"),
        ({"guest_email": "ana at example"}, "not an email address"),
        ({"guest_phone": "call me"}, "not a phone number"),
        ({"check_out": "2026-12-01", "check_in": "2026-12-03"}, "must be after"),
        ({"check_in": "2026-01-01", "check_out": "2026-01-03"}, "in the past"),
        ({"channel": "airbnb"}, "validation error"),
    ],
)
async def test_bad_booking_arguments_are_refused_before_any_request(
    server_factory: Callable[..., Any], sandbox: Any, change: dict[str, Any], needle: str
) -> None:
    listing, start, end = bookable_stay(sandbox, 2)
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "create_booking", {**booking_args(listing, start, end), **change})
    assert needle in error
    assert [r for r in sandbox.request_log if r.path != "/accessTokens"] == []


async def test_read_only_mode_hides_the_three_booking_writes(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        every = {tool.name for tool in (await client.list_tools()).tools}
    async with Client(server_factory(sandbox, read_only=True)) as client:
        shown = {tool.name for tool in (await client.list_tools()).tools}
        refused = await client.call_tool("cancel_booking", {"booking_id": 1, "confirm": True})
    assert set(WRITES) <= every and not set(WRITES) & shown and "quote_stay" in shown
    assert refused.is_error


# -- update_booking ------------------------------------------------------------------------------------


async def test_moving_a_booking_requotes_and_keeps_every_finance_field(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        made, listing, start, end = await booked(client, sandbox, 3, skip=0)
        booking_id = made["booking_id"]
        fields_before = finance(sandbox, booking_id)
        later = end + timedelta(days=1)
        if sandbox.calendar_day(listing["id"], end)["status"] != "available":
            pytest.skip("the night after the stay is taken")
        args = {"booking_id": booking_id, "check_out": later.isoformat(), "guests": 3}
        preview = await call_ok(client, "update_booking", args)
        assert puts(sandbox, booking_id) == []
        done = await call_ok(client, "update_booking", {**args, "confirm": True})
    own = sandbox.quote(listing["id"], start, later, 3)
    assert preview["status"] == "preview" and preview["before"]["nights"] == 3 and preview["after"]["nights"] == 4
    assert preview["after"]["total_price"] == own["totalPrice"]
    assert preview["price_difference"] == round(own["totalPrice"] - made["total_price"], 2)
    assert done["status"] == "updated" and len(puts(sandbox, booking_id)) == 1
    after = finance(sandbox, booking_id)
    assert {f["name"] for f in fields_before} <= {f["name"] for f in after}
    assert reservation(sandbox, booking_id)["totalPrice"] == own["totalPrice"]
    assert statuses(sandbox, listing["id"], start, 4) == ["reserved"] * 4


async def test_a_generated_booking_keeps_its_pet_fee_commission_and_totals_fields(
    server_factory: Callable[..., Any], sandbox_factory: Callable[..., Any]
) -> None:
    """Fields the quote does not price (a pet fee, the channel fee) stay; `totals` follows the new total."""
    sandbox = sandbox_factory(listings=12)
    target = next(
        r
        for r in sandbox.account.reservations
        if r["status"] in ("new", "modified")
        and r["channelId"] == catalog.CHANNEL_HOMEAWAY
        and r["pets"]
        and r["nights"] >= 2
        and r["arrivalDate"] > (TODAY + timedelta(days=3)).isoformat()
    )
    before = {f["name"]: f for f in finance(sandbox, target["id"])}
    nights = target["nights"]  # the account's own object: the PUT changes it
    assert {"petFee", "hostChannelFee", "totalPrice"} <= set(before)
    shorter = date.fromisoformat(target["departureDate"]) - timedelta(days=1)
    async with Client(server_factory(sandbox)) as client:
        done = await call_ok(
            client, "update_booking", {"booking_id": target["id"], "check_out": shorter.isoformat(), "confirm": True}
        )
    after = {f["name"]: f for f in finance(sandbox, target["id"])}
    assert done["status"] == "updated" and done["after"]["nights"] == nights - 1
    assert set(before) <= set(after), "no finance field was dropped"
    assert after["petFee"]["total"] == before["petFee"]["total"] == 25.0
    assert after["hostChannelFee"]["total"] == before["hostChannelFee"]["total"]
    assert any(change.startswith("Pet fee: 25.00 (kept") for change in done["finance_changes"])
    counted = [f["total"] for f in after.values() if f["isIncludedInTotalPrice"] and f["type"] != "totals"]
    assert after["totalPrice"]["total"] == round(sum(counted), 2) == reservation(sandbox, target["id"])["totalPrice"]
    assert after["baseRate"]["isOverriddenByUser"] == 1


async def test_a_note_only_change_sends_no_finance_fields(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        made, *_ = await booked(client, sandbox)
        fields = finance(sandbox, made["booking_id"])
        args = {"booking_id": made["booking_id"], "notes": "Late arrival, 23:00", "confirm": True}
        done = await call_ok(client, "update_booking", args)
    [sent] = puts(sandbox, made["booking_id"])
    assert sent.body == {"hostNote": "Late arrival, 23:00"}
    assert done["after"]["notes"] == "Late arrival, 23:00" and done["price_difference"] is None
    assert finance(sandbox, made["booking_id"]) == fields


async def test_a_channel_managed_booking_is_refused_with_the_reason(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    target = next(
        r
        for r in sandbox.account.reservations
        if r["status"] == "new" and r["channelId"] == catalog.CHANNEL_AIRBNB and r["arrivalDate"] > TODAY.isoformat()
    )
    args = {"booking_id": target["id"], "notes": "VIP"}
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(client, "update_booking", args)
        error = await call_error(client, "update_booking", {**args, "confirm": True})
    assert any("comes from airbnb" in warning for warning in preview["warnings"])
    assert "NOT changed" in error and "managed by the channel" in error and "Make the change on airbnb" in error
    assert len(puts(sandbox, target["id"])) == 2, "sent, refused, sent once more with a fresh token, refused"
    assert reservation(sandbox, target["id"])["hostNote"] != "VIP"


async def test_moving_onto_taken_nights_or_changing_nothing_is_refused_before_any_put(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        made, listing, start, end = await booked(client, sandbox, 2)
        _, _, _, held = overlapping_stay(sandbox)
        nothing = await call_error(client, "update_booking", {"booking_id": made["booking_id"]})
        same = await call_error(
            client, "update_booking", {"booking_id": made["booking_id"], "check_in": start.isoformat(), "confirm": True}
        )
        other = next(
            r
            for r in sandbox.account.reservations
            if r["listingMapId"] == listing["id"] and r["status"] == "new" and r["arrivalDate"] > end.isoformat()
        )
        clash = await call_error(
            client,
            "update_booking",
            {"booking_id": made["booking_id"], "check_in": other["arrivalDate"],
             "check_out": other["departureDate"], "confirm": True},
        )  # fmt: skip
    assert "Nothing to change" in nothing and "Nothing would change" in same
    assert "Refused" in clash and "booked" in clash and held
    assert puts(sandbox, made["booking_id"]) == []


async def test_a_lost_answer_to_a_change_is_found_not_sent_again(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        made, *_ = await booked(client, sandbox)
        args = {"booking_id": made["booking_id"], "guests": 1, "confirm": True}
        faults_of(sandbox).script(Fault("read_timeout", method="PUT", path="/reservations"))
        error = await call_error(client, "update_booking", args)
        again = await call_ok(client, "update_booking", args)
    assert "Outcome unknown" in error
    assert again["status"] == "already_updated" and len(puts(sandbox, made["booking_id"])) == 1


# -- cancel_booking ---------------------------------------------------------------------------------


async def test_cancelling_is_refused_without_confirmation_and_frees_the_nights_after(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    asked: list[str] = []
    async with Client(server_factory(sandbox)) as client:
        made, listing, start, _ = await booked(client, sandbox, 3)
        booking_id = made["booking_id"]
        preview = await call_ok(client, "cancel_booking", {"booking_id": booking_id})
        assert puts(sandbox, booking_id) == [] and reservation(sandbox, booking_id)["status"] == "new"
        assert statuses(sandbox, listing["id"], start, 3) == ["reserved"] * 3
    async with Client(server_factory(sandbox), elicitation_callback=asking("decline", asked)) as client:
        declined = await call_ok(client, "cancel_booking", {"booking_id": booking_id, "confirm": True})
    async with Client(server_factory(sandbox)) as client:
        args = {"booking_id": booking_id, "cancelled_by": "guest", "confirm": True}
        done = await call_ok(client, "cancel_booking", args)
        again = await call_error(client, "cancel_booking", {"booking_id": booking_id, "confirm": True})
    assert preview["status"] == "preview" and preview["amount"] == made["total_price"]
    assert preview["guest_name"] == "Ana Lima" and preview["channel"] == "direct" and preview["reaches_channel"] is None
    assert listing["cancellationPolicy"] in (preview["cancellation_policy"] or "")
    assert declined["status"] == "declined"
    question = asked[0]
    total = f"{made['total_price']:.2f}"
    for needle in ("CANNOT BE UNDONE", "Ana Lima", start.isoformat(), "direct", total, "refunded"):
        assert needle in question, needle
    assert done["status"] == "cancelled" and len(puts(sandbox, booking_id)) == 1
    cancelled = reservation(sandbox, booking_id)
    assert cancelled["status"] == "cancelled" and cancelled["cancelledBy"] == "guest"
    assert statuses(sandbox, listing["id"], start, 3) == ["available"] * 3
    assert "already cancelled" in again


async def test_a_channel_booking_says_whether_the_cancellation_reaches_the_channel_is_unconfirmed(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    target = next(
        r
        for r in sandbox.account.reservations
        if r["status"] == "new" and r["channelId"] == catalog.CHANNEL_AIRBNB and r["arrivalDate"] > TODAY.isoformat()
    )
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(client, "cancel_booking", {"booking_id": target["id"]})
    assert preview["channel"] == "airbnb" and "UNCONFIRMED" in (preview["reaches_channel"] or "")
    assert "check the booking on airbnb" in preview["reaches_channel"]
    assert puts(sandbox, target["id"]) == []
    assert_no_planted_secrets(preview)


async def test_a_lost_answer_to_a_cancellation_is_found(server_factory: Callable[..., Any], sandbox: Any) -> None:
    async with Client(server_factory(sandbox)) as client:
        made, *_ = await booked(client, sandbox)
        args = {"booking_id": made["booking_id"], "confirm": True}
        faults_of(sandbox).script(Fault("read_timeout", method="PUT", path="/reservations"))
        await call_error(client, "cancel_booking", args)
        found = await call_ok(client, "cancel_booking", args)
    assert found["status"] == "already_cancelled" and len(puts(sandbox, made["booking_id"])) == 1


async def test_a_booking_that_holds_no_stay_cannot_be_cancelled(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    inquiry = next(r for r in sandbox.account.reservations if r["status"] == "inquiry")
    async with Client(server_factory(sandbox)) as client:
        error = await call_error(client, "cancel_booking", {"booking_id": inquiry["id"], "confirm": True})
    assert "nothing to cancel" in error and puts(sandbox, inquiry["id"]) == []


async def test_cancelling_a_stay_under_way_warns_that_the_guest_may_be_there(
    server_factory: Callable[..., Any], sandbox: Any
) -> None:
    staying = next(
        r
        for r in sandbox.account.reservations
        if r["status"] in ("new", "modified") and r["arrivalDate"] <= TODAY.isoformat() < r["departureDate"]
    )
    async with Client(server_factory(sandbox)) as client:
        preview = await call_ok(client, "cancel_booking", {"booking_id": staying["id"]})
    assert any(w.startswith(f"WARNING: the stay started on {staying['arrivalDate']}") for w in preview["warnings"])
    assert puts(sandbox, staying["id"]) == []


async def test_the_ledger_and_audit_log_keep_ids_and_amounts_not_the_guest(
    server_factory: Callable[..., Any], sandbox: Any, tmp_path: Any
) -> None:
    async with Client(server_factory(sandbox)) as client:
        made, *_ = await booked(client, sandbox)
        await call_ok(
            client, "update_booking", {"booking_id": made["booking_id"], "notes": "Gate code 4711", "confirm": True}
        )
        await call_ok(client, "cancel_booking", {"booking_id": made["booking_id"], "confirm": True})
    kept = b"".join(path.read_bytes() for path in (tmp_path / "cache").rglob("*") if path.is_file())
    assert str(made["booking_id"]).encode() in kept and b"create_booking" in kept
    for private in (b"Ana Lima", b"ana.lima@example.org", b"912 345 678", b"Gate code 4711"):
        assert private not in kept, private
