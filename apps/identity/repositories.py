"""Queries of the identity domain. No rules, no permissions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from apps.identity.models import RevokedToken, User, normalize_email


def user_get(user_id: UUID) -> User | None:
    return User.objects.filter(pk=user_id).first()


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
