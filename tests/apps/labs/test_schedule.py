"""The slot grid in the lab's time zone, including daylight-saving days (no database)."""

from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from apps.labs.schedule import OpeningRange, local_day_bounds_utc, slots_for_day

BERLIN = ZoneInfo("Europe/Berlin")
SPRING_FORWARD = date(2026, 3, 29)  # Sunday: 02:00 CET jumps to 03:00 CEST
FALL_BACK = date(2026, 10, 25)  # Sunday: 03:00 CEST falls back to 02:00 CET


def sunday(opens: str, closes: str) -> OpeningRange:
    return OpeningRange(weekday=6, opens_at=time.fromisoformat(opens), closes_at=time.fromisoformat(closes))


def local_starts(slots, zone=BERLIN) -> list[str]:
    return [f"{slot.start.astimezone(zone):%H:%M%z}" for slot in slots]


def utc_starts(slots) -> list[str]:
    return [f"{slot.start:%m-%d %H:%M}" for slot in slots]


def test_a_range_yields_local_slots_converted_to_utc():
    slots = slots_for_day(date(2026, 3, 22), [sunday("09:00", "12:00")], slot_minutes=60, zone=BERLIN)
    assert utc_starts(slots) == ["03-22 08:00", "03-22 09:00", "03-22 10:00"]
    assert all(slot.end - slot.start == timedelta(hours=1) for slot in slots)


def test_only_the_day_of_week_of_the_range_counts():
    monday = date(2026, 3, 23)
    assert slots_for_day(monday, [sunday("09:00", "17:00")], slot_minutes=60, zone=BERLIN) == []


def test_a_slot_must_end_by_closing_time():
    slots = slots_for_day(date(2026, 3, 22), [sunday("09:00", "11:30")], slot_minutes=60, zone=BERLIN)
    assert local_starts(slots) == ["09:00+0100", "10:00+0100"]


def test_a_range_shorter_than_a_slot_has_no_slot():
    assert slots_for_day(date(2026, 3, 22), [sunday("09:00", "09:45")], slot_minutes=60, zone=BERLIN) == []


def test_several_ranges_a_day_and_overlapping_ranges_do_not_double_slots():
    ranges = [sunday("13:00", "15:00"), sunday("09:00", "11:00"), sunday("10:00", "12:00")]
    slots = slots_for_day(date(2026, 3, 22), ranges, slot_minutes=60, zone=BERLIN)
    assert local_starts(slots) == ["09:00+0100", "10:00+0100", "11:00+0100", "13:00+0100", "14:00+0100"]


def test_closing_at_midnight_means_the_end_of_the_day():
    slots = slots_for_day(date(2026, 3, 22), [sunday("22:00", "00:00")], slot_minutes=60, zone=BERLIN)
    assert local_starts(slots) == ["22:00+0100", "23:00+0100"]


class TestSpringForward:
    def test_office_hours_keep_their_local_times_with_the_new_offset(self):
        slots = slots_for_day(SPRING_FORWARD, [sunday("09:00", "17:00")], slot_minutes=60, zone=BERLIN)
        assert local_starts(slots)[0] == "09:00+0200"
        assert utc_starts(slots) == [f"03-29 {hour:02d}:00" for hour in range(7, 15)]

    def test_slots_in_the_skipped_hour_are_not_offered(self):
        slots = slots_for_day(SPRING_FORWARD, [sunday("00:00", "06:00")], slot_minutes=60, zone=BERLIN)
        # 02:00 does not exist; 01:00-02:00 ends when the clock jumps to 03:00.
        assert local_starts(slots) == ["00:00+0100", "01:00+0100", "03:00+0200", "04:00+0200", "05:00+0200"]
        assert [slot.start for slot in slots[1:]] == [slot.end for slot in slots[:-1]]  # back to back

    def test_a_slot_spanning_the_jump_is_not_offered(self):
        slots = slots_for_day(SPRING_FORWARD, [sunday("00:00", "06:00")], slot_minutes=90, zone=BERLIN)
        # 01:30-03:00 would last 30 real minutes.
        assert local_starts(slots) == ["00:00+0100", "03:00+0200", "04:30+0200"]
        assert all(slot.end - slot.start == timedelta(minutes=90) for slot in slots)


class TestFallBack:
    def test_office_hours_keep_their_local_times_with_the_new_offset(self):
        slots = slots_for_day(FALL_BACK, [sunday("09:00", "17:00")], slot_minutes=60, zone=BERLIN)
        assert local_starts(slots)[0] == "09:00+0100"
        assert utc_starts(slots) == [f"10-25 {hour:02d}:00" for hour in range(8, 16)]

    def test_the_repeated_hour_is_offered_once(self):
        slots = slots_for_day(FALL_BACK, [sunday("00:00", "06:00")], slot_minutes=60, zone=BERLIN)
        # Wall 02:00-03:00 lasts two real hours from the first 02:00; its
        # one-hour slot is the second pass (CET).
        assert local_starts(slots) == [
            "00:00+0200",
            "01:00+0200",
            "02:00+0100",
            "03:00+0100",
            "04:00+0100",
            "05:00+0100",
        ]
        assert all(slot.end - slot.start == timedelta(hours=1) for slot in slots)
        assert all(earlier.end <= later.start for earlier, later in pairwise(slots))

    def test_short_slots_inside_the_repeated_hour_take_its_first_pass(self):
        slots = slots_for_day(FALL_BACK, [sunday("01:30", "03:30")], slot_minutes=30, zone=BERLIN)
        assert local_starts(slots) == ["01:30+0200", "02:00+0200", "02:30+0100", "03:00+0100"]
        assert all(earlier.end <= later.start for earlier, later in pairwise(slots))


def test_other_zones_work_the_same_way():
    new_york = ZoneInfo("America/New_York")
    spring = date(2026, 3, 8)  # Sunday: 02:00 EST jumps to 03:00 EDT
    slots = slots_for_day(spring, [sunday("09:00", "11:00")], slot_minutes=60, zone=new_york)
    assert utc_starts(slots) == ["03-08 13:00", "03-08 14:00"]


def test_local_day_bounds_follow_the_offset_of_each_end():
    lower, upper = local_day_bounds_utc(SPRING_FORWARD, SPRING_FORWARD, BERLIN)
    assert (f"{lower:%m-%d %H:%M}", f"{upper:%m-%d %H:%M}") == ("03-28 23:00", "03-29 22:00")
    assert upper - lower == timedelta(hours=23)


def _slots_one_by_one(day, ranges, *, slot_minutes, zone):
    """The grid computed slot by slot, every slot through the DST rules (the reference)."""
    from apps.labs.schedule import _slot_in_utc, closing_minutes, minutes_of

    midnight = datetime.combine(day, time())
    starts = {}
    for opening in ranges:
        if opening.weekday != day.weekday():
            continue
        minute = minutes_of(opening.opens_at)
        while minute + slot_minutes <= closing_minutes(opening.closes_at):
            slot = _slot_in_utc(midnight + timedelta(minutes=minute), slot_minutes, zone)
            if slot is not None:
                starts.setdefault(slot.start, slot)
            minute += slot_minutes
    return [starts[start] for start in sorted(starts)]


@pytest.mark.parametrize(
    "zone_name", ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
)
@pytest.mark.parametrize("slot_minutes", [30, 45, 60, 90])
def test_the_arithmetic_grid_equals_the_slot_by_slot_grid_every_day_of_a_year(zone_name, slot_minutes):
    zone = ZoneInfo(zone_name)
    ranges = [
        OpeningRange(weekday, opens, closes)
        for weekday in range(7)
        for opens, closes in ((time(0, 0), time(6, 0)), (time(1, 30), time(3, 30)), (time(9, 0), time(17, 0)))
    ] + [OpeningRange(5, time(20, 0), time(0, 0))]
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert slots_for_day(day, ranges, slot_minutes=slot_minutes, zone=zone) == _slots_one_by_one(
            day, ranges, slot_minutes=slot_minutes, zone=zone
        ), day
        day += timedelta(days=1)
