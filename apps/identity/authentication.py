"""JWT bearer authentication for DRF (simplejwt), with our error codes.

Any presented token must be valid, even on public routes: a bad, expired,
tampered or ``alg: none`` token is 401 ``token_invalid``; so is a token of a
deactivated user. The scheme name is case-insensitive, as HTTP says
(``Bearer``, ``bearer``, ``BEARER``).

The token's user is read by primary key with only the columns API requests
use (``repositories.user_for_token``): no password hash, one indexed lookup.

A worker verifies the same access token once (``_verified``): its signature,
type and claims cannot change, so the checked token is remembered by its
bytes. Only its expiry can, and is checked on every request; an expired
token is verified again from scratch, so it fails with simplejwt's own error.
Access tokens are not revocable (only refresh tokens are, in ``RevokedToken``),
and the user is still read on every request, so a deactivated user is
refused at once.
"""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

from apps.identity import repositories
from deltalabs import request_context

_SCHEMES = {scheme.lower().encode() for scheme in api_settings.AUTH_HEADER_TYPES}


@functools.lru_cache(maxsize=4096)
def _verified(raw_token: bytes) -> Token:
    """simplejwt's verified token for these bytes, once per worker (a bad
    token raises and is not remembered). Verifying cost a tenth of
    ``GET /v1/users/me``; clients send the same token for its whole lifetime."""
    return SimpleJWTAuthentication().get_validated_token(raw_token)


@receiver(setting_changed)
def _forget_verified(*, setting: str, **kwargs) -> None:
    if setting == "SIMPLE_JWT":  # another key or algorithm (tests): verify again
        _verified.cache_clear()


class JWTAuthentication(SimpleJWTAuthentication):
    www_authenticate_realm = "api"

    def get_raw_token(self, header: bytes) -> bytes | None:
        """The token of ``Authorization: <scheme> <token>`` whatever the
        scheme's case (simplejwt compares it case-sensitively, so ``bearer
        <invalid>`` was read as anonymous on public routes). Another scheme is
        not ours: no token."""
        parts = header.split()
        if not parts or parts[0].lower() not in _SCHEMES:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                _("Authorization header must contain two space-delimited values"), code="bad_authorization_header"
            )
        return parts[1]

    def get_validated_token(self, raw_token: bytes) -> Token:
        token = _verified(raw_token)
        try:
            token.check_exp(current_time=aware_utcnow())
        except TokenError:
            # Expired since it was remembered: verify afresh for simplejwt's error.
            return super().get_validated_token(raw_token)
        return token

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            request_context.set_user_id(str(result[0].pk))
        return result

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError:
            raise InvalidToken(_("Token contained no recognizable user identification")) from None
        try:
            user = repositories.user_for_token(user_id)
        except (ValidationError, ValueError, TypeError):  # a signed token whose claim is not an id
            user = None
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        return user
