"""Error codes of the learning domain."""

# 402: a paid course is bought through the cart (or entered with a sponsorship code).
PAYMENT_REQUIRED = "payment_required"
# 409
COURSE_FULL = "course_full"
ALREADY_ENROLLED = "already_enrolled"
ENROLLMENT_CLOSED = "enrollment_closed"
ENROLLMENT_NOT_CANCELLABLE = "enrollment_not_cancellable"
ENROLLMENT_NOT_ACTIVE = "enrollment_not_active"
# 400
INVALID_SPONSORSHIP_CODE = "invalid_sponsorship_code"
