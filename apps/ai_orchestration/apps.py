from django.apps import AppConfig


class AiOrchestrationConfig(AppConfig):
    name = "apps.ai_orchestration"
    label = "ai_orchestration"
    verbose_name = "AI orchestration"

    def ready(self) -> None:
        from apps.ai_orchestration import checks  # noqa: F401 - registers the settings check
