"""Identity entities: the user (email login, UUID key) and revoked refresh tokens."""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone as django_timezone

from deltalabs.db import UUIDModel


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone.")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email=normalize_email(username))


def normalize_email(email: str) -> str:
    # Addresses are compared case-insensitively everywhere; store them lowered.
    return email.strip().lower()


class User(UUIDModel, AbstractBaseUser):
    """A person on the platform.

    Roles (docs/api.md, Authentication and roles): everyone is a learner;
    instructors are per course (catalog); ``is_staff`` means admin access, and
    what a staff member may do comes from their staff roles: Django groups
    (``groups``, through the UUID-keyed ``UserGroup``) and the groups'
    permissions. Superusers may do everything. There are no per-user
    permissions: a role is what staff are given (``apps.identity.roles``).
    """

    email = models.EmailField(unique=True, max_length=254)
    display_name = models.CharField(max_length=120)
    bio = models.TextField(blank=True, max_length=4000)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, db_index=True)
    is_superuser = models.BooleanField(default=False)
    email_verified = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=django_timezone.now, db_index=True)
    groups = models.ManyToManyField(
        Group,
        through="UserGroup",
        related_name="users",
        blank=True,
        verbose_name="staff roles",
        help_text="What this staff member may do in the admin and through staff API actions.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    # Django's admin and the services ask these. Only active staff hold
    # permissions: a role given to a non-staff account grants nothing.
    def get_all_permissions(self, obj=None) -> set[str]:
        """``"app_label.codename"`` of every permission the user's roles give;
        read once per user object (one query), like Django's own backend."""
        if not (self.is_active and self.is_staff):
            return set()
        if not hasattr(self, "_role_perm_cache"):
            rows = (
                Permission.objects.filter(group__user_links__user_id=self.pk)
                .values_list("content_type__app_label", "codename")
                .order_by()
            )
            self._role_perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return self._role_perm_cache

    def has_perm(self, perm: str, obj=None) -> bool:
        if not (self.is_active and self.is_staff):
            return False
        return self.is_superuser or perm in self.get_all_permissions()

    def has_perms(self, perm_list, obj=None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        if not (self.is_active and self.is_staff):
            return False
        return self.is_superuser or any(perm.startswith(f"{app_label}.") for perm in self.get_all_permissions())

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class UserGroup(UUIDModel):
    """A staff member holds a role (a Django group). An explicit, UUID-keyed
    link: Django's auto-created link table would have an integer key, which
    MongoDB cannot have."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="group_links")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="user_links")

    class Meta:
        verbose_name = "staff role"
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="user_group_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"


class RevokedToken(UUIDModel):
    """A refresh token that may no longer be used (rotated or logged out).

    The unique ``jti`` makes revocation race-free: of two concurrent refreshes
    of one token, only one insert succeeds.
    """

    jti = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="revoked_tokens")
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(default=django_timezone.now)

    def __str__(self) -> str:
        return self.jti
