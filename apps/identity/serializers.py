"""Request shapes of the identity API (docs/api.md, Identity); responses are
rendered by ``apps.identity.outputs``."""

from rest_framework import serializers


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    display_name = serializers.CharField(max_length=120)


class LoginInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class ProfileUpdateInput(serializers.Serializer):
    """Only these fields are writable; anything else sent is ignored."""

    display_name = serializers.CharField(max_length=120, required=False)
    bio = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False)
