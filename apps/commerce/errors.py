"""Error codes of the commerce domain (docs/api.md, Commerce). ``course_full``,
``already_enrolled``, ``enrollment_closed`` and ``invalid_sponsorship_code``,
which learning raises too, are ``deltalabs.errors.ErrorCode``."""

from enum import StrEnum


class CommerceErrorCode(StrEnum):
    # Cart
    COURSE_IS_FREE = "course_is_free"
    ALREADY_IN_CART = "already_in_cart"
    CART_FULL = "cart_full"
    CURRENCY_MISMATCH = "currency_mismatch"

    # Checkout and orders
    CART_EMPTY = "cart_empty"
    CART_CHANGED = "cart_changed"
    COURSE_UNAVAILABLE = "course_unavailable"
    PAYMENT_DECLINED = "payment_declined"
    PAYMENT_PROVIDER_ERROR = "payment_provider_error"
    ORDER_FAILED = "order_failed"
    ORDER_NOT_REFUNDABLE = "order_not_refundable"

    # Sponsors and sponsorships
    SPONSOR_NOT_APPROVED = "sponsor_not_approved"
    ALREADY_REVIEWED = "already_reviewed"
    SPONSORSHIP_EXHAUSTED = "sponsorship_exhausted"
    SPONSORSHIP_ALREADY_REDEEMED = "sponsorship_already_redeemed"
