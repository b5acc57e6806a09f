"""Queries of the identity domain. No rules, no permissions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.contrib.auth.models import Group, Permission

from apps.identity.models import RevokedToken, User, UserGroup, normalize_email
from deltalabs.prepared import PreparedSelect


def user_get(user_id: UUID) -> User | None:
    return User.objects.filter(pk=user_id).first()


# What API requests read of the signed-in user: the profile /v1/users/me shows
# and the flags permission checks use. Not the password hash nor login dates.
TOKEN_USER_FIELDS = ("id", "email", "display_name", "bio", "timezone", "date_joined", "is_staff", "is_active")


_USER_FOR_TOKEN = PreparedSelect(
    lambda ids: User.objects.filter(pk=ids[0]).only(*TOKEN_USER_FIELDS).order_by()[:1],
    User._meta.pk,
)


def user_for_token(user_id) -> User | None:
    """The user a valid access token names, by primary key, with ``TOKEN_USER_FIELDS`` only
    (runs on every authenticated request: compiled once, see ``deltalabs.prepared``)."""
    users = _USER_FOR_TOKEN.objects([user_id])
    return users[0] if users else None


def user_by_email(email: str) -> User | None:
    return User.objects.filter(email=normalize_email(email)).first()


def users_by_ids(user_ids: list[UUID]) -> dict[UUID, User]:
    return {user.pk: user for user in User.objects.filter(pk__in=list(user_ids))}


def user_ids_with_email_prefix(prefix: str, *, limit: int) -> list[UUID]:
    """At most ``limit`` ids of users whose email starts with ``prefix`` (admin
    search: an indexed prefix match, no join)."""
    return list(User.objects.filter(email__startswith=prefix.lower()).order_by().values_list("id", flat=True)[:limit])


def user_email_exists(email: str) -> bool:
    return User.objects.filter(email=normalize_email(email)).exists()


def token_is_revoked(jti: str) -> bool:
    return RevokedToken.objects.filter(jti=jti).exists()


def token_revoke(*, jti: str, user_id: UUID, expires_at: datetime) -> RevokedToken:
    return RevokedToken.objects.create(jti=jti, user_id=user_id, expires_at=expires_at)


def revoked_tokens_delete_expired(now: datetime) -> int:
    deleted, _ = RevokedToken.objects.filter(expires_at__lt=now).delete()
    return deleted


def users_joined_since(since: datetime) -> int:
    return User.objects.filter(date_joined__gte=since).count()


# --- Staff roles ----------------------------------------------------------------


def group_get_or_create(name: str) -> Group:
    group, _ = Group.objects.get_or_create(name=name)
    return group


def groups_by_names(names: list[str]) -> dict[str, Group]:
    return {group.name: group for group in Group.objects.filter(name__in=names)}


def permissions_by_names(names: list[str]) -> dict[str, Permission]:
    """``{"app_label.codename": Permission}`` for the given names that exist."""
    app_labels = {name.split(".", 1)[0] for name in names}
    codenames = {name.split(".", 1)[1] for name in names}
    rows = Permission.objects.filter(content_type__app_label__in=app_labels, codename__in=codenames).select_related(
        "content_type"
    )
    return {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in rows
        if f"{p.content_type.app_label}.{p.codename}" in names
    }


def group_permission_ids(group: Group) -> set:
    return set(group.permissions.values_list("pk", flat=True))


def user_group_ids(user_id: UUID) -> set:
    return set(UserGroup.objects.filter(user_id=user_id).values_list("group_id", flat=True))


def user_groups_add(user_id: UUID, group_ids: set) -> None:
    UserGroup.objects.bulk_create([UserGroup(user_id=user_id, group_id=group_id) for group_id in group_ids])


def user_groups_remove(user_id: UUID, group_ids: set) -> None:
    UserGroup.objects.filter(user_id=user_id, group_id__in=group_ids).delete()
