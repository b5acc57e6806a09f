"""Error codes of the identity domain."""

EMAIL_TAKEN = "email_taken"
INVALID_CREDENTIALS = "invalid_credentials"
TOKEN_INVALID = "token_invalid"
INVALID_TIMEZONE = "invalid_timezone"
