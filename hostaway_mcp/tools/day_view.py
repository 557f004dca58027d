"""The manager's day, assembled: who arrives, who leaves, what turns over, what is empty, who owes.

The logic of `get_operations_day` (`operations.py` has the tool and its reads). Pure:
`build_view` takes what four reads returned (the portfolio, the reservations overlapping the
days, the tasks around them, the open guest charges) and decides everything here, per property
and in the property's own dates:

- a booking counts only when it holds the calendar (confirmed, owner stay, request to book,
  awaiting payment): cancelled, inquiry, declined and expired bookings never arrive, leave or stay;
- day N at a property is its first date (the asked date, else its own today) plus N; a stay holds
  the nights `[arrival, departure)`; a property with no stay holding a night is vacant that night;
- a turnover is a departure and an arrival at one property on one day, with the hours between the
  check-out and the check-in (the booking's hours, else the property's), tight under
  `TIGHT_GAP_HOURS`; its clean is the cleaning task of the departing booking, else a cleaning
  task of that property that day;
- a balance is the booking's `remainingBalance` (sent with `includePayments=1`), or, when Hostaway
  left that out, the open charges (awaiting or failed) of the booking; the next scheduled charge
  and the failed ones come from the charges; amounts are never added across bookings;
- a late task is open after its due time; one due before the first day is listed once, under
  `late_tasks`, not in every day.

Every day has exact counts; its lists are cut to `row_cap(days)` rows each, and guests staying
and vacant properties (the same from one day to the next) are listed for the first day only, so
a two-week view of a big portfolio still fits in a model's context.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from hostaway_mcp.domain import BLOCKING_STATUSES, channel_name, ident, money, parse_date, status_words, text, whole
from hostaway_mcp.gateway import JSONObject
from hostaway_mcp.localtime import LocalToday, local_days
from hostaway_mcp.models.operations import (
    Arrival,
    Balance,
    DayCounts,
    DayTask,
    Departure,
    OperationsDay,
    OperationsView,
    Stay,
    Turnover,
    Vacant,
)
from hostaway_mcp.privacy import guest_name
from hostaway_mcp.tasks import STATUS_WORDS, TaskView, clock
from hostaway_mcp.tools._directory import PropertyFacts

TIGHT_GAP_HOURS = 4
ROW_BUDGET = 150  # rows over the lists of every day
MIN_ROWS = 2  # a list never shows fewer (when it has them)
DAILY_LISTS = 4  # arrivals, departures, turnovers, tasks (staying and vacant: the first day only)
LIST_CAP = 25  # late tasks and balances, once per answer
OPEN_CHARGES = frozenset({"awaiting", "failed"})
T = TypeVar("T")


@dataclass(frozen=True)
class Booking:
    """A held booking at a property, as the view uses it."""

    id: int
    property_id: int
    arrival: date
    departure: date
    raw: JSONObject

    @property
    def guest(self) -> str:
        """The guest's name, tamed (guest-written text: one line, no hidden characters, cut)."""
        parts = (text(self.raw.get("guestFirstName")), text(self.raw.get("guestLastName")))
        return guest_name(self.raw.get("guestName")) or guest_name(" ".join(p for p in parts if p)) or ""


@dataclass(frozen=True)
class Owed:
    amount: float
    currency: str | None
    next_charge: date | None
    failed: int


def held_bookings(rows: Iterable[JSONObject], scope: set[int]) -> dict[int, list[Booking]]:
    """Bookings that hold the calendar, by property (in scope only), one per id, by arrival."""
    seen: set[int] = set()
    found: dict[int, list[Booking]] = {}
    for row in rows:
        booking_id, property_id = ident(row.get("id")), ident(row.get("listingMapId"))
        arrival, departure = parse_date(row.get("arrivalDate")), parse_date(row.get("departureDate"))
        if (
            booking_id is None
            or booking_id in seen
            or property_id not in scope
            or property_id is None
            or arrival is None
            or departure is None
            or departure <= arrival
            or str(row.get("status")) not in BLOCKING_STATUSES
        ):
            continue
        seen.add(booking_id)
        found.setdefault(property_id, []).append(Booking(booking_id, property_id, arrival, departure, row))
    for bookings in found.values():
        bookings.sort(key=lambda b: (b.arrival, b.id))
    return found


def owed(bookings: Iterable[Booking], charges: Iterable[JSONObject]) -> dict[int, Owed]:
    """What each booking still owes (see the module docstring); bookings owing nothing are left out."""
    open_charges: dict[int, list[JSONObject]] = {}
    for charge in charges:
        booking_id = ident(charge.get("reservationId"))
        if booking_id is not None and text(charge.get("status")) in OPEN_CHARGES and charge.get("type") != "refund":
            open_charges.setdefault(booking_id, []).append(charge)
    result: dict[int, Owed] = {}
    for booking in bookings:
        pending = open_charges.get(booking.id, [])
        remaining = money(booking.raw.get("remainingBalance"))
        if remaining is None:
            remaining = round(sum(money(c.get("amount")) or 0.0 for c in pending), 2) if pending else None
        if remaining is None or remaining <= 0:
            continue
        scheduled = [
            day for c in pending if c.get("status") == "awaiting" and (day := parse_date(c.get("scheduledDate")))
        ]
        result[booking.id] = Owed(
            amount=remaining,
            currency=text(booking.raw.get("currency")),
            next_charge=min(scheduled) if scheduled else None,
            failed=sum(1 for c in pending if c.get("status") == "failed"),
        )
    return result


def _hour(value: object, fallback: int | None) -> int | None:
    hour = whole(value)
    return hour if hour is not None and 0 <= hour <= 24 else fallback


def _hhmm(hour: int | None) -> str:
    return "" if hour is None else f"{hour:02d}:00"


class _Assembler:
    def __init__(
        self,
        facts: dict[int, PropertyFacts],
        first_days: dict[int, date],
        bookings: dict[int, list[Booking]],
        tasks: list[TaskView],
        debts: dict[int, Owed],
        now: datetime,
        cap: int,
    ) -> None:
        self.facts = facts
        self.first_days = first_days
        self.bookings = bookings
        self.tasks = tasks
        self.debts = debts
        self.now = now
        self.cap = cap
        self.cut = False

    def name(self, property_id: int | None) -> str:
        facts = self.facts.get(property_id) if property_id is not None else None
        return (facts.name if facts is not None else None) or ""

    def check_in(self, booking: Booking) -> int | None:
        return _hour(booking.raw.get("checkInTime"), self.facts[booking.property_id].check_in_hour)

    def check_out(self, booking: Booking) -> int | None:
        return _hour(booking.raw.get("checkOutTime"), self.facts[booking.property_id].check_out_hour)

    def limited(self, rows: list[T], cap: int | None = None) -> list[T]:
        cap = self.cap if cap is None else cap
        if len(rows) > cap:
            self.cut = True
            return rows[:cap]
        return rows

    def day(self, offset: int) -> OperationsDay:
        arrivals: list[Arrival] = []
        departures: list[Departure] = []
        turnovers: list[Turnover] = []
        staying: list[Stay] = []
        vacant: list[Vacant] = []
        dates: set[date] = set()
        for property_id, first in self.first_days.items():
            day = first + timedelta(days=offset)
            dates.add(day)
            here = self.bookings.get(property_id, [])
            arriving = [b for b in here if b.arrival == day]
            leaving = [b for b in here if b.departure == day]
            arrivals += [self.arrival(b, day) for b in arriving]
            departures += [self.departure(b, day) for b in leaving]
            staying += [self.stay(b) for b in here if b.arrival < day < b.departure]
            if not any(b.arrival <= day < b.departure for b in here):
                vacant.append(Vacant(property_id=property_id, property_name=self.name(property_id)))
            if arriving and leaving:
                turnovers.append(self.turnover(leaving[0], arriving[0], day))
        tasks = self.day_tasks(offset)
        arrivals.sort(key=lambda a: (a.check_in, a.property_name, a.booking_id))
        departures.sort(key=lambda d: (d.check_out, d.property_name, d.booking_id))
        turnovers.sort(key=lambda t: (t.gap_hours if t.gap_hours is not None else 99, t.property_name))
        staying.sort(key=lambda s: (s.departure, s.property_name, s.booking_id))
        vacant.sort(key=lambda v: (v.property_name, v.property_id))
        counts = DayCounts(
            arrivals=len(arrivals),
            departures=len(departures),
            turnovers=len(turnovers),
            staying=len(staying),
            vacant=len(vacant),
            open_tasks=len(tasks),
            unassigned_tasks=sum(1 for t in tasks if t.unassigned),
        )
        return OperationsDay(
            dates=sorted(dates),
            counts=counts,
            arrivals=self.limited(arrivals),
            departures=self.limited(departures),
            turnovers=self.limited(turnovers),
            staying=self.limited(staying, LIST_CAP) if offset == 0 else [],
            vacant=self.limited(vacant, LIST_CAP) if offset == 0 else [],
            tasks=self.limited(tasks),
        )

    def arrival(self, booking: Booking, day: date) -> Arrival:
        raw, debt = booking.raw, self.debts.get(booking.id)
        status = str(raw.get("status"))
        return Arrival(
            booking_id=booking.id,
            property_id=booking.property_id,
            property_name=self.name(booking.property_id),
            day=day,
            guest_name=booking.guest,
            guests=whole(raw.get("numberOfGuests")),
            check_in=_hhmm(self.check_in(booking)),
            nights=(booking.departure - booking.arrival).days,
            channel=channel_name(raw.get("channelId"), raw.get("channelName")),
            status="confirmed" if status in ("new", "modified", "confirmed") else status_words(status),
            balance_due=debt.amount if debt else 0,
            currency=(debt.currency or "") if debt else "",
        )

    def departure(self, booking: Booking, day: date) -> Departure:
        return Departure(
            booking_id=booking.id,
            property_id=booking.property_id,
            property_name=self.name(booking.property_id),
            day=day,
            guest_name=booking.guest,
            check_out=_hhmm(self.check_out(booking)),
        )

    def stay(self, booking: Booking) -> Stay:
        return Stay(
            booking_id=booking.id,
            property_id=booking.property_id,
            property_name=self.name(booking.property_id),
            guest_name=booking.guest,
            departure=booking.departure,
        )

    def turnover(self, leaving: Booking, arriving: Booking, day: date) -> Turnover:
        out_hour, in_hour = self.check_out(leaving), self.check_in(arriving)
        gap = None if out_hour is None or in_hour is None else float(in_hour - out_hour)
        clean = self.clean_of(leaving, day)
        if clean is None:
            state = "none"
        elif clean.status == "completed":
            state = "done"
        elif clean.status == "inProgress":
            state = "in progress"
        else:
            state = "unassigned" if clean.assignee_id is None else "assigned"
        return Turnover(
            property_id=leaving.property_id,
            property_name=self.name(leaving.property_id),
            day=day,
            departing_booking_id=leaving.id,
            arriving_booking_id=arriving.id,
            check_out=_hhmm(out_hour),
            check_in=_hhmm(in_hour),
            gap_hours=gap,
            tight=gap is not None and gap < TIGHT_GAP_HOURS,
            clean=state,
            clean_task_id=clean.id if clean else None,
        )

    def clean_of(self, leaving: Booking, day: date) -> TaskView | None:
        cleans = [t for t in self.tasks if t.category == "cleaning" and t.status != "cancelled"]
        own = [t for t in cleans if t.booking_id == leaving.id]
        here = [t for t in cleans if t.property_id == leaving.property_id and t.touches(day, day)]
        found = own or here
        return found[0] if found else None

    def task_day(self, task: TaskView, offset: int) -> date:
        first = self.first_days.get(task.property_id) if task.property_id is not None else None
        return (first or min(self.first_days.values())) + timedelta(days=offset)

    def day_tasks(self, offset: int) -> list[DayTask]:
        rows = []
        for task in self.tasks:
            day = self.task_day(task, offset)
            if task.open and task.touches(day, day):
                rows.append(self.task_row(task))
        return sorted(rows, key=lambda r: (not r.unassigned, r.due, r.task_id))

    def late_tasks(self) -> list[DayTask]:
        rows = [
            self.task_row(t)
            for t in self.tasks
            if t.late(self.now) and t.due is not None and t.due.date() < self.task_day(t, 0)
        ]
        return self.limited(sorted(rows, key=lambda r: (r.due, r.task_id)), LIST_CAP)

    def task_row(self, task: TaskView) -> DayTask:
        return DayTask(
            task_id=task.id,
            title=task.title,
            category=task.category,
            status=STATUS_WORDS.get(task.status, task.status),
            property_id=task.property_id,
            property_name=self.name(task.property_id),
            booking_id=task.booking_id,
            due=clock(task.due) or "",
            unassigned=task.unassigned,
            late=task.late(self.now),
        )

    def balances(self, days: int) -> list[Balance]:
        rows: list[Balance] = []
        for property_id, first in self.first_days.items():
            last = first + timedelta(days=days - 1)
            for booking in self.bookings.get(property_id, []):
                debt = self.debts.get(booking.id)
                if debt is None or booking.arrival > last or booking.departure < first:
                    continue
                rows.append(
                    Balance(
                        booking_id=booking.id,
                        property_id=property_id,
                        property_name=self.name(property_id),
                        guest_name=booking.guest,
                        arrival=booking.arrival,
                        departure=booking.departure,
                        balance_due=debt.amount,
                        currency=debt.currency or "",
                        next_charge=debt.next_charge,
                        failed_charges=debt.failed,
                    )
                )
        rows.sort(key=lambda b: (b.arrival, b.property_name, b.booking_id))
        return self.limited(rows, LIST_CAP)


def row_cap(days: int) -> int:
    return max(MIN_ROWS, min(LIST_CAP, ROW_BUDGET // (DAILY_LISTS * days + 2)))


def build_view(
    facts: dict[int, PropertyFacts],
    starts: dict[int, LocalToday],
    days: int,
    reservations: Iterable[JSONObject],
    tasks: list[TaskView],
    charges: Iterable[JSONObject],
    now: datetime,
) -> OperationsView:
    """The view of `days` days from each property's start date (`starts`, in scope order)."""
    first_days = {property_id: local.today for property_id, local in starts.items()}
    bookings = held_bookings(reservations, set(first_days))
    every = [b for group in bookings.values() for b in group if b.raw.get("status") != "ownerStay"]
    assembler = _Assembler(facts, first_days, bookings, tasks, owed(every, charges), now, row_cap(days))
    plans = [assembler.day(offset) for offset in range(days)]
    late = assembler.late_tasks()
    balances = assembler.balances(days)
    notes = []
    if days > 1:
        notes.append("Guests staying and vacant properties are listed for the first day; every day has its counts.")
    if assembler.cut:
        notes.append(
            f"Long lists were cut (to {assembler.cap} rows a day, {LIST_CAP} for staying, vacant, late tasks and "
            "balances); the counts are exact. Ask for fewer days or pass property_ids; search_bookings and "
            "list_tasks give full lists."
        )
    return OperationsView(
        properties=len(first_days),
        local_today=local_days(starts.items()),
        days=plans,
        late_tasks=late,
        balances=balances,
        notes=notes,
    )
