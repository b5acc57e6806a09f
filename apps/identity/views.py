"""Identity endpoints: validate input, call one service, render the result."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from apps.identity import outputs, serializers, services
from deltalabs.api import ApiView, NoStoreMixin
from deltalabs.ratelimit import AuthRateThrottle, DefaultRateThrottle


def _session_body(user, tokens) -> dict:
    return outputs.SessionOutput({"access": tokens.access, "refresh": tokens.refresh, "user": user}).data


class RegisterView(NoStoreMixin, ApiView):
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle, DefaultRateThrottle]

    @extend_schema(
        request=serializers.RegisterInput,
        responses={201: outputs.SessionOutput},
        summary="Create an account",
        description="Returns the new user with an access and a refresh token. 409 `email_taken` for a used email.",
        tags=["auth"],
    )
    def post(self, request):
        data = serializers.RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user, tokens = services.user_register(**data.validated_data)
        return Response(_session_body(user, tokens), status=status.HTTP_201_CREATED)


class LoginView(NoStoreMixin, ApiView):
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle, DefaultRateThrottle]

    @extend_schema(
        request=serializers.LoginInput,
        responses={200: outputs.SessionOutput},
        summary="Sign in",
        description="401 `invalid_credentials` for any wrong email/password combination.",
        tags=["auth"],
    )
    def post(self, request):
        data = serializers.LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user, tokens = services.auth_login(**data.validated_data)
        return Response(_session_body(user, tokens))


class RefreshView(NoStoreMixin, ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        request=serializers.RefreshInput,
        responses={200: outputs.TokenPairOutput},
        summary="Rotate tokens",
        description="Returns a new pair; the refresh token sent is revoked and answers 401 `token_invalid` if reused.",
        tags=["auth"],
    )
    def post(self, request):
        data = serializers.RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        tokens = services.token_refresh(refresh=data.validated_data["refresh"])
        return Response(outputs.TokenPairOutput(tokens).data)


class LogoutView(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        request=serializers.RefreshInput,
        responses={204: None},
        summary="Sign out",
        description="Revokes the refresh token.",
        tags=["auth"],
    )
    def post(self, request):
        data = serializers.RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.auth_logout(refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: outputs.UserSerializer}, summary="The signed-in user", tags=["users"])
    def get(self, request):
        return Response(outputs.render_user(request.user))

    @extend_schema(
        request=serializers.ProfileUpdateInput,
        responses={200: outputs.UserSerializer},
        summary="Update your profile",
        description="Only display_name, bio and timezone change; other fields are ignored.",
        tags=["users"],
    )
    def patch(self, request):
        data = serializers.ProfileUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = services.user_update_profile(
            actor=request.user,
            display_name=values.get("display_name"),
            bio=values.get("bio"),
            timezone_name=values.get("timezone"),
        )
        return Response(outputs.UserSerializer(user).data)
