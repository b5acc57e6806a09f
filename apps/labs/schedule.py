"""The slot grid: pure date arithmetic, no database.

A lab's opening hours are wall-clock times in the lab's IANA time zone. Each
opening range (``opens_at``..``closes_at`` on a weekday) yields slots whose
local start times are ``opens_at``, ``opens_at + slot``, ... while the local
end is not after ``closes_at``. Slots are stored and returned in UTC.

Daylight-saving days (recorded in docs/decisions.md):

- A range that does not touch the clock change (``09:00-17:00`` in Berlin,
  where clocks change at 02:00/03:00) yields exactly the usual local slots.
- A wall-clock slot is offered at most once: at its first real occurrence
  whose local start exists and which lasts exactly ``slot_minutes`` of real
  time. So on the spring-forward day a slot starting inside the skipped hour
  (Berlin 02:00-02:59) is not offered, nor is one that spans the jump (a
  90-minute 01:30 slot would only last 30 minutes); a 01:00-02:00 slot still
  exists and ends when the clock jumps to 03:00. On the fall-back day the
  repeated hour (Berlin 02:00-02:59) is offered once: slots lying inside it
  take its first pass, and a slot from 02:00 to 03:00, which would last two
  real hours from the first 02:00, takes the second 02:00.

Because every offered slot lasts exactly ``slot_minutes`` and local starts
grow by ``slot_minutes``, the slots of one range never overlap in real time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class OpeningRange:
    weekday: int  # 0 = Monday ... 6 = Sunday, as date.weekday()
    opens_at: time
    closes_at: time  # 00:00 means midnight at the end of the day


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime  # UTC


def minutes_of(value: time) -> int:
    return value.hour * 60 + value.minute


def closing_minutes(closes_at: time) -> int:
    """Minutes after local midnight at which a range closes (00:00 = 24:00)."""
    minutes = minutes_of(closes_at)
    return minutes or MINUTES_PER_DAY


def days_between(first: date, last: date) -> Iterator[date]:
    """Every date from ``first`` to ``last``, both included."""
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def _slot_in_utc(wall_start: datetime, slot_minutes: int, zone: ZoneInfo) -> Slot | None:
    """The real interval of one wall-clock slot, or None when it has none (see module docstring)."""
    length = timedelta(minutes=slot_minutes)
    wall_end = wall_start + length
    for fold in (0, 1):
        start = wall_start.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if start.astimezone(zone).replace(tzinfo=None) != wall_start:
            continue  # this wall time does not exist (spring-forward gap)
        end = wall_end.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if end - start == length:
            return Slot(start=start, end=end)
    return None


def _linear_starts(midnight: datetime, first: int, last: int, slot_minutes: int, zone: ZoneInfo) -> list[Slot] | None:
    """The slots starting at local minutes ``first``, ``first + slot``, ...
    ``last`` by plain arithmetic when the zone's offset is the same for all of
    them (no clock change inside the range: every day but two a year, and
    every day in UTC). None when it is not, or when an end slot is special."""
    first_slot = _slot_in_utc(midnight + timedelta(minutes=first), slot_minutes, zone)
    last_slot = _slot_in_utc(midnight + timedelta(minutes=last), slot_minutes, zone)
    if first_slot is None or last_slot is None or last_slot.start - first_slot.start != timedelta(minutes=last - first):
        return None
    length = timedelta(minutes=slot_minutes)
    start = first_slot.start
    slots = []
    for _ in range((last - first) // slot_minutes + 1):
        slots.append(Slot(start=start, end=start + length))
        start += length
    return slots


def slots_for_day(day: date, ranges: Iterable[OpeningRange], *, slot_minutes: int, zone: ZoneInfo) -> list[Slot]:
    """The slots of one local day, in time order. ``ranges`` may include other weekdays (ignored)."""
    midnight = datetime.combine(day, time())
    starts: dict[datetime, Slot] = {}
    for opening in ranges:
        if opening.weekday != day.weekday():
            continue
        close = closing_minutes(opening.closes_at)
        first = minutes_of(opening.opens_at)
        if first + slot_minutes > close:
            continue
        last = first + (close - first - slot_minutes) // slot_minutes * slot_minutes
        linear = _linear_starts(midnight, first, last, slot_minutes, zone)
        if linear is not None:
            for slot in linear:
                starts.setdefault(slot.start, slot)  # overlapping ranges must not double a slot
            continue
        # A clock change inside the range: each slot on its own (see the module docstring).
        for minute in range(first, last + 1, slot_minutes):
            slot = _slot_in_utc(midnight + timedelta(minutes=minute), slot_minutes, zone)
            if slot is not None:
                starts.setdefault(slot.start, slot)
    return [starts[start] for start in sorted(starts)]


def free_seats(capacity: int, booked: int, *, started: bool) -> int:
    """Seats a slot can still be booked for: none once it has started, and
    never below zero (a counter above a capacity lowered since)."""
    return 0 if started else max(capacity - booked, 0)


def local_day_bounds_utc(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants of local midnight starting ``first`` and local midnight ending ``last``."""
    lower = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
    upper = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return lower, upper
