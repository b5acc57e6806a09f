"""The transaction-semantics check (SPEC 3.1).

SQLite forgives what MongoDB does not. While the suite runs on SQLite, every
``deltalabs.db.atomic`` is watched and a test fails (through the pytest
plugin, like the compile gate) when its code

- opens our transaction inside Django's atomic block (the admin's views,
  ``get_or_create``, a signal under ``Model.delete``...): on MongoDB that
  block holds nothing, and the project's rule is that ours is outermost;
- catches a database error inside our transaction and carries on to commit,
  or lets a nested block fail and commits the outer one: MongoDB has no
  savepoints and aborts the whole transaction on a failed write, so there
  the commit fails (or commits half of the nested work).

Test-case transactions (pytest-django's ``db`` fixture) are not Django atomic
blocks of the code under test and are ignored.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass

from django.db import utils as db_utils

OPENED_INSIDE_DJANGO_ATOMIC = "opened inside Django's atomic block"
CARRIED_ON_AFTER_ERROR = "carried on after a failure inside the transaction"


@dataclass(frozen=True)
class SemanticsFailure:
    rule: str
    detail: str
    where: str

    def __str__(self) -> str:
        return f"deltalabs.db.atomic {self.rule}: {self.detail}\n{self.where}"


_failures: list[SemanticsFailure] = []
_lock = threading.Lock()
_installed = False


def take_failures() -> list[SemanticsFailure]:
    with _lock:
        failures = list(_failures)
        _failures.clear()
    return failures


def _record(rule: str, detail: str) -> None:
    # The caller's frames: neither libraries nor this machinery (db.py, testing/).
    skipped = ("/site-packages/", "/deltalabs/db.py", "/deltalabs/testing/", "/deltalabs/admin_base.py")
    stack = [line for line in traceback.format_stack(limit=40) if not any(part in line for part in skipped)]
    with _lock:
        _failures.append(SemanticsFailure(rule=rule, detail=detail, where="".join(stack[-5:])))


class Watcher:
    """Registered in ``deltalabs.db.watchers``; told about every outermost block."""

    def entering(self, connection, *, outermost: bool) -> None:
        if not outermost:
            return
        connection.deltalabs_errors_in_transaction = 0
        if connection.vendor == "mongodb":
            django_block_open = connection.in_atomic_block
        else:
            django_block_open = any(not block._from_testcase for block in connection.atomic_blocks)
        if django_block_open:
            _record(
                OPENED_INSIDE_DJANGO_ATOMIC,
                "on MongoDB Django's block holds nothing and ours must be the outermost "
                "transaction (admin views: inherit deltalabs.admin_base.DeltaModelAdmin).",
            )

    def leaving(self, connection, *, failed: bool) -> None:
        if failed:
            return
        if getattr(connection, "deltalabs_errors_in_transaction", 0):
            _record(
                CARRIED_ON_AFTER_ERROR,
                "a database error was raised inside the transaction, caught, and the transaction "
                "went on to commit. MongoDB aborts a transaction on a failed write (no savepoints): "
                "let the error end the transaction and translate it outside.",
            )
        elif connection.vendor != "mongodb" and connection.needs_rollback:
            _record(
                CARRIED_ON_AFTER_ERROR,
                "a nested atomic block failed and the outer one carried on. Without savepoints "
                "(MongoDB) its writes cannot be undone alone: let the error end the transaction.",
            )


def _count_database_errors(original):
    def __exit__(self, exc_type, exc_value, traceback):
        connection = self.wrapper
        if (
            exc_type is not None
            and issubclass(exc_type, connection.Database.Error)
            and getattr(connection, "deltalabs_atomic_depth", 0)
        ):
            connection.deltalabs_errors_in_transaction = getattr(connection, "deltalabs_errors_in_transaction", 0) + 1
        return original(self, exc_type, exc_value, traceback)

    return __exit__


def install() -> None:
    from deltalabs import db

    global _installed
    if _installed:
        return
    db.watchers.append(Watcher())
    wrapper_class = db_utils.DatabaseErrorWrapper
    wrapper_class.__exit__ = _count_database_errors(wrapper_class.__exit__)
    _installed = True
