"""How identity's objects are rendered (docs/api.md, Identity): the user, the
token pair, and a person named inside another app's object."""

from rest_framework import serializers

from apps.identity.models import User


class PersonSerializer(serializers.Serializer):
    """Someone named inside another object (an author, a grader, a learner): id and display name only."""

    id = serializers.UUIDField(read_only=True)
    display_name = serializers.CharField(read_only=True)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "display_name", "bio", "timezone", "date_joined", "is_staff"]
        read_only_fields = fields


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class SessionOutput(TokenPairOutput):
    user = UserSerializer()


_user = UserSerializer()  # fields built once per process: they do not depend on the request


def render_user(user) -> dict:
    """``UserSerializer(user).data``, without building the serializer per request."""
    return _user.to_representation(user)
