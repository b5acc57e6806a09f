"""AI endpoints: validate input, call one service, render the result.

Every endpoint needs a token. Which tools a user may run, and what they may
do with them, is decided by ``apps.ai_orchestration.services`` and the domain
services the tools wrap, not here.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.response import Response

from apps.ai_orchestration import outputs, serializers, services
from deltalabs.api import ApiView, page_response
from deltalabs.openapi import PAGINATION_PARAMETERS, paginated
from deltalabs.pagination import page_args
from deltalabs.ratelimit import AIChatRateThrottle, DefaultRateThrottle

TAGS = ["ai"]


class ChatView(ApiView):
    throttle_classes = [AIChatRateThrottle, DefaultRateThrottle]

    @extend_schema(
        request=serializers.ChatInput,
        responses={200: outputs.ChatOutput},
        summary="Talk to the assistant",
        description=(
            "One turn: the assistant may call up to 5 tools as you (same permissions as the REST API) and "
            "replies. Every tool call is listed with its outcome (`result`, or `error` with the API error body). "
            "400 `validation_error` for an empty message or one over 4,000 characters; 404 for a conversation "
            "that is not yours; 409 `conversation_full` after 200 turns; 429 `rate_limited` after 20 messages a "
            "minute; 502 `ai_provider_error` when the language-model provider fails (details carry the "
            "conversation_id). An optional Idempotency-Key makes a retried message safe."
        ),
        tags=TAGS,
    )
    def post(self, request):
        data = serializers.ChatInput(data=request.data)
        data.is_valid(raise_exception=True)
        turn = services.chat_turn(
            actor=request.user,
            message=data.validated_data["message"],
            conversation_id=data.validated_data.get("conversation_id"),
        )
        return Response(outputs.ChatOutput(turn).data)


class ExecuteView(ApiView):
    def requires_idempotency_key(self, request) -> bool:
        """Like their REST twins, ``enroll`` and ``book_lab`` need an
        Idempotency-Key. A body that does not parse raises its own 400/415
        here, as it would a moment later in the view."""
        data = request.data
        name = data.get("tool") if isinstance(data, dict) else None
        tool = services.tool_for(actor=request.user, name=name) if isinstance(name, str) else None
        return tool is not None and tool.idempotency_key_required

    @extend_schema(
        request=serializers.ExecuteInput,
        responses={200: outputs.ExecuteOutput},
        summary="Run one assistant tool directly",
        description=(
            "Runs the tool as you, exactly as the assistant would. Errors are the domain's, with its status and "
            "code (e.g. 402 `payment_required`, 403 `permission_denied`, 404 `not_found`, 409 `already_enrolled`, "
            "`slot_full`). 400 `validation_error` for an unknown tool or arguments that do not match its schema. "
            "`enroll` and `book_lab` require an Idempotency-Key, like POST /v1/enrollments and "
            "POST /v1/labs/{id}/bookings."
        ),
        tags=TAGS,
    )
    def post(self, request):
        data = serializers.ExecuteInput(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.tool_execute(
            actor=request.user, tool=data.validated_data["tool"], arguments=data.validated_data["arguments"]
        )
        return Response(outputs.ExecuteOutput(run).data)


class ToolListView(ApiView):
    @extend_schema(
        responses={200: paginated(outputs.ToolOutput)},
        summary="Tools you may use",
        description="Each tool with its JSON Schema. One page: the list is short and never has a next cursor.",
        tags=TAGS,
    )
    def get(self, request):
        tools = services.tools_available(actor=request.user)
        return Response({"results": [tool.describe() for tool in tools], "next_cursor": None})


class ConversationListView(ApiView):
    @extend_schema(
        parameters=PAGINATION_PARAMETERS,
        responses={200: paginated(outputs.ConversationSerializer)},
        summary="Your conversations",
        operation_id="ai_conversations_list",
        description="Most recently active first. 400 `validation_error` for a bad cursor.",
        tags=TAGS,
    )
    def get(self, request):
        page = services.conversation_list(
            actor=request.user,
            **page_args(request),
        )
        return page_response(page, outputs.ConversationSerializer)


class ConversationDetailView(ApiView):
    @extend_schema(
        parameters=[OpenApiParameter("conversation_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={200: outputs.ConversationDetailSerializer},
        summary="One of your conversations",
        operation_id="ai_conversation_retrieve",
        description="With every message and tool call. 404 `not_found` for anyone else's conversation.",
        tags=TAGS,
    )
    def get(self, request, conversation_id):
        conversation = services.conversation_get(actor=request.user, conversation_id=conversation_id)
        return Response(outputs.ConversationDetailSerializer(conversation).data)
