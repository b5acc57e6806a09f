"""System checks: the AI provider settings make sense (``manage.py check``)."""

from django.conf import settings
from django.core.checks import Error, register

from apps.ai_orchestration.providers import PROVIDERS


@register()
def ai_provider_settings(app_configs, **kwargs):
    errors = []
    if settings.AI_PROVIDER not in PROVIDERS:
        errors.append(
            Error(
                f"AI_PROVIDER={settings.AI_PROVIDER!r} is not one of {', '.join(PROVIDERS)}.",
                id="ai_orchestration.E001",
            )
        )
    elif settings.AI_PROVIDER == "openai" and not (settings.AI_BASE_URL and settings.AI_MODEL):
        errors.append(Error("AI_PROVIDER=openai needs AI_BASE_URL and AI_MODEL.", id="ai_orchestration.E002"))
    if settings.AI_TIMEOUT_SECONDS <= 0:
        errors.append(Error("AI_TIMEOUT_SECONDS must be positive.", id="ai_orchestration.E003"))
    return errors
