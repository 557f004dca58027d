"""Finance fields and the consolidated report, derived from each reservation's Money breakdown.

Invariants the tests rely on: the finance fields with isIncludedInTotalPrice=1 add up to the
reservation's totalPrice; the "totals" field equals it; the host channel fee equals
channelCommissionAmount. Report money is never summed across currencies: with mixed currencies
the money totals and the top-level `currency` are null (Hostaway's own behaviour there is
UNCONFIRMED; it reports in one currency).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from hostaway_mcp.sandbox.account import JsonDict, Money
from hostaway_mcp.sandbox.wire import ApiError, Query

DATE_TYPES = ("arrivalDate", "departureDate", "reservationDate")
# (name, title, valueType) per [D:_financialReporting_report*]; names beyond the documented
# id/channelName/status/listingName/totalGuestFees/totalTax/pmCommission/ownerPayout/baseRate
# are reservation field names.
REPORT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "Reservation ID", "number"),
    ("listingMapId", "Listing ID", "number"),
    ("listingName", "Listing", "string"),
    ("guestName", "Guest", "string"),
    ("channelId", "Channel ID", "number"),
    ("channelName", "Channel", "string"),
    ("status", "Status", "string"),
    ("arrivalDate", "Arrival", "string"),
    ("departureDate", "Departure", "string"),
    ("nights", "Nights", "number"),
    ("reservationDate", "Reservation date", "string"),
    ("currency", "Currency", "string"),
    ("baseRate", "Base rate", "money"),
    ("cleaningFee", "Cleaning fee", "money"),
    ("totalGuestFees", "Total guest fees", "money"),
    ("totalTax", "Total tax", "money"),
    ("totalPrice", "Total price", "money"),
    ("channelCommission", "Channel commission", "money"),
    ("pmCommission", "PM commission", "money"),
    ("ownerPayout", "Owner payout", "money"),
)
_NOT_SUMMED = frozenset({"id", "listingMapId", "channelId"})


def finance_fields(reservation: JsonDict, money: Money | None) -> list[JsonDict]:
    """GET /financeField/{reservationId}: one object per price component ([D:_finance_field])."""
    if money is None:
        return []
    components: list[tuple[str, str, str, float, int]] = [
        (line.kind, line.name, line.title, line.amount, 1) for line in money.charges().lines()
    ]
    if money.channel_commission:
        components.append(("commissions", "hostChannelFee", "Host channel fee", money.channel_commission, 0))
    components.append(("totals", "totalPrice", "Total price", money.total, 0))
    return [
        {
            "id": reservation["id"] * 100 + index,
            "units": 1,
            "listingFeeSettingId": None,
            "type": kind,
            "name": name,
            "title": title,
            "alias": title,
            "value": amount,
            "quantity": 1,
            "total": amount,
            "isIncludedInTotalPrice": included,
            "isOverriddenByUser": 0,
            "isMandatory": 1,
            "isQuantitySelectable": 0,
            "isDeleted": 0,
        }
        for index, (kind, name, title, amount, included) in enumerate(components, start=1)
    ]


def report_row(reservation: JsonDict, money: Money | None) -> dict[str, Any]:
    """One booking as a row of the consolidated report (and of owner statements), by column name."""
    if money is None:  # owner stays carry no financials
        money = Money(0.0, 0.0, None, 0.0, 0.0, 0.0, "vat", 0.0, 0.0, 0.0)
    return {
        **{name: reservation.get(name) for name, _, _ in REPORT_COLUMNS[:12]},
        "baseRate": money.base_rate,
        "cleaningFee": money.cleaning_fee,
        "totalGuestFees": round(money.cleaning_fee + money.pet_fee, 2),
        "totalTax": money.tax,
        "totalPrice": money.total,
        "channelCommission": money.channel_commission,
        "pmCommission": money.pm_commission,
        "ownerPayout": round(money.total - money.tax - money.channel_commission - money.pm_commission, 2),
    }


def consolidated_report(reservations: Iterable[JsonDict], money: dict[int, Money], form: Query) -> tuple[JsonDict, str]:
    """POST /finance/report/consolidated: the JSON `result` and the format asked for."""
    start, end = form.day("fromDate"), form.day("toDate")
    if start is None or end is None:
        raise ApiError(400, 'The "fromDate" and "toDate" parameters are required.')
    date_type = form.text("dateType") or "arrivalDate"
    if date_type not in DATE_TYPES:
        raise ApiError(400, f'The "dateType" parameter must be one of {", ".join(DATE_TYPES)}.')
    output = form.text("format") or "csv"
    if output not in ("csv", "json"):
        raise ApiError(400, 'The "format" parameter must be csv or json.')
    listing_ids = set(form.integers("listingMapIds"))
    channel_ids = set(form.integers("channelIds"))
    statuses = set(form.texts("statuses"))
    rows = []
    for reservation in reservations:
        day = date.fromisoformat(reservation[date_type][:10])
        if not start <= day <= end:
            continue
        if listing_ids and reservation["listingMapId"] not in listing_ids:
            continue
        if channel_ids and reservation["channelId"] not in channel_ids:
            continue
        if statuses and reservation["status"] not in statuses:
            continue
        rows.append(report_row(reservation, money.get(reservation["id"])))
    names = [name for name, _, _ in REPORT_COLUMNS]
    sort_by = form.text("sortBy") or date_type
    if sort_by not in names:
        raise ApiError(400, f'Unknown sortBy "{sort_by}".')
    descending = (form.text("sortOrder") or "asc").lower() == "desc"
    rows.sort(
        key=lambda row: ((0, "") if row[sort_by] is None else (1, row[sort_by]), row["id"]),
        reverse=descending,
    )
    currencies = sorted({row["currency"] for row in rows})
    single = currencies[0] if len(currencies) == 1 else None
    totals: list[Any] = ["Totals"]
    for name, _, value_type in REPORT_COLUMNS[1:]:
        if value_type == "string" or name in _NOT_SUMMED or (value_type == "money" and single is None):
            totals.append(None)
        else:
            totals.append(round(sum(row[name] for row in rows), 2))
    result = {
        "columns": [{"name": n, "title": t, "valueType": v} for n, t, v in REPORT_COLUMNS],
        "rows": [[row[name] for name in names] for row in rows],
        "totals": totals,
        "currency": single,
    }
    return result, output


def report_csv(result: JsonDict, delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t" if delimiter == "tab" else ",", lineterminator="\n")
    writer.writerow(column["title"] for column in result["columns"])
    writer.writerows(result["rows"])
    writer.writerow(result["totals"])
    return buffer.getvalue()
