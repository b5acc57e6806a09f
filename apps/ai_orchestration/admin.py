"""Staff audit of the assistant: conversations with their transcript, every
tool call (searchable by user email and tool), and per-user usage.

Read-only: the assistant's records are evidence, never edited. (Staff act on
the domains themselves in those apps' admins.)
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.ai_orchestration import services
from apps.ai_orchestration.models import Conversation, Message, ToolCall
from apps.ai_orchestration.tools import REGISTRY
from apps.identity import repositories as identity_repositories
from deltalabs.admin_base import DeltaModelAdmin
from deltalabs.admin_tools import export_csv_action


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _pretty(value) -> str:
    if value in (None, "", {}):
        return "-"
    return format_html("<pre style='white-space: pre-wrap; margin: 0'>{}</pre>", json.dumps(value, indent=2)[:5000])


class MessageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Message
    fields = ("turn", "step", "role", "content", "created_at")
    readonly_fields = fields
    ordering = ("turn", "step")
    extra = 0
    show_change_link = False


class ToolCallInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ToolCall
    fk_name = "conversation"
    fields = ("created_at", "tool", "status", "arguments_shown", "outcome_shown", "duration_ms", "replayed")
    readonly_fields = fields
    ordering = ("created_at", "position")
    extra = 0

    @admin.display(description="arguments")
    def arguments_shown(self, call: ToolCall):
        return _pretty(call.arguments)

    @admin.display(description="result / error")
    def outcome_shown(self, call: ToolCall):
        return _pretty(call.result if call.status == ToolCall.Status.OK else call.error)


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdminMixin, DeltaModelAdmin):
    list_display = ("conversation", "user", "provider", "turn_count", "tool_call_count", "created_at", "updated_at")
    list_display_links = ("conversation",)
    list_filter = ("provider",)
    search_fields = ("user__email", "title")
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = ("user", "title", "provider", "turn_count", "tool_call_count", "created_at", "updated_at")
    fields = readonly_fields
    inlines = [MessageInline, ToolCallInline]
    actions = [
        export_csv_action(
            ["id", "user__email", "title", "provider", "turn_count", "tool_call_count", "created_at", "updated_at"]
        )
    ]

    @admin.display(description="conversation", ordering="title")
    def conversation(self, conversation: Conversation) -> str:
        return conversation.title or "(untitled)"


class ToolNameFilter(admin.SimpleListFilter):
    """Choices from the registry: no DISTINCT over a growing table."""

    title = "tool"
    parameter_name = "tool"

    def lookups(self, request, model_admin):
        return [(name, name) for name in REGISTRY.names()]

    def queryset(self, request, queryset):
        return queryset.filter(tool=self.value()) if self.value() else queryset


@admin.register(ToolCall)
class ToolCallAdmin(ReadOnlyAdminMixin, DeltaModelAdmin):
    list_display = ("created_at", "tool", "status", "user", "source", "duration_ms", "replayed", "conversation_link")
    list_filter = (ToolNameFilter, "status", "source")
    search_fields = ("user__email", "tool")
    raw_id_fields = ("user", "conversation", "message")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    ordering = ("-created_at",)
    change_list_template = "admin/ai_orchestration/toolcall/change_list.html"
    fields = (
        "user",
        "conversation",
        "message",
        "source",
        "tool",
        "call_id",
        "arguments_shown",
        "status",
        "http_status",
        "outcome_shown",
        "replayed",
        "duration_ms",
        "created_at",
    )
    readonly_fields = fields
    actions = [
        export_csv_action(
            ["id", "created_at", "user__email", "tool", "status", "http_status", "source", "duration_ms", "replayed"]
        )
    ]

    @admin.display(description="conversation")
    def conversation_link(self, call: ToolCall):
        if call.conversation_id is None:
            return "direct"
        url = reverse("admin:ai_orchestration_conversation_change", args=[call.conversation_id])
        return format_html('<a href="{}">open</a>', url)

    @admin.display(description="arguments")
    def arguments_shown(self, call: ToolCall):
        return _pretty(call.arguments)

    @admin.display(description="result / error")
    def outcome_shown(self, call: ToolCall):
        return _pretty(call.result if call.status == ToolCall.Status.OK else call.error)

    def get_urls(self):
        return [
            path("usage/", self.admin_site.admin_view(self.usage_view), name="ai_orchestration_toolcall_usage"),
            *super().get_urls(),
        ]

    def usage_view(self, request):
        """Per-user usage over the last 30 days: the heaviest users first."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = services.usage_per_user(actor=request.user, days=30, limit=50)
        users = identity_repositories.users_by_ids([row.user_id for row in rows])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Assistant usage per user (last 30 days)",
            "rows": [{"usage": row, "user": users.get(row.user_id)} for row in rows],
        }
        return TemplateResponse(request, "admin/ai_orchestration/toolcall/usage.html", context)
