"""Request and response shapes of the assessment API.

Learner shapes (``Learner*``) have no ``answer_key`` field at all, so a key
cannot leak through them whatever the data; the ``Instructor*`` shapes add it.
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.assessment.models import Assessment, AssessmentItem, Submission
from apps.assessment.services import MAX_TEXT_ANSWER


class PersonSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    display_name = serializers.CharField(read_only=True)


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


def _is_choice_index(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 0, "description": "A choice index."},
            {
                "type": "array",
                "items": {"type": "integer", "minimum": 0},
                "minItems": 1,
                "uniqueItems": True,
                "description": "Distinct choice indices.",
            },
            {"type": "string", "maxLength": MAX_TEXT_ANSWER, "description": "A text answer."},
        ]
    }
)
class AnswerField(serializers.Field):
    """One answer as JSON gives it: a choice index, a list of distinct indices
    or a text. Whether it fits its item (kind, index range) is the service's
    check; anything of another shape (null, a boolean, an object) is refused
    here."""

    default_error_messages = {
        "invalid": (
            f"An answer is a choice index, a non-empty list of distinct choice indices, "
            f"or a text of at most {MAX_TEXT_ANSWER} characters."
        )
    }

    def to_internal_value(self, data):
        if _is_choice_index(data) or (isinstance(data, str) and len(data) <= MAX_TEXT_ANSWER):
            return data
        if isinstance(data, list) and data and all(map(_is_choice_index, data)) and len(set(data)) == len(data):
            return data
        self.fail("invalid")

    def to_representation(self, value):
        return value


class SubmissionCreateInput(serializers.Serializer):
    answers = serializers.DictField(
        child=AnswerField(),
        allow_empty=True,
        help_text="{item_id: answer}: a choice index (or list) or text.",
    )


class SubmissionGradeInput(serializers.Serializer):
    score = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=Decimal(0), required=False)
    feedback = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


class SubmissionListQuery(serializers.Serializer):
    course = serializers.UUIDField(required=False)


class AssessmentSubmissionListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Submission.Status.choices, required=False)


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
