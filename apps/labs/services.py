"""Labs use cases: browsing labs and availability, booking and cancelling
slots, closures, reminders.

What this layer promises:
- No slot is ever overbooked: a seat is taken only by one conditional update
  of the slot's ``LabSlot`` counter (``booked < capacity``), whatever the
  concurrency; cancelling gives it back with a conditional decrement.
- A user never holds two overlapping active bookings (in any labs) nor more
  than ``MAX_UPCOMING_BOOKINGS`` upcoming ones, whatever the concurrency: a
  user's booking transactions are serialized through ``UserBookingGuard``.
- Authorization lives here: labs and availability are public (inactive labs
  only for staff); bookings belong to their user, and another user's booking
  is answered ``not_found``; closures and the day schedule are staff-only.
- Emails (reminders, cancellations the learner did not make) are queued on
  commit and sent at most once per booking and event.

Call the writing services outside any transaction: they open their own, and
MongoDB has no savepoints to recover a nested one from a unique-key race.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError
from django.utils import timezone

from apps.identity.models import User
from apps.identity.services import is_staff, require_user
from apps.labs import repositories, tasks
from apps.labs.errors import LabsErrorCode
from apps.labs.models import Booking, Lab, LabClosure
from apps.labs.schedule import OpeningRange, Slot, days_between, free_seats, local_day_bounds_utc, slots_for_day
from apps.learning.services import course_role
from deltalabs.audit import audit_record
from deltalabs.dates import require_supported_date, require_supported_instant
from deltalabs.db import atomic, on_commit, transactional
from deltalabs.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from deltalabs.pagination import Page, paginate
from deltalabs.permissions import require_staff_permission

# Public reads accept anonymous visitors; everything else needs a user.
Actor = User | AnonymousUser

MAX_UPCOMING_BOOKINGS = 5
MAX_AVAILABILITY_DAYS = 31
DEFAULT_AVAILABILITY_DAYS = 7
REMINDER_LEAD_TIME = timedelta(hours=24)


# --- Helpers ------------------------------------------------------------------


def _zone(lab: Lab) -> ZoneInfo:
    return ZoneInfo(lab.timezone)


def _visible_lab(actor, lab_id: UUID, *, fetch=repositories.lab_get) -> Lab:
    """The lab if the actor may see it: active labs for everyone, inactive ones for staff."""
    lab = fetch(lab_id)
    if lab is None or (not lab.is_active and not is_staff(actor)):
        raise NotFound.of("Lab")
    return lab


def _ranges(lab_id: UUID) -> list[OpeningRange]:
    return [
        OpeningRange(weekday=hours.weekday, opens_at=hours.opens_at, closes_at=hours.closes_at)
        for hours in repositories.opening_hours(lab_id)
    ]


#: Slot grids each worker keeps (``_slot_grid``): a 31-day grid is about 500 slots.
SLOT_GRID_MEMO_SIZE = 64


class SlotGrid:
    """The slots of a range of local days, in time order, as ``_slot_grid``
    computed them. A worker reuses the same grid object for the same inputs,
    so what is derived from it (``starts``, and the rendered texts kept by
    ``apps.labs.outputs``) is worked out once per grid, not per request."""

    __slots__ = ("slots", "starts")

    def __init__(self, slots: tuple[Slot, ...]) -> None:
        self.slots = slots
        self.starts = tuple(slot.start for slot in slots)

    def __len__(self) -> int:
        return len(self.slots)

    def __iter__(self):
        return iter(self.slots)

    def first_after(self, instant: datetime) -> int:
        """The index of the first slot starting after ``instant`` (``len`` if none)."""
        return bisect.bisect_right(self.starts, instant)


@functools.lru_cache(maxsize=SLOT_GRID_MEMO_SIZE)
def _slot_grid(
    first: date,
    last: date,
    ranges: tuple[OpeningRange, ...],
    slot_minutes: int,
    zone_name: str,
    closed: frozenset[date],
) -> SlotGrid:
    """The slots of the local days ``first..last`` outside ``closed``, in time order.

    A pure function of its arguments (the lab's opening hours, slot length, time
    zone and closed days as read by this request), so a worker keeps the last
    grids it computed: a change to any of them is another key, never a stale
    grid. Seats are not part of it; they are read on every request."""
    zone = ZoneInfo(zone_name)
    return SlotGrid(
        tuple(
            slot
            for day in days_between(first, last)
            if day not in closed
            for slot in slots_for_day(day, ranges, slot_minutes=slot_minutes, zone=zone)
        )
    )


def _closed_days(closures: list[LabClosure], first: date, last: date) -> set[date]:
    closed: set[date] = set()
    for closure in closures:
        closed.update(days_between(max(closure.starts_on, first), min(closure.ends_on, last)))
    return closed


def _visible_booking(actor, booking_id: UUID) -> Booking:
    """The booking if it is the actor's own (or the actor is staff who may view
    bookings); otherwise 404 (403 for staff whose role does not show bookings)."""
    require_user(actor)
    booking = repositories.booking_get(booking_id)
    if booking is None or (booking.user_id != actor.pk and not is_staff(actor)):
        raise NotFound.of("Booking")
    if booking.user_id != actor.pk:
        require_staff_permission(actor, "labs.view_booking", "Your staff role does not show bookings.")
    return booking


# --- Labs and availability ----------------------------------------------------


def lab_list(*, actor: Actor, kind: str | None = None, cursor: str | None = None, limit: int = 20) -> Page:
    """Active labs by name, one page. Public."""
    if kind is not None and kind not in Lab.Kind.values:
        raise ValidationFailed("Unknown lab kind.", {"kind": [f"Use one of: {', '.join(Lab.Kind.values)}."]})
    return paginate(repositories.labs_active(kind=kind), ordering=["name"], cursor=cursor, limit=limit)


def lab_get(*, actor: Actor, lab_id: UUID) -> Lab:
    """One lab, with two extra attributes: ``weekly_hours`` (its opening
    ranges in weekday order) and ``upcoming_closures`` (closures not yet over
    in the lab's time zone). Public; inactive labs only for staff."""
    lab = _visible_lab(actor, lab_id)
    lab.weekly_hours = repositories.opening_hours(lab.pk)
    today = timezone.now().astimezone(_zone(lab)).date()
    lab.upcoming_closures = repositories.closures_ending_on_or_after(lab.pk, today)
    return lab


@dataclass(slots=True)
class SlotAvailability:
    """One slot: UTC ``start``/``end``, seats per slot, seats booked and seats
    still bookable (0 once the slot has started)."""

    start: datetime
    end: datetime
    capacity: int
    booked: int
    available: int


@dataclass(frozen=True)
class Availability:
    """A lab's slots over the local days ``date_from..date_to`` (inclusive).
    Rendered by ``apps.labs.outputs.AvailabilityOutput`` (REST: the same
    output, written by ``outputs.availability_body``).

    Kept as the grid plus one seat count per slot: a 31-day answer has about
    500 slots, and an object per slot cost more than the rest of the request.
    ``slots`` builds them for the callers that want them."""

    lab_id: UUID
    timezone: str
    date_from: date
    date_to: date
    grid: SlotGrid
    capacity: int
    booked: list[int]  # seats taken, per slot of ``grid``
    open_from: int  # the grid's slots before this index have started

    def available(self, index: int) -> int:
        """Free seats of the grid's ``index``-th slot."""
        return free_seats(self.capacity, self.booked[index], started=index < self.open_from)

    @functools.cached_property
    def slots(self) -> list[SlotAvailability]:
        return [
            SlotAvailability(slot.start, slot.end, self.capacity, self.booked[index], self.available(index))
            for index, slot in enumerate(self.grid.slots)
        ]


def lab_availability(
    *, actor: Actor, lab_id: UUID, date_from: date | None = None, date_to: date | None = None
) -> Availability:
    """Slots of the lab's local days ``date_from..date_to`` (inclusive, at most
    31 days; defaults: today and a week), each with its UTC ``start``/``end``,
    ``capacity``, ``booked`` and ``available`` seats. Closed days have no
    slots; slots that have started are listed with ``available`` 0. Public.

    Four queries whatever the range: lab, opening hours, closures, counters.
    The slot grid is computed once per worker for the same inputs (``_slot_grid``).
    """
    require_supported_date(date_from, field="from")
    require_supported_date(date_to, field="to")
    lab = _visible_lab(actor, lab_id, fetch=repositories.lab_by_id)
    zone = _zone(lab)
    now = timezone.now()
    if date_from is None:
        date_from = now.astimezone(zone).date()
    if date_to is None:
        date_to = date_from + timedelta(days=DEFAULT_AVAILABILITY_DAYS - 1)
    if date_to < date_from:
        raise ValidationFailed("`to` is before `from`.", {"to": ["Must be on or after `from`."]})
    if (date_to - date_from).days + 1 > MAX_AVAILABILITY_DAYS:
        raise ValidationFailed(
            f"Ask for at most {MAX_AVAILABILITY_DAYS} days at a time.",
            {"to": [f"At most {MAX_AVAILABILITY_DAYS} days after `from`, inclusive."]},
        )
    ranges = tuple(_ranges(lab.pk))
    closed = _closed_days(repositories.closures_overlapping(lab.pk, date_from, date_to), date_from, date_to)
    lower, upper = local_day_bounds_utc(date_from, date_to, zone)
    grid = _slot_grid(date_from, date_to, ranges, lab.slot_minutes, lab.timezone, frozenset(closed))
    counters = repositories.slot_counters(lab.pk, lower, upper)
    # Counters off the grid (hours changed since they were booked) are left out.
    booked = list(map(counters.get, grid.starts, itertools.repeat(0, len(grid))))
    return Availability(
        lab_id=lab.pk,
        timezone=lab.timezone,
        date_from=date_from,
        date_to=date_to,
        grid=grid,
        capacity=lab.capacity,
        booked=booked,
        open_from=grid.first_after(now),
    )


# --- Booking ------------------------------------------------------------------


def _slot_at(lab: Lab, start: datetime) -> Slot:
    """The lab's slot starting at ``start``; ``invalid_slot`` if it is off the
    grid, has started, or falls on a closed day."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValidationFailed(
            "`start` needs a time zone (use UTC, e.g. 2026-11-26T09:00:00Z).",
            {"start": ["Include a UTC offset, e.g. Z."]},
        )
    require_supported_instant(start, field="start")
    start = start.astimezone(UTC)
    if start <= timezone.now():
        raise ValidationFailed(
            "This slot has already started.", {"start": ["In the past."]}, code=LabsErrorCode.INVALID_SLOT
        )
    day = start.astimezone(_zone(lab)).date()
    slot = next(
        (
            candidate
            for candidate in slots_for_day(day, _ranges(lab.pk), slot_minutes=lab.slot_minutes, zone=_zone(lab))
            if candidate.start == start
        ),
        None,
    )
    if slot is None:
        raise ValidationFailed(
            "No slot starts at this time; see the lab's availability.",
            {"start": ["Off the grid."]},
            code=LabsErrorCode.INVALID_SLOT,
        )
    if repositories.closure_covers(lab.pk, day):
        raise ValidationFailed(
            "The lab is closed on this day.", {"start": ["Closed."]}, code=LabsErrorCode.INVALID_SLOT
        )
    return slot


def _require_course(actor, lab: Lab) -> None:
    # Enrolled (active or completed) learners, the course's instructors and staff may book.
    if lab.required_course_id and course_role(actor=actor, course_id=lab.required_course_id) is None:
        raise PermissionDenied(
            f"Booking this lab requires enrollment in “{lab.required_course.title}”.",
            code=LabsErrorCode.REQUIRED_COURSE_MISSING,
        )


def _ensure_row(exists, insert) -> None:
    """Get-or-create of a row keyed by a unique constraint, in its own
    transaction. Runs before the booking transaction, never inside it: a
    duplicate-key error would abort a MongoDB transaction (no savepoints)."""
    if exists():
        return
    try:
        with atomic():
            insert()
    except IntegrityError:
        # A concurrent request created it first; the unique key guarantees
        # there is exactly one, which is all we need.
        if not exists():
            raise


@transactional
def _book(*, actor: Actor, lab: Lab, slot: Slot) -> Booking:
    # Per-user serialization. Every booking transaction of a user starts by
    # writing that user's guard row, so two of them cannot interleave: SQLite
    # serializes writers; MongoDB aborts the second writer of one document
    # with a transient write conflict, and @transactional reruns it from the
    # top, when it sees the first one's booking; row-locking engines make it
    # wait. The overlap and limit checks below therefore read every booking
    # this user has committed: they are checks under a lock, not
    # check-then-write. This must stay the first statement of the transaction.
    repositories.guard_touch(actor.pk)
    if repositories.user_has_overlapping_booking(actor.pk, slot.start, slot.end):
        raise Conflict(LabsErrorCode.BOOKING_CONFLICT, "You already hold a booking at this time.")
    if repositories.user_upcoming_count(actor.pk, timezone.now()) >= MAX_UPCOMING_BOOKINGS:
        raise Conflict(
            LabsErrorCode.BOOKING_LIMIT_REACHED,
            f"You already hold {MAX_UPCOMING_BOOKINGS} upcoming bookings; cancel one to book another.",
        )
    # Invariant: LabSlot.booked <= capacity, and booked == active bookings of
    # the slot. The filter makes the increment conditional, so concurrent
    # requests cannot overshoot; the insert below commits with it or not at all.
    if not repositories.slot_claim(lab.pk, slot.start, capacity=lab.capacity):
        raise Conflict(LabsErrorCode.SLOT_FULL, "This slot is fully booked.")
    return repositories.booking_insert(user_id=actor.pk, lab_id=lab.pk, start=slot.start, end=slot.end)


def booking_create(*, actor: Actor, lab_id: UUID, start: datetime) -> Booking:
    """Book one seat in the lab's slot starting at ``start`` (UTC instant).

    Errors: 404 unknown/inactive lab (staff: 409 ``lab_inactive``); 403
    ``required_course_missing``; 400 ``invalid_slot`` (off the grid, started,
    closed day); 409 ``booking_conflict`` (overlaps one of the user's active
    bookings), ``booking_limit_reached`` (5 upcoming), ``slot_full``.
    Side effects: takes a seat on the slot's counter (creating the counter and
    the user's guard row if missing).
    """
    require_user(actor)
    lab = _visible_lab(actor, lab_id)
    if not lab.is_active:
        raise Conflict(LabsErrorCode.LAB_INACTIVE, "This lab is inactive and takes no bookings.")
    _require_course(actor, lab)
    slot = _slot_at(lab, start)
    _ensure_row(
        lambda: repositories.slot_exists(lab.pk, slot.start),
        lambda: repositories.slot_insert(lab.pk, slot.start),
    )
    _ensure_row(lambda: repositories.guard_exists(actor.pk), lambda: repositories.guard_insert(actor.pk))
    try:
        booking = _book(actor=actor, lab=lab, slot=slot)
    except IntegrityError:
        # Backstop: the partial unique (user, lab, start) among active bookings.
        raise Conflict(LabsErrorCode.BOOKING_CONFLICT, "You already hold a booking at this time.") from None
    # A closure committed after _slot_at checked, but before this booking
    # committed, may have swept the lab's bookings without seeing this one.
    # The closure sweep starts after the closure commits, so checking again
    # now guarantees one of the two sees the other.
    day = slot.start.astimezone(_zone(lab)).date()
    if repositories.closure_covers(lab.pk, day):
        _cancel(booking, reason=Booking.CancelReason.CLOSURE, now=timezone.now(), notify=False)
        raise ValidationFailed(
            "The lab is closed on this day.", {"start": ["Closed."]}, code=LabsErrorCode.INVALID_SLOT
        )
    return booking


# --- Cancelling -----------------------------------------------------------------


@transactional
def _cancel_unit(
    *, booking: Booking, reason: str, now: datetime, notify: bool, audit_actor: Actor | None = None
) -> bool:
    booking_id, lab_id, start = booking.pk, booking.lab_id, booking.start
    if not repositories.booking_mark_cancelled(booking_id, now=now, reason=reason):
        return False  # already cancelled by someone else: their unit released the seat
    if audit_actor is not None:
        audit_record(
            actor=audit_actor,
            action="cancel",
            target=booking,
            changes={"status": [booking.status, Booking.Status.CANCELLED], "cancel_reason": ["", reason]},
            target_repr=f"{booking.user.email} at {booking.lab.name}, {booking.start:%Y-%m-%d %H:%M}Z",
        )
    # Invariant: booked == active bookings of the slot; this one just stopped
    # being active. Conditional decrement, never below zero.
    repositories.slot_release(lab_id, start)
    if notify:
        on_commit(lambda: tasks.send_booking_cancelled.delay(booking_id=str(booking_id)))
    return True


def _cancel(booking: Booking, *, reason: str, now: datetime, notify: bool, audit_actor: Actor | None = None) -> bool:
    cancelled = _cancel_unit(booking=booking, reason=reason, now=now, notify=notify, audit_actor=audit_actor)
    if cancelled:
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancel_reason = reason
    return cancelled


def booking_cancel(*, actor: Actor, booking_id: UUID) -> Booking:
    """Cancel a booking that has not started and free its seat.

    The owner, or staff with ``labs.cancel_booking`` (anyone else: 404; staff
    who may see but not cancel it: 403). 409 ``booking_not_active`` when
    already cancelled, ``booking_started`` once it has started. Side effects:
    the slot's counter drops by one; when staff cancel someone else's
    booking, it is audited and the learner is emailed (on commit).
    """
    booking = _visible_booking(actor, booking_id)
    by_owner = booking.user_id == actor.pk
    if not by_owner:
        require_staff_permission(actor, "labs.cancel_booking", "Your staff role does not allow cancelling bookings.")
    if booking.status != Booking.Status.ACTIVE:
        raise Conflict(LabsErrorCode.BOOKING_NOT_ACTIVE, "This booking is already cancelled.")
    now = timezone.now()
    if booking.start <= now:
        raise Conflict(
            LabsErrorCode.BOOKING_STARTED, "This booking has already started and can no longer be cancelled."
        )
    reason = Booking.CancelReason.USER if by_owner else Booking.CancelReason.STAFF
    if not _cancel(booking, reason=reason, now=now, notify=not by_owner, audit_actor=None if by_owner else actor):
        raise Conflict(LabsErrorCode.BOOKING_NOT_ACTIVE, "This booking is already cancelled.")
    return booking


# --- Reading bookings -----------------------------------------------------------


def booking_list(
    *, actor: Actor, status: str | None = None, upcoming: bool | None = None, cursor: str | None = None, limit: int = 20
) -> Page:
    """The actor's own bookings, newest start first. ``upcoming=True``: only
    those not yet started, soonest first; ``upcoming=False``: only those that
    have started. Optional ``status`` filter."""
    require_user(actor)
    if status is not None and status not in Booking.Status.values:
        raise ValidationFailed("Unknown status.", {"status": [f"Use one of: {', '.join(Booking.Status.values)}."]})
    now = timezone.now()
    queryset = repositories.bookings_of_user(
        actor.pk,
        status=status,
        starting_after=now if upcoming is True else None,
        starting_until=now if upcoming is False else None,
    )
    ordering = ["start"] if upcoming else ["-start"]
    return paginate(queryset, ordering=ordering, cursor=cursor, limit=limit)


def booking_get(*, actor: Actor, booking_id: UUID) -> Booking:
    """One of the actor's bookings (staff: any); another user's is 404."""
    return _visible_booking(actor, booking_id)


# --- Closures (staff) ----------------------------------------------------------


@dataclass(frozen=True)
class ClosureCreated:
    closure: LabClosure
    cancelled_bookings: int


def closure_create(*, actor: Actor, lab_id: UUID, starts_on: date, ends_on: date, reason: str = "") -> ClosureCreated:
    """Close the lab on ``starts_on..ends_on`` (inclusive, lab-local dates).

    Staff with ``labs.add_labclosure`` (403). Side effects: audited (on the
    lab); every active booking that has not started and falls on those days
    is cancelled (its seat freed) and its learner is emailed once (on commit).
    """
    require_user(actor)
    require_staff_permission(actor, "labs.add_labclosure", "Your staff role does not allow closing labs.")
    require_supported_date(starts_on, field="starts_on")
    require_supported_date(ends_on, field="ends_on")
    lab = repositories.lab_get(lab_id)
    if lab is None:
        raise NotFound.of("Lab")
    if ends_on < starts_on:
        raise ValidationFailed("The closure ends before it starts.", {"ends_on": ["Must be on or after starts_on."]})
    with atomic():
        closure = repositories.closure_insert(lab_id=lab.pk, starts_on=starts_on, ends_on=ends_on, reason=reason)
        audit_record(
            actor=actor,
            action="close",
            target=lab,
            changes={"closed": [None, f"{starts_on}..{ends_on}"], "reason": [None, reason]},
        )
    # The sweep runs after the closure committed: a booking committing later
    # re-checks closures itself (booking_create), so none slips through.
    now = timezone.now()
    lower, upper = local_day_bounds_utc(starts_on, ends_on, _zone(lab))
    cancelled = 0
    for booking in repositories.bookings_active_between(lab.pk, max(lower, now), upper):
        if booking.start > now:
            cancelled += _cancel(booking, reason=Booking.CancelReason.CLOSURE, now=now, notify=True)
    return ClosureCreated(closure=closure, cancelled_bookings=cancelled)


def closure_delete(*, actor: Actor, closure_id: UUID) -> None:
    """Reopen the days of a closure. Staff with ``labs.delete_labclosure``.
    Bookings it cancelled stay cancelled. Audited (on the lab)."""
    require_user(actor)
    require_staff_permission(actor, "labs.delete_labclosure", "Your staff role does not allow reopening labs.")
    closure = repositories.closure_get(closure_id)
    if closure is None:
        raise NotFound.of("Closure")
    with atomic():
        if not repositories.closure_delete(closure_id):
            raise NotFound.of("Closure")
        audit_record(
            actor=actor,
            action="reopen",
            target=closure.lab,
            changes={"closed": [f"{closure.starts_on}..{closure.ends_on}", None]},
        )


@dataclass(slots=True)
class ScheduledSlot(SlotAvailability):
    """A slot of the staff day view: its availability, its local times and
    the active bookings on it."""

    local_start: datetime
    local_end: datetime
    bookings: list[Booking]

    @property
    def counter_drift(self) -> bool:
        """The slot's counter disagrees with its active bookings."""
        return self.booked != len(self.bookings)


@dataclass(frozen=True)
class DaySchedule:
    lab: Lab
    day: date
    slots: list[ScheduledSlot]
    closures: list[LabClosure]
    # Bookings on no current slot (hours or slot length changed since).
    stray_bookings: list[Booking]


def lab_day_schedule(*, actor: Actor, lab_id: UUID, day: date) -> DaySchedule:
    """Staff's view of one local day: each slot with its counter and the
    active bookings (with users). ``counter_drift`` flags a slot whose
    counter disagrees with its bookings. Staff with ``labs.view_booking``."""
    require_user(actor)
    require_staff_permission(actor, "labs.view_booking", "Your staff role does not show lab bookings.")
    availability = lab_availability(actor=actor, lab_id=lab_id, date_from=day, date_to=day)
    lab = repositories.lab_get(lab_id)
    zone = _zone(lab)
    lower, upper = local_day_bounds_utc(day, day, zone)
    by_start: dict[datetime, list[Booking]] = {}
    for booking in repositories.bookings_active_between(lab.pk, lower, upper):
        by_start.setdefault(booking.start, []).append(booking)
    slots = [
        ScheduledSlot(
            **{field.name: getattr(slot, field.name) for field in fields(slot)},
            local_start=slot.start.astimezone(zone),
            local_end=slot.end.astimezone(zone),
            bookings=by_start.pop(slot.start, []),
        )
        for slot in availability.slots
    ]
    closures = list(repositories.closures_overlapping(lab.pk, day, day))
    stray = [booking for bookings in by_start.values() for booking in bookings]
    return DaySchedule(lab=lab, day=day, slots=slots, closures=closures, stray_bookings=stray)


# --- Reminders and notifications (tasks) ----------------------------------------


def booking_reminders_due(*, now: datetime | None = None) -> list[UUID]:
    """Active bookings starting within 24 hours whose reminder is not sent."""
    now = now or timezone.now()
    return repositories.booking_ids_due_reminder(now, now + REMINDER_LEAD_TIME)


def booking_reminder_claim(*, booking_id: UUID) -> Booking | None:
    """Mark the booking's reminder as sent, once: returns the booking to the
    caller that won the claim (who then sends the email), else None."""
    now = timezone.now()
    with atomic():
        claimed = repositories.booking_claim_reminder(booking_id, now=now)
    if not claimed:
        return None
    booking = repositories.booking_get(booking_id)
    booking.reminder_sent_at = now
    return booking


def booking_reminder_release(*, booking_id: UUID, claimed_at: datetime) -> None:
    """Undo a claim whose email could not be sent, so a retry sends it."""
    with atomic():
        repositories.booking_release_reminder(booking_id, claimed_at=claimed_at)


# --- Staff dashboard --------------------------------------------------------------


def labs_utilisation(*, now: datetime, days: int = 7) -> list[tuple[str, float]]:
    """Booked share (percent) of every active lab's seats over the next ``days``
    days, from the schedule, closures and slot counters: four queries in all."""
    labs = list(repositories.labs_active())
    lab_ids = [lab.pk for lab in labs]
    ranges: dict[UUID, list[OpeningRange]] = {lab_id: [] for lab_id in lab_ids}
    for hours in repositories.opening_hours_of_labs(lab_ids):
        ranges[hours.lab_id].append(
            OpeningRange(weekday=hours.weekday, opens_at=hours.opens_at, closes_at=hours.closes_at)
        )
    first, last = now.date(), now.date() + timedelta(days=days - 1)
    closures: dict[UUID, list[LabClosure]] = {lab_id: [] for lab_id in lab_ids}
    for closure in repositories.closures_of_labs_overlapping(lab_ids, first, last):
        closures[closure.lab_id].append(closure)
    booked = repositories.booked_seats_per_lab(lab_ids, now, now + timedelta(days=days))
    result = []
    for lab in labs:
        zone = _zone(lab)
        closed = _closed_days(closures[lab.pk], first, last)
        offered = sum(
            1
            for day in days_between(first, last)
            if day not in closed
            for slot in slots_for_day(day, ranges[lab.pk], slot_minutes=lab.slot_minutes, zone=zone)
            if slot.start >= now
        )
        seats = offered * lab.capacity
        result.append((lab.name, round(100 * booked.get(lab.pk, 0) / seats, 1) if seats else 0.0))
    return sorted(result, key=lambda row: -row[1])


def bookings_tomorrow(*, now: datetime) -> int:
    """Active bookings starting on the next UTC day."""
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return repositories.bookings_active_starting_between(tomorrow, tomorrow + timedelta(days=1))
