"""JWT bearer authentication for DRF (simplejwt), with our error codes.

Any presented token must be valid, even on public routes: a bad, expired,
tampered or ``alg: none`` token is 401 ``token_invalid``; so is a token of a
deactivated user.
"""

from __future__ import annotations

from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication

from deltalabs import request_context


class JWTAuthentication(SimpleJWTAuthentication):
    www_authenticate_realm = "api"

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            request_context.set_user_id(str(result[0].pk))
        return result
