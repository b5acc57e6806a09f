"""System checks that keep the project portable to MongoDB (SPEC 3.1)."""

from __future__ import annotations

from django.apps import apps
from django.core import checks
from django.db.models.fields import AutoFieldMixin

PROJECT_PACKAGES = ("apps.", "deltalabs")


def _is_project_model(model) -> bool:
    return model.__module__.startswith(PROJECT_PACKAGES)


@checks.register(checks.Tags.models)
def check_no_auto_increment_keys(app_configs=None, **kwargs):
    """Every project model (including auto-created many-to-many tables) must
    have a non-integer key: auto-increment keys do not exist on MongoDB."""
    errors = []
    models = apps.get_models(include_auto_created=True)
    for model in models:
        if not _is_project_model(model) and not model._meta.app_config.name.startswith(PROJECT_PACKAGES):
            continue
        if isinstance(model._meta.pk, AutoFieldMixin):
            errors.append(
                checks.Error(
                    f"{model._meta.label} has an auto-increment primary key.",
                    hint="Inherit from deltalabs.db.UUIDModel, and use an explicit `through` "
                    "model (also a UUIDModel) for many-to-many relations.",
                    obj=model,
                    id="deltalabs.E001",
                )
            )
    return errors
