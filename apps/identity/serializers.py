"""Request shapes of the identity API (docs/api.md, Identity); responses are
rendered by ``apps.identity.outputs``."""

from rest_framework import serializers

from deltalabs.inputs import InputSerializer


class RegisterInput(InputSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    display_name = serializers.CharField(max_length=120)


class LoginInput(InputSerializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class RefreshInput(InputSerializer):
    refresh = serializers.CharField(max_length=4096)


class ProfileUpdateInput(InputSerializer):
    """Only these fields are writable; anything else sent is ignored."""

    display_name = serializers.CharField(max_length=120, required=False)
    bio = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False)
