"""The Mongo compile gate (docs/architecture.md, Database portability).

While the suite runs on SQLite, every ORM query executed against the default
database is also compiled by django-mongodb-backend's compiler on the
``mongo_gate`` connection (which never talks to a server). A query the Mongo
backend cannot compile is recorded with the place it came from, and the pytest
plugin fails the test that ran it, whether the query ran in the test itself or
in a fixture (setup and teardown count too).

Gated: the project's models and Django's contrib models (auth, sessions, the
admin log, content types), whose queries the admin and auth run on every
request. Queryset features that MongoDB rejects or silently ignores are
findings too, although the Mongo compiler never sees them:
``bulk_create(ignore_conflicts=True)`` / ``update_conflicts`` (the backend
raises ``NotSupportedError``) and ``select_for_update()`` (no lock is taken).
Queries compile for MongoDB 6.0, the oldest server the project supports.
"""

from __future__ import annotations

import functools
import threading
import traceback
from dataclasses import dataclass

from django.db import connections
from django.db.models.sql import compiler as sql_compiler

GATE_ALIAS = "mongo_gate"
GATED_PACKAGES = ("apps.", "deltalabs.", "django.contrib.")


@dataclass(frozen=True)
class GateFailure:
    model: str
    error: str
    where: str

    def __str__(self) -> str:
        return f"{self.model}: {self.error}\n{self.where}"


_failures: list[GateFailure] = []
_lock = threading.Lock()
_state = threading.local()
_installed = False


def is_enabled() -> bool:
    from django.conf import settings

    # Compiling for MongoDB only says something while the suite runs elsewhere.
    return GATE_ALIAS in settings.DATABASES and "mongodb" not in settings.DATABASES["default"]["ENGINE"]


def take_failures() -> list[GateFailure]:
    with _lock:
        failures = list(_failures)
        _failures.clear()
    return failures


def _is_gated(compiler) -> bool:
    if compiler.connection.vendor == "mongodb" or getattr(_state, "busy", False):
        return False
    model = compiler.query.model
    return model is not None and model.__module__.startswith(GATED_PACKAGES)


def check_queryset_features(query, mongo_connection) -> None:
    """What the Mongo compiler never sees: options the queryset checks against
    the connection it runs on (SQLite's, in this suite)."""
    from django.db import NotSupportedError
    from django.db.models.constants import OnConflict

    features = mongo_connection.features
    on_conflict = getattr(query, "on_conflict", None)
    if on_conflict == OnConflict.IGNORE and not features.supports_ignore_conflicts and not _engine_adaptive():
        raise NotSupportedError("bulk_create(ignore_conflicts=True) is not supported on MongoDB.")
    if on_conflict == OnConflict.UPDATE and not features.supports_update_conflicts:
        raise NotSupportedError("bulk_create(update_conflicts=True) is not supported on MongoDB.")
    if getattr(query, "select_for_update", False) and not features.has_select_for_update:
        raise NotSupportedError(
            "select_for_update() takes no lock on MongoDB: guard the limit with a conditional update."
        )


def _engine_adaptive() -> bool:
    """Django's many-to-many managers ask for ``ignore_conflicts`` only where
    the engine supports it (``related_descriptors._add_items`` reads the
    feature flag), so on MongoDB the same call inserts without it."""
    return any(frame.filename.endswith("related_descriptors.py") for frame in traceback.extract_stack(limit=30))


def compile_on_mongo(compiler, args, kwargs) -> None:
    """Run the Mongo backend's compiler for the query ``compiler`` is about to run."""
    check_queryset_features(compiler.query, connections[GATE_ALIAS])
    query = compiler.query.clone()
    mongo_compiler = query.get_compiler(using=GATE_ALIAS, elide_empty=compiler.elide_empty)
    result = mongo_compiler.execute_sql(*args, **kwargs)
    # A chunked SELECT returns a generator; draining it finishes the work.
    if result is not None and hasattr(result, "__next__"):
        for _ in result:
            pass


def _record(compiler, exc: Exception) -> None:
    stack = [line for line in traceback.format_stack(limit=40) if "/site-packages/" not in line]
    failure = GateFailure(
        model=compiler.query.model._meta.label,
        error=f"{type(exc).__name__}: {exc}",
        where="".join(stack[-8:-2]),
    )
    with _lock:
        _failures.append(failure)


def _gated(original):
    @functools.wraps(original)
    def execute_sql(self, *args, **kwargs):
        if not _is_gated(self):
            return original(self, *args, **kwargs)
        _state.busy = True
        try:
            try:
                compile_on_mongo(self, args, kwargs)
            except Exception as exc:  # every compile error is a finding
                _record(self, exc)
            # The SQL run itself may issue helper queries Mongo would not;
            # the outer query's Mongo compilation already covered them.
            return original(self, *args, **kwargs)
        finally:
            _state.busy = False

    execute_sql.__compile_gate__ = True
    return execute_sql


def install() -> None:
    """Patch Django's compilers once per process."""
    global _installed
    if _installed:
        return
    for klass in (
        sql_compiler.SQLCompiler,
        sql_compiler.SQLInsertCompiler,
        sql_compiler.SQLUpdateCompiler,
    ):
        original = klass.__dict__["execute_sql"]
        klass.execute_sql = _gated(original)
    _installed = True
    # Build the gate connection now, so a broken gate fails the run at start.
    connections[GATE_ALIAS].ops.compiler("SQLCompiler")
