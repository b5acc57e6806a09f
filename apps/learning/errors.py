"""Error codes of the learning domain. ``course_full``, ``already_enrolled``,
``enrollment_closed`` and ``invalid_sponsorship_code``, which commerce raises
too, are ``deltalabs.errors.ErrorCode``."""

from enum import StrEnum


class LearningErrorCode(StrEnum):
    # 402: a paid course is bought through the cart (or entered with a sponsorship code).
    PAYMENT_REQUIRED = "payment_required"
    # 409: cancelling a completed or cancelled enrollment.
    ENROLLMENT_NOT_CANCELLABLE = "enrollment_not_cancellable"
    # 409: recording progress in a waitlisted or cancelled enrollment.
    ENROLLMENT_NOT_ACTIVE = "enrollment_not_active"
