"""Check constraints on MongoDB: collection validators (SPEC 3.1).

django-mongodb-backend creates unique constraints only; a ``CheckConstraint``
does nothing there (Django's check ``models.W027``). The invariants still
hold on MongoDB because:

1. the conditional updates guard them (``seats_taken__lt=F("capacity")``...),
   which is the rule for every limited resource; and
2. every ``CheckConstraint`` in a project model's ``Meta.constraints`` becomes
   part of its collection's validator (``collMod``, ``validationLevel:
   strict``), so a write that would break it is refused by the server
   (``DocumentValidationFailure``, code 121, raised as Django's
   ``DatabaseError``), like SQLite's CHECK raises ``IntegrityError``.

The validator is compiled from the constraint's own condition by the Mongo
backend's query compiler and applied after every ``migrate`` (post_migrate),
so a constraint that is added, changed or moved to another model carries its
enforcement with it; nothing is written by hand. The system check
``deltalabs.E002`` (``manage.py check --database default``) fails when a
condition cannot be compiled, and replaces ``models.W027``, which the Mongo
settings silence. Caveat: SQL's CHECK passes when the condition is unknown
(NULL); the compiled filter treats NULL as false, so a nullable operand needs
its ``isnull`` branch spelled out, as ``course_seats_within_capacity`` does.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models

PROJECT_PACKAGES = ("apps.", "deltalabs")


def check_constraints(model) -> list[models.CheckConstraint]:
    return [constraint for constraint in model._meta.constraints if isinstance(constraint, models.CheckConstraint)]


def constrained_models() -> list:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_config.name.startswith(PROJECT_PACKAGES) and check_constraints(model)
    ]


def validator_for(model, using: str = DEFAULT_DB_ALIAS) -> dict | None:
    """The MongoDB validator equivalent to ``model``'s check constraints."""
    clauses = []
    for constraint in check_constraints(model):
        query = model._base_manager.using(using).filter(constraint.condition).query
        compiler = query.get_compiler(using=using)
        compiler.pre_sql_setup()
        clauses.append(compiler.build_query().match_mql)
    if not clauses:
        return None
    return {"$and": clauses}


def apply_validators(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Set each constrained collection's validator; return the collections."""
    connection = connections[using]
    applied = []
    for model in constrained_models():
        connection.database.command(
            "collMod",
            model._meta.db_table,
            validator=validator_for(model, using),
            validationLevel="strict",
            validationAction="error",
        )
        applied.append(model._meta.db_table)
    return applied


def apply_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    if connections[using].vendor == "mongodb" and settings.MONGODB_CHECK_VALIDATORS:
        apply_validators(using)
