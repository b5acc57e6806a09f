"""The shared core: errors, pagination, idempotency, rate limits, request ids,
database portability (atomic, base model) and the test-time Mongo compile gate."""
