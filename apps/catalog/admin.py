"""Course authoring for staff: courses with instructors, sections, lessons and
resources inline; publish/archive actions; categories.

Course fields are saved through ``course_create``/``course_update`` (so the
seat counters are never overwritten by a stale form and the capacity rule
holds); status changes only through the publish/archive services. Outline
edits made in the inlines invalidate the catalogue cache via
``course_changed``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from apps.catalog import services
from apps.catalog.models import Category, Course, CourseInstructor, Lesson, Resource, Section
from deltalabs.admin_base import DeltaModelAdmin
from deltalabs.admin_tools import export_csv_action, run_bulk_action
from deltalabs.errors import ApplicationError

_SAVE_FAILED = "_catalog_course_save_failed"


@admin.register(Category)
class CategoryAdmin(DeltaModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("position", "name")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.category_changed(obj.pk)

    def delete_model(self, request, obj):
        services.category_changed(obj.pk)
        super().delete_model(request, obj)


class CourseInstructorInline(admin.TabularInline):
    model = CourseInstructor
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "position")


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ("title", "position")
    show_change_link = True


class LessonInline(admin.StackedInline):
    """Lessons of the whole course; each picks its section (only this course's
    sections are offered: save new sections first)."""

    model = Lesson
    fk_name = "course"
    extra = 0
    fields = (("section", "position"), ("title", "kind", "duration_minutes", "is_preview"), "content")
    ordering = ("section__position", "position")
    classes = ("collapse",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name != "section":
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        course_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        kwargs["queryset"] = Section.objects.filter(course_id=course_id) if course_id else Section.objects.none()
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        # Every lesson form offers the same sections: read them once per page,
        # not once per lesson (the page would grow a query per lesson).
        if not hasattr(request, "_lesson_section_choices"):
            request._lesson_section_choices = list(field.choices)
        field.choices = request._lesson_section_choices
        return field

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "content":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 4, "cols": 100})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0
    fields = ("title", "kind", "url", "file", "position")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Course)
class CourseAdmin(DeltaModelAdmin):
    list_display = ("title", "status", "seats", "waitlist", "price_shown", "category", "level", "published_at")
    list_filter = ("status", "level", "category")
    search_fields = ("title", "slug")
    list_select_related = ("category",)
    autocomplete_fields = ("category",)
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("status", "published_at", "seats_taken", "waitlist_length", "created_at", "updated_at")
    show_full_result_count = False
    ordering = ("-created_at",)
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "description", "category", "level", "language")}),
        ("Price and seats", {"fields": ("price", "currency", "capacity", "seats_taken", "waitlist_length")}),
        ("Enrollment window", {"fields": ("enrollment_opens_at", "enrollment_closes_at")}),
        ("Publication", {"fields": ("status", "published_at", "created_at", "updated_at")}),
    )
    inlines = (CourseInstructorInline, SectionInline, LessonInline, ResourceInline)
    actions = (
        "publish_courses",
        "archive_courses",
        export_csv_action(
            [
                "id",
                "slug",
                "title",
                "status",
                "level",
                "category__name",
                "price",
                "currency",
                "capacity",
                "seats_taken",
                "waitlist_length",
                "published_at",
            ]
        ),
    )

    # course_create/course_update record the course's own fields.
    changes_audited_by_services = True

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("catalog.publish_course")

    @admin.display(description="seats", ordering="seats_taken")
    def seats(self, course: Course) -> str:
        return f"{course.seats_taken} / {course.capacity if course.capacity is not None else '∞'}"

    @admin.display(description="waitlist", ordering="waitlist_length")
    def waitlist(self, course: Course) -> int:
        return course.waitlist_length

    @admin.display(description="price", ordering="price")
    def price_shown(self, course: Course) -> str:
        return f"{course.price} {course.currency}" if course.price else "free"

    @admin.action(description="Publish selected courses", permissions=["publish"])
    def publish_courses(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda course_id: services.course_publish(actor=request.user, course_id=course_id),
            verb="Published",
            noun="course(s)",
        )

    @admin.action(description="Archive selected courses", permissions=["publish"])
    def archive_courses(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda course_id: services.course_archive(actor=request.user, course_id=course_id),
            verb="Archived",
            noun="course(s)",
        )

    def save_model(self, request, obj, form, change):
        fields = form.changed_data if change else form.cleaned_data
        values = {name: form.cleaned_data[name] for name in fields if name in services.EDITABLE_FIELDS}
        try:
            if change:
                services.course_update(actor=request.user, course_id=obj.pk, values=values)
            else:
                course = services.course_create(actor=request.user, values=values)
                # The inlines are saved against this form instance.
                obj.pk = course.pk
                obj._state.adding = False
                obj._state.db = course._state.db
        except ApplicationError as error:
            setattr(request, _SAVE_FAILED, True)
            details = "; ".join(f"{field}: {' '.join(texts)}" for field, texts in (error.details or {}).items())
            self.message_user(request, f"{error.message} {details}".strip(), messages.ERROR)

    def save_related(self, request, form, formsets, change):
        if getattr(request, _SAVE_FAILED, False) and not change:
            return  # the course does not exist; its inlines cannot be saved
        super().save_related(request, form, formsets, change)
        services.course_changed(form.instance.pk)

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, _SAVE_FAILED, False):
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, _SAVE_FAILED, False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def delete_model(self, request, obj):
        course_id = obj.pk
        super().delete_model(request, obj)
        services.course_changed(course_id)

    def delete_queryset(self, request, queryset):
        course_ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        for course_id in course_ids:
            services.course_changed(course_id)


class LessonOfSectionInline(admin.StackedInline):
    model = Lesson
    fk_name = "section"
    extra = 0
    fields = (("title", "position"), ("kind", "duration_minutes", "is_preview"), "content")
    ordering = ("position",)


@admin.register(Section)
class SectionAdmin(DeltaModelAdmin):
    """One section with its lessons (Django has no nested inlines)."""

    list_display = ("title", "course", "position")
    search_fields = ("title",)
    list_select_related = ("course",)
    autocomplete_fields = ("course",)
    show_full_result_count = False
    inlines = (LessonOfSectionInline,)

    def get_readonly_fields(self, request, obj=None):
        # Moving a section would leave its lessons' denormalised course behind.
        return ("course",) if obj is not None else ()

    def save_formset(self, request, form, formset, change):
        lessons = formset.save(commit=False)
        for lesson in lessons:
            lesson.course_id = form.instance.course_id  # denormalised from the section
            lesson.save()
        for lesson in formset.deleted_objects:
            lesson.delete()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.course_changed(form.instance.course_id)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.course_changed(obj.course_id)
