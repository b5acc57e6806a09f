"""Request shapes of the course Q&A API (docs/api.md, Engagement); responses
are rendered by ``apps.engagement.outputs``."""

from __future__ import annotations

from rest_framework import serializers

from deltalabs.inputs import InputSerializer


class QuestionListQuery(serializers.Serializer):
    lesson = serializers.UUIDField(required=False)


class QuestionCreateInput(InputSerializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=10_000)
    lesson_id = serializers.UUIDField(required=False, allow_null=True)


class AnswerListQuery(serializers.Serializer):
    question = serializers.UUIDField(required=False)


class AnswerCreateInput(InputSerializer):
    question_id = serializers.UUIDField()
    body = serializers.CharField(max_length=10_000)


class AcceptInput(InputSerializer):
    answer_id = serializers.UUIDField()


class HideInput(InputSerializer):
    hidden = serializers.BooleanField(default=True)
