"""Staff views of labs: labs with their weekly hours and closures inline, a
day view of a lab's slots and occupancy, and the bookings list.

Closures and cancellations go through apps.labs.services (same rules, same
emails as the API): a closure added here cancels the bookings it covers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from apps.labs import services
from apps.labs.models import Booking, Lab, LabClosure, LabOpeningHours
from apps.labs.schedule import closing_minutes, minutes_of
from deltalabs.admin_base import DeltaModelAdmin
from deltalabs.admin_tools import export_csv_action, run_bulk_action
from deltalabs.dates import FIRST_DAY, LAST_DAY, is_supported_date


class OpeningHoursFormSet(BaseInlineFormSet):
    """Ranges of one weekday must not overlap (they would describe the same slots twice)."""

    def clean(self):
        super().clean()
        spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or None in (data.get("weekday"), data.get("opens_at"), data.get("closes_at")):
                continue
            spans[data["weekday"]].append((minutes_of(data["opens_at"]), closing_minutes(data["closes_at"])))
        for weekday, ranges in spans.items():
            ranges.sort()
            for (_, first_end), (second_start, _) in pairwise(ranges):
                if second_start < first_end:
                    day = LabOpeningHours.Weekday(weekday).label
                    raise ValidationError(f"Opening ranges on {day} overlap.")


class LabOpeningHoursInline(admin.TabularInline):
    model = LabOpeningHours
    formset = OpeningHoursFormSet
    fields = ("weekday", "opens_at", "closes_at")
    extra = 0


class ClosureForm(forms.ModelForm):
    """A closure's days lie in the supported calendar (``deltalabs.dates``):
    the sweep computes each day's UTC bounds, which overflow at the calendar's
    edges (9999-12-31 east of UTC). Said on the form, not as a 500 from the service."""

    class Meta:
        model = LabClosure
        fields = ("lab", "starts_on", "ends_on", "reason")

    def _supported(self, name: str):
        day = self.cleaned_data.get(name)
        if day is not None and not is_supported_date(day):
            raise ValidationError(f"Dates run from {FIRST_DAY} to {LAST_DAY}.")
        return day

    def clean_starts_on(self):
        return self._supported("starts_on")

    def clean_ends_on(self):
        return self._supported("ends_on")


class LabClosureInline(admin.TabularInline):
    """Existing closures are read-only; new ones are created by
    ``LabAdmin.save_formset`` through ``closure_create``."""

    model = LabClosure
    form = ClosureForm
    fields = ("starts_on", "ends_on", "reason", "created_at")
    readonly_fields = ("created_at",)
    extra = 0
    verbose_name = "closure"
    verbose_name_plural = "closures (adding one cancels the bookings on those days)"

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Lab)
class LabAdmin(DeltaModelAdmin):
    list_display = ("name", "day_view", "kind", "is_active", "capacity", "slot_minutes", "location", "timezone")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "slug", "location")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("required_course",)
    inlines = [LabOpeningHoursInline, LabClosureInline]
    change_form_template = "admin/labs/lab/change_form.html"
    actions = [export_csv_action(["id", "slug", "name", "kind", "location", "timezone", "slot_minutes", "capacity"])]
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "location", "description", "is_active")}),
        ("Booking", {"fields": ("timezone", "slot_minutes", "capacity", "required_course")}),
    )

    @admin.display(description="Occupancy")
    def day_view(self, lab: Lab) -> str:
        return format_html('<a href="{}">Day view</a>', reverse("admin:labs_lab_day", args=[lab.pk]))

    def get_urls(self):
        return [
            path("<path:object_id>/day/", self.admin_site.admin_view(self.day_view_page), name="labs_lab_day"),
            *super().get_urls(),
        ]

    def save_formset(self, request, form, formset, change):
        if formset.model is not LabClosure:
            return super().save_formset(request, form, formset, change)
        new_closures = [closure for closure in formset.save(commit=False) if closure._state.adding]
        for closure in formset.deleted_objects:
            services.closure_delete(actor=request.user, closure_id=closure.pk)
        for closure in new_closures:
            result = services.closure_create(
                actor=request.user,
                lab_id=form.instance.pk,
                starts_on=closure.starts_on,
                ends_on=closure.ends_on,
                reason=closure.reason,
            )
            self.message_user(
                request,
                f"Closure {closure.starts_on}..{closure.ends_on} added; "
                f"{result.cancelled_bookings} booking(s) cancelled and their learners notified.",
                messages.SUCCESS,
            )
        return None

    def day_view_page(self, request, object_id):
        lab = self.get_object(request, unquote(object_id))
        if lab is None or not self.has_view_permission(request, lab):
            raise Http404("No such lab.")
        if not request.user.has_perm("labs.view_booking"):
            raise PermissionDenied  # the day view lists who booked each slot
        today = timezone.now().astimezone(ZoneInfo(lab.timezone)).date()
        try:
            day = date.fromisoformat(request.GET["date"]) if request.GET.get("date") else today
        except ValueError:
            day = today
            self.message_user(request, "Unreadable date; showing today.", messages.WARNING)
        if not is_supported_date(day):
            # The calendar's edges (years 1 and 9999) leave no room for the day's UTC bounds.
            day = today
            self.message_user(request, f"Dates run from {FIRST_DAY} to {LAST_DAY}; showing today.", messages.WARNING)
        schedule = services.lab_day_schedule(actor=request.user, lab_id=lab.pk, day=day)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": lab,
            "title": f"{lab.name}: {day:%A %d %B %Y}",
            "schedule": schedule,
            "day": day,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "today": today,
            "seats_total": lab.capacity * len(schedule.slots),
            "seats_booked": sum(slot.booked for slot in schedule.slots),
        }
        return TemplateResponse(request, "admin/labs/lab/day_view.html", context)


@admin.register(LabClosure)
class LabClosureAdmin(DeltaModelAdmin):
    """Closures are added (through ``closure_create``) or deleted, never edited:
    moving a closure's dates would need its own cancellation sweep."""

    list_display = ("lab", "starts_on", "ends_on", "reason", "created_at")
    list_filter = ("lab",)
    list_select_related = ("lab",)
    date_hierarchy = "starts_on"
    search_fields = ("reason", "lab__name")
    raw_id_fields = ("lab",)
    fields = ("lab", "starts_on", "ends_on", "reason")
    form = ClosureForm
    show_full_result_count = False
    actions = [export_csv_action(["id", "lab__name", "starts_on", "ends_on", "reason", "created_at"])]

    # closure_create/closure_delete audit the closing and reopening (on the lab).
    changes_audited_by_services = True

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        result = services.closure_create(
            actor=request.user, lab_id=obj.lab_id, starts_on=obj.starts_on, ends_on=obj.ends_on, reason=obj.reason
        )
        obj.pk = result.closure.pk
        obj.created_at = result.closure.created_at
        obj._state.adding = False
        self.message_user(
            request, f"{result.cancelled_bookings} booking(s) cancelled and their learners notified.", messages.INFO
        )

    def delete_model(self, request, obj):
        services.closure_delete(actor=request.user, closure_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for closure_id in queryset.values_list("pk", flat=True):
            services.closure_delete(actor=request.user, closure_id=closure_id)


@admin.register(Booking)
class BookingAdmin(DeltaModelAdmin):
    """Read-only: bookings are made by learners (API, assistant) and cancelled
    through the service; deleting one would desynchronise the slot counter."""

    # Lab and start first (the link); the end follows from the lab's slot length.
    list_display = ("slot", "learner", "status", "cancel_reason", "reminder_sent_at", "created_at")
    list_display_links = ("slot",)
    list_filter = ("status", "lab")
    list_select_related = ("lab", "user")
    date_hierarchy = "start"
    search_fields = ("user__email", "lab__name")
    raw_id_fields = ("user", "lab")
    ordering = ("-start",)
    show_full_result_count = False
    actions = [
        "cancel_bookings",
        export_csv_action(
            ["id", "lab__name", "user__email", "start", "end", "status", "cancel_reason", "created_at", "cancelled_at"]
        ),
    ]

    @admin.display(description="lab / start (UTC)", ordering="start")
    def slot(self, booking: Booking):
        return format_html('{}<div class="quiet">{}</div>', booking.lab.name, f"{booking.start:%Y-%m-%d %H:%M}")

    @admin.display(description="learner", ordering="user__email")
    def learner(self, booking: Booking) -> str:
        return booking.user.email

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("labs.cancel_booking")

    @admin.action(description="Cancel selected bookings (frees the seats, emails the learners)", permissions=["cancel"])
    def cancel_bookings(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda booking_id: services.booking_cancel(actor=request.user, booking_id=booking_id),
            verb="Cancelled",
            noun="booking(s)",
        )
