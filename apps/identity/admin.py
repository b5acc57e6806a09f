"""Staff views of users and roles: search users by email or name, filter by
role and state; superusers give staff their roles (Django groups) on the
user's page. Roles themselves are defined in code (``apps.identity.roles``)
and synced by ``manage.py sync_roles``; the role list here is for reading."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.utils.html import format_html_join

from apps.identity import services
from apps.identity.models import RevokedToken, User
from deltalabs.admin_base import AuditedAdminMixin, DeltaModelAdmin, TransactionalAdminMixin


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")


class UserEditForm(UserChangeForm):
    # The memberships live in the UUID-keyed UserGroup table, which Django's
    # admin does not edit as a plain many-to-many field: a form field here,
    # saved by ``staff_roles_set`` (UserAdmin.save_related).
    roles = forms.ModelMultipleChoiceField(
        queryset=Group.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="What this staff member may do (roles are described in the README). Superusers need none.",
    )

    class Meta:
        model = User
        exclude = ("groups",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["roles"] = list(self.instance.groups.order_by("name"))


@admin.register(User)
class UserAdmin(TransactionalAdminMixin, AuditedAdminMixin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("email", "display_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "groups", "is_active", "email_verified")
    search_fields = ("email", "display_name")
    ordering = ("email",)
    show_full_result_count = False
    date_hierarchy = "date_joined"
    filter_horizontal = ()
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "bio", "timezone")}),
        ("Access", {"fields": ("is_active", "is_staff", "roles", "is_superuser", "email_verified")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")}),)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "roles" in form.changed_data:
            services.staff_roles_set(
                actor=request.user,
                user_id=form.instance.pk,
                group_ids=[group.pk for group in form.cleaned_data["roles"]],
            )


@admin.register(RevokedToken)
class RevokedTokenAdmin(DeltaModelAdmin):
    list_display = ("user", "revoked_at", "expires_at", "jti")
    list_display_links = ("user",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    search_fields = ("jti", "user__email")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(TransactionalAdminMixin, AuditedAdminMixin, DjangoGroupAdmin):
    """The staff roles and their permissions, read-only: roles are defined in
    code and synced by ``manage.py sync_roles``."""

    list_display = ("name",)
    fields = ("name", "permission_list")
    readonly_fields = fields

    @admin.display(description="permissions")
    def permission_list(self, group: Group):
        permissions = group.permissions.select_related("content_type").order_by("content_type__app_label", "codename")
        return format_html_join(
            "",
            "<div>{}.{} <span class='quiet'>({})</span></div>",
            ((p.content_type.app_label, p.codename, p.name) for p in permissions),
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
