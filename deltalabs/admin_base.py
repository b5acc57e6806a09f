"""The base of every ModelAdmin: the admin's own saves go into the audit trail,
and an object's "History" page reads the trail.

- ``log_addition`` / ``log_change`` / ``log_deletions`` (which Django's admin
  calls after an add, a change, a list edit, a delete, a password change)
  write an ``AuditEntry`` with the changed fields before and after, plus a
  line per inline row added, changed or deleted. Values of password fields
  are never recorded.
- Admins whose saves go through a service set ``changes_audited_by_services``:
  the service records the change (the same entry the REST API leaves), and
  the admin adds only what the service did not see (inline rows).
- ``history_view`` lists the object's entries, newest first, whoever made
  them and through whichever door (admin, API, assistant, background job).

``deltalabs.checks`` fails the system check for a registered admin that does
not build on ``AuditedAdminMixin``.

Staff writes also run in our transaction (the database rules in
``docs/decisions.md``): Django's admin wraps its add/change saves, deletes and
list-editable saves in ``django.db.transaction.atomic``, which holds nothing
on MongoDB, and a service's ``deltalabs.db.atomic`` opened inside it would be
a transaction inside Django's atomic block, which the project forbids. So
``TransactionalAdminMixin`` opens ``deltalabs.db.atomic`` itself, as the
outermost transaction, on both engines: the form, its inlines, the services
they call (which join it) and the audit entries commit together, and
on-commit hooks run after that commit. Reads stay outside any transaction, as
in Django; admin actions are not wrapped (each service an action calls opens
its own transaction and retries its own write conflicts).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import csrf_protect_m
from django.contrib.admin.utils import construct_change_message, unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import models, router
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse

from deltalabs import audit
from deltalabs.db import atomic

HISTORY_PAGE_SIZE = 100
MASK = "(hidden)"
_SNAPSHOT = "_audit_snapshot"
READ_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def target_label(model) -> str:
    """Audit entries name the concrete model (a proxy's rows are its model's rows)."""
    return model._meta.concrete_model._meta.label_lower


def admin_change_url(site, target_type: str, target_id: str) -> str | None:
    """The admin page of an audited object, if the site shows that model."""
    app_label, _, model_name = target_type.partition(".")
    try:
        return reverse(f"{site.name}:{app_label}_{model_name}_change", args=[target_id])
    except NoReverseMatch:
        return None


def _is_secret(name: str) -> bool:
    return "password" in name


def _snapshot(obj) -> dict:
    """Field values before the form touches the object (FKs as ids, M2M as names)."""
    values = {}
    for field in obj._meta.get_fields():
        if field.auto_created:
            continue
        if field.many_to_many:
            values[field.name] = [str(item) for item in getattr(obj, field.name).all()] if obj.pk else []
        elif field.concrete:
            values[field.name] = field.value_from_object(obj)
    return values


def _readable_before(obj, name: str, value):
    """A foreign key's old value as its object's name (one query, changed keys only)."""
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    if field.many_to_one and value is not None:
        related = field.remote_field.model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else value
    return value


def _readable_after(value):
    if isinstance(value, models.QuerySet):
        return [str(item) for item in value]
    return value


def _inline_lines(form, formsets) -> list[str]:
    """Django's own change message, inline part, as sentences."""
    lines = []
    for part in construct_change_message(form, formsets, add=False):
        for verb, detail in part.items():
            if "name" not in detail:
                continue  # the main object's part: recorded as field changes
            fields = f" ({', '.join(detail['fields'])})" if detail.get("fields") else ""
            lines.append(f"{verb.capitalize()} {detail['name']} “{detail['object']}”{fields}.")
    return lines


class AuditedAdminMixin:
    """Mix into any ModelAdmin (``DeltaModelAdmin`` does) to audit its saves."""

    # True when save_model/delete_model call services that audit the change themselves.
    changes_audited_by_services = False

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "POST":
            setattr(request, _SNAPSHOT, _snapshot(obj))
        return obj

    def construct_change_message(self, request, form, formsets, add=False):
        before = getattr(request, _SNAPSHOT, {}) if not add else {}
        changes = {}
        for name in form.changed_data:
            if _is_secret(name):
                changes[name] = [MASK, MASK]
                continue
            if name in before:
                old = _readable_before(form.instance, name, before.get(name))
            else:  # a form-only field (e.g. a user's roles): its initial value
                old = None if add else _readable_after(form.initial.get(name))
            changes[name] = [old, _readable_after(form.cleaned_data.get(name))]
        return {"changes": audit.json_ready(changes), "note": " ".join(_inline_lines(form, formsets or []))}

    @staticmethod
    def _parts(message) -> tuple[dict, str]:
        """(field changes, note) from our message, or from a plain text one."""
        if isinstance(message, dict):
            return message.get("changes", {}), message.get("note", "")
        if isinstance(message, str):
            return {}, message
        return {}, ""

    def log_addition(self, request, obj, message):
        changes, note = self._parts(message)
        if not self.changes_audited_by_services:
            return audit.audit_record(actor=request.user, action=audit.ADD, target=obj, changes=changes, note=note)
        if note:  # the service recorded the object; the admin adds its inline rows
            return audit.audit_record(actor=request.user, action=audit.CHANGE, target=obj, note=note)
        return None

    def log_change(self, request, obj, message):
        changes, note = self._parts(message)
        if self.changes_audited_by_services:
            changes = {}
        if changes or note:
            return audit.audit_record(actor=request.user, action=audit.CHANGE, target=obj, changes=changes, note=note)
        return None

    def log_deletions(self, request, queryset):
        if self.changes_audited_by_services:
            return []
        return [audit.audit_record(actor=request.user, action=audit.DELETE, target=obj) for obj in queryset]

    def history_view(self, request, object_id, extra_context=None):
        """The object's audit trail, newest first, 100 a page."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        entries = audit.history_of(target_label(self.model), str(obj.pk)).order_by("-at", "id")
        page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("p", 1))
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "entries": page,
            "module_name": str(self.opts.verbose_name_plural).capitalize(),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/audit_history.html", context)


class TransactionalAdminMixin:
    def _write_transaction(self):
        return atomic(router.db_for_write(self.model))

    @csrf_protect_m
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method in READ_METHODS:
            return self._changeform_view(request, object_id, form_url, extra_context)
        with self._write_transaction():
            return self._changeform_view(request, object_id, form_url, extra_context)

    @csrf_protect_m
    def delete_view(self, request, object_id, extra_context=None):
        if request.method in READ_METHODS:
            return self._delete_view(request, object_id, extra_context)
        with self._write_transaction():
            return self._delete_view(request, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        # Django saves list-editable rows inside its own atomic block; ours
        # goes around it. Actions (also POSTs) stay outside, as in Django.
        if request.method == "POST" and self.list_editable and "_save" in request.POST:
            with self._write_transaction():
                return super().changelist_view(request, extra_context)
        return super().changelist_view(request, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        # auth's UserAdmin wraps its add view in Django's atomic block
        # (django.contrib.auth.admin.UserAdmin.add_view); open ours instead.
        if request.method not in READ_METHODS and hasattr(super(), "_add_view"):
            request.sensitive_post_parameters = "__ALL__"  # as its @sensitive_post_parameters_m does
            with self._write_transaction():
                return super()._add_view(request, form_url, extra_context)
        return super().add_view(request, form_url, extra_context)


class DeltaModelAdmin(TransactionalAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """The ModelAdmin every project admin builds on."""
