"""Q&A moderation for staff: find questions and answers fast, hide, show or
delete them. Every action goes through the engagement services (same rules,
same counters as the API); rows are not edited by hand here."""

from __future__ import annotations

from django.contrib import admin

from apps.engagement import services
from apps.engagement.models import Answer, Question
from deltalabs.admin_base import DeltaModelAdmin
from deltalabs.admin_tools import export_csv_action, run_bulk_action


class ModeratedContentAdmin(DeltaModelAdmin):
    """Q&A content is written by its authors through the API; staff moderate
    it (hide, show again, delete) through the services, which audit each
    moderation and keep the counters right. A subclass names its two services."""

    changes_audited_by_services = True

    def hide_content(self, *, actor, pk, hidden: bool) -> None:
        raise NotImplementedError

    def delete_content(self, *, actor, pk) -> None:
        raise NotImplementedError

    def has_add_permission(self, request) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletes go through the services
        return actions

    @admin.action(description="Hide selected %(verbose_name_plural)s", permissions=["change"])
    def hide_selected(self, request, queryset):
        self._moderate(request, queryset, lambda pk: self.hide_content(actor=request.user, pk=pk, hidden=True), "Hid")

    @admin.action(description="Show selected %(verbose_name_plural)s again", permissions=["change"])
    def unhide_selected(self, request, queryset):
        self._moderate(
            request, queryset, lambda pk: self.hide_content(actor=request.user, pk=pk, hidden=False), "Showed again"
        )

    @admin.action(description="Delete selected %(verbose_name_plural)s", permissions=["delete"])
    def delete_through_service(self, request, queryset):
        self._moderate(request, queryset, lambda pk: self.delete_content(actor=request.user, pk=pk), "Deleted")

    def _moderate(self, request, queryset, act, verb: str) -> None:
        run_bulk_action(self, request, queryset, act, verb=verb, noun="item(s)")

    def delete_model(self, request, obj):
        self.delete_content(actor=request.user, pk=obj.pk)


@admin.register(Question)
class QuestionAdmin(ModeratedContentAdmin):
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

    def hide_content(self, *, actor, pk, hidden: bool) -> None:
        services.question_hide(actor=actor, question_id=pk, hidden=hidden)

    def delete_content(self, *, actor, pk) -> None:
        services.question_delete(actor=actor, question_id=pk)  # with its answers


@admin.register(Answer)
class AnswerAdmin(ModeratedContentAdmin):
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

    def hide_content(self, *, actor, pk, hidden: bool) -> None:
        services.answer_hide(actor=actor, answer_id=pk, hidden=hidden)

    def delete_content(self, *, actor, pk) -> None:
        services.answer_delete(actor=actor, answer_id=pk)
