"""Database portability (docs/architecture.md, Database portability): one codebase on SQLite and MongoDB.

- ``atomic``: a real MongoDB transaction on django-mongodb-backend (where
  Django's own ``transaction.atomic`` is a no-op), Django's atomic elsewhere.
  It follows MongoDB's rules on both engines:

  * No savepoints: a nested ``atomic`` joins the outer transaction, so
    services never catch a database error inside a transaction and carry on;
    they let it abort the whole unit and translate it outside.
  * Ours is the outermost transaction: never opened inside Django's atomic
    block (the admin's views open theirs through ``deltalabs.admin_base``).
    If it happens anyway on MongoDB, the transaction still commits and its
    on-commit hooks still run (Django's block holds nothing there).
  * A failed commit ends the session and surfaces as Django's
    ``DatabaseError`` (its ``__cause__`` is the pymongo error, error labels
    included); the next ``atomic`` on the thread starts a fresh transaction.
  * An ``UnknownTransactionCommitResult`` re-sends the commit only (MongoDB
    commits are idempotent); the body is never run twice for it.

- ``transactional``: ``atomic`` plus MongoDB's retry rule for the whole body:
  re-run it on ``TransientTransactionError`` (write conflicts between
  concurrent transactions, including two inserts of one unique key), a
  bounded number of times with jittered backoff. Every transaction that
  writes a contended document (counters, the cart) uses it.
- ``on_commit``: Django's, which both backends honour inside ``atomic``.
- ``UUIDModel``: the abstract base of every project model.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import time
import uuid
from contextlib import ContextDecorator

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.db import transaction as django_transaction

logger = logging.getLogger(__name__)

on_commit = django_transaction.on_commit

# MongoDB's error labels (driver specification "Transactions").
TRANSIENT_TRANSACTION_ERROR = "TransientTransactionError"
UNKNOWN_COMMIT_RESULT = "UnknownTransactionCommitResult"

#: How often a commit with an unknown result is sent (the first send included).
COMMIT_ATTEMPTS = 4
#: How often ``transactional`` runs its body at most (the first run included).
BODY_ATTEMPTS = 6


def is_mongodb(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "mongodb"


def atomic(using: str = DEFAULT_DB_ALIAS) -> Atomic:
    """Open a transaction on whichever engine ``using`` points at.

    Usable as a context manager or decorator: ``with atomic(): ...``.
    """
    if callable(using):  # bare decorator: @atomic
        return Atomic(DEFAULT_DB_ALIAS)(using)
    return Atomic(using)


# Test tooling (deltalabs.testing.transaction_semantics) registers watchers
# here to check, while the suite runs on SQLite, the rules MongoDB enforces.
watchers: list = []


class Atomic(ContextDecorator):
    """``deltalabs.db.atomic``. State lives on the connection, so one instance
    may be entered again (as a decorator) and on several threads."""

    def __init__(self, using: str = DEFAULT_DB_ALIAS):
        self.using = using

    def __enter__(self):
        connection = connections[self.using]
        depth = getattr(connection, "deltalabs_atomic_depth", 0)
        for watcher in watchers:
            watcher.entering(connection, outermost=depth == 0)
        if connection.vendor == "mongodb":
            _mongo_begin(connection)
        else:
            # No savepoints, as on MongoDB: a nested block joins the outer one.
            inner = django_transaction.atomic(self.using, savepoint=depth == 0)
            inner.__enter__()
            connection.__dict__.setdefault("deltalabs_atomic_stack", []).append(inner)
        connection.deltalabs_atomic_depth = depth + 1

    def __exit__(self, exc_type, exc_value, traceback):
        connection = connections[self.using]
        connection.deltalabs_atomic_depth -= 1
        outermost = connection.deltalabs_atomic_depth == 0
        if outermost:
            for watcher in watchers:
                watcher.leaving(connection, failed=exc_type is not None)
        if connection.vendor == "mongodb":
            _mongo_end(connection, failed=exc_type is not None)
        else:
            connection.deltalabs_atomic_stack.pop().__exit__(exc_type, exc_value, traceback)


def in_transaction(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether ``deltalabs.db.atomic`` is open on this thread's connection."""
    return getattr(connections[using], "deltalabs_atomic_depth", 0) > 0


# --- MongoDB -------------------------------------------------------------------
# Built on django-mongodb-backend's connection API (start_transaction_mongo,
# in_atomic_block_mongo, nested_atomics, run_on_commit), so Django's on_commit
# and the backend's own atomic see the same state; the commit and rollback
# paths are ours, because the backend's leave the session open on a commit
# error and raise pymongo's exception (5.2.4).


def _mongo_begin(connection) -> None:
    if connection.in_atomic_block_mongo:
        connection.nested_atomics += 1  # no savepoints: join the transaction
        return
    if connection.session is not None:
        # A session left behind by a failure elsewhere would make
        # start_transaction_mongo() skip starting a transaction.
        _end_session(connection)
    connection.start_transaction_mongo()
    connection.in_atomic_block_mongo = True


def _mongo_end(connection, *, failed: bool) -> None:
    if connection.nested_atomics:
        connection.nested_atomics -= 1
        return
    connection.in_atomic_block_mongo = False
    if failed:
        _mongo_abort(connection)
    else:
        _mongo_commit(connection)


def _mongo_commit(connection) -> None:
    from django.db.backends.utils import debug_transaction
    from pymongo.errors import PyMongoError

    session = connection.session
    try:
        for attempt in range(1, COMMIT_ATTEMPTS + 1):
            try:
                with debug_transaction(connection, "session.commit_transaction()"):
                    session.commit_transaction()
                break
            except PyMongoError as exc:
                if attempt == COMMIT_ATTEMPTS or not _has_label(exc, UNKNOWN_COMMIT_RESULT):
                    raise
                # The commit may or may not have landed: send it again (only
                # the commit; re-running the body could apply it twice).
                _backoff(attempt)
    except PyMongoError as exc:
        connection.run_on_commit = []
        raise DatabaseError(f"MongoDB transaction commit failed: {exc}") from exc
    finally:
        _end_session(connection)
    _run_commit_hooks(connection)


def _mongo_abort(connection) -> None:
    from pymongo.errors import PyMongoError

    try:
        if connection.session is not None:
            # pymongo's abort ignores server errors; a transaction the server
            # already aborted (after a failed write) is fine.
            with contextlib.suppress(PyMongoError):
                connection.session.abort_transaction()
    finally:
        _end_session(connection)
        connection.run_on_commit = []


def _end_session(connection) -> None:
    from pymongo.errors import PyMongoError

    session, connection.session = connection.session, None
    if session is not None:
        with contextlib.suppress(PyMongoError):
            session.end_session()


def _run_commit_hooks(connection) -> None:
    """Django's run_and_clear_commit_hooks() minus its check that no Django
    atomic block is active: on MongoDB that block holds no data, ours just
    committed, so the hooks are due now (Django's own block would never run
    them: the backend ignores it)."""
    hooks, connection.run_on_commit = connection.run_on_commit, []
    for _sids, func, robust in hooks:
        if robust:
            try:
                func()
            except Exception as exc:
                logger.error("Error calling %s in on_commit() (%s).", func.__qualname__, exc, exc_info=True)
        else:
            func()


# --- Retries -------------------------------------------------------------------


def _has_label(exc: BaseException | None, label: str) -> bool:
    """Whether ``exc`` or an error it was raised from carries MongoDB's ``label``
    (the Django backend raises ``DatabaseError from`` the pymongo error)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        has_label = getattr(exc, "has_error_label", None)
        if has_label is not None and has_label(label):
            return True
        exc = exc.__cause__
    return False


def is_transient(exc: BaseException) -> bool:
    """A ``TransientTransactionError``: the whole transaction may run again."""
    return _has_label(exc, TRANSIENT_TRANSACTION_ERROR)


def _backoff(attempt: int) -> None:
    # Exponential backoff with full jitter, so racing retries spread out.
    time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))  # noqa: S311 - jitter, not crypto


def transactional(func=None, *, using: str = DEFAULT_DB_ALIAS, attempts: int = BODY_ATTEMPTS):
    """Run ``func`` in ``atomic`` and, when it is the outermost transaction,
    run it again on MongoDB's ``TransientTransactionError`` (two transactions
    writing one document), at most ``attempts`` times in all, with jittered
    backoff. Inside another transaction it joins it and the outermost one
    decides. SQLite serialises writers, so there it never needs to retry.

    Services whose transaction writes contended documents (seats, slots,
    sponsorship codes, Q&A counters, the cart) use this instead of a bare
    ``with atomic()``; the body must be safe to run again (no side effects
    outside the database except through ``on_commit``).
    """

    def decorate(inner):
        @functools.wraps(inner)
        def wrapper(*args, **kwargs):
            if in_transaction(using):
                return inner(*args, **kwargs)  # join the caller's transaction
            for attempt in range(1, attempts + 1):
                try:
                    with atomic(using):
                        return inner(*args, **kwargs)
                except Exception as exc:
                    if attempt == attempts or not is_transient(exc):
                        raise
                    logger.info("Transient transaction error in %s, attempt %d: %s", inner.__qualname__, attempt, exc)
                    _backoff(attempt)
            raise AssertionError("unreachable")

        return wrapper

    return decorate(func) if func is not None else decorate


# --- Models --------------------------------------------------------------------


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
