"""Q&A moderation for staff: find questions and answers fast, hide, show or
delete them. Every action goes through the engagement services (same rules,
same counters as the API); rows are not edited by hand here."""

from __future__ import annotations

from django.contrib import admin

from apps.engagement import services
from apps.engagement.models import Answer, Question
from deltalabs.admin_base import DeltaModelAdmin
from deltalabs.admin_tools import export_csv_action, run_bulk_action


class ReadOnlyContentMixin:
    """Q&A content is written by its authors through the API; staff moderate
    through the services, which audit each moderation."""

    changes_audited_by_services = True

    def has_add_permission(self, request) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletes go through the services
        return actions


@admin.register(Question)
class QuestionAdmin(ReadOnlyContentMixin, DeltaModelAdmin):
    list_display = ("title", "course", "author", "answer_count", "has_accepted_answer", "is_hidden", "created_at")
    list_filter = ("is_hidden",)
    list_select_related = ("course", "author")
    search_fields = ("title", "author__email", "course__slug")
    raw_id_fields = ("course", "author", "lesson", "accepted_answer", "hidden_by")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    show_full_result_count = False
    actions = [
        "hide_selected",
        "unhide_selected",
        "delete_through_service",
        export_csv_action(["id", "course__slug", "author__email", "title", "answer_count", "is_hidden", "created_at"]),
    ]

    @admin.display(boolean=True, description="accepted")
    def has_accepted_answer(self, obj: Question) -> bool:
        return obj.accepted_answer_id is not None

    @admin.action(description="Hide selected questions", permissions=["change"])
    def hide_selected(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda pk: services.question_hide(actor=request.user, question_id=pk),
            verb="Hid",
            noun="item(s)",
        )

    @admin.action(description="Show selected questions again", permissions=["change"])
    def unhide_selected(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda pk: services.question_hide(actor=request.user, question_id=pk, hidden=False),
            verb="Showed again",
            noun="item(s)",
        )

    @admin.action(description="Delete selected questions (with their answers)", permissions=["delete"])
    def delete_through_service(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda pk: services.question_delete(actor=request.user, question_id=pk),
            verb="Deleted",
            noun="item(s)",
        )

    def delete_model(self, request, obj):
        services.question_delete(actor=request.user, question_id=obj.pk)


@admin.register(Answer)
class AnswerAdmin(ReadOnlyContentMixin, DeltaModelAdmin):
    list_display = ("short_body", "question", "course", "author", "is_instructor", "is_hidden", "created_at")
    list_filter = ("is_hidden", "is_instructor")
    list_select_related = ("question", "course", "author")
    search_fields = ("body", "author__email", "course__slug")
    raw_id_fields = ("question", "course", "author", "hidden_by")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    show_full_result_count = False
    actions = [
        "hide_selected",
        "unhide_selected",
        "delete_through_service",
        export_csv_action(
            ["id", "course__slug", "question_id", "author__email", "is_instructor", "is_hidden", "created_at", "body"]
        ),
    ]

    @admin.display(description="answer")
    def short_body(self, obj: Answer) -> str:
        return obj.body if len(obj.body) <= 80 else obj.body[:77] + "..."

    @admin.action(description="Hide selected answers", permissions=["change"])
    def hide_selected(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda pk: services.answer_hide(actor=request.user, answer_id=pk),
            verb="Hid",
            noun="item(s)",
        )

    @admin.action(description="Show selected answers again", permissions=["change"])
    def unhide_selected(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda pk: services.answer_hide(actor=request.user, answer_id=pk, hidden=False),
            verb="Showed again",
            noun="item(s)",
        )

    @admin.action(description="Delete selected answers", permissions=["delete"])
    def delete_through_service(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda pk: services.answer_delete(actor=request.user, answer_id=pk),
            verb="Deleted",
            noun="item(s)",
        )

    def delete_model(self, request, obj):
        services.answer_delete(actor=request.user, answer_id=obj.pk)
