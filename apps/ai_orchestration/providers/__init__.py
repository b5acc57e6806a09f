"""Language-model providers behind one interface, chosen by ``settings.AI_PROVIDER``:

- ``offline`` (default): built in, no network, deterministic;
- ``openai``: any OpenAI-compatible chat-completions server with tool calling
  (``AI_BASE_URL``, ``AI_API_KEY``, ``AI_MODEL``, ``AI_TIMEOUT_SECONDS``).
"""

from __future__ import annotations

from django.conf import settings

from apps.ai_orchestration.providers.base import (
    HistoryItem,
    ProposedCall,
    Provider,
    ProviderError,
    ProviderRequest,
    ProviderStep,
    ToolSpec,
)
from apps.ai_orchestration.providers.offline import OfflineProvider
from apps.ai_orchestration.providers.openai import OpenAICompatibleProvider

PROVIDERS = ("offline", "openai")


def get_provider() -> Provider:
    """The configured provider. A misconfiguration is a provider error (502),
    and ``manage.py check`` reports it up front (apps.ai_orchestration.checks)."""
    name = settings.AI_PROVIDER
    if name == "offline":
        return OfflineProvider()
    if name == "openai":
        if not settings.AI_BASE_URL or not settings.AI_MODEL:
            raise ProviderError("The AI provider is not configured.")
        return OpenAICompatibleProvider(
            base_url=settings.AI_BASE_URL,
            api_key=settings.AI_API_KEY,
            model=settings.AI_MODEL,
            timeout=settings.AI_TIMEOUT_SECONDS,
        )
    raise ProviderError("The AI provider is not configured.")


__all__ = [
    "PROVIDERS",
    "HistoryItem",
    "OfflineProvider",
    "OpenAICompatibleProvider",
    "ProposedCall",
    "Provider",
    "ProviderError",
    "ProviderRequest",
    "ProviderStep",
    "ToolSpec",
    "get_provider",
]
