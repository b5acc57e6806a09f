"""Database portability (docs/architecture.md, Database portability): one codebase on SQLite and MongoDB.

- ``atomic``: a real MongoDB transaction on django-mongodb-backend (where
  Django's own ``transaction.atomic`` is a no-op), Django's atomic elsewhere.
  MongoDB has no savepoints: a nested ``atomic`` joins the outer transaction,
  so services never catch a database error inside a transaction and carry on;
  they let it abort the whole unit and translate it outside.
- ``on_commit``: Django's, which both backends honour inside ``atomic``.
- ``UUIDModel``: the abstract base of every project model.
"""

from __future__ import annotations

import functools
import random
import time
import uuid
from contextlib import AbstractContextManager

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db import transaction as django_transaction

on_commit = django_transaction.on_commit


def is_mongodb(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "mongodb"


def atomic(using: str = DEFAULT_DB_ALIAS) -> AbstractContextManager:
    """Open a transaction on whichever engine ``using`` points at.

    Usable as a context manager or decorator: ``with atomic(): ...``.
    """
    if is_mongodb(using):
        from django_mongodb_backend import transaction as mongo_transaction

        return mongo_transaction.atomic(using)
    return django_transaction.atomic(using)


class UUIDModel(models.Model):
    """Abstract base: a UUID primary key, valid on every supported engine."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class TimeStampedModel(UUIDModel):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def _is_transient(exc: BaseException) -> bool:
    """MongoDB labels write conflicts between concurrent transactions as
    transient: the whole transaction may simply be run again."""
    while exc is not None:
        has_label = getattr(exc, "has_error_label", None)
        if has_label and (has_label("TransientTransactionError") or has_label("UnknownTransactionCommitResult")):
            return True
        exc = exc.__cause__
    return False


def _in_transaction(using: str) -> bool:
    connection = connections[using]
    if connection.vendor == "mongodb":
        return connection.in_atomic_block_mongo
    return connection.in_atomic_block


def transactional(func=None, *, using: str = DEFAULT_DB_ALIAS, attempts: int = 5):
    """Run ``func`` in ``atomic`` and, when it is the outermost transaction,
    retry it on MongoDB's transient write conflicts (two transactions updating
    one counter document). SQLite serialises writers, so it never retries.

    Services whose transaction updates contended counters (seats, slots,
    sponsorship codes) use this instead of a bare ``with atomic()``.
    """

    def decorate(inner):
        @functools.wraps(inner)
        def wrapper(*args, **kwargs):
            if _in_transaction(using):
                return inner(*args, **kwargs)  # join the caller's transaction
            for attempt in range(1, attempts + 1):
                try:
                    with atomic(using):
                        return inner(*args, **kwargs)
                except Exception as exc:
                    if attempt == attempts or not _is_transient(exc):
                        raise
                    time.sleep(random.uniform(0, 0.01 * attempt))  # noqa: S311 - jitter, not crypto
            raise AssertionError("unreachable")

        return wrapper

    return decorate(func) if func is not None else decorate
