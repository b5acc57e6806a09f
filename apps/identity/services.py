"""Identity use cases: registration, login, token rotation and revocation, profile.

Refresh tokens rotate on every use: the presented token is revoked (a row in
``RevokedToken`` with its unique ``jti``) in the same step that issues the new
pair, so a stolen refresh token works at most once and never after logout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from apps.identity import repositories, roles
from apps.identity.errors import IdentityErrorCode
from apps.identity.models import User, normalize_email, validate_timezone
from deltalabs.db import atomic
from deltalabs.errors import Conflict, ErrorCode, NotAuthenticated, ValidationFailed
from deltalabs.permissions import require_staff_permission


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def is_signed_in(actor) -> bool:
    """An authenticated actor (not anonymous, not missing)."""
    return actor is not None and actor.is_authenticated


def require_user(actor) -> None:
    """The first line of every service that acts for a user (public reads
    excepted): without a signed-in actor, 401 ``not_authenticated``, before
    anything is looked up. REST views gate this already; the services hold it
    for every other caller (assistant tools, admin, commands)."""
    if not is_signed_in(actor):
        raise NotAuthenticated(ErrorCode.NOT_AUTHENTICATED, "Sign in first.")


def is_staff(user) -> bool:
    """Active staff (docs/api.md, Authentication and roles): admin access and
    staff reads. What they may change is their roles' business
    (``deltalabs.permissions.staff_can``)."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def tokens_for(user: User) -> TokenPair:
    refresh = RefreshToken.for_user(user)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def user_register(*, email: str, password: str, display_name: str) -> tuple[User, TokenPair]:
    """Create a learner account and sign it in. Raises ``email_taken`` (409)."""
    email = normalize_email(email)
    candidate = User(email=email, display_name=display_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationFailed("The password is too weak.", {"password": list(exc.messages)}) from None
    if repositories.user_email_exists(email):
        raise Conflict(IdentityErrorCode.EMAIL_TAKEN, "An account with this email already exists.")
    try:
        with atomic():
            user = User.objects.create_user(email=email, password=password, display_name=display_name)
    except IntegrityError:
        # Two registrations raced; the unique index let exactly one through.
        raise Conflict(IdentityErrorCode.EMAIL_TAKEN, "An account with this email already exists.") from None
    return user, tokens_for(user)


def auth_login(*, email: str, password: str) -> tuple[User, TokenPair]:
    """Check credentials. The same error for an unknown email and a wrong
    password (and an inactive account), so accounts cannot be enumerated."""
    user = authenticate(username=normalize_email(email), password=password)
    if user is None:
        raise NotAuthenticated(IdentityErrorCode.INVALID_CREDENTIALS, "The email or password is incorrect.")
    return user, tokens_for(user)


def _parse_refresh(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)
    except TokenError:
        raise NotAuthenticated(ErrorCode.TOKEN_INVALID, "The refresh token is invalid or expired.") from None


def _revoke(token: RefreshToken) -> None:
    """Revoke ``token``; raises ``token_invalid`` if it was already revoked."""
    expires_at = datetime.fromtimestamp(token["exp"], tz=UTC)
    try:
        with atomic():
            repositories.token_revoke(jti=token["jti"], user_id=token["user_id"], expires_at=expires_at)
    except IntegrityError:
        raise NotAuthenticated(ErrorCode.TOKEN_INVALID, "The refresh token has been revoked.") from None


def token_refresh(*, refresh: str) -> TokenPair:
    """Rotate: revoke the presented refresh token and issue a new pair."""
    token = _parse_refresh(refresh)
    if repositories.token_is_revoked(token["jti"]):
        raise NotAuthenticated(ErrorCode.TOKEN_INVALID, "The refresh token has been revoked.")
    user = repositories.user_get(token["user_id"])
    if user is None or not user.is_active:
        raise NotAuthenticated(ErrorCode.TOKEN_INVALID, "The refresh token is invalid or expired.")
    # The unique jti makes this the decision point when two refreshes race.
    _revoke(token)
    return tokens_for(user)


def auth_logout(*, refresh: str) -> None:
    """Revoke a refresh token. Logging out twice is not an error."""
    token = _parse_refresh(refresh)
    if repositories.token_is_revoked(token["jti"]):
        return
    try:
        _revoke(token)
    except NotAuthenticated:
        return  # revoked concurrently: the outcome the caller wanted


def user_update_profile(
    *, actor: User, display_name: str | None = None, bio: str | None = None, timezone_name: str | None = None
) -> User:
    """Change the caller's own profile. Roles, staff flags and email
    verification are not changeable here."""
    require_user(actor)
    changes: dict[str, str] = {}
    if display_name is not None:
        changes["display_name"] = display_name
    if bio is not None:
        changes["bio"] = bio
    if timezone_name is not None:
        try:
            validate_timezone(timezone_name)
        except ValidationError:
            raise ValidationFailed(
                "Unknown time zone.",
                {"timezone": ["Use an IANA time zone such as Europe/Paris."]},
                code=IdentityErrorCode.INVALID_TIMEZONE,
            ) from None
        changes["timezone"] = timezone_name
    if changes:
        with atomic():
            User.objects.filter(pk=actor.pk).update(**changes)
        for field, value in changes.items():
            setattr(actor, field, value)
    return actor


def revoked_tokens_cleanup() -> int:
    """Delete revocation rows whose tokens have expired anyway (Celery beat)."""
    return repositories.revoked_tokens_delete_expired(timezone.now())


# --- Staff roles ------------------------------------------------------------------


@dataclass(frozen=True)
class RolesSynced:
    created: list[str]
    updated: list[str]


def roles_sync() -> RolesSynced:
    """Create the staff roles of ``apps.identity.roles`` as Django groups and
    give each exactly its permissions (an operator step: ``manage.py
    sync_roles``, the seed and the release run it). Idempotent: a second run
    changes nothing. Permissions are created by ``migrate``; a role naming
    one that does not exist is a programming error (``LookupError``).
    """
    wanted = {name for role in roles.ROLES for name in role.permissions}
    found = repositories.permissions_by_names(sorted(wanted))
    missing = sorted(wanted - set(found))
    if missing:
        raise LookupError(f"Unknown permissions in apps.identity.roles (run migrate first?): {', '.join(missing)}")
    existing = repositories.groups_by_names([role.name for role in roles.ROLES])
    created, updated = [], []
    with atomic():
        for role in roles.ROLES:
            group = existing.get(role.name) or repositories.group_get_or_create(role.name)
            if role.name not in existing:
                created.append(role.name)
            permission_ids = {found[name].pk for name in role.permissions}
            if repositories.group_permission_ids(group) != permission_ids:
                group.permissions.set(permission_ids)
                if role.name in existing:
                    updated.append(role.name)
    return RolesSynced(created=created, updated=updated)


def staff_roles_set(*, actor, user_id, group_ids: list) -> None:
    """Give a user exactly these roles (groups). Only staff who may change
    users (``identity.change_user``: superusers; no role grants it) hand out
    roles, so nobody raises their own powers. The admin's user page calls
    this and records the change in the audit trail."""
    require_user(actor)
    require_staff_permission(actor, "identity.change_user", "Your staff role does not allow giving roles.")
    _user_groups_set(user_id=user_id, group_ids=set(group_ids))


def staff_roles_grant(*, user_id: UUID, role_keys: list[str]) -> None:
    """Give a user exactly these staff roles: an operator step for the seed
    and tests (no actor). Roles are synced first, so the groups exist.
    ``KeyError`` for an unknown role."""
    role_names = [roles.ROLES_BY_KEY[key].name for key in role_keys]
    roles_sync()
    groups = repositories.groups_by_names(role_names)
    _user_groups_set(user_id=user_id, group_ids={group.pk for group in groups.values()})


def _user_groups_set(*, user_id, group_ids: set) -> None:
    current = repositories.user_group_ids(user_id)
    with atomic():
        repositories.user_groups_remove(user_id, current - group_ids)
        repositories.user_groups_add(user_id, group_ids - current)
