"""Assessment authoring and grading for staff.

- Assessments with their items inline; publish/unpublish through the service.
- Submissions (searchable, filterable by course, CSV) and a grading queue of
  ungraded ones, oldest first. Grading and grade overrides go through
  ``submission_grade``, which records who graded and when; rows are not
  edited by hand.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from apps.assessment import repositories, services
from apps.assessment.models import Assessment, AssessmentItem, Submission, SubmissionToGrade
from deltalabs.admin_base import DeltaModelAdmin
from deltalabs.admin_tools import export_csv_action, run_bulk_action
from deltalabs.errors import ValidationFailed


class CourseFilter(admin.SimpleListFilter):
    """Courses that have assessments (a short list), not every course."""

    title = "course"
    parameter_name = "course"

    def lookups(self, request, model_admin):
        return [(str(pk), title) for pk, title in repositories.courses_with_assessments()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(course_id=self.value())
        return queryset


class AssessmentItemForm(forms.ModelForm):
    class Meta:
        model = AssessmentItem
        fields = ("position", "kind", "points", "prompt", "choices", "answer_key")

    def clean(self):
        cleaned = super().clean()
        try:
            services.item_validate(
                kind=cleaned.get("kind"), choices=cleaned.get("choices"), answer_key=cleaned.get("answer_key")
            )
        except ValidationFailed as exc:
            for field, problems in exc.details.items():
                self.add_error(field, problems)
        return cleaned


class AssessmentItemInline(admin.StackedInline):
    model = AssessmentItem
    form = AssessmentItemForm
    extra = 0
    fields = (("position", "kind", "points"), "prompt", "choices", "answer_key")


@admin.register(Assessment)
class AssessmentAdmin(DeltaModelAdmin):
    list_display = ("title", "course", "kind", "weight", "max_score", "due_at", "is_published", "position")
    list_filter = ("is_published", "kind", CourseFilter)
    list_select_related = ("course",)
    search_fields = ("title", "course__slug", "course__title")
    raw_id_fields = ("course",)
    ordering = ("course", "position")
    date_hierarchy = "due_at"
    show_full_result_count = False
    inlines = [AssessmentItemInline]
    actions = [
        "publish_selected",
        "unpublish_selected",
        export_csv_action(["id", "course__slug", "title", "kind", "weight", "max_score", "due_at", "is_published"]),
    ]

    def _set_published(self, request, queryset, is_published: bool) -> None:
        run_bulk_action(
            self,
            request,
            queryset,
            lambda pk: services.assessment_set_published(
                actor=request.user, assessment_id=pk, is_published=is_published
            ),
            verb="Published" if is_published else "Unpublished",
            noun="assessment(s)",
        )

    @admin.action(description="Publish selected assessments", permissions=["change"])
    def publish_selected(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description="Unpublish selected assessments", permissions=["change"])
    def unpublish_selected(self, request, queryset):
        self._set_published(request, queryset, False)


class GradeForm(forms.ModelForm):
    """Only the grade and the feedback are editable; the range rule is the
    service's own (``score_validate``)."""

    class Meta:
        model = Submission
        fields = ("score", "feedback")

    def clean_score(self):
        score = self.cleaned_data.get("score")
        if score is None:
            raise forms.ValidationError("Enter a score to grade this submission.")
        try:
            return services.score_validate(assessment=self.instance.assessment, score=score)
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.details["score"]) from None


SUBMISSION_CSV = [
    "id",
    "course__slug",
    "assessment__title",
    "user__email",
    "status",
    "auto_score",
    "score",
    "is_late",
    "submitted_at",
    "graded_by__email",
    "graded_at",
]


@admin.register(Submission)
class SubmissionAdmin(DeltaModelAdmin):
    form = GradeForm
    # Who graded is on the submission's page.
    list_display = ("submission", "course", "status", "score", "auto_score", "is_late", "submitted_at")
    list_display_links = ("submission",)
    list_filter = ("status", "is_late", CourseFilter)
    list_select_related = ("assessment", "course", "user", "graded_by")
    search_fields = ("user__email", "assessment__title", "course__slug")
    raw_id_fields = ("assessment", "course", "user", "graded_by")
    readonly_fields = (
        "assessment",
        "course",
        "user",
        "answers",
        "auto_score",
        "status",
        "is_late",
        "submitted_at",
        "graded_by",
        "graded_at",
    )
    fields = (*readonly_fields, "score", "feedback")
    date_hierarchy = "submitted_at"
    ordering = ("-submitted_at",)
    show_full_result_count = False
    actions = ["grade_with_auto_score", "reset_selected", export_csv_action(SUBMISSION_CSV)]

    # Grades and resets go through the services, which audit them.
    changes_audited_by_services = True

    @admin.display(description="learner / assessment")
    def submission(self, submission: Submission):
        return format_html('{}<div class="quiet">{}</div>', submission.user.email, submission.assessment.title)

    def has_add_permission(self, request) -> bool:
        return False  # learners hand work in through the API

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_grade_permission(request)  # grading is the only change

    def has_grade_permission(self, request) -> bool:
        return request.user.has_perm("assessment.grade_submission")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # "reset" (through the service) is the way to remove one

    @admin.action(description="Reset selected (the learners may submit again)", permissions=["grade"])
    def reset_selected(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda pk: services.submission_reset(actor=request.user, submission_id=pk),
            verb="Reset",
            noun="submission(s)",
        )

    def save_model(self, request, obj, form, change):
        # The grade goes through the service: same rule, graded_by/graded_at recorded.
        services.submission_grade(
            actor=request.user,
            submission_id=obj.pk,
            score=form.cleaned_data["score"],
            feedback=form.cleaned_data.get("feedback", ""),
        )

    @admin.action(description="Grade selected with their auto score", permissions=["grade"])
    def grade_with_auto_score(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda pk, auto_score: services.submission_grade(actor=request.user, submission_id=pk, score=auto_score),
            verb="Graded",
            noun="submission(s)",
            fields=("pk", "auto_score"),
        )


@admin.register(SubmissionToGrade)
class GradingQueueAdmin(SubmissionAdmin):
    """Ungraded submissions, oldest first; open one, enter score and feedback."""

    list_display = ("submission", "course", "auto_score", "is_late", "submitted_at")
    list_filter = ("is_late", CourseFilter)
    ordering = ("submitted_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=Submission.Status.SUBMITTED)
