"""Request shapes of the AI API (docs/api.md, Assistant); responses are
rendered by ``apps.ai_orchestration.outputs``."""

from rest_framework import serializers

from apps.ai_orchestration.services import MAX_MESSAGE_CHARS
from apps.ai_orchestration.tools import REGISTRY
from deltalabs.inputs import InputSerializer


class ChatInput(InputSerializer):
    message = serializers.CharField(min_length=1, max_length=MAX_MESSAGE_CHARS, trim_whitespace=False)
    conversation_id = serializers.UUIDField(required=False, allow_null=True)


class ExecuteInput(InputSerializer):
    # The schema lists every tool; which of them the caller may use is the
    # service's decision (GET /v1/ai/tools), answered like an unknown tool.
    tool = serializers.ChoiceField(choices=REGISTRY.names())
    arguments = serializers.DictField(required=False, default=dict, help_text="A JSON object; see GET /v1/ai/tools.")
