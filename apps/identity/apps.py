from datetime import timedelta

from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "apps.identity"
    label = "identity"
    verbose_name = "Identity"

    def ready(self) -> None:
        from apps.identity import repositories
        from deltalabs import dashboard

        dashboard.register_number(
            "new_users_week",
            "Sign-ups, last 7 days",
            lambda now: repositories.users_joined_since(now - timedelta(days=7)),
            order=90,
        )
