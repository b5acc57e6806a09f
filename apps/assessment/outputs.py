"""How assessments, submissions and grades are rendered (docs/api.md, Assessment).

Learner shapes (``Learner*``) have no ``answer_key`` field at all, so a key
cannot leak through them whatever the data; the ``Instructor*`` shapes add it.
The assistant's grade tool renders through ``LearnerGradesSerializer`` too.
"""

from __future__ import annotations

from rest_framework import serializers

from apps.assessment.models import Assessment, AssessmentItem, Submission
from apps.identity.outputs import PersonSerializer


class LearnerItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentItem
        fields = ["id", "position", "kind", "prompt", "choices", "points"]
        read_only_fields = fields


class InstructorItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentItem
        fields = [*LearnerItemSerializer.Meta.fields, "answer_key"]
        read_only_fields = fields


_ASSESSMENT_FIELDS = [
    "id",
    "course",
    "title",
    "description",
    "kind",
    "weight",
    "max_score",
    "due_at",
    "is_published",
    "position",
    "items",
]


class LearnerAssessmentSerializer(serializers.ModelSerializer):
    course = serializers.UUIDField(source="course_id", read_only=True)
    items = LearnerItemSerializer(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = _ASSESSMENT_FIELDS
        read_only_fields = fields


class InstructorAssessmentSerializer(LearnerAssessmentSerializer):
    items = InstructorItemSerializer(many=True, read_only=True)

    class Meta(LearnerAssessmentSerializer.Meta):
        pass


class SubmissionSerializer(serializers.ModelSerializer):
    """A submission as its owner, the course's instructors and staff see it:
    the answers given, never the key."""

    assessment = serializers.UUIDField(source="assessment_id", read_only=True)
    course = serializers.UUIDField(source="course_id", read_only=True)
    user = PersonSerializer(read_only=True)
    graded_by = PersonSerializer(read_only=True, allow_null=True)
    answers = serializers.JSONField(read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "assessment",
            "course",
            "user",
            "answers",
            "auto_score",
            "score",
            "status",
            "feedback",
            "is_late",
            "submitted_at",
            "graded_at",
            "graded_by",
        ]
        read_only_fields = fields


class GradeEntrySerializer(serializers.Serializer):
    assessment_id = serializers.UUIDField()
    title = serializers.CharField()
    weight = serializers.DecimalField(max_digits=7, decimal_places=2)
    max_score = serializers.DecimalField(max_digits=7, decimal_places=2)
    due_at = serializers.DateTimeField(allow_null=True)
    submission_id = serializers.UUIDField(allow_null=True)
    score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    status = serializers.ChoiceField(choices=["graded", "submitted", "not_submitted"])
    is_late = serializers.BooleanField()


class LearnerGradesSerializer(serializers.Serializer):
    user = PersonSerializer()
    assessments = GradeEntrySerializer(many=True)
    course_grade = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="Weighted grade in percent (0-100)."
    )
