"""Database portability (SPEC 3.1): one codebase on SQLite and MongoDB.

- ``atomic``: a real MongoDB transaction on django-mongodb-backend (where
  Django's own ``transaction.atomic`` is a no-op), Django's atomic elsewhere.
  MongoDB has no savepoints: a nested ``atomic`` joins the outer transaction,
  so services never catch a database error inside a transaction and carry on;
  they let it abort the whole unit and translate it outside.
- ``on_commit``: Django's, which both backends honour inside ``atomic``.
- ``UUIDModel``: the abstract base of every project model.
"""

from __future__ import annotations

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
