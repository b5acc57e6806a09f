from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "apps.learning"
    label = "learning"
    verbose_name = "Learning"

    def ready(self) -> None:
        # Catalog sits below learning: it asks through hooks instead of imports.
        from apps.catalog import hooks as catalog_hooks
        from apps.learning import repositories, services

        catalog_hooks.register_enrollment_checker(repositories.enrollment_is_active)
        catalog_hooks.register_seats_freed_listener(services.waitlist_fill)
