"""Enrollments for staff: search by learner email or course title, filter by
status and source, export CSV, cancel and enroll through the services.

Built for a million rows: no full-table counts (``show_full_result_count =
False`` and a paginator whose count stops at a cap), raw-id widgets, one
joined query per page, search resolved to id lists instead of joins.
Enrollments are never edited or deleted here: seats and waitlist positions
change only through ``apps.learning.services``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from apps.catalog.models import Course
from apps.identity.models import User
from apps.learning import repositories, services
from apps.learning.models import Enrollment, LessonProgress
from deltalabs.admin_base import DeltaModelAdmin
from deltalabs.admin_tools import export_csv_action, run_bulk_action
from deltalabs.errors import ApplicationError


class CappedCountPaginator(Paginator):
    """Counts at most ``CAP + 1`` rows: the last pages of a huge unfiltered
    list are reached by filtering, not by paging."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        return len(self.object_list.order_by().values_list("pk", flat=True)[: self.CAP + 1])


class LessonProgressInline(admin.TabularInline):
    model = LessonProgress
    extra = 0
    fields = ("lesson", "completed", "completed_at", "updated_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lesson")


class StaffEnrollForm(forms.Form):
    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        for name, queryset in (("user", User.objects.all()), ("course", Course.objects.all())):
            widget = AutocompleteSelect(Enrollment._meta.get_field(name), admin_site)
            self.fields[name] = forms.ModelChoiceField(queryset=queryset, widget=widget)


@admin.register(Enrollment)
class EnrollmentAdmin(DeltaModelAdmin):
    # Learner and course first (the link), then what staff act on; the id and
    # the cancellation details are on the enrollment's page.
    list_display = ("enrollment", "status", "waitlist", "source", "enrolled_at", "completed_at")
    list_display_links = ("enrollment",)
    list_filter = ("status", "source", ("enrolled_at", admin.DateFieldListFilter))
    search_fields = ("user__email", "course__title")  # see get_search_results
    search_help_text = "Start of the learner's email, or part of the course title."
    list_select_related = ("user", "course")
    raw_id_fields = ("user", "course")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    ordering = ("-enrolled_at",)
    readonly_fields = (
        "user",
        "course",
        "status",
        "source",
        "waitlist_position",
        "enrolled_at",
        "completed_at",
        "cancelled_at",
        "cancellation_reason",
        "created_at",
        "updated_at",
    )
    inlines = (LessonProgressInline,)
    actions = (
        "cancel_enrollments",
        export_csv_action(
            [
                "id",
                "user__email",
                "course__slug",
                "course__title",
                "status",
                "source",
                "waitlist_position",
                "enrolled_at",
                "completed_at",
                "cancelled_at",
            ]
        ),
    )

    @admin.display(description="learner / course")
    def enrollment(self, enrollment: Enrollment):
        return format_html('{}<div class="quiet">{}</div>', enrollment.user.email, enrollment.course.title)

    @admin.display(description="waitlist #", ordering="waitlist_position")
    def waitlist(self, enrollment: Enrollment):
        return enrollment.waitlist_position

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return repositories.enrollment_search(queryset, search_term), False

    # Enrolling and cancelling go through the services, which audit them.
    changes_audited_by_services = True

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # cancel instead: deleting would leak the seat

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("learning.cancel_enrollment")

    @admin.action(description="Cancel selected enrollments (frees seats, promotes waitlists)", permissions=["cancel"])
    def cancel_enrollments(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda enrollment_id: services.enrollment_cancel(actor=request.user, enrollment_id=enrollment_id),
            verb="Cancelled",
            noun="enrollment(s)",
        )

    def add_view(self, request, form_url="", extra_context=None):
        """ "Add enrollment" enrolls a learner through ``enrollment_create_by_staff``
        (seats respected, price and window ignored)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StaffEnrollForm(request.POST or None, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            try:
                enrollment = services.enrollment_create_by_staff(
                    actor=request.user,
                    user_id=form.cleaned_data["user"].pk,
                    course_id=form.cleaned_data["course"].pk,
                )
            except ApplicationError as error:
                form.add_error(None, f"{error.message} ({error.code})")
            else:
                self.message_user(
                    request,
                    f"Enrolled {enrollment.user.email} in {enrollment.course.title}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:learning_enrollment_change", args=[enrollment.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Enroll a learner",
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "has_view_permission": True,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/learning/enrollment/enroll_learner.html", context)
