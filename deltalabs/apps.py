from django.apps import AppConfig


class DeltalabsConfig(AppConfig):
    name = "deltalabs"
    verbose_name = "Audit"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from deltalabs import (
            checks,  # noqa: F401 - registers the system checks
            mongo_validators,
        )

        # MongoDB: check constraints become collection validators after migrate.
        post_migrate.connect(mongo_validators.apply_after_migrate, sender=self, dispatch_uid="deltalabs-validators")
