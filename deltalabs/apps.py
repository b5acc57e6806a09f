from django.apps import AppConfig


class DeltalabsConfig(AppConfig):
    name = "deltalabs"
    verbose_name = "Audit"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from deltalabs import (
            checks,  # noqa: F401 - registers the system checks
            mongo_validators,
        )

        # MongoDB: check constraints become collection validators after migrate.
        post_migrate.connect(mongo_validators.apply_after_migrate, sender=self, dispatch_uid="deltalabs-validators")
        connection_created.connect(_tolerate_invalid_text, dispatch_uid="deltalabs-sqlite-text")


def _tolerate_invalid_text(sender, connection, **kwargs) -> None:
    """SQLite: a text cell that is not valid UTF-8 reads as U+FFFD instead of failing
    the query (deltalabs.text); ``check_data`` finds such rows."""
    if connection.vendor == "sqlite":
        from deltalabs.text import sqlite_text_factory

        connection.connection.text_factory = sqlite_text_factory
