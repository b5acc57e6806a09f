"""Error codes of the catalog domain; the shared ones are ``deltalabs.errors.ErrorCode``."""

from enum import StrEnum


class CatalogErrorCode(StrEnum):
    # 400: lowering a course's capacity below the seats already taken.
    CAPACITY_BELOW_SEATS_TAKEN = "capacity_below_seats_taken"
    # 400: enrollment_closes_at before enrollment_opens_at.
    INVALID_ENROLLMENT_WINDOW = "invalid_enrollment_window"
