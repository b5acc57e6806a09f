"""How the course Q&A is rendered (docs/api.md, Engagement)."""

from __future__ import annotations

from rest_framework import serializers

from apps.engagement.models import Answer, Question
from apps.identity.outputs import PersonSerializer


class QuestionSerializer(serializers.ModelSerializer):
    course = serializers.UUIDField(source="course_id", read_only=True)
    lesson = serializers.UUIDField(source="lesson_id", read_only=True, allow_null=True)
    accepted_answer = serializers.UUIDField(source="accepted_answer_id", read_only=True, allow_null=True)
    author = PersonSerializer(read_only=True)

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
    author = PersonSerializer(read_only=True)

    class Meta:
        model = Answer
        fields = ["id", "question", "author", "body", "is_instructor", "created_at", "is_hidden"]
        read_only_fields = fields
