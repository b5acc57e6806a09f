"""Request and response shapes of the course Q&A API."""

from __future__ import annotations

from rest_framework import serializers

from apps.engagement.models import Answer, Question


class AuthorSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    display_name = serializers.CharField(read_only=True)


class QuestionSerializer(serializers.ModelSerializer):
    course = serializers.UUIDField(source="course_id", read_only=True)
    lesson = serializers.UUIDField(source="lesson_id", read_only=True, allow_null=True)
    accepted_answer = serializers.UUIDField(source="accepted_answer_id", read_only=True, allow_null=True)
    author = AuthorSerializer(read_only=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "course",
            "author",
            "title",
            "body",
            "lesson",
            "created_at",
            "answer_count",
            "accepted_answer",
            "is_hidden",
        ]
        read_only_fields = fields


class AnswerSerializer(serializers.ModelSerializer):
    question = serializers.UUIDField(source="question_id", read_only=True)
    author = AuthorSerializer(read_only=True)

    class Meta:
        model = Answer
        fields = ["id", "question", "author", "body", "is_instructor", "created_at", "is_hidden"]
        read_only_fields = fields


class QuestionListQuery(serializers.Serializer):
    lesson = serializers.UUIDField(required=False)


class QuestionCreateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=10_000)
    lesson_id = serializers.UUIDField(required=False, allow_null=True)


class AnswerListQuery(serializers.Serializer):
    question = serializers.UUIDField(required=False)


class AnswerCreateInput(serializers.Serializer):
    question_id = serializers.UUIDField()
    body = serializers.CharField(max_length=10_000)


class AcceptInput(serializers.Serializer):
    answer_id = serializers.UUIDField()


class HideInput(serializers.Serializer):
    hidden = serializers.BooleanField(default=True)
