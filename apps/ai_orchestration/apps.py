from django.apps import AppConfig


class AiOrchestrationConfig(AppConfig):
    name = "apps.ai_orchestration"
    label = "ai_orchestration"
    verbose_name = "AI orchestration"
