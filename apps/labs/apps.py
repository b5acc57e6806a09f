from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "apps.labs"
    label = "labs"
    verbose_name = "Labs"

    def ready(self) -> None:
        from apps.labs import services
        from deltalabs import dashboard

        dashboard.register_number(
            "bookings_tomorrow", "Lab bookings tomorrow", lambda now: services.bookings_tomorrow(now=now), order=60
        )
        dashboard.register_chart(
            "lab_utilisation",
            "Lab utilisation, next 7 days",
            lambda now: services.labs_utilisation(now=now),
            kind="rows",
            unit="%",
            order=30,
        )
