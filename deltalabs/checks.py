"""System checks that keep the project portable to MongoDB (docs/architecture.md, Database portability)."""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.core import checks
from django.db.models.fields import AutoFieldMixin

PROJECT_PACKAGES = ("apps.", "deltalabs")


def _is_project_model(model) -> bool:
    return model._meta.app_config is not None and model._meta.app_config.name.startswith(PROJECT_PACKAGES)


def find_auto_increment_models(models: Iterable) -> list[checks.Error]:
    """Every project model (auto-created many-to-many tables included) must
    have a non-integer key: auto-increment keys do not exist on MongoDB."""
    return [
        checks.Error(
            f"{model._meta.label} has an auto-increment primary key.",
            hint="Inherit from deltalabs.db.UUIDModel, and use an explicit `through` "
            "model (also a UUIDModel) for many-to-many relations.",
            obj=model,
            id="deltalabs.E001",
        )
        for model in models
        if _is_project_model(model) and isinstance(model._meta.pk, AutoFieldMixin)
    ]


@checks.register(checks.Tags.models)
def check_no_auto_increment_keys(app_configs=None, **kwargs):
    return find_auto_increment_models(apps.get_models(include_auto_created=True))


def find_unaudited_admins(site) -> list[checks.Error]:
    """Every registered ModelAdmin records its saves in the audit trail."""
    from deltalabs.admin_base import AuditedAdminMixin

    return [
        checks.Error(
            f"The admin of {model._meta.label} ({type(model_admin).__name__}) does not audit its changes.",
            hint="Build it on deltalabs.admin_base.DeltaModelAdmin (or mix in AuditedAdminMixin).",
            obj=type(model_admin),
            id="deltalabs.E003",
        )
        for model, model_admin in site._registry.items()
        if not isinstance(model_admin, AuditedAdminMixin)
    ]


@checks.register(checks.Tags.admin)
def check_admins_are_audited(app_configs=None, **kwargs):
    from django.contrib import admin

    return find_unaudited_admins(admin.site)


@checks.register(checks.Tags.database)
def check_constraints_have_mongo_validators(app_configs=None, databases=None, **kwargs):
    """On MongoDB, every CheckConstraint must compile to a collection
    validator (deltalabs.mongo_validators); this replaces models.W027."""
    from django.db import connections

    from deltalabs import mongo_validators

    errors = []
    for alias in databases or ():
        if connections[alias].vendor != "mongodb":
            continue
        for model in mongo_validators.constrained_models():
            try:
                mongo_validators.validator_for(model, alias)
            except Exception as exc:  # any compile error is the finding
                errors.append(
                    checks.Error(
                        f"{model._meta.label}: a check constraint cannot become a MongoDB validator: {exc}",
                        hint="Rewrite the condition with lookups the Mongo backend supports; see deltalabs.mongo_validators.",
                        obj=model,
                        id="deltalabs.E002",
                    )
                )
    return errors
