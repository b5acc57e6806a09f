"""Error codes of the labs domain."""

from enum import StrEnum


class LabsErrorCode(StrEnum):
    INVALID_SLOT = "invalid_slot"  # 400: off the grid, in the past, or on a closed day
    SLOT_FULL = "slot_full"  # 409
    BOOKING_CONFLICT = "booking_conflict"  # 409: the user already holds an overlapping booking
    BOOKING_LIMIT_REACHED = "booking_limit_reached"  # 409: already 5 upcoming bookings
    REQUIRED_COURSE_MISSING = "required_course_missing"  # 403
    LAB_INACTIVE = "lab_inactive"  # 409: staff booking an inactive lab (learners get 404)
    BOOKING_NOT_ACTIVE = "booking_not_active"  # 409: cancelling a cancelled booking
    BOOKING_STARTED = "booking_started"  # 409: cancelling a booking that has started or ended
