"""How the assistant's objects are rendered (docs/api.md, Assistant): a chat
turn, a direct tool run, the tool list and stored conversations. Tool results
inside them are already rendered by the owning app's output serializers."""

from rest_framework import serializers

from apps.ai_orchestration.models import Conversation, Message, ToolCall


class ToolCallOutput(serializers.Serializer):
    """A ``services.ToolCallReport``: ``result`` or ``error``, whichever applies."""

    tool = serializers.CharField()
    arguments = serializers.DictField(help_text="As proposed by the provider, before validation.")
    status = serializers.CharField(help_text="`ok` or `error`.")
    result = serializers.JSONField(required=False, help_text="When status is ok.")
    error = serializers.JSONField(required=False, help_text="When status is error: the API error body.")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data.pop("error" if instance.status == ToolCall.Status.OK else "result")
        return data


class ChatOutput(serializers.Serializer):
    """A ``services.ChatTurn``."""

    conversation_id = serializers.UUIDField()
    reply = serializers.CharField()
    tool_calls = ToolCallOutput(many=True)


class ExecuteOutput(serializers.Serializer):
    """A ``services.ToolRun``."""

    tool = serializers.CharField()
    result = serializers.JSONField()


class ToolOutput(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    parameters = serializers.JSONField(help_text="JSON Schema of the arguments.")
    mutates = serializers.BooleanField(help_text="True when the tool changes data.")


class ConversationSerializer(serializers.ModelSerializer):
    turns = serializers.IntegerField(source="turn_count")

    class Meta:
        model = Conversation
        fields = ["id", "title", "provider", "turns", "tool_call_count", "created_at", "updated_at"]
        read_only_fields = fields


class StoredToolCallSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text="`ok` or `error`.")

    class Meta:
        model = ToolCall
        fields = ["id", "tool", "arguments", "status", "result", "error", "duration_ms", "replayed", "created_at"]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    tool_calls = StoredToolCallSerializer(many=True, source="tool_calls.all")

    class Meta:
        model = Message
        fields = ["id", "role", "content", "turn", "step", "created_at", "tool_calls"]
        read_only_fields = fields


class ConversationDetailSerializer(ConversationSerializer):
    messages = MessageSerializer(many=True, source="messages.all")

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "messages"]
        read_only_fields = fields
