from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "apps.commerce"
    label = "commerce"
    verbose_name = "Commerce"

    def ready(self) -> None:
        # Learning sits below commerce: it reaches sponsorship codes only
        # through this hook (POST /v1/enrollments with sponsorship_code).
        from apps.commerce.services.sponsors import sponsorship_redeem
        from apps.learning.hooks import register_sponsorship_redeemer

        register_sponsorship_redeemer(sponsorship_redeem)
