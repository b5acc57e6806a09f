"""Error codes of the identity domain; the shared ones (``token_invalid``...)
are ``deltalabs.errors.ErrorCode``."""

from enum import StrEnum


class IdentityErrorCode(StrEnum):
    EMAIL_TAKEN = "email_taken"  # 409: registering an email that exists (case-insensitive)
    INVALID_CREDENTIALS = "invalid_credentials"  # 401: any wrong email/password combination
    INVALID_TIMEZONE = "invalid_timezone"  # 400: a profile time zone that is not an IANA name
