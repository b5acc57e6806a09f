from django.apps import AppConfig


class DeltalabsConfig(AppConfig):
    name = "deltalabs"
    verbose_name = "Delta Labs core"

    def ready(self) -> None:
        from deltalabs import checks  # noqa: F401 - registers the system checks
