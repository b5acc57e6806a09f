"""The "Activity" list: the audit trail of staff changes, filterable by who,
what kind of object, which action, where it came from and when.

Read-only evidence (superusers only unless a role is given
``deltalabs.view_auditentry``). Built for a large table: no full counts, the
filters offer fixed or small choice lists (never a DISTINCT over the trail),
and every filter follows an index (see ``AuditEntry.Meta.indexes``).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.html import format_html

from deltalabs.admin_base import DeltaModelAdmin, admin_change_url
from deltalabs.models import AuditEntry

# The actions the services and the admin record (``audit_record(action=...)``).
KNOWN_ACTIONS = (
    "add",
    "change",
    "delete",
    "publish",
    "unpublish",
    "archive",
    "refund",
    "approve",
    "reject",
    "enroll",
    "cancel",
    "progress",
    "close",
    "reopen",
    "grade",
    "reset",
    "hide",
    "show",
)


def _shown(value) -> str:
    return "—" if value is None else str(value)


class ActionFilter(admin.SimpleListFilter):
    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return [(action, action) for action in KNOWN_ACTIONS]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class TargetTypeFilter(admin.SimpleListFilter):
    """The kinds of object the admin shows (a short, fixed list)."""

    title = "object type"
    parameter_name = "target_type"

    def lookups(self, request, model_admin):
        models = sorted(model_admin.admin_site._registry, key=lambda model: str(model._meta.verbose_name))
        labels = {}
        for model in models:
            if model is AuditEntry:
                continue
            concrete = model._meta.concrete_model._meta
            labels.setdefault(concrete.label_lower, str(concrete.verbose_name).capitalize())
        return list(labels.items())

    def queryset(self, request, queryset):
        return queryset.filter(target_type=self.value()) if self.value() else queryset


class ActorFilter(admin.SimpleListFilter):
    """Staff accounts (a short list, unlike everyone who ever signed up)."""

    title = "staff member"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        staff = get_user_model().objects.filter(is_staff=True).order_by("email").values_list("pk", "email")[:200]
        return [(str(pk), email) for pk, email in staff]

    def queryset(self, request, queryset):
        return queryset.filter(actor_id=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(DeltaModelAdmin):
    list_display = ("at_short", "actor_email", "action", "target_link", "changes_short", "source")
    list_display_links = ("at_short",)
    list_filter = (ActionFilter, TargetTypeFilter, ActorFilter, "source", ("at", admin.DateFieldListFilter))
    search_fields = ("^actor_email", "target_repr", "=target_id", "=request_id")
    search_help_text = "Start of a staff email, part of an object's name, an object id or a request id."
    ordering = ("-at", "id")
    show_full_result_count = False
    list_per_page = 50
    fields = (
        "at",
        "actor_email",
        "action",
        "target_type",
        "target_id",
        "target_link",
        "changes_full",
        "note",
        "source",
        "request_id",
    )
    readonly_fields = fields

    @admin.display(description="when (UTC)", ordering="at")
    def at_short(self, entry: AuditEntry) -> str:
        return f"{entry.at:%Y-%m-%d %H:%M}"

    @admin.display(description="object")
    def target_link(self, entry: AuditEntry):
        url = admin_change_url(self.admin_site, entry.target_type, entry.target_id)
        text = entry.target_repr or entry.target_id
        return format_html('<a href="{}">{}</a>', url, text) if url else text

    @admin.display(description="changes")
    def changes_short(self, entry: AuditEntry) -> str:
        parts = [
            f"{field}: {_shown(values[0])} → {_shown(values[1])}" for field, values in (entry.changes or {}).items()
        ]
        if entry.note:
            parts.append(entry.note)
        text = "; ".join(parts)
        return text if len(text) <= 120 else text[:117] + "..."

    @admin.display(description="what changed")
    def changes_full(self, entry: AuditEntry):
        rows = format_html("").join(
            format_html("<li><b>{}</b>: {} → {}</li>", field, _shown(values[0]), _shown(values[1]))
            for field, values in (entry.changes or {}).items()
        )
        return format_html("<ul>{}</ul>", rows) if rows else "-"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
