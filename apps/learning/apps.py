from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "apps.learning"
    label = "learning"
    verbose_name = "Learning"

    def ready(self) -> None:
        from apps.catalog import signals as catalog_signals
        from apps.learning import dashboard, receivers

        # Catalog sits below learning and never imports it; the one event it
        # sends up (apps.catalog.signals) is answered here.
        catalog_signals.course_capacity_changed.connect(receivers.fill_waitlist, dispatch_uid="learning.fill_waitlist")
        dashboard.register()
